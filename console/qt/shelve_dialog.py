"""Shelving a noisy alarm source from the console: the shelve dialog and the shelved-sources list.

The core (:class:`~console.core.alarms.ShelfBook`) stores, audits and expires
shelves; these widgets only ask for what it needs (a reason, a duration of at
most 12 h) and show what is shelved now, with an early unshelve.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.core.alarms import Shelf, ShelfBook, ShelvingError
from console.core.alarms.keys import describe_source_key, source_key_from_fields
from console.core.incidents.clocks import format_duration
from console.core.incidents.model import Incident

CUSTOM = -1.0
"""The duration choice that opens the minutes box."""
SHELF_COLUMNS = ("Source", "Until", "Left", "Shelved by", "Reason", "Held back")


def case_source(case: Incident) -> tuple[str, str] | None:
    """The alarm source of a case opened from an alarm: (source key, label); None otherwise."""
    fields = case.detail.get("alarm")
    if case.source_topic is None or not isinstance(fields, dict):
        return None
    key = source_key_from_fields(case.source_topic, fields)
    if key is None:
        return None
    return key, f"{describe_source_key(key)} · {case.title}"


def duration_label(seconds: float) -> str:
    """``15 min`` / ``4 h`` / ``1 h 30 min``."""
    minutes = round(seconds / 60)
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h" if not rest else f"{hours} h {rest} min"


def clock_text(ts: float, tz: dt.tzinfo | None) -> str:
    """A time of day in the city's zone (``14:05``)."""
    return f"{dt.datetime.fromtimestamp(ts, tz):%H:%M}"


