"""The web view that shows the map page and talks to its JavaScript.

Python calls the page through ``runJavaScript``; the call's return value is the
page's report that it drew, so :attr:`MapView.sig_frame_drawn` fires only
after the pixels are written. One vehicle frame is in flight at a time:
:meth:`MapView.send_vehicles` (a whole frame) and
:meth:`MapView.send_vehicle_changes` (the vehicles that moved since) refuse
while the previous one is drawing.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import Qt
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineSettings
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QWidget

from console.qt.map.bridge import MapBridge
from console.qt.map.layers import MapLayers
from console.qt.map.offline import OfflineGuard, tile_origin_pattern
from console.qt.map.packing import PackedVehicles, VehicleChanges
from console.qt.map.page import write_map_page

log = logging.getLogger(__name__)

IncidentRow = list[Any]
"""[id, lon, lat, rank 1..4, status, title, overdue, status label] as the page's incident
layer reads it; the last two may be left off."""
TrackPayload = dict[str, Any]
"""{"line": [[lat, lon], ...], "speeding": [[first, last], ...], "stops": [[lat, lon, label]],
"fit": whether the map zooms to the track (default true)}."""


class _ConsolePage(QWebEnginePage):
    """A page that forwards the page's console messages to Python logging."""

    _LEVELS = {
        QWebEnginePage.JavaScriptConsoleMessageLevel.InfoMessageLevel: logging.DEBUG,
        QWebEnginePage.JavaScriptConsoleMessageLevel.WarningMessageLevel: logging.WARNING,
        QWebEnginePage.JavaScriptConsoleMessageLevel.ErrorMessageLevel: logging.ERROR,
    }

    def javaScriptConsoleMessage(  # noqa: N802 (Qt name)
        self,
        level: QWebEnginePage.JavaScriptConsoleMessageLevel,
        message: str,
        line: int,
        source: str,
    ) -> None:
        log.log(self._LEVELS.get(level, logging.INFO), "map page %s:%d: %s", source, line, message)


