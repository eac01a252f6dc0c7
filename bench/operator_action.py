"""Operator action latency: from the action in the UI to the new state committed and shown.

Builds the real console window and its case workflow
(``console.qt.console_app.build_console``) on a temporary SQLite file with the
built-in simulation running fast (52,600 vehicles moving; simulated colleague
desks off, so only the bench works its cases), then triggers the real QActions
(accept, open, dispatch by the dispatch dialog, escalate by its form) on cases
and measures, for each, the time from the trigger (or the dialog's confirm)
until the state is committed and the queue row and the case pane show it after
a paint.

Baseline, measured in the same run on other cases: the same commands stored
by the naive path — the service call, then every case re-read from SQLite and
the whole queue model reset — shown the same way.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/operator_action.py [--cases 40]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from console.qt.qt_env import prepare_qt_environment

prepare_qt_environment(headless=True)

import numpy as np  # noqa: E402
from PySide6.QtCore import QEvent, QObject  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from console.core.city.model import Level  # noqa: E402
from console.core.incidents.model import Incident, IncidentStatus  # noqa: E402
from console.core.incidents.service import IncidentService  # noqa: E402
from console.core.runtime import CoreOptions  # noqa: E402
from console.qt.case_actions import CaseForm  # noqa: E402
from console.qt.case_wiring import CaseWorkflow  # noqa: E402
from console.qt.console_app import build_console  # noqa: E402
from console.qt.dispatch_dialog import DispatchDialog  # noqa: E402
from console.qt.incident_table_model import COL_STATE, state_text  # noqa: E402
from console.qt.scratch import pump, scratch_app, scratch_core  # noqa: E402

OPERATOR = "bench-operator"


def shown(flow: CaseWorkflow, queue: object, case_id: int, status: IncidentStatus) -> bool:
    """Whether the queue row and the case pane both show ``status`` for the case."""
    model = queue.model  # type: ignore[attr-defined]
    row = model.row_of(case_id)
    if row is None or model.data(model.index(row, COL_STATE)) != state_text(status):
        return False
    return flow.detail.case_id() == case_id and status.label in flow.detail.title.text()


class PaintWatch(QObject):
    """Counts the paint events of the widgets it watches."""

    def __init__(self, widgets: list[QWidget]) -> None:
        super().__init__()
        self.painted: dict[QObject, int] = {w: 0 for w in widgets}
        for widget in widgets:
            widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        """Count paints."""
        if event.type() == QEvent.Type.Paint and watched in self.painted:
            self.painted[watched] += 1
        return False

    def snapshot(self) -> dict[QObject, int]:
        """The counts now."""
        return dict(self.painted)


NATURAL_PAINT = False
"""True (--paint window): wait for the window's own next paint of both views, with whatever
else it paints in that frame (the map, the status bar); False (--paint views, the default):
once the models show the state, paint the queue and the case pane right away."""


def until_shown(
    app: QApplication,
    flow: CaseWorkflow,
    queue: object,
    case_id: int,
    status: IncidentStatus,
    watch: PaintWatch,
    before: dict[QObject, int],
) -> None:
    """Process events until the new state shows, and is painted (see NATURAL_PAINT)."""
    deadline = time.perf_counter() + 5.0

    def painted() -> bool:
        return not NATURAL_PAINT or all(watch.painted[w] > before[w] for w in before)

    while not shown(flow, queue, case_id, status) or not painted():
        if time.perf_counter() > deadline:
            raise RuntimeError(f"case {case_id} never showed {status}")
        app.processEvents()
    if not NATURAL_PAINT:
        queue.table.viewport().repaint()  # type: ignore[attr-defined]
        flow.detail.repaint()


def confirm_dialog(flow: CaseWorkflow, case: Incident, key: str) -> Callable[[], None]:
    """Trigger ``key``'s action and fill its dialog; returns the confirm to time."""
    flow.actions.actions[key].trigger()
    dialog = flow.actions.active_dialog
    if key == "dispatch":
        assert isinstance(dialog, DispatchDialog)
        dialog.pick_office(int(case.responsible_level) + 2)  # the office one level down
    else:
        assert isinstance(dialog, CaseForm)
        dialog.field("reason").setText("beyond this level's means")  # type: ignore[union-attr]
    return dialog.accept


def run_ours(
    app: QApplication,
    flow: CaseWorkflow,
    queue: object,
    service: IncidentService,
    case: Incident,
    watch: PaintWatch,
) -> list[float]:
    """Accept, open, dispatch (down one level) and escalate through the real actions."""
    timings = []
    steps = [
        ("accept", IncidentStatus.ACCEPTED),
        ("open", IncidentStatus.OPENED),
        ("dispatch", IncidentStatus.OPENED),
        ("escalate", IncidentStatus.OPENED),
    ]
    for key, status in steps:
        before = service.get(case.id)
        assert before is not None
        if key in ("accept", "open"):
            before_paint = watch.snapshot()
            started = time.perf_counter()
            flow.actions.actions[key].trigger()
        else:
            confirm = confirm_dialog(flow, before, key)
            before_paint = watch.snapshot()
            started = time.perf_counter()
            confirm()
        after = service.get(case.id)
        assert after is not None and after.version == before.version + 1, (key, after)
        until_shown(app, flow, queue, case.id, status, watch, before_paint)
        timings.append((time.perf_counter() - started) * 1000.0)
    return timings


