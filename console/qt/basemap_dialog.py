"""Map › Basemap…: the offline vector map, or the city's own tile server and its datum.

The dialog's Test button fetches the one tile that holds the city centre and says
what came back (an image, an HTTP error, nothing in time). OK saves the choice in
the operator's profile and reloads the map page where the operator was looking.
"""

from __future__ import annotations

import logging
from pathlib import Path

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QUrl, Signal
from PySide6.QtGui import QAction, QImage
from PySide6.QtNetwork import QNetworkAccessManager, QNetworkReply, QNetworkRequest
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from console.core.city.city import City
from console.core.city.datum import wgs84_to_gcj02
from console.qt.basemap import (
    CRS_NAMES,
    CRS_NOTES,
    MAX_TILE_ZOOM,
    Basemap,
    BasemapError,
    BasemapSettings,
    save_basemap_settings,
    saved_basemap_settings,
    tile_index,
)
from console.qt.map.layers import TILE_CRS
from console.qt.map_menu import map_menu
from console.qt.panes.map_pane import MapPane

log = logging.getLogger(__name__)

TEST_ZOOM = 12
"""Zoom of the tile fetched by Test (a city district per tile)."""
TEST_TIMEOUT_MS = 8_000


def _shared_network() -> QNetworkAccessManager:
    """One network manager for the application's lifetime.

    A manager deleted just after one of its replies timed out can crash Qt's
    HTTP thread, so probes share one that lives as long as the application.
    """
    app = QCoreApplication.instance()
    found = app.findChild(QNetworkAccessManager, _NETWORK_NAME) if app is not None else None
    if found is not None:
        return found
    network = QNetworkAccessManager(app)
    network.setObjectName(_NETWORK_NAME)
    return network


_NETWORK_NAME = "basemap_tile_probe_network"


class TileProbe(QObject):
    """Fetches one tile and reports, in words, whether the server gave an image."""

    # ---- Signals

    sig_finished = Signal(bool, str)
    """The fetch ended: whether an image came back, and what to tell the operator."""

    def __init__(self, parent: QObject | None = None, timeout_ms: int = TEST_TIMEOUT_MS) -> None:
        super().__init__(parent)
        self.timeout_ms = timeout_ms
        self._network = _shared_network()
        self._reply: QNetworkReply | None = None

    # ---- Public API

    @property
    def busy(self) -> bool:
        """Whether a fetch is under way."""
        return self._reply is not None

    def fetch(self, basemap: Basemap, lon: float, lat: float, zoom: int = TEST_ZOOM) -> str:
        """Start fetching the tile of (lon, lat); returns its URL. Raises BasemapError."""
        if basemap.crs == "gcj02":  # the server's tile grid is laid over GCJ-02
            gcj_lon, gcj_lat = wgs84_to_gcj02(lon, lat)
            lon, lat = float(gcj_lon), float(gcj_lat)
        zoom = min(zoom, basemap.max_zoom)
        url = basemap.tile_url(zoom, *tile_index(lon, lat, zoom))
        self.abort()
        request = QNetworkRequest(QUrl(url))
        request.setTransferTimeout(self.timeout_ms)
        request.setAttribute(
            QNetworkRequest.Attribute.RedirectPolicyAttribute,
            QNetworkRequest.RedirectPolicy.NoLessSafeRedirectPolicy,
        )
        reply = self._network.get(request)
        reply.finished.connect(lambda: self._on_finished(reply, url))
        self._reply = reply
        return url

    def abort(self) -> None:
        """Forget the fetch under way (no report for it)."""
        reply, self._reply = self._reply, None
        if reply is not None:
            reply.abort()  # finishes it: _on_finished deletes it later

    # ---- Callbacks

    def _on_finished(self, reply: QNetworkReply, url: str) -> None:
        reply.deleteLater()  # never at once: a timed-out reply is still in Qt's hands
        if not shiboken6.isValid(self) or reply is not self._reply:
            return  # the probe is gone, or this fetch was aborted or replaced
        self._reply = None
        ok, message = self._describe(reply, url)
        self.sig_finished.emit(ok, message)

    def _describe(self, reply: QNetworkReply, url: str) -> tuple[bool, str]:
        status = reply.attribute(QNetworkRequest.Attribute.HttpStatusCodeAttribute)
        error = reply.error()
        if error in (
            QNetworkReply.NetworkError.TimeoutError,
            QNetworkReply.NetworkError.OperationCanceledError,
        ):
            return False, f"No answer within {self.timeout_ms / 1000:g} s from {url}"
        if isinstance(status, int) and status >= 400:
            reason = reply.attribute(QNetworkRequest.Attribute.HttpReasonPhraseAttribute)
            phrase = bytes(reason).decode("latin-1") if isinstance(reason, bytes) else reason
            return False, f"HTTP error {status} {phrase or ''}".rstrip() + f" for {url}"
        if error != QNetworkReply.NetworkError.NoError:
            return False, f"Could not fetch {url}: {reply.errorString()}"
        data = bytes(reply.readAll().data())
        image = QImage.fromData(data)
        if image.isNull():
            return False, f"{url} answered, but not with an image ({len(data):,} bytes)"
        size = f"{image.width()}×{image.height()}"
        return True, f"Tile loaded: {size} image, {len(data):,} bytes from {url}"


