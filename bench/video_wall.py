"""Video wall: nine simulated cameras at 15 frames/s, and switching a patrol tour step.

The real ``VideoWallPane`` at 1600 × 900 px (offscreen), 3 × 3 layout, nine
simulated cameras of different kinds (bridge decks and channels, junctions,
stations, weigh stations, theft hot spots) at 15 frames/s:

- ``wall_cpu_cores``: CPU time of the process (``time.process_time``, every
  thread) over the wall-clock time, for ``--seconds`` (6) in the event loop, in
  cores (1.0 = one core busy). The frames the tiles actually painted are counted
  and shown (9 × 15 = 135 a second asked). Baseline, in the same run and at the
  same tile size: the wall a first version would be, a grid of nine ``QLabel``
  tiles, each with its own 15 frames/s timer rendering the camera's whole frame
  (``SimScene.render``, with the scene's own on-screen text) into a new image,
  converting it to a ``QPixmap`` for ``setPixmap``, under a style-sheet label
  for the name, time and status.
- ``tour_switch_ms``: from the operator's "nothing found" on a patrol tour
  (``PatrolController.confirm_nothing``: the checkpoint written to the patrol log
  in a real SQLite database and committed, then the next checkpoint put up)
  until the patrol tile has painted the next camera's first frame (the tile's
  ``sig_picture_shown``, emitted at the end of that paint), with the other eight
  tiles running; the median of ``--switches`` (20) steps, a short dwell between
  them. Baseline: a tour that opens a new camera window (``open_camera``) for
  each step, until that window's picture has finished its first paint (the
  previous window is closed after the step, untimed).

Budgets (issue 6): at most one core, at most 300 ms.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/video_wall.py [--seconds 6] [--switches 20]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from console.qt.qt_env import prepare_qt_environment

prepare_qt_environment(headless=True)

from PySide6.QtCore import QEvent, QEventLoop, QObject, QSize, QTimer  # noqa: E402
from PySide6.QtGui import QPixmap  # noqa: E402
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QWidget  # noqa: E402

from console.core.city import default_city  # noqa: E402
from console.core.clock import ManualClock  # noqa: E402
from console.core.patrol import MIN_LOOK_S, PatrolBook, Tour, TourStep  # noqa: E402
from console.core.runtime import ConsoleCore, CoreOptions  # noqa: E402
from console.core.sites import Camera, SiteRegistry  # noqa: E402
from console.qt.camera_window import CameraWindow, open_camera  # noqa: E402
from console.qt.panes.video_wall import VideoWallPane  # noqa: E402
from console.qt.patrol_controller import PatrolController  # noqa: E402
from console.qt.scratch import scratch_app, scratch_core  # noqa: E402
from console.qt.sim_camera import SimScene  # noqa: E402

SIZE = (1600, 900)
FPS = 15.0
TZ = ZoneInfo("Asia/Shanghai")
WALL = (
    "cam-0001",  # bridge deck
    "cam-0004",  # bridge channel (river, vessels)
    "cam-0016",  # junction
    "cam-0030",  # junction
    "cam-0120",  # passenger station
    "cam-0150",  # weigh station
    "cam-0160",  # theft hot spot
    "cam-0009",  # bridge channel
    "cam-0185",  # theft hot spot
)


def run_loop(seconds: float) -> None:
    """Run the event loop for ``seconds`` (idle between timers, as in the app)."""
    loop = QEventLoop()
    QTimer.singleShot(round(seconds * 1000), loop.quit)
    loop.exec()


def cpu_cores(seconds: float, frames: Callable[[], int]) -> tuple[float, float]:
    """Cores used and frames painted a second while the event loop runs for ``seconds``."""
    run_loop(0.5)  # settle: first paints, caches
    painted0, cpu0, wall0 = frames(), time.process_time(), time.perf_counter()
    run_loop(seconds)
    wall = time.perf_counter() - wall0
    return (time.process_time() - cpu0) / wall, (frames() - painted0) / wall


# ---- The naive wall (baseline)


class NaiveTile(QLabel):
    """A first version's tile: each frame rendered whole, made a pixmap, set on a label."""

    def __init__(self, camera: Camera, parent: QWidget) -> None:
        super().__init__(parent)
        self.camera = camera
        self.scene = SimScene(camera, TZ)
        self.frames = 0
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.caption = QLabel(self)
        self.caption.setStyleSheet(
            "background: rgba(6, 10, 16, 215); color: white; padding: 3px; font-weight: bold;"
        )
        self.timer = QTimer(self)
        self.timer.setInterval(round(1000 / FPS))
        self.timer.timeout.connect(self.next_frame)
        self.timer.start()

    def next_frame(self) -> None:
        """Render the whole frame and show it."""
        now = time.time()
        self.setPixmap(QPixmap.fromImage(self.scene.render(self.size(), now)))
        clock = dt.datetime.fromtimestamp(now, TZ).strftime("%H:%M:%S")
        self.caption.setText(f"SIMULATED  {self.camera.name}  {self.camera.name_en}  {clock}")
        self.caption.setGeometry(0, 0, self.width(), 24)
        self.frames += 1


