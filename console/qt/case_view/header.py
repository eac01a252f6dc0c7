"""The header of the case detail pane: the shown case's number, priority, state badge and
title, its citizen and department clocks, who else has it open, its facts (path, responsible
unit, handler, counters, resolution) and the Neighbouring centres section below them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from console.core.incidents.clocks import (
    CaseClock,
    ClockColour,
    citizen_clock,
    clock_colour,
    department_clock,
    format_duration,
)
from console.core.incidents.model import Incident
from console.qt.case_view.case_text import FINAL_COLOUR, STATE_COLOURS, case_path_text
from console.qt.case_view.neighbours import NeighbourCentres

CLOCK_COLOURS = {
    ClockColour.IDLE: "#7d8590",
    ClockColour.OK: "#4cc38a",
    ClockColour.AMBER: "#f5a524",
    ClockColour.RED: "#ff4d4f",
}


class CaseHeader(QWidget):
    """Title, clocks, other viewers, facts and neighbouring centres of the shown case."""

    def __init__(self, tz: dt.tzinfo | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(wordWrap=True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.clocks = QLabel()
        self.viewers = QLabel(objectName="caseViewers", wordWrap=True)
        self.viewers.setStyleSheet("QLabel#caseViewers { color: #fbbf24; font-weight: 600; }")
        self.viewers.hide()
        self.facts = QLabel(wordWrap=True)
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        header_layout = QVBoxLayout(self)
        header_layout.setContentsMargins(2, 2, 2, 2)
        header_layout.setSpacing(3)
        self.region_box = NeighbourCentres(tz)
        for widget in (self.title, self.clocks, self.viewers, self.facts, self.region_box):
            header_layout.addWidget(widget)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

    def show_case(self, case: Incident, name_of: Callable[[str], str]) -> None:
        """The title and facts of ``case`` (``name_of``: a division's name by its code)."""
        colour = FINAL_COLOUR if case.status.is_final else STATE_COLOURS.get(case.status, "#d0d7de")
        badge = (
            f"<span style='background:{colour}; color:#0d1117; font-weight:600'>"
            f"&nbsp;{case.status.label}&nbsp;</span>"
        )
        self.title.setText(
            f"<span style='font-size:14px'><b>#{case.id}</b> · P{case.priority}</span> {badge}"
            f"<br><b>{case.title}</b><br><span style='color:#9aa4b2'>{case.title_en}</span>"
        )
        path = case_path_text(case, name_of)
        counts = [
            ("dispatches", case.dispatch_count),
            ("bounces", case.bounce_count),
            ("reworks", case.rework_count),
            ("extensions", case.extension_count),
            ("escalations", case.escalation_count),
            ("alerts", case.alert_count),
            ("merged in", case.merged_count),
            ("repeats", case.repeat_count),
        ]
        merged = f" · merged into <b>#{case.merged_into}</b>" if case.merged_into else ""
        self.facts.setText(
            f"<b>Path</b> {path}<br>"
            f"<b>Responsible</b> {case.responsible_unit} ({case.responsible_level.label})"
            f" · <b>Handler</b> {case.handler or '—'}{merged}<br>"
            + " · ".join(f"{name} {count}" for name, count in counts)
            + (f"<br><b>Resolution</b> {case.resolution}" if case.resolution else "")
        )

    def show_clocks(self, case: Incident, now: float, warn: float) -> None:
        """The citizen and department clocks of ``case`` at ``now`` (``warn``: amber from)."""
        parts = [
            _clock_html("Citizen", citizen_clock(case), now, warn),
            _clock_html("Department", department_clock(case), now, warn),
        ]
        self.clocks.setText("&nbsp;&nbsp;&nbsp;".join(parts))


def _clock_html(name: str, clock: CaseClock | None, now: float, warn: float) -> str:
    colour = CLOCK_COLOURS[clock_colour(clock, now, warn)]
    if clock is None:
        return f"<span style='color:{colour}'>{name}: not started</span>"
    elapsed = format_duration(clock.elapsed(now))
    limit = format_duration(clock.limit_s)
    left = clock.remaining(now)
    tail = f"{format_duration(left)} left" if left >= 0 else f"{format_duration(-left)} over"
    stopped = " (stopped)" if clock.stopped_at is not None else ""
    return (
        f"<span style='color:{colour}'><b>{name}</b> {elapsed} / {limit} · {tail}{stopped}</span>"
    )
