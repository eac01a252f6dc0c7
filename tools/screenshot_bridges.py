"""Screenshots of bridge safety: the Bridges pane and the chart workspace during scripted faults.

Builds the console on the built-in simulation (throw-away database), lets the
bridges report for a while, then scripts what a trainer would: a strain surge on
the Chaoyang Road bridge, a vessel leaving the channel at the G104 bridge and a
weigh-station-sized truck on the Jiefang Road deck. Writes ``bridges.png`` (the
Bridges pane) and ``charts.png`` (the chart workspace opened from the pane's
Charts button) into the folder given. Used by ``tools/make-screenshots.sh``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from console.qt.qt_env import prepare_qt_environment

prepare_qt_environment(headless=True)


from console.core.runtime import CoreOptions  # noqa: E402
from console.core.sim import Fault, FaultKind  # noqa: E402
from console.qt.app import use_city_timezone  # noqa: E402
from console.qt.console_app import build_console  # noqa: E402
from console.qt.scratch import pump, scratch_app, scratch_core  # noqa: E402

SPEED = 10.0


def main(folder: Path) -> int:
    use_city_timezone("bengbu")
    app = scratch_app()
    start = time.mktime(time.strptime("2026-07-21 14:20", "%Y-%m-%d %H:%M"))
    options = CoreOptions(
        speed=SPEED,
        start=start,
        colleague_share=0.0,
    )
    core, work = scratch_core("bridge_shot_", options)
    window, _workflow = build_console(core, "operator-1", work / "profile")
    window.resize(1680, 1000)
    window.show()
    core.start()
    pump(app, 30.0)  # five simulated minutes of readings
    sim = core.city_simulation
    assert sim is not None
    now = core.clock.now()
    sim.bridges.inject(Fault(FaultKind.STRAIN_SURGE, "chaoyang_road", now + 20, 600.0))
    sim.bridges.inject(Fault(FaultKind.OFF_COURSE_VESSEL, "g104", now + 5, 900.0))
    sim.bridges.inject(Fault(FaultKind.OVERLOAD_TRUCK, "jiefang_road", now + 10, 60.0))
    pump(app, 25.0)
    bridges = window.panes["bridges"]
    window.show_pane(bridges.PANE_ID)
    dock = window.docks[bridges.PANE_ID]
    dock.setFloating(True)
    dock.resize(1100, 1150)
    pump(app, 2.0)
    saved = dock.grab().save(str(folder / "bridges.png"))
    dock.setFloating(False)
    charts = window.panes["live_charts"]
    charts.open_channels(  # type: ignore[attr-defined]
        ["bridge:chaoyang_road:strain_s2_mid", "bridge:chaoyang_road:strain_s1_mid"]
    )
    window.show_pane(charts.PANE_ID)
    chart_dock = window.docks[charts.PANE_ID]
    chart_dock.setFloating(True)
    chart_dock.resize(1300, 800)
    pump(app, 3.0)
    saved = chart_dock.grab().save(str(folder / "charts.png")) and saved
    core.stop()
    window.close()
    if not saved:
        print(f"could not write the bridge screenshots into {folder}", file=sys.stderr)
        return 1
    print(f"screenshots saved: {folder / 'bridges.png'}, {folder / 'charts.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "screenshots")))
