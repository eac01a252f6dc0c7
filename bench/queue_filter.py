"""Benchmark: change a queue filter or sort with 100,000 cases in the store, until repainted.

Run from the repo root: ``python bench/queue_filter.py``. Writes 100,000 cases
(states, platforms, levels and Bengbu level paths spread out) into a real
SQLite file, builds the real IncidentQueuePane offscreen on it (the initial
load is timed too), then times a series of filter and sort changes from the
change to the view having repainted its new rows (``viewport().repaint()``).

The baseline, in the same run and on the same cases, is the naive way: one
Qt model of all 100,000 Incident objects behind a ``QSortFilterProxyModel``
(filtering in ``filterAcceptsRow``, sorting on a sort role), showing the same
changes in the same kind of table view.

Prints ``RESULT queue_filter_ms <median> ms ratio=<baseline/ours>``.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtWidgets import QApplication, QTableView

from console.core.bus import EventBus
from console.core.city.loader import default_city
from console.core.city.model import Level
from console.core.clock import ManualClock
from console.core.events import Platform
from console.core.incidents import IncidentService, load_incident_rules
from console.core.incidents.case_index import OPEN_STATES
from console.core.incidents.model import Incident, IncidentStatus
from console.core.paths import city_dir
from console.core.runtime import division_name
from console.core.storage import open_database
from console.core.storage.schema import incidents
from console.core.units.model import office_id
from console.core.units.registry import UnitRegistry
from console.qt.panes.incident_queue import IncidentQueuePane
from console.qt.theme import apply_theme

CASES = 100_000
NOW = 1_795_000_000.0
STATE_WEIGHTS = {
    IncidentStatus.REPORTED: 4,
    IncidentStatus.ACCEPTED: 2,
    IncidentStatus.OPENED: 3,
    IncidentStatus.DISPATCHED: 4,
    IncidentStatus.SIGNED: 3,
    IncidentStatus.IN_HAND: 5,
    IncidentStatus.HANDLED: 2,
    IncidentStatus.VERIFIED: 1,
    IncidentStatus.PENDING: 1,
    IncidentStatus.CLOSED: 60,
    IncidentStatus.REJECTED: 8,
    IncidentStatus.MERGED: 2,
}


def write_cases(url: str) -> None:
    """Insert CASES spread-out cases with SQLAlchemy core executemany."""
    city = default_city()
    rules = load_incident_rules(city_dir("bengbu") / "incident_types.json")
    grids = sorted(code for code, d in city.divisions.items() if d.level is Level.GRID)
    rng = random.Random(552)
    states = list(STATE_WEIGHTS)
    weights = list(STATE_WEIGHTS.values())
    handlers = [f"operator-{n}" for n in range(1, 13)]
    rows: list[dict[str, Any]] = []
    for case_id in range(1, CASES + 1):
        itype = rng.choice(rules.types)
        status = rng.choices(states, weights)[0]
        chain = city.chain(rng.choice(grids)) if rng.random() > 0.01 else None
        codes = [d.code for d in chain] if chain else [None] * 5  # grid .. city
        level = rng.choice(list(Level)) if chain else Level.CITY
        unit_code = codes[4 - level] if chain else "340300"
        reported = NOW - rng.uniform(0, 30 * 86_400)
        limits = itype.limits
        signed = (
            reported + 600 if status in (IncidentStatus.SIGNED, IncidentStatus.IN_HAND) else None
        )
        final = status.is_final
        rows.append(
            {
                "id": case_id,
                "incident_type": itype.type_id,
                "title": f"{itype.title_zh.split('：')[0]}：样例 {rng.randint(0, 99_999):05d}",
                "title_en": f"{itype.title_en.split(':')[0]}: sample {case_id}",
                "priority": itype.priority,
                "platform": itype.platform.value,
                "status": status.value,
                "lon": 117.38,
                "lat": 32.93,
                "outside_city": chain is None,
                "grid_code": codes[0],
                "community_code": codes[1],
                "street_code": codes[2],
                "county_code": codes[3],
                "city_code": codes[4],
                "responsible_level": int(level),
                "responsible_unit_id": office_id(unit_code),
                "responsible_unit": f"{division_name(city, unit_code)}{rules.office_suffix_zh}",
                "dispatcher_unit_id": None,
                "handler": rng.choice(handlers) if status is not IncidentStatus.REPORTED else None,
                "source_topic": None,
                "source_alarm_id": None,
                "detail": "{}",
                "resolution": None,
                "reported_at": reported,
                "created_at": reported,
                "updated_at": reported,
                "due_at": reported + limits.resolve * 60,
                "signed_at": signed,
                "handle_due_at": signed + limits.handle * 60 if signed else None,
                "closed_at": reported + 3600 if final else None,
                "dispatch_count": 1,
                "bounce_count": rng.choice((0, 0, 0, 0, 1, 2)),
                "rework_count": 0,
                "extension_count": 0,
                "escalation_count": 0,
                "alert_count": 0,
                "merged_count": 0,
                "checklist_done": "[]",
                "fired": "[]",
                "version": 1,
            }
        )
    database = open_database(url)
    with database.engine.begin() as connection:
        connection.execute(incidents.insert(), rows)
    database.close()


class NaiveModel(QAbstractTableModel):
    """The baseline: every Incident in a list, cells and sort keys computed per row."""

    def __init__(self, cases: list[Incident]) -> None:
        super().__init__()
        self.cases = cases

    def rowCount(self, parent: Any = QModelIndex()) -> int:  # noqa: B008, N802
        return len(self.cases)

    def columnCount(self, parent: Any = QModelIndex()) -> int:  # noqa: B008, N802
        return 10

    def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        case = self.cases[index.row()]
        key = (case.priority, case.reported_at, case.status.value, case.title, case.bounce_count)
        value = key[index.column() % 5]
        return value if role == Qt.ItemDataRole.UserRole else str(value)


class NaiveFilter(QSortFilterProxyModel):
    """The baseline's filter: the same conditions, tested row by row in Python."""

    def __init__(self) -> None:
        super().__init__()
        self.states = OPEN_STATES
        self.platform: Platform | None = None
        self.overdue = False
        self.text = ""
        self.setSortRole(Qt.ItemDataRole.UserRole)

    def set(self, **values: Any) -> None:
        self.beginFilterChange()
        for key, value in values.items():
            setattr(self, key, value)
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, row: int, parent: Any) -> bool:  # noqa: N802
        source = self.sourceModel()
        assert isinstance(source, NaiveModel)
        case = source.cases[row]
        if case.status not in self.states:
            return False
        if self.platform is not None and case.platform != self.platform:
            return False
        if self.overdue and not case.is_overdue(NOW):
            return False
        text = self.text.casefold()
        return not text or text in case.title.casefold() or text in case.title_en.casefold()