class BasemapDialog(QDialog):
    """Choose the offline vector map or a city tile server (URL, datum, credits)."""

    def __init__(
        self,
        settings: BasemapSettings,
        centre: tuple[float, float],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Basemap")
        self.setMinimumWidth(560)
        self._centre = centre
        self.probe = TileProbe(self)
        self.probe.sig_finished.connect(self._on_test_finished)
        self._build()
        self._fill(settings)

    # ---- Public API

    def settings(self) -> BasemapSettings:
        """The choice as entered; raises :class:`BasemapError` if the server is unusable."""
        tiles = self._entered()
        if not self.tiles_button.isChecked():
            return BasemapSettings(False, tiles if tiles.url.strip() else None)
        return BasemapSettings(True, tiles.validated())

    def test(self) -> None:
        """Fetch the tile of the city centre from the entered server and show the outcome."""
        try:
            url = self.probe.fetch(self._entered().validated(), *self._centre)
        except BasemapError as error:
            self._show_result(False, str(error))
            return
        self.test_button.setEnabled(False)
        self._show_result(None, f"Fetching {url} …")

    def accept(self) -> None:
        """Close with the choice if it is usable; otherwise say why and stay open."""
        try:
            self.settings()
        except BasemapError as error:
            self._show_result(False, str(error))
            return
        self.probe.abort()
        super().accept()

    def reject(self) -> None:
        """Close without a choice (a test under way is dropped)."""
        self.probe.abort()
        super().reject()

    # ---- Building

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        self.vector_button = QRadioButton("Offline vector map (default): needs no network")
        self.tiles_button = QRadioButton("City tile server")
        group = QButtonGroup(self)
        for button in (self.vector_button, self.tiles_button):
            group.addButton(button)
            layout.addWidget(button)
        self.tile_box = QWidget(self)
        form = QFormLayout(self.tile_box)
        form.setContentsMargins(24, 0, 0, 0)
        self.url_edit = QLineEdit()
        self.url_edit.setPlaceholderText("https://{s}.tiles.city.example/{z}/{x}/{y}.png")
        self.url_edit.setToolTip(
            "A URL template with {z}, {x} and {y} (and {s} for subdomains),\n"
            "or file:///path/to/folder holding z/x/y.png tiles."
        )
        form.addRow("URL", self.url_edit)
        self.crs_combo = QComboBox()
        for crs in TILE_CRS:
            self.crs_combo.addItem(CRS_NAMES[crs], crs)
        self.crs_note = QLabel()
        self.crs_note.setWordWrap(True)
        self.crs_combo.currentIndexChanged.connect(self._explain_crs)
        form.addRow("Coordinate system", self.crs_combo)
        form.addRow("", self.crs_note)
        self.attribution_edit = QLineEdit()
        self.attribution_edit.setPlaceholderText("e.g. © Bengbu Natural Resources Bureau")
        form.addRow("Attribution", self.attribution_edit)
        row = QHBoxLayout()
        self.subdomains_edit = QLineEdit()
        self.subdomains_edit.setMaximumWidth(90)
        self.max_zoom_spin = QSpinBox()
        self.max_zoom_spin.setRange(1, MAX_TILE_ZOOM)
        row.addWidget(self.subdomains_edit)
        row.addWidget(QLabel("Deepest zoom"))
        row.addWidget(self.max_zoom_spin)
        row.addStretch(1)
        form.addRow("Subdomains {s}", row)
        test_row = QHBoxLayout()
        self.test_button = QPushButton("Test")
        self.test_button.setToolTip("Fetch the tile that holds the city centre")
        self.test_button.clicked.connect(self.test)
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.result_label, 1)
        form.addRow(test_row)
        layout.addWidget(self.tile_box)
        self.tiles_button.toggled.connect(self.tile_box.setEnabled)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _fill(self, settings: BasemapSettings) -> None:
        tiles = settings.tiles or Basemap(url="")
        self.url_edit.setText(tiles.url)
        self.crs_combo.setCurrentIndex(max(0, self.crs_combo.findData(tiles.crs)))
        self.attribution_edit.setText(tiles.attribution)
        self.subdomains_edit.setText(tiles.subdomains)
        self.max_zoom_spin.setValue(tiles.max_zoom)
        self.tiles_button.setChecked(settings.use_tiles)
        self.vector_button.setChecked(not settings.use_tiles)
        self.tile_box.setEnabled(settings.use_tiles)
        self._explain_crs()

    def _entered(self) -> Basemap:
        return Basemap(
            url=self.url_edit.text(),
            crs=self.crs_combo.currentData(),
            attribution=self.attribution_edit.text(),
            subdomains=self.subdomains_edit.text(),
            max_zoom=self.max_zoom_spin.value(),
        )

    # ---- Callbacks

    def _explain_crs(self) -> None:
        crs = self.crs_combo.currentData()
        self.crs_note.setText(CRS_NOTES[crs])

    def _on_test_finished(self, ok: bool, message: str) -> None:
        self.test_button.setEnabled(True)
        self._show_result(ok, message)

    def _show_result(self, ok: bool | None, message: str) -> None:
        colour = {True: "#3ddc84", False: "#ff5d6c", None: ""}[ok]
        self.result_label.setStyleSheet(f"color: {colour}" if colour else "")
        self.result_label.setText(message)


