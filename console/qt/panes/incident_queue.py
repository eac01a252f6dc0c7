"""Incident queue pane: every case, filtered and sorted in memory, with both clocks.

The cases are loaded once from the store into a
:class:`~console.core.incidents.case_index.CaseIndex` and kept current from
``IncidentChanged`` (and from :meth:`IncidentQueuePane.apply_local_change`,
which the actions layer calls as soon as a command returns). Filters and sorts
are queries on that index, so they stay fast with 100,000 cases. The queue has
no action buttons: actions live in :mod:`console.qt.case_actions`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from console.core.bus import Delivery, EventBus, Subscription
from console.core.city.model import Level
from console.core.clock import Clock
from console.core.events import Event, IncidentChanged, Platform
from console.core.incidents.case_index import (
    STATE_ORDER,
    STATE_PRESETS,
    CaseFilter,
    CaseIndex,
    SortKey,
)
from console.core.incidents.model import Incident
from console.core.incidents.service import IncidentService
from console.qt.background import BackgroundRead
from console.qt.case_row_delegate import CaseTableView
from console.qt.incident_table_model import COLUMNS, SORT_KEYS, IncidentTableModel
from console.qt.panes.base import Pane

log = logging.getLogger(__name__)

STATE_VERSION = 1
ALL_LEVELS = -1
COLUMN_WIDTHS = (58, 92, 104, 92, 120, 270, 210, 220, 76, 100)
CLOCK_SORTS = frozenset({SortKey.CITIZEN_CLOCK, SortKey.DEPARTMENT_CLOCK})
LOAD_RETRY_MS = 5000
STATE_CHOICES: tuple[tuple[str, str], ...] = (
    ("Open", "open"),
    *((state.label, state.value) for state in STATE_ORDER),
    ("All", "all"),
    ("Final", "final"),
)
"""The state filter's items: (shown text, saved key)."""


def _states_of(key: str) -> frozenset[Any]:
    if key in STATE_PRESETS:
        return STATE_PRESETS[key]
    return frozenset(s for s in STATE_ORDER if s.value == key)


