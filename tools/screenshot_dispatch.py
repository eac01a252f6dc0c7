"""Screenshot of the dispatch dialog on a real case in the running console.

Builds the console on the built-in simulation (throw-away database), lets the
city run for a while, reports a road accident in central Bengbu, accepts and
opens it as an operator would, and grabs the dispatch dialog the D key opens,
with its recommended units. Used by ``tools/make-screenshots.sh``.
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
from console.qt.scratch import pump, scratch_app, scratch_core  # noqa: E402

SCENE = (117.3655, 32.9390)
"""A crossroads in central Bengbu (蚌山区)."""


def main(out: Path) -> int:
    use_city_timezone("bengbu")
    app = scratch_app()
    start = time.mktime(time.strptime("2026-11-21 10:20", "%Y-%m-%d %H:%M"))
    options = CoreOptions(
        speed=60,
        start=start,
    )
    core, work = scratch_core("dispatch_shot_", options)
    window, workflow = build_console(core, "operator-1", work / "profile")
    window.resize(1680, 1000)
    window.show()
    core.start()
    pump(app, 20.0)  # units move, colleagues work cases
    case = core.incidents.report("road_accident", *SCENE, "两车追尾，占用两条车道", "operator-1")
    core.incidents.accept(case.id, "operator-1")
    core.incidents.act(case.id, "open", "operator-1")
    pump(app, 1.0)
    queue = window.panes["incident_queue"]
    queue.select_case(case.id)  # type: ignore[attr-defined]
    pump(app, 0.5)
    workflow.actions.actions["dispatch"].trigger()  # what the D key does
    pump(app, 1.5)  # the dialog lays out and draws its map
    dialog = workflow.actions.active_dialog
    saved = dialog is not None and dialog.grab().save(str(out))
    if dialog is not None:
        dialog.reject()
    core.stop()
    window.close()
    if not saved:
        print(f"could not write {out}", file=sys.stderr)
        return 1
    print(f"screenshot saved: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "screenshots/dispatch.png")))
