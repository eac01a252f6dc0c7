"""Basemap options: settings, a real local tile server, GCJ-02 in the page and the packer."""

from __future__ import annotations

import base64
import dataclasses
import json
import re
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QBuffer, QIODevice
from PySide6.QtGui import QColor, QImage
from PySide6.QtWebEngineCore import QWebEngineProfile
from PySide6.QtWidgets import QMainWindow
from pytestqt.qtbot import QtBot

from console.core.city.city import City
from console.core.city.datum import wgs84_to_gcj02
from console.core.city.loader import default_city
from console.qt.app import parse_args
from console.qt.basemap import (
    Basemap,
    BasemapError,
    BasemapSettings,
    effective_basemap,
    load_basemap_settings,
    override_from_args,
    save_basemap_settings,
    settings_path,
    tile_index,
    with_basemap,
)
from console.qt.basemap_dialog import BasemapDialog, TileProbe, install_basemap_menu
from console.qt.map.layers import MapLayers
from console.qt.map.offline import OfflineGuard
from console.qt.map.packing import Gcj02Shift, VehiclePacker, mercator_px_exact
from console.qt.map.page import build_map_page
from console.qt.map_menu import map_menu
from console.qt.panes.map_pane import MapPane
from tests.qt.test_map_pane import RequestRecorder
from tests.support.map_page import page_value

pytestmark = pytest.mark.qt

TIMEOUT_MS = 20_000
BENGBU = (117.3889, 32.9163)
"""A point in Bengbu (lon, lat): the Huaihe at the Jiefang Road bridge."""
TILE_PATH = re.compile(r"^/tiles/(\d+)/(\d+)/(\d+)\.png$")


# ---- A real tile server on 127.0.0.1