class IncidentQueuePane(Pane):
    """The operator's queue of cases."""

    PANE_ID = "incident_queue"
    TITLE = "Incident queue"
    DEFAULT_AREA = Qt.DockWidgetArea.RightDockWidgetArea
    background_load_over = 20_000
    """A store with more cases than this is read on a worker thread (the window stays live)."""

    # ---- Signals

    sig_case_selected = Signal(int)
    """The selected case changed: its id, or -1 when none is selected."""

    def __init__(
        self,
        service: IncidentService,
        clock: Clock,
        name_of: Callable[[str], str],
        parent: QWidget | None = None,
        *,
        operator: str | None = None,
    ) -> None:
        super().__init__(parent)
        del operator  # accepted for older callers; the queue itself takes no actions
        self._service = service
        self._clock = clock
        self._name_of = name_of
        self.index = CaseIndex()
        self._loaded = False
        self._loader: BackgroundRead[list[Incident]] | None = None
        self._load_timer = QTimer(self)
        self._load_timer.setInterval(50)
        self._load_timer.timeout.connect(self._check_load)
        self._dirty_ids: set[int] = set()
        self._filter = CaseFilter()
        self._sort = SortKey.PRIORITY
        self._descending = False
        self._selected_id: int | None = None
        self.auto_selecting = False
        """True while the queue selects a case by itself (not the operator's choice)."""
        self._division_count = -1
        self.model = IncidentTableModel(self.index, clock, name_of, service.rules.warn_fraction)
        self.model.sig_sort_requested.connect(self._on_sort_requested)
        self._build()
        self._clock_timer = QTimer(self)
        self._clock_timer.setInterval(1000)
        self._clock_timer.timeout.connect(self.tick)
        self._clock_timer.start()

    # ---- Public API

    def subscribe(self, bus: EventBus) -> list[Subscription]:
        """Load every case once, then follow their changes (every one, in order)."""
        self._ensure_loaded()
        return [bus.subscribe(IncidentChanged, self._on_changed, Delivery.BATCH, name=self.PANE_ID)]

    def refresh(self) -> None:
        """Apply what changed since the last tick; re-query only if a case really changed."""
        self._ensure_loaded()
        if not self._loaded or not self._dirty_ids:
            return
        dirty, self._dirty_ids = sorted(self._dirty_ids), set()
        changed = False
        for case_id in dirty:
            try:
                case = self._service.get(case_id)
            except Exception:  # a row the store cannot read must not stop the queue
                log.exception("case %s could not be read", case_id)
                continue
            known = self.index.get(case_id)
            if case is None or (known is not None and known.version >= case.version):
                continue
            self.index.upsert(case)
            changed = True
        if changed:
            self._requery(keep_scroll=True)

    def reload(self) -> None:
        """Forget every case and read them all again (a review's cursor jumped)."""
        self._dirty_ids.clear()
        self.index.clear()
        self._loaded = False
        self._ensure_loaded()

    def tick(self) -> None:
        """Once a second: move the clocks, recount overdue cases, follow time-based filters."""
        if self._filter.overdue_only or self._sort in CLOCK_SORTS:
            self._requery(keep_scroll=True)
        else:
            self.model.tick_clocks()
            self._update_summary()

    def current_case_id(self) -> int | None:
        """The id of the selected case, or None."""
        return self._selected_id

    def select_case(self, case_id: int) -> bool:
        """Select (and show) case ``case_id``; False if the current filters hide it."""
        row = self.model.row_of(case_id)
        if row is None:
            return False
        self._select_row(row)
        return True

    def select_next_overdue(self) -> int | None:
        """Select the next overdue case after the current one (in the shown order, wrapping)."""
        rows = self.model.rows
        overdue = self.index.overdue_rows(rows, self._clock.now()).nonzero()[0]
        if not len(overdue):
            return None
        current = self.model.row_of(self._selected_id) if self._selected_id is not None else None
        after = overdue[overdue > current] if current is not None else overdue
        row = int(after[0]) if len(after) else int(overdue[0])
        self._select_row(row)
        return self._selected_id

    def apply_local_change(self, case: Incident) -> None:
        """Show a case a command just returned at once (the bus event for it is then free)."""
        known = self.index.get(case.id)
        if known is not None and known.version >= case.version:
            return
        self.index.upsert(case)
        self._requery(keep_scroll=True)

    @property
    def case_filter(self) -> CaseFilter:
        """The filter applied now."""
        return self._filter

    def save_state(self) -> dict[str, Any]:
        """Filters, sort and column widths."""
        return {
            "version": STATE_VERSION,
            "platform": self.platform_filter.currentData() or "",
            "level": self.level_filter.currentData(),
            "jurisdiction": self._filter.jurisdiction,
            "states": self.state_filter.currentData(),
            "overdue_only": self.overdue_button.isChecked(),
            "text": self.search.text(),
            "sort": self._sort.value,
            "descending": self._descending,
            "columns": [self.table.columnWidth(i) for i in range(len(COLUMNS))],
        }

    def restore_state(self, state: dict[str, Any]) -> None:
        """Apply a state saved by :meth:`save_state`; unknown or bad values are ignored."""
        self._set_combo(self.platform_filter, state.get("platform"))
        self._set_combo(self.level_filter, state.get("level"))
        self._set_combo(self.state_filter, state.get("states"))
        jurisdiction = state.get("jurisdiction")
        if isinstance(jurisdiction, str):
            self._set_jurisdiction(jurisdiction)
        if isinstance(state.get("overdue_only"), bool):
            self.overdue_button.setChecked(state["overdue_only"])
        if isinstance(state.get("text"), str):
            self.search.setText(state["text"])
        widths = state.get("columns")
        if isinstance(widths, list) and len(widths) == len(COLUMNS):
            for column, width in enumerate(widths):
                if isinstance(width, int) and width > 0:
                    self.table.setColumnWidth(column, width)
        if state.get("sort") in set(SortKey):
            descending = state.get("descending") is True
            self._on_sort_requested(SortKey(state["sort"]), descending)
        self._apply_filters()

    # ---- Building

    def _build(self) -> None:
        self.platform_filter = QComboBox()
        self.platform_filter.addItem("All platforms", "")
        for platform in Platform:
            self.platform_filter.addItem(
                platform.value.replace("_", " ").capitalize(), platform.value
            )
        self.level_filter = QComboBox()
        self.level_filter.addItem("All levels", ALL_LEVELS)
        for level in Level:
            self.level_filter.addItem(level.label, int(level))
        self.jurisdiction_filter = QComboBox()
        self.jurisdiction_filter.setEditable(True)
        self.jurisdiction_filter.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.jurisdiction_filter.setMinimumContentsLength(10)
        self.jurisdiction_filter.addItem("All areas", "")
        completer = QCompleter(self.jurisdiction_filter.model(), self.jurisdiction_filter)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.jurisdiction_filter.setCompleter(completer)
        self.state_filter = QComboBox()
        for text, key in STATE_CHOICES:
            self.state_filter.addItem(text, key)
        self.overdue_button = QToolButton()
        self.overdue_button.setText("Overdue only")
        self.overdue_button.setCheckable(True)
        self.overdue_button.setObjectName("overdueToggle")
        self.search = QLineEdit(placeholderText="Search title, unit, handler, #id …")
        self.search.setClearButtonEnabled(True)
        self.summary = QLabel()
        self.summary.setObjectName("queueSummary")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        for combo in (self.platform_filter, self.level_filter, self.state_filter):
            combo.currentIndexChanged.connect(self._apply_filters)
        self.jurisdiction_filter.currentIndexChanged.connect(self._apply_filters)
        self.jurisdiction_filter.lineEdit().editingFinished.connect(self._jurisdiction_typed)
        self.overdue_button.toggled.connect(self._apply_filters)
        self.search.textChanged.connect(self._apply_filters)
        self._build_table()

        bar = QHBoxLayout()
        bar.setSpacing(6)
        bar.addWidget(self.platform_filter)
        bar.addWidget(self.level_filter)
        bar.addWidget(self.jurisdiction_filter)
        bar.addWidget(self.state_filter)
        bar.addWidget(self.overdue_button)
        bar.addStretch(1)
        status = QHBoxLayout()  # the counts, and the search where there is room for it
        status.addWidget(self.summary, 1)
        self.search.setMinimumWidth(240)
        status.addWidget(self.search)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(bar)
        layout.addLayout(status)
        layout.addWidget(self.table, 1)
        self.setStyleSheet(_PANE_STYLE)

    def _build_table(self) -> None:
        self.table = CaseTableView()
        self.table.setModel(self.model)
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)  # asks the model for the indicated sort
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        rows = self.table.verticalHeader()
        rows.setVisible(False)
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(22)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        for column, width in enumerate(COLUMN_WIDTHS):
            self.table.setColumnWidth(column, width)
        self.table.selectionModel().selectionChanged.connect(self._on_selection)

    # ---- Filtering and sorting

    def _apply_filters(self, *_args: object) -> None:
        platform = self.platform_filter.currentData()
        level = self.level_filter.currentData()
        self._filter = CaseFilter(
            platforms=frozenset({Platform(platform)}) if platform else frozenset(),
            levels=frozenset({Level(level)}) if level != ALL_LEVELS else frozenset(),
            jurisdiction=str(self.jurisdiction_filter.currentData() or ""),
            states=_states_of(str(self.state_filter.currentData())),
            overdue_only=self.overdue_button.isChecked(),
            text=self.search.text(),
        )
        self._requery(keep_scroll=False)

    def _on_sort_requested(self, key: SortKey, descending: bool) -> None:
        self._sort, self._descending = key, descending
        order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
        header = self.table.horizontalHeader()
        with QSignalBlocker(header):
            header.setSortIndicator(SORT_KEYS.index(key), order)
        self._requery(keep_scroll=False)

    def _requery(self, keep_scroll: bool) -> None:
        """Query the index with the current filter and sort, and show the rows."""
        if not self._loaded:
            return
        rows = self.index.query(self._filter, self._sort, self._descending, self._clock.now())
        scroll = self.table.verticalScrollBar().value()
        was_empty = self.model.rowCount() == 0
        if self.model.set_rows(rows):
            self._restore_selection(keep_scroll)
            if keep_scroll:
                self.table.verticalScrollBar().setValue(scroll)
            if was_empty and self._selected_id is None and len(rows):
                self.auto_selecting = True  # the first cases to show: the most urgent in focus
                try:
                    self._select_row(0)
                finally:
                    self.auto_selecting = False
        self._update_summary()
        self._update_jurisdictions()

    def _ensure_loaded(self) -> None:
        """Load every case into the index: at once when few, else on a worker thread."""
        if self._loaded or self._loader is not None:
            return
        stored = self._service.count()
        if stored <= self.background_load_over:
            self._finish_load(self._service.list_all_for_index())
            return
        self._loader = BackgroundRead(self._service.list_all_for_index, "queue case load")
        self._loader.start()
        self._load_timer.start()
        self.summary.setText(f"Loading {stored:,} case{'s' if stored != 1 else ''}…")

    def _check_load(self) -> None:
        loader = self._loader
        if loader is None or not loader.done:
            return
        self._load_timer.stop()
        self._loader = None
        try:
            cases = loader.result()
        except Exception as error:
            log.exception("the queue could not load the stored cases")
            self.summary.setText(f"Cases could not be loaded ({error}); retrying")
            QTimer.singleShot(LOAD_RETRY_MS, self._ensure_loaded)
            return
        self._finish_load(cases)
        self.refresh()  # cases changed while they were being read

    def _finish_load(self, cases: list[Incident]) -> None:
        self.index.load(cases)
        self._loaded = True
        self._requery(keep_scroll=False)

    # ---- Jurisdictions

    def _update_jurisdictions(self) -> None:
        """List the counties and streets that cases lie in (rebuilt when new ones appear)."""
        count = self.index.division_count
        if count == self._division_count:
            return
        self._division_count = count
        combo = self.jurisdiction_filter
        current = str(combo.currentData() or "")
        streets = self.index.divisions(Level.STREET)
        with QSignalBlocker(combo):
            combo.clear()
            combo.addItem("All areas", "")
            for county in self.index.divisions(Level.COUNTY):
                combo.addItem(self._name_of(county), county)
                for street in streets:
                    if street.startswith(county):
                        combo.addItem(f"  {self._name_of(street)}", street)
            combo.setCurrentIndex(max(0, combo.findData(current)))
            if current and combo.currentData() != current:
                combo.addItem(self._name_of(current), current)
                combo.setCurrentIndex(combo.count() - 1)

    def _set_jurisdiction(self, code: str) -> None:
        combo = self.jurisdiction_filter
        at = combo.findData(code)
        if at < 0 and code:
            combo.addItem(self._name_of(code), code)
            at = combo.count() - 1
        with QSignalBlocker(combo):
            combo.setCurrentIndex(max(0, at))

    def _jurisdiction_typed(self) -> None:
        combo = self.jurisdiction_filter
        text = combo.currentText().strip()
        for at in range(combo.count()):
            if combo.itemText(at).strip() == text:
                combo.setCurrentIndex(at)
                return
        combo.setEditText(combo.itemText(combo.currentIndex()))

    # ---- Selection

    def _select_row(self, row: int) -> None:
        index = self.model.index(row, 0)
        flags = (
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows
        )
        self.table.selectionModel().setCurrentIndex(index, flags)
        self.table.scrollTo(index)

    def _on_selection(self, *_args: object) -> None:
        rows = self.table.selectionModel().selectedRows()
        case = self.model.case_at(rows[0].row()) if rows else None
        self._set_selected(case.id if case is not None else None)

    def _set_selected(self, case_id: int | None) -> None:
        if case_id != self._selected_id:
            self._selected_id = case_id
            self.sig_case_selected.emit(case_id if case_id is not None else -1)

    def _restore_selection(self, keep_scroll: bool) -> None:
        """After new rows: select the same case again, or tell that none is selected."""
        if self._selected_id is None:
            return
        row = self.model.row_of(self._selected_id)
        if row is None:
            self._set_selected(None)
            return
        index = self.model.index(row, 0)
        flags = (
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows
        )
        with QSignalBlocker(self.table.selectionModel()):
            self.table.selectionModel().setCurrentIndex(index, flags)
        self.table.viewport().update()
        if not keep_scroll:
            self.table.scrollTo(index)

    # ---- Bus and summary

    def _on_changed(self, events: list[Event] | Any) -> None:
        for event in events:
            if isinstance(event, IncidentChanged):
                self._dirty_ids.add(event.incident_id)

    def _update_summary(self) -> None:
        counts = self.index.counts_by_state()
        parts = [
            f"{state.label} <b>{counts[state]}</b>"
            for state in STATE_ORDER
            if counts[state] and not state.is_final
        ]
        overdue = self.index.count_overdue(self._clock.now())
        shown = self.model.rowCount()
        self.summary.setText(
            " · ".join(parts or ["No open cases"])
            + f"   |   <span style='color:#ff7b72'>Overdue <b>{overdue}</b></span>"
            + f"   |   showing {shown:,} of {len(self.index):,}"
        )

    @staticmethod
    def _set_combo(combo: QComboBox, value: object) -> None:
        at = combo.findData(value) if isinstance(value, str | int) else -1
        if at >= 0:
            with QSignalBlocker(combo):
                combo.setCurrentIndex(at)


_PANE_STYLE = """
QToolButton#overdueToggle {
    background: #1c2430; border: 1px solid #2f3b4b; border-radius: 3px; padding: 3px 10px;
}
QToolButton#overdueToggle:checked { background: #5c1a20; border-color: #ff6369; color: #ffd9d9; }
QLabel#queueSummary { padding: 2px 4px; }
"""
