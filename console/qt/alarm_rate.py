"""The operator's alarm rate in the status bar, its last-hour dialog, and the shelving actions.

``Alarms 3/10 min`` is green at a steady rate (EEMUA 191: about one alarm per
10 minutes), amber above it, red in a flood (10 or more in 10 minutes). The
tooltip gives the targets and the last hour; a click opens the last hour per 10
minutes with the shelved sources. :func:`install_alarm_flood_tools` adds the
widget and the Case menu's shelving actions to the main window.
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QMouseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.core.alarms import AlarmFlood, RateReading, RateState, ShelfBook
from console.core.alarms.config import load_alarm_flood_config
from console.core.alarms.rate import HISTORY_S, AlarmRateMeter
from console.core.incidents.service import IncidentService
from console.core.runtime import ConsoleCore
from console.qt.case_actions import CaseQueue
from console.qt.shelve_dialog import (
    ShelveDialog,
    ShelvedSourcesDialog,
    ShelvedSourcesWidget,
    case_source,
    clock_text,
)

log = logging.getLogger(__name__)

STATE_STYLES = {
    RateState.STEADY: "color: #3fb950;",
    RateState.BUSY: "color: #f0b72f; font-weight: 600;",
    RateState.FLOOD: "color: #ffffff; background: #b62324; font-weight: 700;",
}
"""How the status-bar figure looks in each state (green, amber, red)."""
STATE_COLOURS = {
    RateState.STEADY: QColor("#3fb950"),
    RateState.BUSY: QColor("#f0b72f"),
    RateState.FLOOD: QColor("#ff6369"),
}
STATE_WORDS = {
    RateState.STEADY: "steady",
    RateState.BUSY: "above the steady rate",
    RateState.FLOOD: "FLOOD",
}
SLICE_COLUMNS = ("10 minutes", "Alarms presented", "Repeats folded", "Rate")
CASE_MENU_TITLE = "Case"


def targets_text(reading: RateReading) -> str:
    """The EEMUA 191 targets in words."""
    targets = reading.targets
    return (
        f"Targets (EEMUA 191): steady ≤ {targets.steady} per 10 min; "
        f"flood ≥ {targets.flood} per 10 min"
    )


class AlarmRateWidget(QLabel):
    """``Alarms 3/10 min`` coloured by the rate's state; refreshed every second; clickable."""

    # ---- Signals

    sig_clicked = Signal()
    """The figure was clicked (open the last-hour dialog)."""

    def __init__(
        self, meter: AlarmRateMeter, shelves: ShelfBook, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._meter = meter
        self._shelves = shelves
        self.state = RateState.STEADY
        self.setObjectName("alarmRate")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.refresh()

    def refresh(self) -> None:
        """Re-read the meter (the window slides with the clock) and the shelves."""
        reading = self._meter.reading()
        shelved = len(self._shelves.active())
        self.state = reading.state
        text = f"Alarms {reading.presented_10_min}/10 min"
        if shelved:
            text += f" · {shelved} shelved"
        self.setText(text)
        self.setStyleSheet(f"QLabel#alarmRate {{ {STATE_STYLES[reading.state]} }}")
        held = self._shelves.held_back_since(reading.at - HISTORY_S)
        self.setToolTip(
            f"Your alarm rate: {STATE_WORDS[reading.state]}\n"
            f"Alarms presented (cases opened from alarms): {reading.presented_10_min} in the "
            f"last 10 min, {reading.presented_hour} in the last hour\n"
            f"Repeats folded into open cases: {reading.repeats_10_min} in 10 min, "
            f"{reading.repeats_hour} in the hour\n"
            f"{targets_text(reading)}\n"
            f"Shelved sources: {shelved} (held back {held} alarm(s) in the last hour)\n"
            "Click for the last hour and the shelved sources"
        )

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt name)
        self.sig_clicked.emit()
        super().mousePressEvent(event)


