"""Screenshots of the map at work: a selected taxi's card over the city centre, and the layer panel.

Builds the console on the built-in simulation (throw-away database), floats the map
large (as on a second screen), lets the city run, saves a zone around the railway station as
an operator would, zooms to the old city centre and clicks a taxi there. Writes
``map.png`` (the map) and ``layers.png`` (the layer panel) into the folder
given. Used by ``tools/make-screenshots.sh``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from console.qt.qt_env import prepare_qt_environment

prepare_qt_environment(headless=True)

import numpy as np  # noqa: E402

from console.core.events import VehicleClass  # noqa: E402
from console.core.geofence.model import Circle, Geofence  # noqa: E402
from console.core.runtime import CoreOptions  # noqa: E402
from console.qt.app import use_city_timezone  # noqa: E402
from console.qt.console_app import build_console  # noqa: E402
from console.qt.layer_wiring import LayerWiring  # noqa: E402
from console.qt.map_selection import MapSelection  # noqa: E402
from console.qt.panes.map_pane import MapPane  # noqa: E402
from console.qt.scratch import pump, scratch_app, scratch_core  # noqa: E402
from console.qt.zone_tools import ZoneTools  # noqa: E402

CENTRE = (117.3800, 32.9330)
"""The old city centre of Bengbu."""
STATION = (117.3900, 32.9420)
"""Near Bengbu railway station."""


def _taxi_near(pane: MapPane, lon: float, lat: float) -> tuple[float, float] | None:
    """A moving taxi close to (lon, lat)."""
    points = pane.vehicle_points()
    order = np.argsort((points.lon - lon) ** 2 + (points.lat - lat) ** 2)
    for i in order[:2_000]:
        state = pane.vehicle_state(int(points.keys[i]))
        if state is not None and state.vehicle_class is VehicleClass.TAXI and state.speed_kmh > 5:
            return state.lon, state.lat
    return None


def main(folder: Path) -> int:
    use_city_timezone("bengbu")
    app = scratch_app()
    start = time.mktime(time.strptime("2026-11-21 08:40", "%Y-%m-%d %H:%M"))
    options = CoreOptions(speed=30, start=start)
    core, work = scratch_core("map_shot_", options)
    window, _workflow = build_console(core, "operator-1", work / "profile")
    window.resize(1680, 1000)
    window.show()
    core.start()
    pump(app, 1.0)  # the window's first layout is done
    dock = window.docks["map"]
    dock.setFloating(True)  # the map alone, large, as on an operator's second screen
    dock.resize(1400, 900)
    pane = window.panes["map"]
    assert isinstance(pane, MapPane)
    pump(app, 25.0)
    zones = window.findChild(ZoneTools)
    if zones is not None:
        zone = Geofence(
            "zone-station",
            "蚌埠站 taxi rank",
            Circle(STATION[0], STATION[1], 350.0),
            frozenset({"taxi"}),
            dwell_limit_s=1800.0,
        )
        zones.save(zone)
    pane.center_on(*CENTRE, 14)
    pump(app, 2.0)
    taxi = _taxi_near(pane, *CENTRE)
    selection = window.findChild(MapSelection)
    if taxi is not None and selection is not None:
        selection.click(taxi[1], taxi[0], 9.5, False)
    pump(app, 2.0)
    saved = dock.grab().save(str(folder / "map.png"))
    layers = window.findChild(LayerWiring)
    if layers is not None:
        layers.panel.show()
        pump(app, 0.5)
        saved = layers.panel.grab().save(str(folder / "layers.png")) and saved
        layers.panel.hide()
    core.stop()
    window.close()
    if not saved:
        print(f"could not write the map screenshots into {folder}", file=sys.stderr)
        return 1
    print(f"screenshots saved: {folder / 'map.png'}, {folder / 'layers.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "screenshots")))