def run_naive(
    app: QApplication,
    flow: CaseWorkflow,
    queue: object,
    service: IncidentService,
    case: Incident,
    watch: PaintWatch,
) -> list[float]:
    """The same commands, shown by re-reading every case and resetting the queue model."""
    timings = []
    for verb, params, status in [
        ("accept", {}, IncidentStatus.ACCEPTED),
        ("open", {}, IncidentStatus.OPENED),
        ("dispatch", "down", IncidentStatus.OPENED),
        ("escalate", {"reason": "beyond this level's means"}, IncidentStatus.OPENED),
    ]:
        current = service.get(case.id)
        assert current is not None
        if params == "down":
            code = current.path.at(Level(int(current.responsible_level) + 1))  # type: ignore[union-attr]
            params = {"unit_id": f"office:{code}"}
        before_paint = watch.snapshot()
        started = time.perf_counter()
        service.act(case.id, verb, OPERATOR, expected_version=current.version, **params)
        index = queue.index  # type: ignore[attr-defined]
        model = queue.model  # type: ignore[attr-defined]
        rows = model.rows
        index.load(service.list_all())  # every case re-read from SQLite
        model.set_rows(np.zeros(0, dtype=np.int64))  # the whole model reset
        model.set_rows(rows)
        flow.detail.reload()
        until_shown(app, flow, queue, case.id, status, watch, before_paint)
        timings.append((time.perf_counter() - started) * 1000.0)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=40, help="cases per path")
    parser.add_argument("--warmup", type=float, default=6.0, help="seconds of simulation first")
    parser.add_argument("--speed", type=float, default=60.0, help="simulation speed factor")
    parser.add_argument("--history", type=int, default=2000, help="open cases stored beforehand")
    parser.add_argument(
        "--paint", choices=("views", "window"), default="views", help="see NATURAL_PAINT"
    )
    args = parser.parse_args()
    global NATURAL_PAINT
    NATURAL_PAINT = args.paint == "window"

    app = scratch_app("bench")
    core, tmp = scratch_core(
        "operator_action_",
        CoreOptions(
            speed=args.speed,
            seed=7,
            colleague_share=0.0,  # the bench's cases are worked by the bench alone
        ),
    )
    rng = random.Random(3)
    grids = [d.code for d in core.city.at_level(Level.GRID)]

    def new_case() -> Incident:
        point = core.city.geometry(rng.choice(grids)).representative_point()
        return core.incidents.report("road_obstruction", point.x, point.y, "bench case", OPERATOR)

    for _ in range(args.history):  # a busy shift's open cases, already in the queue
        new_case()
    core.bus.drain()
    window, flow = build_console(core, OPERATOR, tmp / "profile")
    queue = window.panes["incident_queue"]
    window.resize(1600, 1000)
    window.show()
    window.show_pane(queue.PANE_ID)
    core.start()
    pump(app, args.warmup)
    watch = PaintWatch([queue.table.viewport(), flow.detail.timeline.viewport()])  # type: ignore[attr-defined]
    fleet = sum(core.city.fleet_counts.values())
    cases = [new_case() for _ in range(2 * args.cases)]
    pump(app, 1.0)
    ours: list[float] = []
    naive: list[float] = []
    for number, case in enumerate(cases):
        if not queue.select_case(case.id):  # type: ignore[attr-defined]
            raise RuntimeError(f"case {case.id} is not in the queue")
        app.processEvents()
        if number % 2 == 0:
            ours.extend(run_ours(app, flow, queue, core.incidents, case, watch))
        else:
            naive.extend(run_naive(app, flow, queue, core.incidents, case, watch))
        pump(app, 0.05)  # vehicles keep moving between actions
    ours_p99 = float(np.percentile(ours, 99))
    naive_p99 = float(np.percentile(naive, 99))
    print(
        f"fleet {fleet:,} vehicles, {len(core.incidents.list_all()):,} cases stored, "
        f"simulation ×{args.speed:g}"
    )
    print(
        f"ours  : n={len(ours)} p50={np.percentile(ours, 50):.1f} ms "
        f"p99={ours_p99:.1f} ms max={max(ours):.1f} ms"
    )
    print(
        f"naive : n={len(naive)} p50={np.percentile(naive, 50):.1f} ms "
        f"p99={naive_p99:.1f} ms max={max(naive):.1f} ms"
    )
    print(f"paint: {args.paint}")
    print(f"RESULT action_p99_ms {ours_p99:.1f} ms ratio={naive_p99 / ours_p99:.2f}")
    flow.actions.detach()
    window.close()
    core.stop()
    return 0 if ours_p99 <= 100.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