class ShelveDialog(QDialog):
    """Asks why and for how long to shelve one alarm source, then shelves it."""

    # ---- Signals

    sig_shelved = Signal(object)
    """The source was shelved: the stored Shelf."""

    def __init__(
        self,
        shelves: ShelfBook,
        source_key: str,
        label: str,
        operator: str,
        choices_s: tuple[float, ...] = (900.0, 3600.0, 4 * 3600.0, 8 * 3600.0),
        tz: dt.tzinfo | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._shelves = shelves
        self._key = source_key
        self._label = label
        self._operator = operator
        self._tz = tz
        self.setWindowTitle("Shelve this alarm source")
        self.setMinimumWidth(480)
        self.source = QLabel(f"<b>{label}</b><br><span style='color:#9aa4b2'>{source_key}</span>")
        self.source.setTextFormat(Qt.TextFormat.RichText)
        self.source.setWordWrap(True)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Why (required): e.g. gauge drifting, crew booked")
        self.reason.setMaxLength(500)
        self.duration = QComboBox()
        for seconds in choices_s:
            self.duration.addItem(duration_label(seconds), seconds)
        self.duration.addItem("Custom…", CUSTOM)
        self.custom_minutes = QSpinBox()
        self.custom_minutes.setRange(1, max(1, int(shelves.max_duration_s // 60)))
        self.custom_minutes.setSuffix(" min")
        self.custom_minutes.setValue(min(120, self.custom_minutes.maximum()))
        self.until = QLabel()
        self.note = QLabel(
            "While shelved, its alarms are kept (never lost) but open no case and do not "
            f"count toward your alarm rate. At most {duration_label(shelves.max_duration_s)}."
        )
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #9aa4b2;")
        self.message = QLabel()
        self.message.setObjectName("actionMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.shelve_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.shelve_button.setText("Shelve")
        form = QFormLayout()
        form.addRow("Source", self.source)
        form.addRow("Reason", self.reason)
        duration_row = QHBoxLayout()
        duration_row.addWidget(self.duration)
        duration_row.addWidget(self.custom_minutes)
        duration_row.addStretch(1)
        form.addRow("For", duration_row)
        form.addRow("Until", self.until)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.reason.textChanged.connect(self._update)
        self.duration.currentIndexChanged.connect(self._update)
        self.custom_minutes.valueChanged.connect(self._update)
        self.buttons.accepted.connect(self.shelve)
        self.buttons.rejected.connect(self.reject)
        self._update()

    # ---- Public API

    def duration_s(self) -> float:
        """The chosen duration in seconds."""
        chosen = float(self.duration.currentData())
        return self.custom_minutes.value() * 60.0 if chosen == CUSTOM else chosen

    def shelve(self) -> Shelf | None:
        """Shelve the source as filled in; the dialog closes when it is stored."""
        try:
            shelf = self._shelves.shelve(
                self._key, self.duration_s(), self.reason.text(), self._operator, self._label
            )
        except ShelvingError as error:
            self.message.setText(str(error))
            self.message.show()
            return None
        self.sig_shelved.emit(shelf)
        self.accept()
        return shelf

    # ---- Internals

    def _update(self) -> None:
        self.custom_minutes.setVisible(float(self.duration.currentData()) == CUSTOM)
        until = self._shelves.clock.now() + self.duration_s()
        self.until.setText(f"{clock_text(until, self._tz)} ({duration_label(self.duration_s())})")
        self.shelve_button.setEnabled(bool(self.reason.text().strip()))


class ShelvedSourcesWidget(QWidget):
    """The sources shelved now, with how long is left and an early unshelve."""

    # ---- Signals

    sig_changed = Signal()
    """A source was unshelved here."""

    def __init__(
        self,
        shelves: ShelfBook,
        operator: str,
        tz: dt.tzinfo | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._shelves = shelves
        self._operator = operator
        self._tz = tz
        self._shown: list[Shelf] = []
        self.table = QTableWidget(0, len(SHELF_COLUMNS))
        self.table.setHorizontalHeaderLabels(list(SHELF_COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.empty = QLabel("No alarm source is shelved.")
        self.empty.setStyleSheet("color: #9aa4b2;")
        self.unshelve_reason = QLineEdit()
        self.unshelve_reason.setPlaceholderText("Why unshelve early (optional)")
        self.unshelve_button = QPushButton("Unshelve")
        self.unshelve_button.setToolTip("End the selected shelf now: its alarms open cases again")
        self.message = QLabel()
        self.message.setObjectName("actionMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        actions = QHBoxLayout()
        actions.addWidget(self.unshelve_reason, 1)
        actions.addWidget(self.unshelve_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addWidget(self.empty)
        layout.addLayout(actions)
        layout.addWidget(self.message)
        self.unshelve_button.clicked.connect(self.unshelve_selected)
        self.table.itemSelectionChanged.connect(self._update_enabled)
        self.refresh()

    # ---- Public API

    def shown(self) -> list[Shelf]:
        """The shelves listed, in row order."""
        return list(self._shown)

    def refresh(self) -> None:
        """Re-read the shelves in force now (expired ones leave the list)."""
        selected = self._selected()
        self._shown = self._shelves.active()
        counts = self._shelves.held_back_counts([shelf.id for shelf in self._shown])
        now = self._shelves.clock.now()
        self.table.setRowCount(len(self._shown))
        for row, shelf in enumerate(self._shown):
            texts = (
                shelf.label,
                clock_text(shelf.until, self._tz),
                format_duration(shelf.remaining(now)),
                f"{shelf.shelved_by} at {clock_text(shelf.shelved_at, self._tz)}",
                shelf.reason,
                str(counts.get(shelf.id, 0)),
            )
            for column, text in enumerate(texts):
                item = QTableWidgetItem(text)
                item.setToolTip(f"{shelf.label}\n{shelf.source_key}\n{shelf.reason}")
                self.table.setItem(row, column, item)
            if selected is not None and shelf.id == selected.id:
                self.table.selectRow(row)
        self.empty.setVisible(not self._shown)
        self.table.setVisible(bool(self._shown))
        self._update_enabled()

    def select(self, shelf_id: int) -> bool:
        """Select the row of shelf ``shelf_id``; False if it is not listed."""
        for row, shelf in enumerate(self._shown):
            if shelf.id == shelf_id:
                self.table.selectRow(row)
                return True
        return False

    def unshelve_selected(self) -> Shelf | None:
        """Unshelve the selected source now (audited with the reason given, if any)."""
        shelf = self._selected()
        if shelf is None:
            return None
        try:
            ended = self._shelves.unshelve(shelf.id, self._operator, self.unshelve_reason.text())
        except ShelvingError as error:
            self.message.setText(str(error))
            self.message.show()
            self.refresh()
            return None
        self.message.hide()
        self.unshelve_reason.clear()
        self.refresh()
        self.sig_changed.emit()
        return ended

    # ---- Internals

    def _selected(self) -> Shelf | None:
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        if len(rows) != 1:
            return None
        row = rows.pop()
        return self._shown[row] if 0 <= row < len(self._shown) else None

    def _update_enabled(self) -> None:
        self.unshelve_button.setEnabled(self._selected() is not None)


class ShelvedSourcesDialog(QDialog):
    """The shelved-sources list in its own window (Case ▸ Shelved alarm sources…)."""

    def __init__(
        self,
        shelves: ShelfBook,
        operator: str,
        tz: dt.tzinfo | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Shelved alarm sources")
        self.resize(760, 320)
        self.sources = ShelvedSourcesWidget(shelves, operator, tz, self)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.sources)
        layout.addWidget(close)
