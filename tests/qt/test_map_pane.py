"""The Map pane: an offline page, vehicle frames drawn with back-pressure, incidents."""

from __future__ import annotations

import base64
import dataclasses
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWebEngineCore import (
    QWebEngineProfile,
    QWebEngineUrlRequestInfo,
    QWebEngineUrlRequestInterceptor,
)
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from console.core.bus import EventBus
from console.core.clock import ManualClock
from console.core.events import VehicleBatch, VehicleClass, VehiclePosition
from console.qt.map.layers import BridgeMark, MapLayers
from console.qt.map.offline import OfflineGuard
from console.qt.map.packing import VehiclePacker, mercator_px_exact
from console.qt.map.page import build_map_page
from console.qt.panes.map_pane import MapPane, priority_rank
from tests.support.map_page import page_value

pytestmark = pytest.mark.qt

LOCAL_SCHEMES = {"file", "qrc", "data", "blob", "about"}
TIMEOUT_MS = 20_000


# ---- Fixtures


class RequestRecorder(QWebEngineUrlRequestInterceptor):
    """Records every URL a page asks for (installed on the default profile)."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self.urls: list[str] = []

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:  # noqa: N802
        with self._lock:
            self.urls.append(info.requestUrl().toString())

    def network_urls(self) -> list[str]:
        with self._lock:
            return [u for u in self.urls if u.split(":", 1)[0].lower() not in LOCAL_SCHEMES]


def _square(west: float, south: float, east: float, north: float) -> dict[str, object]:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def _collection(*features: tuple[str, dict[str, object]]) -> dict[str, object]:
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"name": name}, "geometry": geometry}
            for name, geometry in features
        ],
    }


@pytest.fixture
def layers() -> MapLayers:
    """A small two-county city with a river, a bridge and a 2x2 grid."""
    return MapLayers(
        center=(117.4, 32.95),
        zoom=10,
        city=_collection(("City", _square(117.2, 32.8, 117.6, 33.1))),
        county=_collection(
            ("West", _square(117.2, 32.8, 117.4, 33.1)),
            ("East", _square(117.4, 32.8, 117.6, 33.1)),
        ),
        street=_collection(("Street", _square(117.3, 32.9, 117.5, 33.0))),
        grid=_collection(
            *(
                (f"Grid {i}", _square(117.3 + i * 0.05, 32.9, 117.35 + i * 0.05, 32.95))
                for i in range(4)
            )
        ),
        river={
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {},
                    "geometry": {
                        "type": "LineString",
                        "coordinates": [[117.2, 32.96], [117.6, 32.97]],
                    },
                }
            ],
        },
        bridges=(BridgeMark("b1", "Test bridge", 117.38, 32.965),),
    )


@pytest.fixture
def recorder() -> Iterator[RequestRecorder]:
    profile = QWebEngineProfile.defaultProfile()
    recorder = RequestRecorder()
    profile.setUrlRequestInterceptor(recorder)
    yield recorder
    profile.setUrlRequestInterceptor(None)


@pytest.fixture
def pane(qtbot: QtBot, layers: MapLayers, tmp_path: Path) -> MapPane:
    pane = MapPane(layers, page_root=tmp_path)
    qtbot.addWidget(pane)
    pane.resize(800, 600)
    with qtbot.waitSignal(pane.sig_page_ready, timeout=TIMEOUT_MS):
        pane.show()
    return pane


@pytest.fixture
def bus() -> EventBus:
    return EventBus(ManualClock())


def _batch(batch_id: str, count: int, vehicle_class: VehicleClass, seed: int = 1) -> VehicleBatch:
    rng = np.random.default_rng(seed)
    return VehicleBatch(
        ts=0.0,
        batch_id=batch_id,
        ids=np.arange(count, dtype=np.int32),
        classes=np.full(count, int(vehicle_class), dtype=np.uint8),
        lon=rng.uniform(117.25, 117.55, count).astype(np.float32),
        lat=rng.uniform(32.85, 33.05, count).astype(np.float32),
        speed_kmh=np.zeros(count, np.float32),
        heading_deg=np.zeros(count, np.float32),
    )


# ---- The page


def test_page_loads_without_network(
    recorder: RequestRecorder, qtbot: QtBot, layers: MapLayers, tmp_path: Path
) -> None:
    pane = MapPane(layers, page_root=tmp_path)
    qtbot.addWidget(pane)
    with qtbot.waitSignal(pane.sig_page_ready, timeout=TIMEOUT_MS):
        pane.show()
    assert page_value(qtbot, pane, "typeof L.version") == "string"
    assert any(url.endswith("/map.html") for url in recorder.urls)
    assert any(url.endswith("/leaflet.js") for url in recorder.urls)
    assert recorder.network_urls() == []
    assert pane.view.guard.blocked() == []


def test_with_a_tile_server_only_its_requests_pass(
    recorder: RequestRecorder, qtbot: QtBot, layers: MapLayers, tmp_path: Path
) -> None:
    tiles = "http://127.0.0.1:9/{z}/{x}/{y}.png"  # nothing listens: refused at once
    pane = MapPane(dataclasses.replace(layers, tile_url=tiles), page_root=tmp_path)
    qtbot.addWidget(pane)
    with qtbot.waitSignal(pane.sig_page_ready, timeout=TIMEOUT_MS):
        pane.show()
    qtbot.waitUntil(lambda: bool(recorder.network_urls()), timeout=TIMEOUT_MS)
    assert all(url.startswith("http://127.0.0.1:9/") for url in recorder.network_urls())
    page_value(qtbot, pane, "new Image().src = 'https://cdn.example.invalid/x.png'; true")
    qtbot.waitUntil(lambda: bool(pane.view.guard.blocked()), timeout=TIMEOUT_MS)
    assert pane.view.guard.blocked() == ["https://cdn.example.invalid/x.png"]


def test_page_files_link_nothing_on_the_network(layers: MapLayers) -> None:
    page = build_map_page(layers)
    texts = [page.html, *page.data_scripts.values()]
    assert not [t for t in texts if re.search(r"https?://(?!www\.w3\.org/)", t)]


def test_only_the_tile_server_is_linked_and_allowed(layers: MapLayers) -> None:
    tiles = "https://{s}.tiles.city.example/{z}/{x}/{y}.png"
    page = build_map_page(MapLayers(center=layers.center, tile_url=tiles))
    assert set(re.findall(r"https?://[^\s\"'<>]+", page.html)) == {tiles}
    guard = OfflineGuard(tiles)
    assert guard.allows("https://a.tiles.city.example/10/1/2.png")
    assert guard.allows("file:///tmp/map.html")
    assert not guard.allows("https://cdn.jsdelivr.net/npm/leaflet.js")
    assert not OfflineGuard().allows("https://a.tiles.city.example/10/1/2.png")


# ---- Vehicles


def test_vehicle_batches_are_drawn(qtbot: QtBot, pane: MapPane, bus: EventBus) -> None:
    pane.attach(bus)
    bus.post_many(
        [_batch("taxi", 300, VehicleClass.TAXI), _batch("cargo", 200, VehicleClass.CARGO)]
    )
    bus.drain()
    with qtbot.waitSignal(pane.sig_frame_drawn, timeout=TIMEOUT_MS) as drawn:
        pane.refresh()
    assert drawn.args == [500]
    assert page_value(qtbot, pane, "CityConsole.vehicles.count()") == 500
    assert pane.view.last_visible == 500
    legend = page_value(qtbot, pane, "CityConsole.legend.getContainer().textContent")
    assert "Taxi300" in str(legend) and "Cargo200" in str(legend)

    bus.post(_batch("taxi", 100, VehicleClass.TAXI, seed=2))  # supersedes the taxi slice
    bus.drain()
    with qtbot.waitSignal(pane.sig_frame_drawn, timeout=TIMEOUT_MS) as drawn:
        pane.refresh()
    assert drawn.args == [300]

    with qtbot.waitSignal(pane.sig_page_ready, timeout=TIMEOUT_MS):
        pane.view.reload()  # a reloaded page gets the current frame again
    with qtbot.waitSignal(pane.sig_frame_drawn, timeout=TIMEOUT_MS) as drawn:
        pane.refresh()
    assert drawn.args == [300]


T0 = 1_795_000_000.0


def test_single_vehicle_reports_are_drawn_newest_per_vehicle(
    qtbot: QtBot, pane: MapPane, bus: EventBus
) -> None:
    pane.attach(bus)
    bus.post(_batch("cargo", 200, VehicleClass.CARGO))
    for vehicle_id, lon in ((9001, 117.30), (9002, 117.31), (9001, 117.35)):
        bus.post(VehiclePosition(T0, vehicle_id, VehicleClass.TAXI, lon, 32.93, 40.0, 90.0))
    bus.drain()
    bus.post(VehiclePosition(T0 - 5, 9002, VehicleClass.TAXI, 117.99, 32.93, 0.0, 0.0))  # late
    bus.drain()
    with qtbot.waitSignal(pane.sig_frame_drawn, timeout=TIMEOUT_MS) as drawn:
        pane.refresh()
    assert drawn.args == [202]  # the slice and two vehicles of their own
    assert pane.vehicle_position(9001) == pytest.approx((117.35, 32.93))
    state = pane.vehicle_state(9002)
    assert state is not None and state.lon == pytest.approx(117.31) and state.speed_kmh == 40.0
    legend = page_value(qtbot, pane, "CityConsole.legend.getContainer().textContent")
    assert "Taxi2" in str(legend) and "Cargo200" in str(legend)


def test_a_frame_in_flight_holds_back_the_next(qtbot: QtBot, pane: MapPane, bus: EventBus) -> None:
    pane.attach(bus)
    bus.post(_batch("a", 50, VehicleClass.TAXI))
    bus.drain()
    with qtbot.waitSignal(pane.sig_frame_drawn, timeout=TIMEOUT_MS) as first:
        pane.refresh()
        assert pane.view.busy
        for count in (60, 70):  # arrive while the first frame is drawing
            bus.post(_batch("a", count, VehicleClass.TAXI))
            bus.drain()
            pane.refresh()
    assert first.args == [50]
    with qtbot.waitSignal(pane.sig_frame_drawn, timeout=TIMEOUT_MS) as newest:
        pane.refresh()
    assert newest.args == [70]
    pane.refresh()  # nothing changed since: nothing sent
    assert not pane.view.busy


def test_hidden_pane_does_not_repaint(pane: MapPane, bus: EventBus) -> None:
    pane.attach(bus)
    pane.hide()
    bus.post(_batch("a", 10, VehicleClass.TAXI))
    bus.drain()
    pane.refresh()
    assert not pane.view.busy
    assert pane.vehicle_count == 10


def test_packed_positions_round_trip_within_metres() -> None:
    rng = np.random.default_rng(3)
    lon = rng.uniform(116.7, 118.1, 1000).astype(np.float32)
    lat = rng.uniform(32.7, 33.5, 1000).astype(np.float32)
    classes = rng.integers(0, 4, 1000).astype(np.uint8)
    lon[0], lat[1], classes[2] = np.nan, 80.0, 9  # bad fix, far away, unknown class
    frame = VehiclePacker.around((116.7, 32.7, 118.1, 33.5)).pack(lon, lat, classes)
    assert frame.count == 997 and frame.off_map == 3
    raw = np.frombuffer(base64.b64decode(frame.payload), dtype=np.uint8)
    xy = raw[: frame.count * 4].view(np.uint16).reshape(-1, 2).astype(np.float64)
    drawn_classes = raw[frame.count * 4 :]
    assert list(drawn_classes) == sorted(drawn_classes, reverse=True)  # cargo first, taxis on top
    keep = np.ones(1000, bool)
    keep[:3] = False
    order = np.argsort(3 - classes[keep], kind="stable")
    x, y = mercator_px_exact(lon[keep][order], lat[keep][order])
    e = frame.extent
    metres_per_px = 40_075_016.0 / 256 * np.cos(np.radians(33.0))
    assert np.abs(e.x0 + xy[:, 0] * e.step_x - x).max() * metres_per_px < 2.0
    assert np.abs(e.y0 + xy[:, 1] * e.step_y - y).max() * metres_per_px < 3.0


# ---- Incidents


def test_incidents_are_shown(qtbot: QtBot, pane: MapPane) -> None:
    pane.set_incidents(
        [
            {"id": 1, "lon": 117.3, "lat": 32.9, "priority": 1, "status": "open", "title": "A"},
            {
                "id": 2,
                "lon": 117.4,
                "lat": 32.95,
                "priority": "high",
                "status": "open",
                "title": "B",
            },
            {
                "id": 3,
                "lon": 117.5,
                "lat": 33.0,
                "priority": "P4",
                "status": "closed",
                "title": "<C>",
            },
        ]
    )
    qtbot.waitUntil(
        lambda: page_value(qtbot, pane, "CityConsole.incidents.getLayers().length") == 3,
        timeout=TIMEOUT_MS,
    )
    pane.set_incidents([])
    qtbot.waitUntil(
        lambda: page_value(qtbot, pane, "CityConsole.incidents.getLayers().length") == 0,
        timeout=TIMEOUT_MS,
    )


def test_priority_rank_reads_numbers_and_words() -> None:
    assert [priority_rank(p) for p in (1, 3, 9, 0, "P2", "2", "High", "low", None, "?")] == [
        1,
        3,
        4,
        1,
        2,
        2,
        2,
        4,
        4,
        4,
    ]


# ---- Pane contract


def test_attach_detach_restores_subscription_count(pane: MapPane, bus: EventBus) -> None:
    before = bus.subscription_count
    pane.attach(bus)
    assert bus.subscription_count == before + 2
    pane.detach()
    assert bus.subscription_count == before


def test_closing_leaves_no_map_pane(qtbot: QtBot, layers: MapLayers, tmp_path: Path) -> None:
    bus = EventBus(ManualClock())
    pane = MapPane(layers, page_root=tmp_path)
    qtbot.addWidget(pane)
    pane.attach(bus)
    with qtbot.waitSignal(pane.sig_page_ready, timeout=TIMEOUT_MS):
        pane.show()
    pane.close()
    pane.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QApplication.processEvents()
    assert not [w for w in QApplication.allWidgets() if isinstance(w, MapPane)]
    assert bus.subscription_count == 0


def test_center_on_moves_the_map(qtbot: QtBot, tmp_path: Path) -> None:
    pane = MapPane(MapLayers(center=(117.0, 33.0)), page_root=tmp_path)
    qtbot.addWidget(pane)
    pane.resize(600, 400)
    pane.show()
    qtbot.waitUntil(lambda: pane.page_ready, timeout=20_000)
    pane.center_on(117.38, 32.93)
    view_centre: list[object] = []
    qtbot.waitUntil(
        lambda: _read_centre(pane, view_centre) and abs(view_centre[-1][0] - 32.93) < 1e-3,
        timeout=10_000,
    )
    _lat, lon, zoom = view_centre[-1]
    assert abs(lon - 117.38) < 1e-3 and zoom >= 13


def _read_centre(pane: MapPane, out: list[object]) -> bool:
    script = (
        "JSON.stringify([CityConsole.map.getCenter().lat, CityConsole.map.getCenter().lng,"
        " CityConsole.map.getZoom()])"
    )
    pane.view.page().runJavaScript(script, 0, lambda text: out.append(json.loads(text)))
    return bool(out)