class MapView(QWebEngineView):
    """Loads the offline map page and feeds its vehicle and incident layers."""

    # ---- Signals

    sig_ready = Signal()
    """The page (re)loaded and its console layers are ready for data."""

    sig_frame_drawn = Signal(int)
    """The page drew a vehicle frame; carries the number of vehicles in it."""

    sig_frame_failed = Signal()
    """The page could not draw a vehicle frame (it may not hold the last one)."""

    def __init__(
        self, layers: MapLayers, page_root: Path | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.guard = OfflineGuard(layers.tile_url, self)
        page = _ConsolePage(self)
        page.setUrlRequestInterceptor(self.guard)
        page.setBackgroundColor(Qt.GlobalColor.black)
        _allow_tile_server(page, self.guard, layers.tile_url)
        self.bridge = MapBridge(self)
        self._channel = QWebChannel(self)
        self._channel.registerObject("mapBridge", self.bridge)
        page.setWebChannel(self._channel)
        self.setPage(page)
        self._kept: dict[str, str] = {}
        self._ready = False
        self._busy = False
        self._incidents: list[IncidentRow] = []
        self._track: TrackPayload | None = None
        self._track_cursor: tuple[float, float, str] | None = None
        self.last_draw_ms = 0.0
        self.last_visible = 0
        self.whole_frames_sent = 0
        """Whole vehicle frames sent to the page so far."""
        self.change_frames_sent = 0
        """Frames of only the vehicles that moved sent so far."""
        self.layers = layers
        self._page_root = page_root
        self.page_path = write_map_page(layers, page_root)
        self.loadStarted.connect(self._on_load_started)
        self.loadFinished.connect(self._on_load_finished)
        page.renderProcessTerminated.connect(self._on_render_process_terminated)
        self.load(QUrl.fromLocalFile(str(self.page_path)))

    # ---- Public API

    @property
    def ready(self) -> bool:
        """Whether the page can take data."""
        return self._ready

    @property
    def busy(self) -> bool:
        """Whether a vehicle frame is still being drawn."""
        return self._busy

    def send_vehicles(self, frame: PackedVehicles) -> bool:
        """Send one vehicle frame; False (nothing sent) if not ready or still drawing."""
        if not self._ready or self._busy:
            return False
        self._busy = True
        counts = ",".join(str(c) for c in frame.class_counts)
        e = frame.extent
        extent = f"[{e.x0!r},{e.y0!r},{e.step_x!r},{e.step_y!r}]"
        script = (
            f"CityConsole.setVehicles('{frame.payload}',{frame.count},{extent},"
            f"[{counts}],{frame.off_map})"
        )
        self.page().runJavaScript(script, 0, self._on_vehicles_drawn)
        self.whole_frames_sent += 1
        return True

    def send_vehicle_changes(self, changes: VehicleChanges) -> bool:
        """Send the vehicles that moved since the last frame; False as :meth:`send_vehicles`."""
        if not self._ready or self._busy:
            return False
        self._busy = True
        script = f"CityConsolePatchVehicles('{changes.payload}',{changes.changed})"
        self.page().runJavaScript(script, 0, self._on_vehicles_drawn)
        self.change_frames_sent += 1
        return True

    def center_on(self, lon: float, lat: float, min_zoom: int) -> None:
        """Centre the map on a point, zooming in to at least ``min_zoom``."""
        if self._ready:
            self.page().runJavaScript(
                f"CityConsole.centerOn({float(lat)!r},{float(lon)!r},{int(min_zoom)})", 0
            )

    def call(
        self,
        function: str,
        *args: object,
        keep: str | None = None,
        on_result: Callable[[object], None] | None = None,
    ) -> None:
        """Call the page's ``function`` (e.g. ``CityConsole.setLayerVisible``) with JSON args.

        With ``keep``, the call is remembered under that key (replacing the previous
        one) and made again whenever the page (re)loads; without it, a call made
        before the page is ready is dropped.
        """
        encoded = ",".join(json.dumps(a, ensure_ascii=False, separators=(",", ":")) for a in args)
        script = f"{function}({encoded})"
        if keep is not None:
            self._kept[keep] = script
        if self._ready:
            self.page().runJavaScript(script, 0, on_result or _ignore_result)

    def load_layers(self, layers: MapLayers, keep_view: bool = True) -> None:
        """Rewrite the page for ``layers`` (e.g. another basemap) and reload it.

        With ``keep_view`` the new page opens where the operator was looking;
        incidents, track and kept calls are sent again once it is ready.
        """
        if keep_view and self._ready:
            self.page().runJavaScript(_VIEW_SCRIPT, 0, lambda view: self._reload(layers, view))
        else:
            self._reload(layers, None)

    def set_incidents(self, rows: Sequence[IncidentRow]) -> None:
        """Show these incidents (replacing the previous ones); kept until the page is ready."""
        self._incidents = list(rows)
        if self._ready:
            self._send_incidents()

    def set_track(self, payload: TrackPayload) -> None:
        """Draw a trajectory (replacing any other) and fit the map to it; kept until ready."""
        self._track = payload
        self._track_cursor = None
        if self._ready:
            self._send_track()

    def set_track_cursor(self, lat: float, lon: float, label: str) -> None:
        """Move the trajectory's cursor marker (the time slider's position)."""
        self._track_cursor = (float(lat), float(lon), label)
        if self._ready:
            self._send_track_cursor()

    def clear_track(self) -> None:
        """Remove the trajectory and its cursor."""
        self._track = None
        self._track_cursor = None
        if self._ready:
            self.page().runJavaScript("CityConsole.clearTrack()", 0, _ignore_result)

    # ---- Page callbacks

    def _on_load_started(self) -> None:
        self._ready = False
        self._busy = False

    def _on_render_process_terminated(
        self, status: QWebEnginePage.RenderProcessTerminationStatus, exit_code: int
    ) -> None:
        log.error("map page renderer ended (%s, exit code %d); reloading", status, exit_code)
        self._ready = False
        self._busy = False
        self.reload()

    def _on_load_finished(self, ok: bool) -> None:
        if not ok:
            log.error("map page failed to load: %s", self.page_path)
            return
        self.page().runJavaScript(
            "window.CityConsole ? CityConsole.isReady() : false", 0, self._on_ready_checked
        )

    def _on_ready_checked(self, ready: object) -> None:
        if not shiboken6.isValid(self):
            return
        if ready is not True:
            log.error("map page loaded but its console layers did not start")
            return
        self._ready = True
        for script in self._kept.values():
            self.page().runJavaScript(script, 0, _ignore_result)
        if self._incidents:
            self._send_incidents()
        if self._track is not None:
            self._send_track()
            if self._track_cursor is not None:
                self._send_track_cursor()
        self.sig_ready.emit()

    def _send_incidents(self) -> None:
        script = f"CityConsole.setIncidents({json.dumps(self._incidents, ensure_ascii=False)})"
        self.page().runJavaScript(script, 0, _ignore_result)

    def _send_track(self) -> None:
        payload = json.dumps(self._track, ensure_ascii=False, separators=(",", ":"))
        self.page().runJavaScript(f"CityConsole.setTrack({payload})", 0, _ignore_result)

    def _send_track_cursor(self) -> None:
        assert self._track_cursor is not None
        lat, lon, label = self._track_cursor
        text = json.dumps(label, ensure_ascii=False)
        script = f"CityConsole.setTrackCursor({lat!r},{lon!r},{text})"
        self.page().runJavaScript(script, 0, _ignore_result)

    def _reload(self, layers: MapLayers, view: object) -> None:
        if not shiboken6.isValid(self):
            return
        self.layers = layers
        page_layers = layers
        if isinstance(view, str):
            try:
                lon, lat, zoom = (float(v) for v in json.loads(view))
                page_layers = dataclasses.replace(layers, center=(lon, lat), zoom=zoom)
            except (TypeError, ValueError):
                log.warning("map view not kept: the page reported %r", view)
        _allow_tile_server(self.page(), self.guard, layers.tile_url)
        self.page_path = write_map_page(page_layers, self._page_root)
        self.load(QUrl.fromLocalFile(str(self.page_path)))

    def _on_vehicles_drawn(self, result: object) -> None:
        if not shiboken6.isValid(self):
            return
        self._busy = False
        try:
            count, visible, draw_ms = json.loads(str(result))
        except ValueError:
            log.error("map page failed to draw a vehicle frame: %r", result)
            self.sig_frame_failed.emit()
            return
        self.last_visible = int(visible)
        self.last_draw_ms = float(draw_ms)
        self.sig_frame_drawn.emit(int(count))


_VIEW_SCRIPT = (
    "JSON.stringify([CityConsole.map.getCenter().lng, CityConsole.map.getCenter().lat,"
    " CityConsole.map.getZoom()])"
)
"""The page's view as JSON [lon, lat, zoom]."""


def _allow_tile_server(page: QWebEnginePage, guard: OfflineGuard, tile_url: str | None) -> None:
    """Let the page (a ``file://`` page) reach ``tile_url``'s server, and nothing else."""
    guard.allow_tiles(tile_url)
    remote = tile_origin_pattern(tile_url) is not None
    page.settings().setAttribute(
        QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls, remote
    )


def _ignore_result(_result: object) -> None:
    """runJavaScript callback for calls whose result is not needed."""
