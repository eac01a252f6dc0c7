"""Benchmark: one full update of 52,600 vehicles on the map, Python call to JS "drawn".

Run from the repo root: ``python bench/map_update.py``. Builds the real MapPane on
Bengbu's boundaries, posts a fresh VehicleBatch per class to a real EventBus,
drains it on a 40 ms frame tick and times ``MapPane.refresh()`` until the page
reports the frame drawn (median of 30). The baseline, in the same run and the
same page, is one Leaflet ``circleMarker`` per vehicle on a canvas renderer
(median of 3).
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
os.environ.setdefault(
    "QTWEBENGINE_CHROMIUM_FLAGS", "--disable-gpu --no-sandbox --disable-logging --log-level=3"
)

import json
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, QEventLoop, QTimer, SignalInstance
from PySide6.QtWebEngineWidgets import QWebEngineView  # noqa: F401 (before QApplication)
from PySide6.QtWidgets import QApplication
from shapely.geometry import shape

from console.core.bus import EventBus
from console.core.clock import ManualClock
from console.core.events import VehicleBatch, VehicleClass
from console.core.paths import city_dir
from console.qt.map.files import layers_from_files
from console.qt.map.layers import MapLayers
from console.qt.panes.map_pane import MapPane

FLEET = {
    VehicleClass.TAXI: 2_606,
    VehicleClass.LINER_BUS: 1_025,
    VehicleClass.TOURIST_BUS: 128,
    VehicleClass.CARGO: 48_841,
}
"""52,600 tracked vehicles, split as the city's own figures."""

UPDATES = 30
TICK_MS = 40
"""The console's frame tick: updates reach the map at most this often."""
BASELINE_UPDATES = 3
TIMEOUT_MS = 20_000
SHARED_DATA = Path("/work/shared/data/bengbu")

BASELINE_JS = """
window.benchBaseline = function (points, colors) {
  const map = CityConsole.map;
  if (!window.benchRenderer) { window.benchRenderer = L.canvas({ pane: "vehicles" }); }
  if (window.benchGroup) { map.removeLayer(window.benchGroup); }
  const group = L.layerGroup();
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    L.circleMarker([p[0], p[1]], {
      renderer: window.benchRenderer, radius: 2, stroke: false,
      fillColor: colors[p[2]], fillOpacity: 1, interactive: false,
    }).addTo(group);
  }
  group.addTo(map);
  const renderer = window.benchRenderer;   // draw now instead of on the next frame
  if (renderer._redrawRequest) {
    L.Util.cancelAnimFrame(renderer._redrawRequest);
    renderer._redrawRequest = null;
    renderer._redraw();
  }
  window.benchGroup = group;
  return points.length;
};
window.benchBaselineClear = function () {
  if (window.benchGroup) { CityConsole.map.removeLayer(window.benchGroup); }
  window.benchGroup = null;
  return true;
};
true;
"""


def bengbu_layers() -> MapLayers:
    """Bengbu's layers from the resources folder, else from the shared data folder."""
    for folder in (city_dir("bengbu"), SHARED_DATA):
        if (folder / "boundaries").is_dir():
            return layers_from_files(folder)
    sys.exit("no Bengbu boundaries found (resources/cities/bengbu or /work/shared/data/bengbu)")


def wait_for(signal: SignalInstance, start: Callable[[], object]) -> None:
    """Run ``start`` and spin the event loop until ``signal`` fires."""
    loop = QEventLoop()
    signal.connect(loop.quit)
    timer = QTimer(singleShot=True, interval=TIMEOUT_MS)
    timer.timeout.connect(lambda: sys.exit(f"timed out waiting for {signal}"))
    timer.start()
    start()
    loop.exec()
    timer.stop()
    signal.disconnect(loop.quit)


