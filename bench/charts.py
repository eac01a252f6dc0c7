"""Live charts: a zoom or pan step over a day of history, and live follow at 25 frames/s.

Loads 20 channels × 24 h at 1 Hz (1.73 million samples) into the channel history
and shows them in the real chart workspace (``LiveChartsPane``: 4 linked charts
× 5 channels, 1280 × 1000 px), then:

- ``chart_step_ms``: from a wheel notch (zoom) or a drag (pan) sent to one chart
  until every chart has repainted for it (the linked charts follow the one moved;
  the step ends when ``viewport().repaint()`` of every chart has returned, i.e.
  the paint is complete). Baseline, in the same run, the same steps on the same
  layout of plain pyqtgraph curves holding every point (no downsampling),
  x-linked the pyqtgraph way.
- ``follow_cpu_pct``: live follow at 25 frames/s. Every frame (a 40 ms timer in
  the event loop, as the console's frame tick) the clock moves on one second
  and a new sample of every channel arrives (the simulation at ×25, the slowest
  speed at which 1 Hz channels bring a sample every frame; the samples are made
  before the run and recorded in the frame), then the pane refreshes and the
  event loop paints (the charts scroll what slid and paint the strips that
  changed). CPU time of the process
  (``time.process_time``) over the wall-clock time, in % of one core. Measured
  for every live window (5 min: the view moves 4 px a frame; longer windows: a
  pixel every few frames, while the newest bins change every frame); the result
  is the worst. Also shown, not the result: the console's
  own speed (×10, 0.4 s a frame). Baseline: the same follow (1 h window) with
  plain curves holding every point (every frame ``setData`` of the whole day
  and the view moved); it cannot keep up, so its cost is given as the share of
  a core 25 of its frames a second would take.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/charts.py [--steps 40] [--seconds 6]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from console.qt.qt_env import prepare_qt_environment

prepare_qt_environment(headless=True)

import numpy as np  # noqa: E402
import pyqtgraph as pg  # noqa: E402
from PySide6.QtCore import QEvent, QEventLoop, QPoint, QPointF, Qt, QTimer  # noqa: E402
from PySide6.QtGui import QMouseEvent, QWheelEvent  # noqa: E402
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget  # noqa: E402

from console.core.bridges.config import Thresholds, load_bridge_monitoring  # noqa: E402
from console.core.channels import ChannelHistory, ChannelInfo, ChannelRecorder  # noqa: E402
from console.core.clock import ManualClock  # noqa: E402
from console.core.paths import city_dir  # noqa: E402
from console.qt.charts.items import curve_colour  # noqa: E402
from console.qt.charts.workspace import WINDOWS  # noqa: E402
from console.qt.panes.live_charts import LiveChartsPane  # noqa: E402
from console.qt.theme import CHART_BACKGROUND, apply_theme  # noqa: E402

DAY = 86_400
CHARTS, PER_CHART = 4, 5
T0 = 1_795_000_000.0
SIZE = (1280, 1000)
FRAME_MS = 40


# ---- Data


def day_of_data(history: ChannelHistory) -> list[list[str]]:
    """20 channels × 24 h at 1 Hz, as two bridges of 10 sensors; the chart layout."""
    rng = np.random.default_rng(552)
    t = T0 + np.arange(DAY, dtype=np.float64)
    hours = np.arange(DAY) / 3600.0
    layout: list[list[str]] = [[] for _ in range(CHARTS)]
    for b in range(2):
        lines = Thresholds(100.0, 130.0, 160.0)
        infos = [
            ChannelInfo(f"bridge:bench{b}:s{i}", f"Strain {i}", "με", f"bench{b}", "Bench", lines)
            for i in range(10)
        ]
        history.define_group(f"bridge:bench{b}", infos, 1.0)
        daily = 40 + 25 * np.sin((hours - 8) / 24 * 2 * np.pi)
        values = daily + rng.normal(0, 6, (10, DAY)) + np.arange(10)[:, None]
        spikes = rng.integers(0, DAY, (10, 30))
        np.put_along_axis(values, spikes, 150.0, axis=1)
        history.record_many(f"bridge:bench{b}", t, values.astype(np.float32))
        for i, info in enumerate(infos):
            layout[(b * 10 + i) // PER_CHART].append(info.channel_id)
    return layout


# ---- Mouse steps


def wheel(widget: QWidget, notches: int) -> None:
    """A wheel turn over the middle of a plot."""
    viewport = widget.viewport()  # type: ignore[attr-defined]
    centre = QPointF(viewport.width() / 2, viewport.height() / 2)
    QApplication.sendEvent(
        viewport,
        QWheelEvent(
            centre,
            QPointF(viewport.mapToGlobal(centre.toPoint())),
            QPoint(0, 0),
            QPoint(0, 120 * notches),
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
            Qt.ScrollPhase.NoScrollPhase,
            False,
        ),
    )


def drag(widget: QWidget, dx: float) -> None:
    """A left-button drag sideways: press, one move (the step), release."""
    viewport = widget.viewport()  # type: ignore[attr-defined]
    start = QPointF(viewport.width() / 2, viewport.height() / 2)
    for kind, pos, buttons in (
        (QEvent.Type.MouseButtonPress, start, Qt.MouseButton.LeftButton),
        (QEvent.Type.MouseMove, start + QPointF(dx, 0), Qt.MouseButton.LeftButton),
        (QEvent.Type.MouseButtonRelease, start + QPointF(dx, 0), Qt.MouseButton.NoButton),
    ):
        event = QMouseEvent(
            kind,
            pos,
            QPointF(viewport.mapToGlobal(pos.toPoint())),
            Qt.MouseButton.LeftButton,
            buttons,
            Qt.KeyboardModifier.NoModifier,
        )
        QApplication.sendEvent(viewport, event)


STEPS: list[Callable[[QWidget], None]] = [
    lambda w: wheel(w, 1),
    lambda w: drag(w, 120),
    lambda w: wheel(w, 1),
    lambda w: drag(w, -200),
    lambda w: wheel(w, -1),
    lambda w: drag(w, 80),
    lambda w: wheel(w, -1),
    lambda w: drag(w, -40),
]


def time_steps(app: QApplication, plots: list[QWidget], steps: int) -> list[float]:
    """Milliseconds from each step until every plot has repainted."""
    timings = []
    for i in range(steps):
        app.processEvents()
        started = time.perf_counter()
        STEPS[i % len(STEPS)](plots[i % len(plots)])
        for plot in plots:
            plot.viewport().repaint()  # type: ignore[attr-defined]
        timings.append((time.perf_counter() - started) * 1000)
    return timings


# ---- The plain baseline


class PlainCharts(QWidget):
    """4 x-linked pyqtgraph plots of 5 curves each, holding every point (no downsampling)."""

    def __init__(self, history: ChannelHistory, layout: list[list[str]]) -> None:
        super().__init__()
        box = QVBoxLayout(self)
        self.plots: list[pg.PlotWidget] = []
        self.curves: list[tuple[pg.PlotDataItem, str]] = []
        self.history = history
        for ids in layout:
            axis = pg.DateAxisItem()
            plot = pg.PlotWidget(axisItems={"bottom": axis}, background=CHART_BACKGROUND)
            plot.getPlotItem().setMouseEnabled(x=True, y=False)
            plot.getPlotItem().disableAutoRange()
            plot.setYRange(-10, 170)
            if self.plots:
                plot.setXLink(self.plots[0])
            for index, channel_id in enumerate(ids):
                t, v = history.samples(channel_id)
                curve = plot.plot(t, v, pen=pg.mkPen(curve_colour(channel_id, index), width=1.3))
                self.curves.append((curve, channel_id))
            box.addWidget(plot)
            self.plots.append(plot)

    def follow(self, now: float, window: float) -> None:
        """Take the new samples of every channel, set all the data again, move the view."""
        for curve, channel_id in self.curves:
            t, v = self.history.samples(channel_id)
            curve.setData(t, v)
        self.plots[0].setXRange(now - window, now, padding=0.0)


# ---- Follow


class Feed:
    """Live data: one new sample of every channel at each whole second of the clock.

    The samples are made before the run (what a frame costs is recording and drawing
    them, not inventing them)."""

    AHEAD_S = 4 * 3600

    def __init__(self, history: ChannelHistory, clock: ManualClock) -> None:
        self.history = history
        self.clock = clock
        self.last = clock.now()
        self.first = math.floor(self.last) + 1.0
        rng = np.random.default_rng(7)
        hours = (self.first + np.arange(self.AHEAD_S) - T0) / 3600.0
        daily = 40 + 25 * np.sin((hours - 8) / 24 * 2 * np.pi)
        self.values = [
            (daily + rng.normal(0, 6, (10, self.AHEAD_S)) + np.arange(10)[:, None]).astype(
                np.float32
            )
            for _ in range(2)
        ]

    def advance(self, seconds: float) -> None:
        """Move the clock on; record the samples of the seconds passed."""
        self.clock.advance(seconds)
        times = np.arange(math.floor(self.last) + 1.0, math.floor(self.clock.now()) + 1.0)
        if times.size:
            self.last = float(times[-1])
            at = (times - self.first).astype(np.intp) % self.AHEAD_S
            for b in range(2):
                self.history.record_many(f"bridge:bench{b}", times, self.values[b][:, at])


def follow_cpu(app: QApplication, frame: Callable[[], None], seconds: float) -> tuple[float, int]:
    """CPU % of one core spent while ``frame`` runs at 25 Hz for ``seconds``; frames done."""
    frames = 0

    def tick() -> None:
        nonlocal frames
        frame()
        frames += 1

    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(FRAME_MS)
    timer.timeout.connect(tick)
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    for _ in range(10):  # settle
        app.processEvents()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    timer.start()
    loop.exec()  # the event loop, as in the console: idle between frames
    timer.stop()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return 100.0 * cpu / wall, frames


def memory_of_a_day() -> float:
    """MB held by 24 h of every Bengbu bridge channel and every city figure."""
    bridges = ["jiefang_road", "chaoyang_road", "g104"]
    monitoring = load_bridge_monitoring(city_dir("bengbu"), bridges)
    history = ChannelHistory()
    ChannelRecorder(history, monitoring)
    return history.nbytes / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=6.0)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(["bench-charts"])
    assert isinstance(app, QApplication)
    apply_theme(app)

    history = ChannelHistory()
    layout = day_of_data(history)
    points = sum(history.samples(c)[0].size for ids in layout for c in ids)
    clock = ManualClock(start=T0 + DAY)
    pane = LiveChartsPane({}, clock=clock, tz="Asia/Shanghai", history=history)
    pane.restore_state(
        {"version": 1, "window_s": float(DAY), "charts": [{"channels": ids} for ids in layout]}
    )
    pane.resize(*SIZE)
    pane.show()
    plain = PlainCharts(history, layout)
    plain.resize(*SIZE)
    plain.show()
    for _ in range(20):
        app.processEvents()
    pane.refresh()
    plain.plots[0].setXRange(T0, T0 + DAY, padding=0.0)
    print(
        f"history: {len(layout) * PER_CHART} channels, {points:,} samples, "
        f"{history.nbytes / 1e6:.1f} MB; 24 h of 3 bridges × 14 channels + city figures: "
        f"{memory_of_a_day():.1f} MB"
    )

    # ---- Zoom and pan steps
    ours = time_steps(app, [c.plot_widget for c in pane.charts], args.steps)
    base = time_steps(app, plain.plots, max(args.steps // 4, 6))
    ours_ms, base_ms = statistics.median(ours), statistics.median(base)
    print(
        f"step: ours median {ours_ms:.1f} ms (p90 {np.percentile(ours, 90):.1f}), "
        f"plain pyqtgraph, every point: median {base_ms:.1f} ms"
    )

    # ---- Live follow (one window shown at a time)
    plain.hide()
    pane.workspace.go_live()
    feed = Feed(history, clock)
    idle, _ = follow_cpu(app, lambda: None, min(args.seconds, 2.0))
    print(f"idle event loop with a 25 Hz timer: {idle:.1f} % of a core")
    worst = 0.0
    for name, window in WINDOWS.items():
        pane.workspace.set_window(window)
        before = sum(c.draw_count for c in pane.charts)
        pct, frames = follow_cpu(app, lambda: (feed.advance(1.0), pane.refresh()), args.seconds)
        draws = sum(c.draw_count for c in pane.charts) - before
        console, _ = follow_cpu(app, lambda: (feed.advance(0.4), pane.refresh()), args.seconds)
        print(
            f"follow {name:>5}: ours {pct:5.1f} % of a core at ×25 ({frames} frames, "
            f"{draws} chart draws); at the console's ×10: {console:4.1f} %"
        )
        worst = max(worst, pct)
    pane.hide()
    plain.show()
    base_pct, base_frames = follow_cpu(
        app, lambda: (feed.advance(1.0), plain.follow(clock.now(), 3600.0)), args.seconds
    )
    asked = int(args.seconds * 1000 / FRAME_MS)
    # the plain curves cannot keep up: what 25 frames a second would cost them
    base_at_25 = base_pct * asked / max(base_frames, 1)
    print(
        f"follow  1 h: plain pyqtgraph {base_pct:5.1f} % of a core, {base_frames} of {asked} "
        f"frames: {base_at_25:.0f} % of a core to keep 25 frames a second"
    )

    print(f"RESULT chart_step_ms {ours_ms:.1f} ms ratio={base_ms / ours_ms:.1f}")
    print(f"RESULT follow_cpu_pct {worst:.1f} % ratio={base_at_25 / worst:.1f}")


if __name__ == "__main__":
    main()