class PaintCounter(QObject):
    """Counts the paint events of a view's viewport."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


COUNTERS: dict[int, PaintCounter] = {}


def painted(view: QTableView) -> None:
    """Process events until the view's viewport has repainted (repaint now if it did not)."""
    counter = COUNTERS.get(id(view))
    if counter is None:
        counter = COUNTERS[id(view)] = PaintCounter()
        view.viewport().installEventFilter(counter)
    before = counter.count
    QApplication.processEvents()
    if counter.count == before:
        view.viewport().repaint()


def timed(changes: list[Callable[[], None]], view: QTableView, rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        for change in changes:
            start = time.perf_counter()
            change()
            painted(view)
            times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    apply_theme(app)  # type: ignore[arg-type]
    folder = Path(tempfile.mkdtemp(prefix="queue-bench-"))
    url = f"sqlite:///{folder / 'console.db'}"
    start = time.perf_counter()
    write_cases(url)
    print(f"wrote {CASES:,} cases in {time.perf_counter() - start:.1f} s")

    city = default_city()
    clock = ManualClock(start=NOW)
    bus = EventBus(clock)
    database = open_database(url)
    rules = load_incident_rules(city_dir("bengbu") / "incident_types.json")
    units = UnitRegistry([], lambda code: (division_name(city, code), code, Level.CITY, 0, 0))
    service = IncidentService(database, bus, clock, city.lookup, rules, units)
    name_of = lambda code: division_name(city, code)  # noqa: E731
    pane = IncidentQueuePane(service, clock, name_of)
    pane.resize(1280, 720)
    pane.show()
    start = time.perf_counter()
    pane.attach(bus)  # a store this large is read on a worker thread
    attached = time.perf_counter() - start
    while pane.model.rowCount() == 0:
        app.processEvents()
        time.sleep(0.005)
    painted(pane.table)
    print(
        f"initial load of {len(pane.index):,} cases into the queue: "
        f"{time.perf_counter() - start:.2f} s (the window was blocked {attached * 1000:.0f} ms)"
    )

    county = pane.index.divisions(Level.COUNTY)[0]
    street = pane.index.divisions(Level.STREET)[0]
    sortable = pane.model
    ours = [
        lambda: pane.state_filter.setCurrentIndex(pane.state_filter.findData("all")),
        lambda: pane.platform_filter.setCurrentIndex(2),
        lambda: sortable.sort(2, Qt.SortOrder.AscendingOrder),
        lambda: pane.level_filter.setCurrentIndex(3),
        lambda: pane._set_jurisdiction(county) or pane._apply_filters(),
        lambda: sortable.sort(5, Qt.SortOrder.DescendingOrder),
        lambda: pane.overdue_button.setChecked(True),
        lambda: pane._set_jurisdiction(street) or pane._apply_filters(),
        lambda: pane.search.setText("样例 1"),
        lambda: sortable.sort(7, Qt.SortOrder.AscendingOrder),
        lambda: pane.search.setText(""),
        lambda: pane.overdue_button.setChecked(False),
        lambda: pane._set_jurisdiction("") or pane._apply_filters(),
        lambda: pane.level_filter.setCurrentIndex(0),
        lambda: pane.platform_filter.setCurrentIndex(0),
        lambda: sortable.sort(0, Qt.SortOrder.AscendingOrder),
        lambda: pane.state_filter.setCurrentIndex(pane.state_filter.findData("open")),
        lambda: sortable.sort(9, Qt.SortOrder.AscendingOrder),
        lambda: sortable.sort(1, Qt.SortOrder.DescendingOrder),
        lambda: sortable.sort(0, Qt.SortOrder.AscendingOrder),
    ]
    ours_ms = timed(ours, pane.table, rounds=3)
    median = statistics.median(ours_ms)
    print(
        f"ours: {len(ours_ms)} changes, median {median:.1f} ms, "
        f"p90 {statistics.quantiles(ours_ms, n=10)[-1]:.1f} ms, max {max(ours_ms):.1f} ms"
    )

    cases = service.list_all()
    naive = NaiveFilter()
    naive.setSourceModel(NaiveModel(cases))
    view = QTableView()
    view.setModel(naive)
    view.setSortingEnabled(True)
    view.verticalHeader().setDefaultSectionSize(22)
    view.resize(1280, 680)
    view.show()
    painted(view)
    baseline = [
        lambda: naive.set(states=frozenset(IncidentStatus)),
        lambda: naive.set(platform=Platform.PUBLIC_SERVICES),
        lambda: view.sortByColumn(1, Qt.SortOrder.AscendingOrder),
        lambda: naive.set(overdue=True),
        lambda: naive.set(text="样例 1"),
        lambda: view.sortByColumn(3, Qt.SortOrder.DescendingOrder),
        lambda: naive.set(text="", overdue=False, platform=None),
        lambda: view.sortByColumn(0, Qt.SortOrder.AscendingOrder),
        lambda: naive.set(states=OPEN_STATES),
    ]
    baseline_ms = timed(baseline, view, rounds=1)
    baseline_median = statistics.median(baseline_ms)
    print(
        "baseline: QSortFilterProxyModel over a model of all 100,000 Incident objects, "
        f"{len(baseline_ms)} changes: " + ", ".join(f"{ms:.0f}" for ms in baseline_ms) + " ms"
    )
    print(f"RESULT queue_filter_ms {median:.1f} ms ratio={baseline_median / median:.1f}")
    pane.detach()
    database.close()


if __name__ == "__main__":
    main()
