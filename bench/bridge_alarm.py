"""Bridge alarm to case: from a threshold crossing posted on the bus to the case shown in the queue.

Builds the real console (``console.qt.console_app.build_console``) on a temporary
SQLite file holding a busy shift's open cases, with the built-in simulation
running, with the bridge safety monitor and its case enricher that ``build_core``
installs on the core's bus. Each trial
posts a sample of the Jiefang Road bridge in which girder strain crosses its
level-2 threshold (130 με), and measures until the queue's model holds the new
case's row and the queue has painted it. Every step runs as in the app: the
frame tick drains the bus (the monitor posts the alarm; the intake stores the
case; the queue reads it), the queue repaints.

Baseline, measured in the same run on other trials: the same monitor and intake,
shown the way a naive console would, by polling the database once a second (a
free-running 1 s timer reads every case and resets the queue model, then paints).

Crossings are 15 simulated seconds apart, so the previous episode is over (the
simulation's own normal samples end it). Each trial's case is rejected at once,
so alarm folding, if wired, never folds the next crossing into it.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bridge_alarm.py [--trials 30]
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from console.qt.qt_env import prepare_qt_environment

prepare_qt_environment(headless=True)

import numpy as np  # noqa: E402
from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from console.core.bridges.monitor import BridgeSafety  # noqa: E402
from console.core.bus import Delivery  # noqa: E402
from console.core.city.model import Level  # noqa: E402
from console.core.events import BridgeAlarm, BridgeChannels, Event, IncidentChanged  # noqa: E402
from console.core.runtime import ConsoleCore, CoreOptions  # noqa: E402
from console.qt.console_app import build_console  # noqa: E402
from console.qt.scratch import pump, scratch_app, scratch_core  # noqa: E402

OPERATOR = "bench-operator"
BRIDGE = "jiefang_road"
SENSOR = "strain_s1_mid"
CALM_UE = 20.0
EPISODE_GAP_S = 15.0
"""Simulated seconds between crossings: the rate window (10 s) and off-delay pass."""
CROSSING_UE = 140.0
"""Above the level-2 start (130 με): a case by rule."""


class CaseWatch:
    """Learns the id of the case each alarm opened, from the bus (as the queue does)."""

    def __init__(self, core: ConsoleCore) -> None:
        self.core = core
        self.opened: dict[str, int] = {}
        self.alarm_at: dict[str, float] = {}
        self.case_at: dict[str, float] = {}
        self.handles = [
            core.bus.subscribe(
                BridgeAlarm, self.on_alarms, Delivery.BATCH, name="bench alarm watch"
            ),
            core.bus.subscribe(
                IncidentChanged, self.on_changed, Delivery.BATCH, name="bench case watch"
            ),
        ]

    def on_alarms(self, events: Sequence[Event]) -> None:
        """Note when each bridge alarm reached the bus's subscribers (the intake among them)."""
        now = time.perf_counter()
        for event in events:
            if isinstance(event, BridgeAlarm):
                self.alarm_at[event.alarm_id] = now

    def on_changed(self, events: Sequence[Event]) -> None:
        """Note the alarm of every case reported by the system."""
        for event in events:
            if isinstance(event, IncidentChanged) and event.action == "reported":
                case = self.core.incidents.get(event.incident_id)
                if case is not None and case.source_alarm_id:
                    self.opened[case.source_alarm_id] = case.id
                    self.case_at[case.source_alarm_id] = time.perf_counter()


