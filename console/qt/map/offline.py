"""Keeps the map page offline: every request that is not local is blocked and recorded."""

from __future__ import annotations

import re
import threading
from urllib.parse import urlsplit

from PySide6.QtCore import QObject
from PySide6.QtWebEngineCore import QWebEngineUrlRequestInfo, QWebEngineUrlRequestInterceptor

LOCAL_SCHEMES = frozenset({"file", "qrc", "data", "blob", "about"})
"""URL schemes that never leave the machine."""


def tile_origin_pattern(tile_url: str | None) -> re.Pattern[str] | None:
    """A pattern matching requests to the tile server of ``tile_url`` (``{s}`` allowed)."""
    if not tile_url:
        return None
    parts = urlsplit(tile_url)
    origin = re.escape(f"{parts.scheme}://{parts.netloc}/")
    return re.compile(origin.replace(re.escape("{s}"), r"[A-Za-z0-9-]+"))


class OfflineGuard(QWebEngineUrlRequestInterceptor):
    """Blocks requests to anything but local files and the optional tile server."""

    def __init__(self, tile_url: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tiles = tile_origin_pattern(tile_url)
        self._lock = threading.Lock()
        self._blocked: list[str] = []

    def allows(self, url: str) -> bool:
        """Whether the page may load ``url``."""
        scheme = url.split(":", 1)[0].lower()
        if scheme in LOCAL_SCHEMES:
            return True
        return bool(self._tiles and self._tiles.match(url))

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