def idle(ms: int) -> None:
    """Let the event loop run for ``ms`` (the rest of a frame tick)."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def run_js(pane: MapPane, script: str) -> object:
    """Run ``script`` in the page and wait for its result."""
    loop = QEventLoop()
    result: list[object] = []

    def done(value: object) -> None:
        result.append(value)
        loop.quit()

    pane.view.page().runJavaScript(script, 0, done)
    if not result:
        loop.exec()
    return result[0]


def random_batches(
    rng: np.random.Generator, bounds: tuple[float, float, float, float], ts: float
) -> list[VehicleBatch]:
    """One batch per vehicle class, positions uniform in the city's bounding box."""
    west, south, east, north = bounds
    batches = []
    first_id = 0
    for vehicle_class, count in FLEET.items():
        batches.append(
            VehicleBatch(
                ts=ts,
                batch_id=f"bench-{vehicle_class.name.lower()}",
                ids=np.arange(first_id, first_id + count, dtype=np.int32),
                classes=np.full(count, int(vehicle_class), dtype=np.uint8),
                lon=rng.uniform(west, east, count).astype(np.float32),
                lat=rng.uniform(south, north, count).astype(np.float32),
                speed_kmh=rng.uniform(0, 90, count).astype(np.float32),
                heading_deg=rng.uniform(0, 360, count).astype(np.float32),
            )
        )
        first_id += count
    return batches


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app = QApplication.instance() or QApplication(sys.argv)
    layers = bengbu_layers()
    bounds = shape(layers.city["features"][0]["geometry"]).bounds  # the city's bbox
    clock = ManualClock()
    bus = EventBus(clock)
    rng = np.random.default_rng(552)

    with tempfile.TemporaryDirectory(prefix="map-bench-") as page_root:
        pane = MapPane(layers, page_root=Path(page_root))
        pane.resize(1600, 1000)
        pane.attach(bus)
        wait_for(pane.sig_page_ready, pane.show)

        ours: list[float] = []
        in_page: list[float] = []
        for index in range(UPDATES + 2):
            clock.advance(1.0)
            bus.post_many(random_batches(rng, bounds, clock.now()))
            idle(TICK_MS)
            bus.drain()
            started = time.perf_counter()
            wait_for(pane.sig_frame_drawn, pane.refresh)
            if index >= 2:  # the first two warm up the JIT and the canvas
                ours.append((time.perf_counter() - started) * 1000.0)
                in_page.append(pane.view.last_draw_ms)

        run_js(pane, "CityConsole.map.removeLayer(CityConsole.vehicles); true")
        run_js(pane, BASELINE_JS)
        colors = json.dumps(["#ffd400", "#00e5ff", "#ff4fd8", "#ff8a3d"])
        baseline: list[float] = []
        for _ in range(BASELINE_UPDATES):
            batches = random_batches(rng, bounds, clock.now())
            idle(TICK_MS)
            points = [
                [round(float(a), 6), round(float(o), 6), int(c)]
                for b in batches
                for a, o, c in zip(b.lat, b.lon, b.classes, strict=True)
            ]
            started = time.perf_counter()
            drawn = run_js(pane, f"benchBaseline({json.dumps(points)}, {colors})")
            baseline.append((time.perf_counter() - started) * 1000.0)
            assert drawn == len(points), drawn
        run_js(pane, "benchBaselineClear()")

        pane.detach()
        pane.close()
        pane.deleteLater()
        app.sendPostedEvents(None, QEvent.Type.DeferredDelete)

    median = statistics.median(ours)
    baseline_median = statistics.median(baseline)
    print(
        f"ours: {len(ours)} updates, min {min(ours):.1f} ms, max {max(ours):.1f} ms, "
        f"of which in-page decode+draw median {statistics.median(in_page):.1f} ms"
    )
    rounded = ", ".join(f"{ms:.0f}" for ms in baseline)
    print(f"baseline circleMarker x {sum(FLEET.values())}: {rounded} ms")
    print(f"RESULT map_update_ms {median:.1f} ms ratio={baseline_median / median:.1f}")


if __name__ == "__main__":
    main()
