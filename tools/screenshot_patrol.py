"""Screenshots of video patrol: the video wall with a tour running, and the patrol report.

Builds the console on the built-in simulation (throw-away database), fills a
3 × 3 wall with bridge and station cameras, runs the first due tour for a few
checkpoints (one confirmed, one marked as an anomaly, one left to be missed) and
writes ``video_wall.png`` (the wall during the tour) and ``patrol_report.png``
into the folder given. Used by ``tools/make-screenshots.sh``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from console.qt.qt_env import prepare_qt_environment

prepare_qt_environment(headless=True)


from console.core.runtime import CoreOptions  # noqa: E402
from console.qt.app import use_city_timezone  # noqa: E402
from console.qt.console_app import build_console  # noqa: E402
from console.qt.patrol_controller import PatrolController  # noqa: E402
from console.qt.patrol_report import PatrolReport  # noqa: E402
from console.qt.scratch import pump, scratch_app, scratch_core  # noqa: E402

WALL_CAMERAS = ("cam-0001", "cam-0004", "cam-0007", "cam-0010", "cam-0013", "cam-0016")


def main(folder: Path) -> int:
    use_city_timezone("bengbu")
    app = scratch_app()
    start = time.mktime(time.strptime("2026-07-21 21:40", "%Y-%m-%d %H:%M"))
    core, work = scratch_core("patrol_shot_", CoreOptions(speed=1.0, start=start))
    window, _workflow = build_console(core, "王敏", work / "profile")
    window.resize(1680, 1000)
    window.show()
    wall = window.panes["video_wall"]
    window.show_pane(wall.PANE_ID)
    wall.set_layout(9)  # type: ignore[attr-defined]
    for index, camera_id in enumerate(WALL_CAMERAS, start=1):
        wall.show_camera(camera_id, index)  # type: ignore[attr-defined]
    controller = window.findChild(PatrolController)
    assert controller is not None
    controller.start(controller.book.tours[0].tour_id)
    pump(app, 3.5)  # "nothing found" counts after 3 s on show
    controller.confirm_nothing()
    pump(app, 1.0)
    controller.mark_anomaly("A van stopped on the bridge deck, hazard lights on")
    pump(app, 2.0)
    dock = window.docks[wall.PANE_ID]
    dock.setFloating(True)
    dock.resize(1600, 900)
    pump(app, 2.0)
    saved = dock.grab().save(str(folder / "video_wall.png"))
    dock.setFloating(False)
    log, book = core.patrol_log, core.patrol_book
    assert log is not None and book is not None
    report = PatrolReport(log, book, core.sites, core.clock, controller.tz, window)
    report.show()
    pump(app, 1.0)
    saved = report.grab().save(str(folder / "patrol_report.png")) and saved
    controller.stop()
    core.stop()
    window.close()
    if not saved:
        print(f"could not write the patrol screenshots into {folder}", file=sys.stderr)
        return 1
    print(f"screenshots saved: {folder / 'video_wall.png'}, {folder / 'patrol_report.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "screenshots")))