def install_basemap_menu(
    window: QMainWindow,
    map_pane: MapPane,
    city: City,
    profile: Path,
    override: Basemap | None = None,
) -> QAction:
    """Add Map › Basemap… to ``window``; OK saves to ``profile`` and reloads the map.

    ``override`` (the command line's ``--tile-url``) is what the dialog shows first
    while it is in force; a choice made in the dialog replaces it.
    """
    state = {"override": override}
    action = QAction("Basemap…", window)
    action.setObjectName("basemap_action")
    action.setStatusTip("Choose the offline vector map or the city's tile server")

    def open_dialog() -> None:
        current = state["override"]
        settings = BasemapSettings(True, current) if current else saved_basemap_settings(profile)
        dialog = BasemapDialog(settings, city.center, window)
        dialog.setObjectName("basemap_dialog")
        dialog.accepted.connect(lambda: apply_choice(dialog))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def apply_choice(dialog: BasemapDialog) -> None:
        settings = dialog.settings()
        state["override"] = None
        try:
            save_basemap_settings(profile, settings)
        except OSError as error:
            log.error("basemap settings not saved: %s", error)
            QMessageBox.warning(window, "Basemap", f"The choice could not be saved:\n{error}")
        map_pane.set_basemap(settings.active)

    action.triggered.connect(open_dialog)
    map_menu(window).addAction(action)
    return action