class Trials:
    """Posts the crossings on the simulation's own clock, one episode apart."""

    def __init__(self, core: ConsoleCore, safety: BridgeSafety) -> None:
        self.core = core
        self.safety = safety
        self.last_ts = core.clock.now() - EPISODE_GAP_S

    def prepare(self, app: QApplication) -> float:
        """Wait until the last crossing's episode is over; returns the next crossing's ts.

        The simulation's own samples end the episode; calm samples (the sensor's
        latest value) fill the gap in case the simulation sends none.
        """
        while self.core.clock.now() < self.last_ts + EPISODE_GAP_S:
            pump(app, 0.02)
        ts = self.core.clock.now()
        latest = self.safety.monitor.state(BRIDGE)[SENSOR].value
        calm = latest if math.isfinite(latest) and abs(latest) < 100.0 else CALM_UE
        second = self.last_ts + 1.0
        while second < ts:
            self.core.bus.post(BridgeChannels(second, BRIDGE, (SENSOR,), (calm,)))
            second += 1.0
        pump(app, 0.05)
        self.last_ts = ts
        return ts

    def cross(self, ts: float) -> str:
        """Post the crossing; returns the alarm id the monitor will give it."""
        self.core.bus.post(BridgeChannels(ts, BRIDGE, (SENSOR,), (CROSSING_UE,)))
        return f"BRG-{BRIDGE}-{SENSOR}-{round(ts * 1000.0)}"


def run_ours(
    app: QApplication, queue: object, cases: CaseWatch, trials: Trials
) -> tuple[float, float, float, float]:
    """One trial shown by the real queue: from the post until its row is there and painted.

    Returns the ms until the alarm reached the intake, the case was announced, the
    row was in the model, and it was painted (the measure).
    """
    ts = trials.prepare(app)
    model = queue.model  # type: ignore[attr-defined]
    started = time.perf_counter()
    alarm_id = trials.cross(ts)
    deadline = started + 10.0
    while True:
        case_id = cases.opened.get(alarm_id)
        if case_id is not None and model.row_of(case_id) is not None:
            break
        if time.perf_counter() > deadline:
            raise RuntimeError(f"the case of {alarm_id} never showed: {why(trials)}")
        app.processEvents()
        time.sleep(0.001)
    row_at = time.perf_counter()
    queue.table.viewport().repaint()  # type: ignore[attr-defined]
    elapsed = (time.perf_counter() - started) * 1000.0
    reject(trials.core, case_id)
    alarm_ms, case_ms, row_ms = (
        (at - started) * 1000.0
        for at in (cases.alarm_at[alarm_id], cases.case_at[alarm_id], row_at)
    )
    return alarm_ms, case_ms, row_ms, elapsed


class NaivePoll:
    """A naive console's queue: once a second, read every case from the database and reset."""

    def __init__(self, app: QApplication, core: ConsoleCore, queue: object) -> None:
        self.core = core
        self.queue = queue
        self.waiting: tuple[str, float] | None = None
        self.done: tuple[int, float] | None = None
        self.timer = QTimer()
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self.poll)
        self.timer.start()

    def poll(self) -> None:
        """Read every case; if the awaited one is there, reset the model and paint."""
        if self.waiting is None:
            return
        alarm_id, started = self.waiting
        cases = self.core.incidents.list_all()
        found = next((c for c in cases if c.source_alarm_id == alarm_id), None)
        if found is None:
            return
        index = self.queue.index  # type: ignore[attr-defined]
        model = self.queue.model  # type: ignore[attr-defined]
        rows = model.rows
        index.load(cases)
        model.set_rows(np.zeros(0, dtype=np.int64))  # the whole model reset
        model.set_rows(rows)
        self.queue.table.viewport().repaint()  # type: ignore[attr-defined]
        self.waiting = None
        self.done = (found.id, (time.perf_counter() - started) * 1000.0)


def run_naive(app: QApplication, poll: NaivePoll, trials: Trials) -> float:
    """One trial shown by the once-a-second poll."""
    ts = trials.prepare(app)
    pump(app, random.uniform(0.0, 1.0))  # the poll's phase is whatever it is when the alarm comes
    poll.done = None
    started = time.perf_counter()
    poll.waiting = (trials.cross(ts), started)
    deadline = started + 10.0
    while poll.done is None:
        if time.perf_counter() > deadline:
            raise RuntimeError(f"the naive poll never showed the case: {why(trials)}")
        app.processEvents()
        time.sleep(0.001)
    case_id, elapsed = poll.done
    reject(trials.core, case_id)
    return elapsed


