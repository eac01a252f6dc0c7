"""Patrol compliance: checkpoints confirmed, anomalies found and missed, per operator and shift.

``confirmed`` counts checkpoints confirmed in time (nothing found or an anomaly),
so ``confirmed + missed == total`` and ``rate = confirmed / total``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from console.core.patrol.model import Outcome, PatrolEntry


@dataclass(frozen=True, slots=True)
class ComplianceRow:
    """One operator's checkpoints in one shift (on the day the shift started)."""

    operator: str
    shift_day: date
    shift_id: str
    confirmed: int
    anomalies: int
    missed: int
    total: int
    rate: float
    """Confirmed in time, as a fraction of the total (0..1)."""


@dataclass(frozen=True, slots=True)
class ComplianceTotals:
    """The sums over rows of a report."""

    confirmed: int
    anomalies: int
    missed: int
    total: int
    rate: float
    """Confirmed in time, as a fraction of the total (0 when there is none)."""


def compliance(entries: Iterable[PatrolEntry]) -> list[ComplianceRow]:
    """One row per operator, shift and shift day, sorted by day, shift (in the order the
    shifts came that day) and operator."""
    counts: dict[tuple[date, str, str], list[int]] = {}
    first_seen: dict[tuple[date, str], float] = {}
    for entry in entries:
        shift_key = (entry.shift_day, entry.shift_id)
        first_seen[shift_key] = min(first_seen.get(shift_key, entry.shown_at), entry.shown_at)
        row = counts.setdefault((entry.shift_day, entry.shift_id, entry.operator), [0, 0, 0])
        if entry.outcome is Outcome.MISSED:
            row[2] += 1
        else:
            row[0] += 1
            if entry.outcome is Outcome.ANOMALY:
                row[1] += 1
    ordered = sorted(counts, key=lambda k: (k[0], first_seen[(k[0], k[1])], k[1], k[2]))
    rows = []
    for day, shift_id, operator in ordered:
        confirmed, anomalies, missed = counts[(day, shift_id, operator)]
        total = confirmed + missed
        rows.append(
            ComplianceRow(
                operator=operator,
                shift_day=day,
                shift_id=shift_id,
                confirmed=confirmed,
                anomalies=anomalies,
                missed=missed,
                total=total,
                rate=confirmed / total,
            )
        )
    return rows


def totals(rows: Sequence[ComplianceRow]) -> ComplianceTotals:
    """The sums of ``rows`` and the overall rate."""
    confirmed = sum(row.confirmed for row in rows)
    missed = sum(row.missed for row in rows)
    total = confirmed + missed
    return ComplianceTotals(
        confirmed=confirmed,
        anomalies=sum(row.anomalies for row in rows),
        missed=missed,
        total=total,
        rate=confirmed / total if total else 0.0,
    )


def by_operator(rows: Sequence[ComplianceRow]) -> dict[str, ComplianceTotals]:
    """Each operator's totals over all their shifts in ``rows`` (operators sorted)."""
    grouped: dict[str, list[ComplianceRow]] = {}
    for row in rows:
        grouped.setdefault(row.operator, []).append(row)
    return {operator: totals(grouped[operator]) for operator in sorted(grouped)}
