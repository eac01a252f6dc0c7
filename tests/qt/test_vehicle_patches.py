"""Live vehicles on the real map page: after a whole frame, only the vehicles that moved
are sent, and the page draws them exactly as a whole draw would."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from console.core.bus import EventBus
from console.core.clock import ManualClock
from console.core.events import VehicleBatch, VehicleClass, VehiclePosition
from console.qt.map.layers import MapLayers
from console.qt.panes.map_pane import MapPane
from tests.support.map_page import page_value

pytestmark = pytest.mark.qt

TIMEOUT_MS = 20_000
T0 = 1_795_000_000.0
CENTRE = (117.4, 32.95)

CANVAS_STATE = """(function () {
  const layer = CityConsole.vehicles;
  const canvas = layer._canvas;
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let lit = 0;
  let hash = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3]) {
      lit++;
      hash = (hash * 31 + data[i] + 7 * data[i + 1] + 13 * data[i + 2] + i) >>> 0;
    }
  }
  return JSON.stringify([lit, hash, layer.visibleCount(), layer.classCounts()]);
})()"""
"""What the vehicle canvas shows: lit pixels, a hash of them, the counts in view."""


@pytest.fixture
def pane(qtbot: QtBot, tmp_path: Path) -> MapPane:
    pane = MapPane(MapLayers(center=CENTRE, zoom=12), page_root=tmp_path)
    qtbot.addWidget(pane)
    pane.resize(800, 600)
    with qtbot.waitSignal(pane.sig_page_ready, timeout=TIMEOUT_MS):
        pane.show()
    return pane


def _draw(qtbot: QtBot, pane: MapPane) -> int:
    with qtbot.waitSignal(pane.sig_frame_drawn, timeout=TIMEOUT_MS) as drawn:
        pane.refresh()
    return int(drawn.args[0])


def _reports(ids: np.ndarray, lon: np.ndarray, lat: np.ndarray, ts: float) -> list[VehiclePosition]:
    return [
        VehiclePosition(ts, int(v), VehicleClass(int(v) % 4), float(lon[v]), float(lat[v]), 0, 0)
        for v in ids
    ]


def test_moved_vehicles_are_sent_alone_and_drawn_as_a_whole_draw_would(
    qtbot: QtBot, pane: MapPane
) -> None:
    bus = EventBus(ManualClock(T0))
    pane.attach(bus)
    rng = np.random.default_rng(5)
    n = 3000  # crowded: many squares overlap, of every class
    lon = CENTRE[0] + rng.uniform(-0.02, 0.02, n)
    lat = CENTRE[1] + rng.uniform(-0.015, 0.015, n)
    lon[:20] = CENTRE[0] + 0.2  # out of view (the frame's extent holds them)
    bus.post_many(_reports(np.arange(n), lon, lat, T0))
    bus.post(
        VehicleBatch(
            T0,
            "cargo",
            np.arange(10_000, 10_200, dtype=np.int32),
            np.full(200, 3, np.uint8),
            (CENTRE[0] + rng.uniform(-0.02, 0.02, 200)).astype(np.float32),
            (CENTRE[1] + rng.uniform(-0.015, 0.015, 200)).astype(np.float32),
            np.zeros(200, np.float32),
            np.zeros(200, np.float32),
        )
    )
    bus.drain()
    assert _draw(qtbot, pane) == n + 200
    assert pane.view.whole_frames_sent == 1
    for step in range(1, 6):
        moved = np.unique(rng.integers(0, n, 150))
        lon[moved] += rng.uniform(-0.004, 0.004, moved.shape[0])
        lat[moved] += rng.uniform(-0.003, 0.003, moved.shape[0])
        lon[moved[:5]] = CENTRE[0] + 0.2  # a few drive out of view, some come back
        back = np.arange(step * 3, step * 3 + 3)
        lon[back] = CENTRE[0]
        moved = np.union1d(moved, back)
        bus.post_many(_reports(moved, lon, lat, T0 + step))
        bus.drain()
        assert _draw(qtbot, pane) == n + 200
    assert (pane.view.whole_frames_sent, pane.view.change_frames_sent) == (1, 5)
    patched = json.loads(str(page_value(qtbot, pane, CANVAS_STATE)))
    page_value(qtbot, pane, "CityConsole.vehicles._draw(); true")
    whole = json.loads(str(page_value(qtbot, pane, CANVAS_STATE)))
    assert patched[0] > 500  # something to compare: the crowd is drawn
    assert patched == whole
    assert pane.view.last_visible == whole[2] < n + 200
    state = pane.vehicle_state(int(moved[-1]))
    assert state is not None and state.lon == pytest.approx(lon[moved[-1]], abs=1e-4)


def test_after_a_page_error_the_next_frame_is_whole(qtbot: QtBot, pane: MapPane) -> None:
    bus = EventBus(ManualClock(T0))
    pane.attach(bus)
    lon = np.array([117.40, 117.41, 117.42])
    lat = np.array([32.95, 32.95, 32.95])
    bus.post_many(_reports(np.arange(3), lon, lat, T0))
    bus.drain()
    assert _draw(qtbot, pane) == 3
    page_value(qtbot, pane, "window.CityConsolePatchVehicles = null; true")  # a broken page
    lon[1] += 0.001
    bus.post_many(_reports(np.array([1]), lon, lat, T0 + 1))
    bus.drain()
    with qtbot.waitSignal(pane.view.sig_frame_failed, timeout=TIMEOUT_MS):
        pane.refresh()
    assert pane.view.change_frames_sent == 1
    assert _draw(qtbot, pane) == 3  # nothing new arrived: the missed frame goes out whole
    assert pane.view.whole_frames_sent == 2
    assert page_value(qtbot, pane, "CityConsole.vehicles.count()") == 3
