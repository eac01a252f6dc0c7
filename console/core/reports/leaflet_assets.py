"""Leaflet's JS and CSS as text, ready to inline into a page that must work with no network.

The files come from the installed ``django-js-lib-leaflet`` package (the same
copy the live map page uses). The stylesheet's images are turned into data:
URIs and the source-map comment is dropped, so the inlined text makes no
request of its own.
"""

from __future__ import annotations

import base64
import functools
import re

from console.core.paths import leaflet_dir

_CSS_IMAGE = re.compile(r"url\((['\"]?)(images/[\w.-]+\.png)\1\)")
_SOURCE_MAP = re.compile(r"^//# sourceMappingURL=.*$", re.MULTILINE)


def data_uri(media_type: str, data: bytes) -> str:
    """A ``data:<media type>;base64,...`` URI of ``data``."""
    return f"data:{media_type};base64," + base64.b64encode(data).decode("ascii")


def png_data_uri(data: bytes) -> str:
    """A ``data:image/png;base64,...`` URI of PNG bytes."""
    return data_uri("image/png", data)


@functools.cache
def leaflet_js() -> str:
    """Leaflet's script, without its source-map comment, safe inside a ``<script>`` element."""
    text = (leaflet_dir() / "leaflet.js").read_text(encoding="utf-8")
    return _script_safe(_SOURCE_MAP.sub("", text))


@functools.cache
def leaflet_css() -> str:
    """Leaflet's stylesheet with its images inlined as data: URIs."""
    folder = leaflet_dir()
    text = (folder / "leaflet.css").read_text(encoding="utf-8")

    def inline(match: re.Match[str]) -> str:
        image = folder / match.group(2)
        return f'url("{png_data_uri(image.read_bytes())}")'

    return _style_safe(_CSS_IMAGE.sub(inline, text))


def _script_safe(text: str) -> str:
    """Script text that cannot end its ``<script>`` element early."""
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE)


def _style_safe(text: str) -> str:
    """Style text that cannot end its ``<style>`` element early."""
    return re.sub(r"</(style)", r"<\\/\1", text, flags=re.IGNORECASE)
