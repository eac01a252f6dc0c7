"""The timeline of the case detail pane: the case's audit trail as a list, one row per stored
action (time, actor, action, state change, reason and details), with checklist ticks named by
their step and state changes coloured by the new state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem, QWidget

from console.core.incidents.model import AuditEntry
from console.core.incidents.types import ChecklistItem
from console.qt.case_view.case_text import (
    FINAL_COLOUR,
    STATE_COLOURS,
    describe_entry,
    format_time,
)


class CaseTimeline(QTreeWidget):
    """The audit trail of the shown case, oldest first."""

    def __init__(self, tz: dt.tzinfo | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tz = tz
        self.setHeaderLabels(["Time", "Actor", "Action", "State", "Reason / details"])
        self.setRootIsDecorated(False)
        self.setAlternatingRowColors(True)
        self.setUniformRowHeights(True)
        for column, width in enumerate((100, 92, 90, 160)):
            self.setColumnWidth(column, width)

    def fill(self, trail: list[AuditEntry], steps: Sequence[ChecklistItem]) -> None:
        """Show ``trail``; ``steps`` (the case type's checklist) name the ticked items."""
        self.clear()
        for entry in trail:
            details = describe_entry(entry)
            item_index = entry.detail.get("params", {}).get("item")
            checked = entry.action in ("checked", "unchecked") and isinstance(item_index, int)
            if checked and 0 <= item_index < len(steps):
                details = f"{item_index + 1}. {steps[item_index].en}"
            before = entry.from_status.label if entry.from_status is not None else "—"
            state = (
                f"{before} → {entry.to_status.label}"
                if entry.from_status != entry.to_status
                else entry.to_status.label
            )
            item = QTreeWidgetItem(
                [
                    format_time(entry.at, self._tz),
                    entry.actor,
                    entry.action.replace("_", " "),
                    state,
                    details,
                ]
            )
            item.setToolTip(4, details)
            if entry.from_status != entry.to_status:
                item.setForeground(3, QColor(STATE_COLOURS.get(entry.to_status, FINAL_COLOUR)))
            self.addTopLevelItem(item)
        self.scrollToBottom()
