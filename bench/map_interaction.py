"""Map interaction: a pan or zoom step, and a click that selects, with the whole fleet moving.

Builds the real console (``build_console``) on the built-in Bengbu simulation
(52,600 vehicles, frames arriving all the time) with every map layer shown, then:

- ``pan_zoom_ms``: from a pan (``map.panBy``) or zoom step (``map.setZoom``) until
  the page has redrawn for it: measured in the page from the step to the first
  animation frame after it, which runs after every layer's redraw (vehicles,
  units, IoT stations, incidents). Baseline, in the same run on the same page:
  the fleet drawn the way a plain folium/Leaflet map would, one canvas
  ``circleMarker`` per vehicle, panned and zoomed the same way.
- ``select_ms``: from a click on a vehicle (fired in the page) until the page
  shows the selection's card: the click crosses the web channel to Python, the
  object is picked among every shown object (vehicles, units, IoT stations,
  cases...), its card is made and sent back. Baseline: the same round trip with
  the pick done by a plain Python loop over every object.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/map_interaction.py [--steps 40]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from console.qt.qt_env import prepare_qt_environment

prepare_qt_environment(headless=True)

import numpy as np  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from console.core.runtime import CoreOptions  # noqa: E402
from console.core.selection import REACH, MapObject, PointSet  # noqa: E402
from console.qt.console_app import build_console  # noqa: E402
from console.qt.map_selection import MapSelection  # noqa: E402
from console.qt.panes.map_pane import MapPane  # noqa: E402
from console.qt.scratch import pump, scratch_app, scratch_core  # noqa: E402
from console.qt.selection import SelectionHub  # noqa: E402

BUDGET_MS = 50.0
STEP_SCRIPT = """
window.__bench = window.__bench || {};
window.__benchStep = function (kind, arg) {
  const map = CityConsole.map;
  window.__bench.done = null;
  const started = performance.now();
  if (kind === "pan") {
    map.panBy(arg, { animate: false });
  } else {
    map.setZoom(arg, { animate: false });
  }
  requestAnimationFrame(function () { window.__bench.done = performance.now() - started; });
  return true;
};
window.__benchNaive = function (on) {
  const map = CityConsole.map;
  if (!on) {
    if (window.__naive) { map.removeLayer(window.__naive); window.__naive = null; }
    return 0;
  }
  const layer = CityConsole.vehicles;
  const renderer = L.canvas({ padding: 0.1 });
  const group = L.layerGroup();
  const zoom0 = function (x, y) { return map.unproject([x, y], 0); };
  const e = layer._extent;
  for (let i = 0; i < layer._count; i++) {
    const at = zoom0(e[0] + layer._xy[2 * i] * e[2], e[1] + layer._xy[2 * i + 1] * e[3]);
    group.addLayer(L.circleMarker(at, { renderer: renderer, radius: 1.5, stroke: false,
      fillColor: "#ffd400", fillOpacity: 1, interactive: false }));
  }
  window.__naive = group.addTo(map);
  return layer._count;
};
window.__benchClick = function (lat, lon) {
  window.__bench.clicked = performance.now();
  window.__bench.answered = null;
  CityConsole.map.fire("click", { latlng: L.latLng(lat, lon), originalEvent: {} });
  return true;
};
(function () {
  const original = CityConsole.setSelection;
  CityConsole.setSelection = function (payload) {
    const out = original.call(CityConsole, payload);
    if (window.__bench && window.__bench.clicked && payload.card) {
      window.__bench.answered = performance.now() - window.__bench.clicked;
      window.__bench.clicked = null;
    }
    return out;
  };
})();
true;
"""


def run_js(app: QApplication, pane: MapPane, script: str, timeout_s: float = 60.0) -> Any:
    """Run ``script`` in the map page and wait for its result."""
    box: list[Any] = []
    pane.view.page().runJavaScript(script, 0, box.append)
    end = time.perf_counter() + timeout_s
    while not box:
        if time.perf_counter() > end:
            raise TimeoutError(script[:80])
        app.processEvents()
        time.sleep(0.001)
    return box[0]


def wait_value(app: QApplication, pane: MapPane, expression: str, timeout_s: float = 10.0) -> float:
    """Poll a page expression until it is a number."""
    end = time.perf_counter() + timeout_s
    while time.perf_counter() < end:
        value = run_js(app, pane, expression)
        if isinstance(value, int | float):
            return float(value)
        app.processEvents()
    raise TimeoutError(expression)


def pan_zoom_steps(app: QApplication, pane: MapPane, steps: int) -> list[float]:
    """Alternate pans and zoom steps around the city centre; each step's redraw time."""
    times: list[float] = []
    for i in range(steps):
        if i % 4 == 0:
            script = "__benchStep('zoom', 13)"
        elif i % 4 == 2:
            script = "__benchStep('zoom', 12)"
        else:
            dx = 160 if (i // 4) % 2 == 0 else -160
            script = f"__benchStep('pan', [{dx}, 90])"
        run_js(app, pane, script)
        times.append(wait_value(app, pane, "window.__bench.done"))
        pump(app, 0.03)  # fresh vehicle frames arrive between steps
    return times


def naive_pick(sets: list[PointSet], lon: float, lat: float, radius_m: float) -> MapObject | None:
    """The same rule as :func:`console.core.selection.pick`, one object at a time in Python."""
    best: tuple[float, MapObject] | None = None
    scale = math.cos(math.radians(lat))
    for points in sets:
        reach = radius_m * REACH[points.kind]
        for i in range(len(points)):
            dx = (float(points.lon[i]) - lon) * scale
            dy = float(points.lat[i]) - lat
            metres = math.hypot(dx, dy) * 111_195.0
            if metres <= reach and (best is None or metres / reach < best[0]):
                best = (metres / reach, points.object_at(i))
    return best[1] if best is not None else None


def clicks(
    app: QApplication, pane: MapPane, hub: SelectionHub, vehicle_ids: Sequence[int]
) -> tuple[list[float], int]:
    """Click on each (standing) vehicle where it is now: the times until its card is shown,
    and how many clicks found nothing (the vehicle drove off between look-up and click)."""
    times: list[float] = []
    missed = 0
    for vehicle_id in vehicle_ids:
        where = pane.vehicle_position(vehicle_id)
        if where is None:
            continue
        lon, lat = where
        hub.clear("bench")  # each click selects anew
        run_js(app, pane, f"CityConsole.centerOn({lat}, {lon}, 15)")
        run_js(app, pane, f"__benchClick({lat}, {lon})")
        try:
            times.append(wait_value(app, pane, "window.__bench.answered", timeout_s=3.0))
        except TimeoutError:
            missed += 1
        pump(app, 0.02)
    return times, missed


def standing_vehicles(pane: MapPane, count: int, seed: int = 5) -> list[int]:
    """``count`` vehicles standing still now (a moving one may leave the click's reach)."""
    points = pane.vehicle_points()
    rng = np.random.default_rng(seed)
    chosen: list[int] = []
    for i in rng.permutation(len(points)):
        state = pane.vehicle_state(int(points.keys[i]))
        if state is not None and state.speed_kmh < 0.5:
            chosen.append(state.vehicle_id)
            if len(chosen) == count:
                break
    return chosen


def summary(name: str, values: Sequence[float]) -> str:
    return (
        f"{name}: n={len(values)} median={np.median(values):.1f} ms "
        f"p90={np.percentile(values, 90):.1f} ms max={max(values):.1f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=40, help="pan/zoom steps per run")
    parser.add_argument("--clicks", type=int, default=20, help="clicks per run")
    parser.add_argument("--speed", type=float, default=60.0, help="simulation speed")
    parser.add_argument("--warmup", type=float, default=8.0, help="seconds before measuring")
    args = parser.parse_args()

    app = scratch_app("bench")
    core, tmp = scratch_core(
        "map_interaction_",
        CoreOptions(
            speed=args.speed,
            seed=11,
        ),
    )
    window, _flow = build_console(core, "bench-operator", tmp / "profile")
    window.resize(1600, 1000)
    window.show()
    pane = window.panes["map"]
    assert isinstance(pane, MapPane)
    core.start()
    end = time.perf_counter() + 90.0
    while pane.vehicle_count < 50_000 or not pane.page_ready:
        if time.perf_counter() > end:
            raise TimeoutError("the fleet did not arrive")
        pump(app, 0.1)
    pump(app, args.warmup)
    run_js(app, pane, STEP_SCRIPT)
    layers = run_js(app, pane, "CityConsole.layerState ? CityConsole.layerState() : '{}'")
    shown = [key for key, on in json.loads(str(layers)).items() if on]
    fleet = pane.vehicle_count

    ours_pan = pan_zoom_steps(app, pane, args.steps)
    drawn = run_js(app, pane, "__benchNaive(true)", timeout_s=300.0)
    naive_pan = pan_zoom_steps(app, pane, max(8, args.steps // 4))
    run_js(app, pane, "__benchNaive(false)")

    selection = window.findChild(MapSelection)
    assert isinstance(selection, MapSelection)
    targets = standing_vehicles(pane, args.clicks)
    hub = window.findChild(SelectionHub)
    assert isinstance(hub, SelectionHub)
    ours_click, missed = clicks(app, pane, hub, targets)
    pick_ms = selection.last_pick_ms
    selection.picker = naive_pick
    naive_click, naive_missed = clicks(app, pane, hub, targets[: max(5, args.clicks // 4)])
    naive_pick_ms = selection.last_pick_ms
    if missed or naive_missed:
        print(f"clicks that found nothing (the vehicle drove off): {missed + naive_missed}")

    print(f"fleet {fleet:,} vehicles moving (simulation ×{args.speed:g}); layers shown: {shown}")
    print(summary("pan/zoom ours        ", ours_pan))
    print(summary(f"pan/zoom baseline ({int(drawn):,} circleMarkers)", naive_pan))
    print(summary("select ours          ", ours_click) + f" (last pick {pick_ms:.2f} ms)")
    print(summary("select baseline      ", naive_click) + f" (last pick {naive_pick_ms:.0f} ms)")
    pan_ms, naive_pan_ms = float(np.median(ours_pan)), float(np.median(naive_pan))
    select_ms, naive_select_ms = float(np.median(ours_click)), float(np.median(naive_click))
    print(f"RESULT pan_zoom_ms {pan_ms:.1f} ms ratio={naive_pan_ms / pan_ms:.1f}")
    print(f"RESULT select_ms {select_ms:.1f} ms ratio={naive_select_ms / select_ms:.1f}")
    window.close()
    core.stop()
    return 0 if pan_ms <= BUDGET_MS and select_ms <= BUDGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
