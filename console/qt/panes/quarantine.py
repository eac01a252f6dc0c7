"""Quarantine pane: every external payload that failed validation, with its reason."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.core.bus import Delivery, EventBus, Subscription
from console.core.events import Event, PayloadQuarantined
from console.qt.panes.base import Pane

MAX_ROWS = 500
RAW_EXCERPT = 160


class QuarantinePane(Pane):
    """The newest quarantined payloads, newest first; all of them are also stored."""

    PANE_ID = "quarantine"
    TITLE = "Quarantine"
    DEFAULT_AREA = Qt.DockWidgetArea.RightDockWidgetArea

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pending: list[PayloadQuarantined] = []
        self.total = 0
        self.header = QLabel("No payload quarantined.")
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Time", "Source", "Reason", "Payload"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        for column, width in enumerate((70, 110, 260)):
            self.table.setColumnWidth(column, width)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.header)
        layout.addWidget(self.table, 1)

    # ---- Public API

    def subscribe(self, bus: EventBus) -> list[Subscription]:
        """Every quarantined payload."""
        return [
            bus.subscribe(
                PayloadQuarantined, self._on_quarantined, Delivery.BATCH, name=self.PANE_ID
            )
        ]

    def refresh(self) -> None:
        """Show the payloads quarantined since the last tick."""
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        for event in pending:
            self.table.insertRow(0)
            when = dt.datetime.fromtimestamp(event.ts).strftime("%H:%M:%S")
            raw = event.raw if len(event.raw) <= RAW_EXCERPT else event.raw[:RAW_EXCERPT] + "…"
            for column, text in enumerate((when, event.source, event.reason, raw)):
                item = QTableWidgetItem(text)
                item.setToolTip(event.raw if column == 3 else text)
                self.table.setItem(0, column, item)
        while self.table.rowCount() > MAX_ROWS:
            self.table.removeRow(self.table.rowCount() - 1)
        self.header.setText(
            f"{self.total} payload(s) quarantined this session; all are kept in the database."
        )

    # ---- Subscribers

    def _on_quarantined(self, events: Sequence[Event]) -> None:
        for event in events:
            assert isinstance(event, PayloadQuarantined)
            self._pending.append(event)
            self.total += 1
        if len(self._pending) > MAX_ROWS:  # hidden for long: only the newest can be shown
            del self._pending[:-MAX_ROWS]
