"""The sparse side of a recording, held whole: every case version, alarm and warning.

Read once when a recording opens (only the recording's EVENTS stream, a few
megabytes a day), it answers what review needs at any moment without touching
the dense position and sensor data: the cases as stored at a time, the marks the
timeline draws, and the sparse events of a window.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass

from console.core.events import (
    ALARM_TOPICS,
    BridgeWarning,
    Event,
    IncidentChanged,
)
from console.core.incidents.model import Incident, IncidentError
from console.core.incidents.snapshot import case_from_snapshot

log = logging.getLogger(__name__)

STATE_TOPICS: tuple[str, ...] = (BridgeWarning.TOPIC,)
"""Sparse topics whose newest event per key is still in force later (a sensor's level)."""


@dataclass(frozen=True, slots=True)
class CaseMark:
    """A case opened at ``at``: what the timeline draws."""

    at: float
    incident_id: int
    priority: int
    title: str


@dataclass(frozen=True, slots=True)
class CaseVersion:
    """One recorded change of a case: when, who, what, why, and the case after it."""

    at: float
    action: str
    actor: str
    reason: str
    case: Incident


class ReviewTimeline:
    """The sparse events of a recording (``(time, event)`` in time order) and their indexes."""

    def __init__(self, records: Iterable[tuple[float, Event]]) -> None:
        self.times: list[float] = []
        self.events: list[Event] = []
        self.versions: dict[int, list[CaseVersion]] = {}
        """Every recorded version of each case, oldest first."""
        self.marks: list[CaseMark] = []
        self.unreadable = 0
        """Case changes recorded without a readable snapshot (skipped)."""
        for at, event in records:
            self.times.append(at)
            self.events.append(event)
            if isinstance(event, IncidentChanged):
                self._add_version(at, event)

    def _add_version(self, at: float, event: IncidentChanged) -> None:
        try:
            case = case_from_snapshot(event.case)
        except IncidentError as error:
            self.unreadable += 1
            log.warning("recorded change of case %s skipped: %s", event.incident_id, error)
            return
        history = self.versions.setdefault(case.id, [])
        if not history:
            self.marks.append(CaseMark(at, case.id, case.priority, case.title_en or case.title))
        history.append(CaseVersion(at, event.action, event.actor, event.reason, case))

    def cases_at(self, at: float) -> list[Incident]:
        """Every case as it was stored at ``at`` (those opened by then), by id."""
        found = []
        for case_id in sorted(self.versions):
            history = self.versions[case_id]
            position = bisect.bisect_right(history, at, key=_version_time)
            if position:
                found.append(history[position - 1].case)
        return found

    def changes_until(self, at: float) -> Iterator[CaseVersion]:
        """Every case change up to ``at``, case by case, oldest first within a case."""
        for case_id in sorted(self.versions):
            for version in self.versions[case_id]:
                if version.at > at:
                    break
                yield version

    def between(self, t0: float, t1: float) -> Iterator[tuple[float, Event]]:
        """The sparse events with ``t0 < time <= t1``, in recorded order."""
        start = bisect.bisect_right(self.times, t0)
        stop = bisect.bisect_right(self.times, t1)
        for position in range(start, stop):
            yield self.times[position], self.events[position]

    def state_before(self, at: float, topics: tuple[str, ...] = STATE_TOPICS) -> list[Event]:
        """The newest event per key of ``topics`` at or before ``at`` (levels in force)."""
        newest: dict[tuple[str, Hashable], Event] = {}
        stop = bisect.bisect_right(self.times, at)
        for event in self.events[:stop]:
            if event.TOPIC in topics:
                newest[(event.TOPIC, event.key())] = event
        return list(newest.values())

    def alarm_count(self) -> int:
        """Alarms in the whole recording."""
        return sum(1 for event in self.events if event.TOPIC in ALARM_TOPICS)


def _version_time(version: CaseVersion) -> float:
    return version.at