class TileServer:
    """Serves one PNG for every /tiles/z/x/y.png; anything else is a 404. Logs every path."""

    def __init__(self, png: bytes) -> None:
        self.paths: list[str] = []
        lock = threading.Lock()
        paths = self.paths

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with lock:
                    paths.append(self.path)
                found = TILE_PATH.match(self.path)
                self.send_response(200 if found else 404)
                body = png if found else b"no such tile"
                self.send_header("Content-Type", "image/png" if found else "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def tile_paths(self) -> list[str]:
        return [p for p in list(self.paths) if TILE_PATH.match(p)]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _png(colour: str = "#2a6f4e") -> bytes:
    image = QImage(256, 256, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    assert image.save(buffer, "PNG")
    return bytes(buffer.data().data())


@pytest.fixture
def server(qapp: object) -> Iterator[TileServer]:
    tiles = TileServer(_png())
    yield tiles
    tiles.close()


@pytest.fixture
def recorder() -> Iterator[RequestRecorder]:
    profile = QWebEngineProfile.defaultProfile()
    recorder = RequestRecorder()
    profile.setUrlRequestInterceptor(recorder)
    yield recorder
    profile.setUrlRequestInterceptor(None)


@pytest.fixture(scope="module")
def city() -> City:
    return default_city()


def _layers() -> MapLayers:
    west, south, east, north = 117.2, 32.8, 117.6, 33.1
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    geometry = {"type": "Polygon", "coordinates": [ring]}
    feature = {"type": "Feature", "properties": {"name": "City"}, "geometry": geometry}
    return MapLayers(
        center=BENGBU, zoom=12, city={"type": "FeatureCollection", "features": [feature]}
    )


def _open_pane(qtbot: QtBot, layers: MapLayers, root: Path) -> MapPane:
    pane = MapPane(layers, page_root=root)
    qtbot.addWidget(pane)
    pane.resize(800, 600)
    with qtbot.waitSignal(pane.sig_page_ready, timeout=TIMEOUT_MS):
        pane.show()
    return pane


def _loaded_tiles(qtbot: QtBot, pane: MapPane) -> int:
    value = page_value(qtbot, pane, "document.querySelectorAll('img.leaflet-tile-loaded').length")
    return int(value) if isinstance(value, int | float) else 0


# ---- Settings


def test_a_tile_server_needs_a_usable_url(tmp_path: Path) -> None:
    good = Basemap(" https://{s}.tiles.city.example/{z}/{x}/{y}.png ", crs="gcj02")
    assert good.validated().url == "https://{s}.tiles.city.example/{z}/{x}/{y}.png"
    assert Basemap("http://gis.city/tms/{z}/{x}/{-y}.jpg").validated()
    problems = {
        "": "Enter the tile server",
        "ftp://tiles.example/{z}/{x}/{y}.png": "must start with http://, https:// or file://",
        "tiles.example/{z}/{x}/{y}.png": "must start with http://",
        "https:///{z}/{x}/{y}.png": "no server name",
        "https://tiles.example/{z}/{x}.png": "missing {y}",
        "https://tiles.example/{z}/{x}/{y}.png?key={apikey}": "{apikey}",
        (tmp_path / "absent").as_uri(): "does not exist",
    }
    for url, words in problems.items():
        with pytest.raises(BasemapError, match=re.escape(words)):
            Basemap(url).validated()
    with pytest.raises(BasemapError, match="subdomains"):
        Basemap("https://{s}.tiles.example/{z}/{x}/{y}.png", subdomains="").validated()
    with pytest.raises(BasemapError, match="coordinate system"):
        Basemap("https://t.example/{z}/{x}/{y}.png", crs="bd09").validated()  # type: ignore[arg-type]
    with pytest.raises(BasemapError, match="deepest zoom"):
        Basemap("https://t.example/{z}/{x}/{y}.png", max_zoom=30).validated()


def test_a_tile_folder_becomes_a_template(tmp_path: Path) -> None:
    folder = tmp_path / "tiles"
    (folder / "12" / "3400").mkdir(parents=True)
    (folder / "12" / "3400" / "1650.jpg").write_bytes(b"jpeg")
    basemap = Basemap(folder.as_uri()).validated()
    assert basemap.is_local
    assert basemap.tile_template() == f"{folder.as_uri()}/{{z}}/{{x}}/{{y}}.jpg"
    assert basemap.tile_url(12, 3400, 1650) == f"{folder.as_uri()}/12/3400/1650.jpg"
    assert OfflineGuard(basemap.tile_template()).allows(basemap.tile_url(12, 3400, 1650))


def test_settings_round_trip_in_the_profile(tmp_path: Path) -> None:
    assert load_basemap_settings(tmp_path) == BasemapSettings()  # nothing saved: vector map
    tiles = Basemap("https://{s}.t.example/{z}/{x}/{y}.png", "gcj02", "© 蚌埠市", "1234", 17)
    save_basemap_settings(tmp_path / "profile", BasemapSettings(True, tiles))
    assert load_basemap_settings(tmp_path / "profile") == BasemapSettings(True, tiles)
    assert effective_basemap(tmp_path / "profile") == tiles
    cli = Basemap("http://127.0.0.1:1/{z}/{x}/{y}.png")
    assert effective_basemap(tmp_path / "profile", cli) == cli

    save_basemap_settings(tmp_path, BasemapSettings(False, tiles))  # the server is remembered
    assert load_basemap_settings(tmp_path) == BasemapSettings(False, tiles)
    assert effective_basemap(tmp_path) is None


def test_unusable_saved_settings_fall_back_to_the_vector_map(tmp_path: Path) -> None:
    path = settings_path(tmp_path)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(BasemapError, match="Cannot read"):
        load_basemap_settings(tmp_path)
    assert effective_basemap(tmp_path) is None
    path.write_text(json.dumps({"version": 9, "use_tiles": True}), encoding="utf-8")
    with pytest.raises(BasemapError, match="version 9"):
        load_basemap_settings(tmp_path)
    bad = {"version": 1, "use_tiles": True, "tiles": {"url": "gopher://x/{z}/{x}/{y}"}}
    path.write_text(json.dumps(bad), encoding="utf-8")
    assert effective_basemap(tmp_path) is None


def test_command_line_overrides_the_saved_basemap() -> None:
    url = "https://t.example/{z}/{x}/{y}.png"
    args = parse_args(["--tile-url", url, "--tile-crs", "gcj02", "--tile-attribution", "GIS"])
    assert override_from_args(args) == Basemap(
        "https://t.example/{z}/{x}/{y}.png", crs="gcj02", attribution="GIS"
    )
    assert override_from_args(parse_args([])) is None
    for argv in (["--tile-url", "https://t.example/tiles.png"], ["--tile-crs", "gcj02"]):
        with pytest.raises(SystemExit):
            parse_args(argv)


# ---- GCJ-02 vehicles


def test_gcj02_packer_shifts_vehicles_onto_the_tiles() -> None:
    rng = np.random.default_rng(7)
    lon = rng.uniform(116.8, 118.0, 2000).astype(np.float32)
    lat = rng.uniform(32.75, 33.45, 2000).astype(np.float32)
    classes = np.full(2000, 3, np.uint8)  # one class: the packed order is the input order
    bbox = (116.7, 32.7, 118.1, 33.5)
    metres_per_px = 40_075_016.0 / 256 * np.cos(np.radians(33.0))

    def unpacked(packer: VehiclePacker) -> tuple[np.ndarray, np.ndarray]:
        frame = packer.pack(lon, lat, classes)
        raw = np.frombuffer(base64.b64decode(frame.payload), np.uint8)
        xy = raw[: frame.count * 4].view(np.uint16).reshape(-1, 2).astype(np.float64)
        e = frame.extent
        return e.x0 + xy[:, 0] * e.step_x, e.y0 + xy[:, 1] * e.step_y

    gcj = VehiclePacker.around(bbox, datum="gcj02")
    x, y = unpacked(gcj)
    want_x, want_y = mercator_px_exact(*wgs84_to_gcj02(lon, lat))
    assert np.abs(x - want_x).max() * metres_per_px < 2.0
    assert np.abs(y - want_y).max() * metres_per_px < 3.0
    wgs_x, wgs_y = unpacked(VehiclePacker.around(bbox))
    moved = np.hypot(x - wgs_x, y - wgs_y) * metres_per_px
    assert moved.min() > 200.0  # GCJ-02 moves Bengbu by a few hundred metres


def test_gcj02_shift_grid_matches_the_formula_within_centimetres() -> None:
    rng = np.random.default_rng(11)
    lon = rng.uniform(116.7, 118.1, 5000)
    lat = rng.uniform(32.7, 33.5, 5000)
    dx, dy = Gcj02Shift((115.7, 31.7, 119.1, 34.5)).shift(lon, lat)
    gcj_x, gcj_y = mercator_px_exact(*wgs84_to_gcj02(lon, lat))
    wgs_x, wgs_y = mercator_px_exact(lon, lat)
    metres_per_px = 40_075_016.0 / 256 * np.cos(np.radians(33.5))
    assert np.abs(dx - (gcj_x - wgs_x)).max() * metres_per_px < 0.2
    assert np.abs(dy - (gcj_y - wgs_y)).max() * metres_per_px < 0.2


# ---- The page over a real tile server


def test_page_requests_and_shows_the_servers_tiles_only(
    recorder: RequestRecorder, server: TileServer, qtbot: QtBot, tmp_path: Path
) -> None:
    template = f"http://127.0.0.{{s}}:{server.port}/tiles/{{z}}/{{x}}/{{y}}.png"
    basemap = Basemap(template, attribution="Test <tiles>", subdomains="1").validated()
    pane = _open_pane(qtbot, with_basemap(_layers(), basemap), tmp_path)
    qtbot.waitUntil(lambda: _loaded_tiles(qtbot, pane) >= 4, timeout=TIMEOUT_MS)
    x, y = tile_index(*BENGBU, 12)
    assert f"/tiles/12/{x}/{y}.png" in server.tile_paths()
    assert recorder.network_urls()
    assert all(u.startswith(f"{server.origin}/tiles/12/") for u in recorder.network_urls())
    assert pane.view.guard.blocked() == []
    credit = page_value(qtbot, pane, "CityConsole.map.attributionControl._container.textContent")
    assert credit == "Test <tiles>"


def test_page_shows_tiles_from_a_folder_without_network(
    recorder: RequestRecorder, qtbot: QtBot, tmp_path: Path
) -> None:
    x, y = tile_index(*BENGBU, 12)
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            tile = tmp_path / "tiles" / "12" / str(x + dx) / f"{y + dy}.png"
            tile.parent.mkdir(parents=True, exist_ok=True)
            tile.write_bytes(_png("#345678"))
    basemap = Basemap((tmp_path / "tiles").as_uri()).validated()
    pane = _open_pane(qtbot, with_basemap(_layers(), basemap), tmp_path / "pages")
    qtbot.waitUntil(lambda: _loaded_tiles(qtbot, pane) >= 4, timeout=TIMEOUT_MS)
    assert recorder.network_urls() == []
    assert any(u.endswith(f"/tiles/12/{x}/{y}.png") for u in recorder.urls)


def test_gcj02_page_projects_wgs84_through_gcj02(
    server: TileServer, qtbot: QtBot, tmp_path: Path
) -> None:
    basemap = Basemap(f"{server.origin}/tiles/{{z}}/{{x}}/{{y}}.png", crs="gcj02")
    pane = _open_pane(qtbot, with_basemap(_layers(), basemap), tmp_path)
    lon, lat = BENGBU
    script = (
        "JSON.stringify((function () { const map = CityConsole.map;"
        f" const p = map.project([{lat!r}, {lon!r}], 18); const back = map.unproject(p, 18);"
        " return [map.options.crs.code, p.x, p.y, back.lat, back.lng]; })())"
    )
    code, x, y, back_lat, back_lon = json.loads(str(page_value(qtbot, pane, script)))
    assert code == "CityConsole:GCJ02"
    scale = 2.0**18
    want_x, want_y = mercator_px_exact(*wgs84_to_gcj02(lon, lat))
    assert abs(x - float(want_x) * scale) < 0.5 and abs(y - float(want_y) * scale) < 0.5
    wgs_x, _ = mercator_px_exact(lon, lat)
    assert abs(x - float(wgs_x) * scale) > 500  # the shift really applies
    assert abs(back_lat - lat) < 1e-7 and abs(back_lon - lon) < 1e-7
    assert pane.basemap_datum == "gcj02"


def test_gcj02_vehicles_are_drawn_where_the_page_puts_their_point(
    server: TileServer, qtbot: QtBot, tmp_path: Path
) -> None:
    basemap = Basemap(f"{server.origin}/tiles/{{z}}/{{x}}/{{y}}.png", crs="gcj02")
    pane = _open_pane(qtbot, with_basemap(_layers(), basemap), tmp_path)
    lon, lat = BENGBU
    pane.center_on(lon, lat, 16)
    frame = VehiclePacker.around(_layers().bbox(), datum=pane.basemap_datum).pack(
        np.array([lon], np.float32), np.array([lat], np.float32), np.array([0], np.uint8)
    )
    with qtbot.waitSignal(pane.view.sig_frame_drawn, timeout=TIMEOUT_MS):
        qtbot.waitUntil(lambda: pane.view.send_vehicles(frame), timeout=TIMEOUT_MS)
    probe = (
        "(function () { const map = CityConsole.map;"
        f" const p = map.latLngToContainerPoint([{lat!r}, {lon!r}]);"
        " const r = window.devicePixelRatio || 1;"
        " const canvas = document.querySelector('.cc-vehicle-canvas');"
        " return canvas.getContext('2d').getImageData(Math.round(p.x * r),"
        " Math.round(p.y * r), 1, 1).data[3]; })()"
    )
    qtbot.waitUntil(lambda: page_value(qtbot, pane, probe) == 255, timeout=TIMEOUT_MS)


# ---- The dialog and the menu


def test_dialog_test_button_reports_a_tile_and_a_404(server: TileServer, qtbot: QtBot) -> None:
    url = f"{server.origin}/tiles/{{z}}/{{x}}/{{y}}.png"
    dialog = BasemapDialog(BasemapSettings(True, Basemap(url, crs="gcj02")), BENGBU)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.probe.sig_finished, timeout=TIMEOUT_MS) as done:
        dialog.test_button.click()
    assert done.args[0] is True
    assert "256×256" in dialog.result_label.text()
    x, y = tile_index(*(float(v) for v in wgs84_to_gcj02(*BENGBU)), 12)  # the GCJ-02 grid
    assert server.tile_paths() == [f"/tiles/12/{x}/{y}.png"]

    dialog.url_edit.setText(f"{server.origin}/missing/{{z}}/{{x}}/{{y}}.png")
    with qtbot.waitSignal(dialog.probe.sig_finished, timeout=TIMEOUT_MS) as done:
        dialog.test_button.click()
    assert done.args[0] is False
    assert "HTTP error 404" in dialog.result_label.text()

    dialog.url_edit.setText("https://tiles.example/only-z/{z}.png")
    dialog.test_button.click()  # refused before any fetch
    assert "missing {x} {y}" in dialog.result_label.text()


def test_tile_probe_reports_a_server_that_does_not_answer(qtbot: QtBot) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        probe = TileProbe(timeout_ms=300)
        with qtbot.waitSignal(probe.sig_finished, timeout=TIMEOUT_MS) as done:
            probe.fetch(Basemap(f"http://127.0.0.1:{port}/{{z}}/{{x}}/{{y}}.png"), *BENGBU)
    assert done.args[0] is False
    assert done.args[1].startswith(f"No answer within 0.3 s from http://127.0.0.1:{port}/12/")


def test_menu_saves_the_choice_and_reloads_the_map_in_place(
    recorder: RequestRecorder, server: TileServer, qtbot: QtBot, tmp_path: Path, city: City
) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    pane = MapPane(_layers(), page_root=tmp_path / "pages")
    window.setCentralWidget(pane)
    window.resize(800, 600)
    with qtbot.waitSignal(pane.sig_page_ready, timeout=TIMEOUT_MS):
        window.show()
    profile = tmp_path / "profile"
    action = install_basemap_menu(window, pane, city, profile)
    assert action in map_menu(window).actions()
    pane.center_on(117.35, 32.95, 13)
    qtbot.waitUntil(lambda: _zoom(qtbot, pane) == 13, timeout=TIMEOUT_MS)

    action.trigger()
    dialog = window.findChild(BasemapDialog, "basemap_dialog")
    assert dialog is not None and dialog.vector_button.isChecked()
    dialog.tiles_button.setChecked(True)
    dialog.url_edit.setText(f"{server.origin}/tiles/{{z}}/{{x}}/{{y}}.png")
    dialog.crs_combo.setCurrentIndex(dialog.crs_combo.findData("gcj02"))
    with qtbot.waitSignal(pane.sig_page_ready, timeout=TIMEOUT_MS):
        dialog.accept()
    saved = load_basemap_settings(profile)
    assert saved.use_tiles and saved.tiles is not None and saved.tiles.crs == "gcj02"
    assert pane.basemap_datum == "gcj02"
    centre = json.loads(str(page_value(qtbot, pane, _CENTRE)))
    px = 360.0 / (256 * 2**13)  # a pixel at zoom 13, in degrees of longitude
    assert abs(centre[0] - 32.95) < 2 * px and abs(centre[1] - 117.35) < 2 * px
    assert centre[2] == 13  # the page opened where the operator was (not at 12 on Bengbu)
    qtbot.waitUntil(lambda: bool(server.tile_paths()), timeout=TIMEOUT_MS)
    assert all(p.startswith("/tiles/13/") for p in server.tile_paths())

    action.trigger()  # back to the offline vector map: the guard closes again
    dialog = window.findChild(BasemapDialog, "basemap_dialog")
    assert dialog.tiles_button.isChecked()
    dialog.vector_button.setChecked(True)
    with qtbot.waitSignal(pane.sig_page_ready, timeout=TIMEOUT_MS):
        dialog.accept()
    assert load_basemap_settings(profile).active is None
    assert pane.basemap_datum == "wgs84"
    assert _loaded_tiles(qtbot, pane) == 0
    assert not pane.view.guard.allows(f"{server.origin}/tiles/1/1/1.png")


_CENTRE = (
    "JSON.stringify([CityConsole.map.getCenter().lat, CityConsole.map.getCenter().lng,"
    " CityConsole.map.getZoom()])"
)


def _zoom(qtbot: QtBot, pane: MapPane) -> float:
    return float(json.loads(str(page_value(qtbot, pane, _CENTRE)))[2])


def test_vector_page_links_no_crs_script_or_server() -> None:
    page = build_map_page(_layers())
    assert "crs: L.CRS.EPSG3857" in page.html
    gcj = Basemap("https://t.example/{z}/{x}/{y}.png", crs="gcj02")
    assert "crs: L.CRS.CityConsoleGCJ02" in build_map_page(with_basemap(_layers(), gcj)).html
    wgs = dataclasses.replace(with_basemap(_layers(), gcj), tile_url=None)
    assert "crs: L.CRS.EPSG3857" in build_map_page(wgs).html  # no tiles: no shift


def test_guard_follows_the_basemap(server: TileServer, tmp_path: Path) -> None:
    guard = OfflineGuard()
    tile = f"{server.origin}/tiles/1/0/0.png"
    assert not guard.allows(tile)
    guard.allow_tiles(f"{server.origin}/tiles/{{z}}/{{x}}/{{y}}.png")
    assert guard.allows(tile)
    assert not guard.allows("http://127.0.0.2:1/tiles/1/0/0.png")
    guard.allow_tiles(tmp_path.as_uri() + "/{z}/{x}/{y}.png")  # a folder: nothing remote
    assert not guard.allows(tile)
    assert guard.allows(tmp_path.as_uri() + "/1/0/0.png")


def test_dialog_keeps_an_unusable_server_open_and_says_why(qtbot: QtBot) -> None:
    dialog = BasemapDialog(BasemapSettings(), BENGBU)
    qtbot.addWidget(dialog)
    assert not dialog.tile_box.isEnabled()
    dialog.tiles_button.setChecked(True)
    assert dialog.tile_box.isEnabled()
    dialog.url_edit.setText("www.city-gis.example/tiles")
    dialog.accept()
    assert dialog.result() != BasemapDialog.DialogCode.Accepted
    assert "must start with http://" in dialog.result_label.text()
    assert "AMap" in dialog.crs_note.text() or "GPS" in dialog.crs_note.text()
