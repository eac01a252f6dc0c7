"""Incident queue pane: the open incidents, sortable and filterable, with operator actions.

Actions go to the incident service, which stores the new state and its audit
row in one transaction and only then posts ``IncidentChanged``; the queue
changes when that event arrives, so nothing shows as done before it is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from console.core.bus import Delivery, EventBus, Subscription
from console.core.city.model import Level
from console.core.clock import Clock
from console.core.events import Event, IncidentChanged
from console.core.incidents.model import Incident, IncidentError
from console.core.incidents.service import IncidentService
from console.qt.incident_table_model import COL_PRIORITY, COLUMNS, IncidentTableModel
from console.qt.panes.base import Pane
from console.qt.panes.incident_dialogs import ask_dispatch, ask_resolution

RECENT_CLOSED = 50
STATUS_FILTERS = ("Open", "New", "Acknowledged", "Dispatched", "All (incl. closed)")


class IncidentFilter(QSortFilterProxyModel):
    """Filters rows by free text (any column) and by status group."""

    def __init__(self) -> None:
        super().__init__()
        self._status = "Open"
        self.setSortRole(Qt.ItemDataRole.UserRole)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(-1)

    def set_status_filter(self, status: str) -> None:
        """Show only rows in this status group."""
        self.beginFilterChange()
        self._status = status
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Any) -> bool:  # noqa: N802
        source = self.sourceModel()
        assert isinstance(source, IncidentTableModel)
        incident = source.incident_at(source_row)
        if incident is None:
            return False
        if self._status == "Open" and incident.status == "closed":
            return False
        single = self._status in ("New", "Acknowledged", "Dispatched")
        if single and incident.status != self._status.lower():
            return False
        return super().filterAcceptsRow(source_row, source_parent)


class IncidentQueuePane(Pane):
    """The operator's queue of incidents."""

    PANE_ID = "incident_queue"
    TITLE = "Incident queue"
    DEFAULT_AREA = Qt.DockWidgetArea.RightDockWidgetArea

    # ---- Signals

    sig_incident_selected = Signal(int)
    """The operator selected an incident (its id)."""

    sig_action_failed = Signal(str)
    """An operator action was refused; carries the message shown."""

    def __init__(
        self,
        service: IncidentService,
        clock: Clock,
        actor: str,
        name_of: Callable[[str], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._actor = actor
        self._name_of = name_of
        self._dirty_ids: set[int] = set()
        self._needs_reload = True
        self.model = IncidentTableModel(clock, self._place_text)
        self.proxy = IncidentFilter()
        self.proxy.setSourceModel(self.model)
        self._build()
        self._clock_timer = QTimer(self)
        self._clock_timer.setInterval(1000)
        self._clock_timer.timeout.connect(self.model.tick_clocks)
        self._clock_timer.start()

    # ---- Public API

    def subscribe(self, bus: EventBus) -> list[Subscription]:
        """Follow incident changes (every one, in order)."""
        return [bus.subscribe(IncidentChanged, self._on_changed, Delivery.BATCH, name=self.PANE_ID)]

    def refresh(self) -> None:
        """Load what changed since the last tick from storage."""
        if self._needs_reload:
            self._needs_reload = False
            self._dirty_ids.clear()
            open_incidents = self._service.list_open()
            recently_closed = [i for i in self._service.list_recent(RECENT_CLOSED) if not i.is_open]
            self.model.reset(open_incidents + recently_closed)
        elif self._dirty_ids:
            for incident_id in sorted(self._dirty_ids):
                incident = self._service.get(incident_id)
                if incident is not None:
                    self.model.upsert(incident, keep=True)
            self._dirty_ids.clear()
        else:
            return
        self._update_summary()
        self._update_buttons()

    def selected_incident(self) -> Incident | None:
        """The incident under the selection cursor."""
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.incident_at(self.proxy.mapToSource(rows[0]).row())

    def select_incident(self, incident_id: int) -> bool:
        """Select the row of ``incident_id``; False if it is not shown."""
        row = self.model.row_of(incident_id)
        if row is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():
            return False
        self.table.selectRow(index.row())
        self.table.scrollTo(index)
        return True

    def acknowledge_selected(self) -> bool:
        """Acknowledge the selected incident."""
        incident = self.selected_incident()
        if incident is None:
            return False
        return self._act(lambda: self._service.acknowledge(incident.id, self._actor))

    def dispatch_selected(self, level: Level, unit: str) -> bool:
        """Dispatch the selected incident to ``unit`` at ``level`` of its chain."""
        incident = self.selected_incident()
        if incident is None:
            return False
        return self._act(lambda: self._service.dispatch(incident.id, level, unit, self._actor))

    def close_selected(self, resolution: str) -> bool:
        """Close the selected incident with ``resolution``."""
        incident = self.selected_incident()
        if incident is None:
            return False
        return self._act(lambda: self._service.close(incident.id, self._actor, resolution))

    def save_state(self) -> dict[str, Any]:
        """Sort column and order, status filter."""
        header = self.table.horizontalHeader()
        return {
            "sort_column": header.sortIndicatorSection(),
            "sort_order": header.sortIndicatorOrder().value,
            "status_filter": self.status_filter.currentText(),
            "columns": [self.table.columnWidth(i) for i in range(len(COLUMNS))],
        }

    def restore_state(self, state: dict[str, Any]) -> None:
        """Apply a state saved by :meth:`save_state`."""
        if state.get("status_filter") in STATUS_FILTERS:
            self.status_filter.setCurrentText(state["status_filter"])
        widths = state.get("columns")
        if isinstance(widths, list) and len(widths) == len(COLUMNS):
            for column, width in enumerate(widths):
                if isinstance(width, int) and width > 0:
                    self.table.setColumnWidth(column, width)
        column = state.get("sort_column")
        if isinstance(column, int) and 0 <= column < len(COLUMNS):
            order = Qt.SortOrder(int(state.get("sort_order", 0)))
            self.table.sortByColumn(column, order)

    # ---- Internals

    def _build(self) -> None:
        self.search = QLineEdit(placeholderText="Filter: type, place, plate, unit …")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.status_filter = QComboBox()
        self.status_filter.addItems(STATUS_FILTERS)
        self.status_filter.currentTextChanged.connect(self.proxy.set_status_filter)
        self.summary = QLabel()
        self.summary.setObjectName("queueSummary")

        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((40, 92, 58, 110, 250, 300, 160)):
            self.table.setColumnWidth(column, width)
        self.table.sortByColumn(COL_PRIORITY, Qt.SortOrder.AscendingOrder)
        self.table.selectionModel().selectionChanged.connect(self._on_selection)
        self.table.doubleClicked.connect(lambda _index: self.acknowledge_selected())

        self.ack_button = QPushButton("Acknowledge")
        self.ack_button.setShortcut("Ctrl+K")
        self.ack_button.clicked.connect(self.acknowledge_selected)
        self.dispatch_button = QPushButton("Dispatch…")
        self.dispatch_button.setShortcut("Ctrl+D")
        self.dispatch_button.clicked.connect(self._ask_dispatch)
        self.close_button = QPushButton("Close…")
        self.close_button.clicked.connect(self._ask_close)
        self.message = QLabel()
        self.message.setObjectName("actionMessage")
        self.message.setWordWrap(True)
        self.message.hide()

        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.status_filter)
        actions = QHBoxLayout()
        for button in (self.ack_button, self.dispatch_button, self.close_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.summary)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(actions)
        self._on_selection()

    def _on_changed(self, events: list[Event] | Any) -> None:
        for event in events:
            assert isinstance(event, IncidentChanged)
            self._dirty_ids.add(event.incident_id)

    def _on_selection(self, *_args: object) -> None:
        incident = self._update_buttons()
        if incident is not None:
            self.sig_incident_selected.emit(incident.id)

    def _update_buttons(self) -> Incident | None:
        """Enable the actions the selected incident's status allows; returns it."""
        incident = self.selected_incident()
        status = incident.status if incident else None
        self.ack_button.setEnabled(status == "new")
        self.dispatch_button.setEnabled(status in ("new", "acknowledged", "dispatched"))
        self.close_button.setEnabled(status in ("acknowledged", "dispatched"))
        return incident

    def _act(self, action: Callable[[], object]) -> bool:
        try:
            action()
        except IncidentError as error:
            self._show_message(str(error))
            self.sig_action_failed.emit(str(error))
            return False
        self.message.hide()
        return True

    def _show_message(self, text: str) -> None:
        self.message.setText(f"Not done: {text}")
        self.message.show()

    def _ask_dispatch(self) -> None:
        incident = self.selected_incident()
        if incident is None:
            return
        choice = ask_dispatch(self, incident, self._service.units_for(incident))
        if choice is not None:
            self.dispatch_selected(*choice)

    def _ask_close(self) -> None:
        resolution = ask_resolution(self)
        if resolution:
            self.close_selected(resolution)

    def _place_text(self, incident: Incident) -> str:
        if incident.path is None:
            return "outside the city"
        codes = reversed(incident.path.chain()[:-1])  # county down to grid
        return " › ".join(self._name_of(code) for code in codes)

    def _update_summary(self) -> None:
        counts = {"new": 0, "acknowledged": 0, "dispatched": 0}
        for row in range(self.model.rowCount()):
            incident = self.model.incident_at(row)
            if incident is not None and incident.status in counts:
                counts[incident.status] += 1
        self.summary.setText(
            f"New {counts['new']}   Acknowledged {counts['acknowledged']}   "
            f"Dispatched {counts['dispatched']}"
        )
