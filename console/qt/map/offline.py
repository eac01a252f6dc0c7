"""Keeps the map page offline: every request that is not local is blocked and recorded."""

from __future__ import annotations

import re
import threading
from urllib.parse import urlsplit

from PySide6.QtCore import QObject
from PySide6.QtWebEngineCore import QWebEngineUrlRequestInfo, QWebEngineUrlRequestInterceptor

LOCAL_SCHEMES = frozenset({"file", "qrc", "data", "blob", "about"})
"""URL schemes that never leave the machine."""
REMOTE_TILE_SCHEMES = frozenset({"http", "https"})
"""Schemes of tile servers the page may reach."""


def tile_origin_pattern(tile_url: str | None) -> re.Pattern[str] | None:
    """A pattern matching requests to the tile server of ``tile_url`` (``{s}`` allowed).

    None without a URL or for a local (``file://``) tile folder: nothing to let through.
    """
    if not tile_url:
        return None
    parts = urlsplit(tile_url)
    if parts.scheme.lower() not in REMOTE_TILE_SCHEMES or not parts.netloc:
        return None
    origin = re.escape(f"{parts.scheme}://{parts.netloc}/")
    return re.compile(origin.replace(re.escape("{s}"), r"[A-Za-z0-9-]+"))


class OfflineGuard(QWebEngineUrlRequestInterceptor):
    """Blocks requests to anything but local files and the optional tile server."""

    def __init__(self, tile_url: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._tiles = tile_origin_pattern(tile_url)
        self._blocked: list[str] = []

    def allow_tiles(self, tile_url: str | None) -> None:
        """Let through the tile server of ``tile_url`` from now on (None: no server)."""
        pattern = tile_origin_pattern(tile_url)
        with self._lock:
            self._tiles = pattern

    def allows(self, url: str) -> bool:
        """Whether the page may load ``url``."""
        scheme = url.split(":", 1)[0].lower()
        if scheme in LOCAL_SCHEMES:
            return True
        with self._lock:
            tiles = self._tiles
        return bool(tiles and tiles.match(url))

    def blocked(self) -> list[str]:
        """URLs blocked so far, oldest first."""
        with self._lock:
            return list(self._blocked)

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:  # noqa: N802 (Qt name)
        url = info.requestUrl().toString()
        if not self.allows(url):
            with self._lock:
                self._blocked.append(url)
            info.block(True)
