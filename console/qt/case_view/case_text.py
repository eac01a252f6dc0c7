"""The text of a case in the detail pane: the state colours, stored times and sizes as the
operator reads them, and one audit row on one line. Pure functions and tables, no widgets:
the pane and its sections share them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from console.core.incidents.model import AuditEntry, Incident

STATE_COLOURS = {
    "reported": "#ff6b6b",
    "accepted": "#f5c04a",
    "opened": "#f18f3b",
    "dispatched": "#4cc38a",
    "signed": "#3fb950",
    "in_hand": "#2f81f7",
    "handled": "#a371f7",
    "verified": "#56d4dd",
    "pending": "#9aa4b2",
}
FINAL_COLOUR = "#7d8590"
SKIPPED_PARAMS = frozenset({"reason", "note", "text"})


def format_time(ts: float, tz: dt.tzinfo | None = None) -> str:
    """A stored time in the city's zone (the process zone when ``tz`` is None)."""
    return f"{dt.datetime.fromtimestamp(ts, tz):%m-%d %H:%M:%S}"


def format_size(size: int) -> str:
    """Bytes as B / KiB / MiB."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KiB"
    return f"{size / (1024 * 1024):.1f} MiB"


def describe_entry(entry: AuditEntry) -> str:
    """The reason and the other parameters of an audit row, on one line."""
    params = entry.detail.get("params", {}) if isinstance(entry.detail, dict) else {}
    extra = [
        f"{k}={v}" for k, v in params.items() if k not in SKIPPED_PARAMS and v not in ("", None)
    ]
    return " · ".join([p for p in [entry.reason, ", ".join(extra)] if p])


def case_path_text(case: Incident, name_of: Callable[[str], str]) -> str:
    """The case's divisions, city first ('outside the city' when it has none)."""
    if case.path is None:
        return "outside the city"
    return " › ".join(name_of(code) for code in reversed(case.path.chain()))