def naive_wall(sites: SiteRegistry, size: QSize) -> tuple[QWidget, list[NaiveTile]]:
    """Nine naive tiles in a 3 × 3 grid of ``size``."""
    wall = QWidget()
    grid = QGridLayout(wall)
    grid.setContentsMargins(0, 0, 0, 0)
    grid.setSpacing(4)
    tiles = [NaiveTile(sites.camera(camera_id), wall) for camera_id in WALL]
    for i, tile in enumerate(tiles):
        grid.addWidget(tile, i // 3, i % 3)
    wall.resize(size)
    return wall, tiles


# ---- Tour steps


class FirstPaint(QObject):
    """Finishes a widget's first paint inside an event filter and notes when it ended."""

    def __init__(self, loop: QEventLoop) -> None:
        super().__init__()
        self.loop = loop
        self.done_at = 0.0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        """On the first paint: paint now, note the time, stop waiting."""
        if event.type() == QEvent.Type.Paint and not self.done_at:
            watched.event(event)
            self.done_at = time.perf_counter()
            self.loop.quit()
            return True
        return False


def wait(loop: QEventLoop, timeout_s: float = 5.0) -> None:
    """Run ``loop`` until it is quit, or ``timeout_s`` passes."""
    guard = QTimer()
    guard.setSingleShot(True)
    guard.timeout.connect(loop.quit)
    guard.start(round(timeout_s * 1000))
    loop.exec()
    guard.stop()


class Arrival:
    """Notes when a tile says it shows ``camera_id`` and stops waiting."""

    def __init__(self, camera_id: str, loop: QEventLoop) -> None:
        self.camera_id = camera_id
        self.loop = loop
        self.at = 0.0

    def __call__(self, shown_id: str) -> None:
        """The tile's ``sig_picture_shown``."""
        if shown_id == self.camera_id and not self.at:
            self.at = time.perf_counter()
            self.loop.quit()


def tour_on_wall(pane: VideoWallPane, core: ConsoleCore, steps: list[str]) -> list[float]:
    """Milliseconds from each "nothing found" (the patrol log written and committed)
    until the patrol tile painted the tour's next camera."""
    assert core.patrol_book is not None and core.patrol_log is not None
    shifts = core.patrol_book.shifts
    tour = Tour(
        "bench",
        "基准巡查",
        "Bench tour",
        tuple(TourStep(camera_id, 30.0) for camera_id in steps),
        tuple(shift.shift_id for shift in shifts),
        60,
    )
    clock = ManualClock(start=time.time())
    controller = PatrolController(
        pane,
        PatrolBook(shifts, (tour,)),
        core.patrol_log,
        core.sites,
        core.incidents,
        clock,
        TZ,
        "bench",
    )
    tile = pane.tiles()[0]
    timings = []
    for i, camera_id in enumerate(steps):
        loop = QEventLoop()
        arrival = Arrival(camera_id, loop)
        tile.sig_picture_shown.connect(arrival)
        clock.advance(MIN_LOOK_S)  # the operator looked, as long as it takes to count
        started = time.perf_counter()
        if i == 0:
            controller.start("bench")
        else:
            controller.confirm_nothing()
        if not arrival.at:
            wait(loop)
        tile.sig_picture_shown.disconnect(arrival)
        if not arrival.at:
            raise RuntimeError(f"the patrol tile never showed {camera_id}")
        if i > 0:  # the first step is the start, not a switch
            timings.append((arrival.at - started) * 1000)
        run_loop(0.15)
    controller.stop()
    return timings


def tour_in_windows(sites: SiteRegistry, steps: list[str], dwell_s: float) -> list[float]:
    """Milliseconds from opening each step's camera window until its picture was painted."""
    city = default_city()

    def name_of(code: str) -> str:
        division = city.divisions.get(code)
        return division.name if division else code

    timings = []
    previous: CameraWindow | None = None
    for camera_id in steps:
        loop = QEventLoop()
        watch = FirstPaint(loop)
        started = time.perf_counter()
        window = open_camera(sites.camera(camera_id), None, time.time, TZ, name_of)
        window.video.installEventFilter(watch)
        if not watch.done_at:
            wait(loop)
        if not watch.done_at:
            raise RuntimeError(f"the window of {camera_id} never painted")
        timings.append((watch.done_at - started) * 1000)
        window.video.removeEventFilter(watch)
        if previous is not None:
            previous.close()
        previous = window
        run_loop(dwell_s)
    if previous is not None:
        previous.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--switches", type=int, default=20)
    args = parser.parse_args()
    app = scratch_app("bench-video-wall")
    core, _folder = scratch_core("bench_wall_", CoreOptions())
    sites = core.sites

    pane = VideoWallPane(sites, time.time, TZ, fps=FPS)
    pane.resize(*SIZE)
    pane.set_layout(9)
    for camera_id in WALL:
        pane.show_camera(camera_id)
    pane.show()
    tiles = pane.tiles()
    ours, ours_fps = cpu_cores(args.seconds, lambda: sum(t.frames_painted for t in tiles))
    tile_size = tiles[0].size()
    print(
        f"ours: 9 tiles of {tile_size.width()}×{tile_size.height()} px, "
        f"{ours_fps:.0f} paints a second (frames, and the picture under a clock that ticked), "
        f"{ours:.3f} cores"
    )

    stepped = [c.camera_id for c in sites.cameras if c.camera_id not in WALL]
    steps = [stepped[(i * 7) % len(stepped)] for i in range(args.switches + 1)]
    switches = tour_on_wall(pane, core, steps)
    pane.hide()
    app.processEvents()

    grid = pane.tiles()[0].parentWidget()
    assert grid is not None
    wall, naive = naive_wall(sites, grid.size())
    wall.show()
    base, base_fps = cpu_cores(args.seconds, lambda: sum(t.frames for t in naive))
    print(f"naive wall (a QLabel pixmap per frame): {base_fps:.0f} frames/s, {base:.3f} cores")
    for tile in naive:
        tile.timer.stop()
    wall.hide()

    tour_in_windows(sites, steps[:1], 0.1)  # warm-up, not counted
    windows = tour_in_windows(sites, steps[1:], 0.15)
    ours_ms, base_ms = statistics.median(switches), statistics.median(windows)
    print(
        f"tour step: ours median {ours_ms:.1f} ms (max {max(switches):.1f}), "
        f"a new camera window per step median {base_ms:.1f} ms (max {max(windows):.1f})"
    )
    print(f"budgets: {ours:.3f} of 1 core, {ours_ms:.1f} of 300 ms")
    print(f"RESULT wall_cpu_cores {ours:.3f} cores ratio={base / ours:.1f}")
    print(f"RESULT tour_switch_ms {ours_ms:.1f} ms ratio={base_ms / ours_ms:.1f}")
    pane.close()
    wall.close()
    core.stop()
    del app


if __name__ == "__main__":
    main()