class AlarmRateDialog(QDialog):
    """The last hour per 10 minutes against the targets, and the shelved sources."""

    def __init__(
        self,
        meter: AlarmRateMeter,
        shelves: ShelfBook,
        operator: str,
        tz: dt.tzinfo | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._meter = meter
        self._shelves = shelves
        self._tz = tz
        self.setWindowTitle("Your alarm rate")
        self.resize(720, 520)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.slices = QTableWidget(0, len(SLICE_COLUMNS))
        self.slices.setHorizontalHeaderLabels(list(SLICE_COLUMNS))
        self.slices.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.slices.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.slices.verticalHeader().hide()
        self.slices.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = self.slices.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.sources = ShelvedSourcesWidget(shelves, operator, tz, self)
        self.sources.sig_changed.connect(self.refresh)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(QLabel("<b>The last hour, per 10 minutes</b>"))
        layout.addWidget(self.slices)
        layout.addWidget(QLabel("<b>Shelved alarm sources</b>"))
        layout.addWidget(self.sources, 1)
        layout.addWidget(close)
        self.refresh()

    def refresh(self) -> None:
        """Re-read the meter and the shelves."""
        reading = self._meter.reading()
        held = self._shelves.held_back_since(reading.at - HISTORY_S)
        self.summary.setText(
            f"Now: <b>{reading.presented_10_min}</b> alarm(s) in the last 10 min "
            f"({STATE_WORDS[reading.state]}), {reading.presented_hour} in the last hour; "
            f"{reading.repeats_hour} repeat(s) folded into open cases; {held} alarm(s) "
            f"held back by shelves.<br>{targets_text(reading)}."
        )
        self.slices.setRowCount(len(reading.slices))
        for row, part in enumerate(reversed(reading.slices)):  # newest first
            span = f"{clock_text(part.start, self._tz)}–{clock_text(part.end, self._tz)}"
            texts = (span, str(part.presented), str(part.repeats), STATE_WORDS[part.state])
            for column, text in enumerate(texts):
                item = QTableWidgetItem(text)
                if column == 3:
                    item.setForeground(STATE_COLOURS[part.state])
                self.slices.setItem(row, column, item)
        rows = sum(self.slices.rowHeight(row) for row in range(self.slices.rowCount()))
        frame = 2 * self.slices.frameWidth()
        self.slices.setFixedHeight(
            self.slices.horizontalHeader().sizeHint().height() + rows + frame
        )
        self.sources.refresh()


class AlarmFloodTools(QObject):
    """The status-bar rate, the Case menu's shelving actions, and the dialogs they open."""

    def __init__(
        self,
        window: QMainWindow,
        flood: AlarmFlood,
        service: IncidentService,
        queue: CaseQueue,
        operator: str,
        tz: dt.tzinfo | None = None,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._flood = flood
        self._service = service
        self._queue = queue
        self._operator = operator
        self._tz = tz
        self.rate_widget = AlarmRateWidget(flood.meter, flood.shelves, window)
        window.statusBar().addPermanentWidget(self.rate_widget)
        self.rate_widget.sig_clicked.connect(self.show_rate)
        self.shelve_action = QAction("Shelve this alarm source…", window)
        self.shelve_action.setStatusTip(
            "Hold back the selected case's alarm source for a stated time, with a reason"
        )
        self.shelve_action.triggered.connect(self.shelve_selected)
        self.list_action = QAction("Shelved alarm sources…", window)
        self.list_action.setStatusTip("See and unshelve the alarm sources shelved now")
        self.list_action.triggered.connect(self.show_shelved)
        menu = case_menu(window)
        menu.addSeparator()
        menu.addAction(self.shelve_action)
        menu.addAction(self.list_action)
        queue.sig_case_selected.connect(lambda _case_id: self.update_enabled())
        self.update_enabled()

    # ---- Public API

    def update_enabled(self) -> None:
        """Enable shelving when the selected case was opened from an alarm with a source."""
        source = self._selected_source()
        self.shelve_action.setEnabled(source is not None)
        self.shelve_action.setToolTip(
            f"Shelve {source[1]}" if source is not None else "Select a case opened from an alarm"
        )

    def shelve_selected(self) -> ShelveDialog | None:
        """Open the shelve dialog for the selected case's alarm source."""
        source = self._selected_source()
        if source is None:
            self._window.statusBar().showMessage("Select a case opened from an alarm", 5000)
            return None
        dialog = ShelveDialog(
            self._flood.shelves,
            source[0],
            source[1],
            self._operator,
            self._flood.config.shelf_choices_s,
            self._tz,
            self._window,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.sig_shelved.connect(self._shelved)
        dialog.open()
        return dialog

    def show_shelved(self) -> ShelvedSourcesDialog:
        """Open the list of shelved sources."""
        dialog = ShelvedSourcesDialog(self._flood.shelves, self._operator, self._tz, self._window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.sources.sig_changed.connect(self.rate_widget.refresh)
        dialog.open()
        return dialog

    def show_rate(self) -> AlarmRateDialog:
        """Open the last-hour dialog (rate per 10 minutes and the shelved sources)."""
        dialog = AlarmRateDialog(
            self._flood.meter, self._flood.shelves, self._operator, self._tz, self._window
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.sources.sig_changed.connect(self.rate_widget.refresh)
        dialog.open()
        return dialog

    # ---- Internals

    def _selected_source(self) -> tuple[str, str] | None:
        case_id = self._queue.current_case_id()
        case = self._service.get(case_id) if case_id is not None else None
        return case_source(case) if case is not None else None

    def _shelved(self, _shelf: object) -> None:
        self.rate_widget.refresh()
        self._window.statusBar().showMessage("Alarm source shelved", 5000)


def case_menu(window: QMainWindow) -> QMenu:
    """The window's Case menu (made before Help if there is none yet)."""
    bar = window.menuBar()
    for action in bar.actions():
        menu = action.menu()
        if isinstance(menu, QMenu) and action.text().replace("&", "") == CASE_MENU_TITLE:
            return menu
    menu = QMenu("&Case", bar)
    help_action = next((a for a in bar.actions() if a.text().replace("&", "") == "Help"), None)
    if help_action is not None:
        bar.insertMenu(help_action, menu)
    else:
        bar.addMenu(menu)
    return menu


def install_alarm_flood_tools(
    window: QMainWindow, core: ConsoleCore, queue: CaseQueue, operator: str
) -> AlarmFloodTools:
    """Add the alarm-rate figure to the status bar and shelving to the Case menu.

    Uses the intake's flood protection; if the core was built without it, it is
    switched on here (settings from the city's ``alarm_flood.json``).
    """
    flood = core.intake.flood
    if flood is None:
        log.info("alarm-flood protection was off in the core; switching it on")
        config = load_alarm_flood_config(core.city.directory)
        flood = AlarmFlood.build(core.database, core.clock, core.bus, config)
        core.intake.flood = flood
    return AlarmFloodTools(window, flood, core.incidents, queue, operator, ZoneInfo(core.timezone))