def why(trials: Trials) -> str:
    """What the intake and the monitor say, for a trial that never showed."""
    intake, monitor = trials.core.intake, trials.safety.monitor
    return (
        f"intake opened {intake.opened}, duplicates {intake.duplicates}, folded "
        f"{intake.folded}, shelved {intake.shelved}, failed {intake.failed}; sensor "
        f"{monitor.state(BRIDGE)[SENSOR]} by {monitor.rule_of(BRIDGE, SENSOR) or 'nothing'}"
    )


def reject(core: ConsoleCore, case_id: int) -> None:
    """Take the trial's case out of the way (a bench alarm is not a real one)."""
    core.incidents.act(case_id, "reject", OPERATOR, grounds="invalid", reason="bench alarm")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=30, help="trials per path")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of simulation first")
    parser.add_argument("--speed", type=float, default=10.0, help="simulation speed factor")
    parser.add_argument("--history", type=int, default=2000, help="open cases stored beforehand")
    args = parser.parse_args()

    app = scratch_app("bench")
    core, tmp = scratch_core(
        "bridge_alarm_",
        CoreOptions(
            speed=args.speed,
            seed=11,
            colleague_share=0.0,
        ),
    )
    safety = core.bridge_safety
    assert safety is not None
    rng = random.Random(5)
    grids = [d.code for d in core.city.at_level(Level.GRID)]
    for _ in range(args.history):  # a busy shift's open cases, already in the queue
        point = core.city.geometry(rng.choice(grids)).representative_point()
        core.incidents.report("road_obstruction", point.x, point.y, "bench case", OPERATOR)
    core.bus.drain()
    window, flow = build_console(core, OPERATOR, tmp / "profile")
    queue = window.panes["incident_queue"]
    window.resize(1600, 1000)
    window.show()
    window.show_pane(queue.PANE_ID)
    core.start()
    pump(app, args.warmup)
    cases = CaseWatch(core)
    trials = Trials(core, safety)
    poll = NaivePoll(app, core, queue)
    ours: list[float] = []
    stages: list[tuple[float, float, float, float]] = []
    naive: list[float] = []
    for number in range(2 * args.trials):
        if number % 2 == 0:
            stages.append(run_ours(app, queue, cases, trials))
            ours.append(stages[-1][-1])
        else:
            naive.append(run_naive(app, poll, trials))
        pump(app, 0.1)
    ours_median = statistics.median(ours)
    naive_median = statistics.median(naive)
    print(
        f"{len(core.incidents.list_all()):,} cases stored, simulation ×{args.speed:g}, "
        f"monitor: {safety.monitor.alarms_posted} alarms, {safety.monitor.warnings_posted} "
        f"warnings, {safety.enricher.enriched} cases enriched"
    )
    print(
        f"ours  : n={len(ours)} p50={ours_median:.1f} ms p90={np.percentile(ours, 90):.1f} ms "
        f"max={max(ours):.1f} ms"
    )
    print(
        f"naive : n={len(naive)} p50={naive_median:.1f} ms "
        f"p90={np.percentile(naive, 90):.1f} ms max={max(naive):.1f} ms (1 s database poll)"
    )
    alarm, case, row = (statistics.median(s[i] for s in stages) for i in range(3))
    print(
        f"ours, median ms after the post: alarm at the intake {alarm:.1f}, "
        f"case announced {case:.1f}, row in the model {row:.1f}, painted {ours_median:.1f}"
    )
    print("ours all:", " ".join(f"{x:.0f}" for x in ours))
    print("naive all:", " ".join(f"{x:.0f}" for x in naive))
    print(f"RESULT alarm_to_case_ms {ours_median:.1f} ms ratio={naive_median / ours_median:.2f}")
    poll.timer.stop()
    for handle in cases.handles:
        handle.close()
    flow.actions.detach()
    window.close()
    core.stop()
    return 0 if ours_median <= 1000.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
