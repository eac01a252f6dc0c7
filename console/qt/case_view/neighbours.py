"""The Neighbouring centres section of the case detail pane: one coloured line per hand-off of
the shown case to or from a neighbouring centre (hidden when there is none), re-read every
other second while a hand-off still waits for the neighbour's broker.
"""

from __future__ import annotations

import datetime as dt
import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget
from sqlalchemy.exc import SQLAlchemyError

from console.core.incidents.model import IncidentError
from console.core.region import Handoff, HandoffState, RegionDesk
from console.qt.region_view import handoff_colour, handoff_line


class NeighbourCentres(QLabel):
    """Hand-offs of the shown case to and from neighbouring centres."""

    def __init__(self, tz: dt.tzinfo | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="caseRegion", wordWrap=True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hide()
        self._tz = tz
        self._handoffs: list[Handoff] = []
        self._refusals: dict[str, str] = {}
        self._region_ticks = 0

    def show_handoffs(
        self, region: RegionDesk | None, case_id: int, refusals: dict[str, str]
    ) -> None:
        """Show the hand-offs of case ``case_id`` (``refusals``: what refusing neighbours said)."""
        self._refusals = refusals
        self._fill_region(region, case_id)

    def forget(self) -> None:
        """No case shown: drop the hand-offs and hide the section."""
        self._handoffs = []
        self.hide()

    def _fill_region(self, region: RegionDesk | None, case_id: int) -> None:
        """The Neighbouring centres section: one line per hand-off (hidden when none)."""
        if region is None:
            return
        try:
            self._handoffs = region.handoffs(case_id)
        except (SQLAlchemyError, IncidentError):
            return  # the database is away: keep what is shown
        if not self._handoffs:
            self.hide()
            return
        lines = [
            f"<span style='color:{handoff_colour(h)}'>"
            f"{html.escape(handoff_line(h, self._tz, self._refusals.get(h.handoff_id, '')))}"
            "</span>"
            for h in self._handoffs
        ]
        self.setText("<b>Neighbouring centres</b><br>" + "<br>".join(lines))
        self.show()

    def poll_queued_handoffs(self, region: RegionDesk | None, case_id: int) -> None:
        """Every other second, re-read a hand-off still waiting for the neighbour's broker
        (its delivery changes no case, so no case change tells the pane)."""
        if not any(h.state is HandoffState.QUEUED for h in self._handoffs):
            return
        self._region_ticks += 1
        if self._region_ticks % 2 == 0:
            self._fill_region(region, case_id)
