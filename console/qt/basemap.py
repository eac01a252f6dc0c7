"""Basemap settings: the offline vector map (default) or the city's own tile server.

A tile server is a URL template (``https://{s}.tiles.city.example/{z}/{x}/{y}.png``)
or a ``file://`` folder of tiles shipped on disk, plus the datum its tiles are
drawn in: WGS-84, or GCJ-02 (AMap/Gaode, Tencent and many Chinese city GIS
servers), which the map page then corrects for. The choice is kept as
``basemap.json`` in the operator's profile folder; ``--tile-url`` overrides it
for one run. Plain Python: no Qt, so the command line can validate early.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit
from urllib.request import url2pathname

from console.qt.map.layers import TILE_CRS, MapLayers, TileCrs

log = logging.getLogger(__name__)

BASEMAP_FILE = "basemap.json"
"""The settings file's name in the profile folder."""
SETTINGS_VERSION = 1
"""Version of ``basemap.json``; older files are migrated when read."""
MAX_TILE_ZOOM = 22
TILE_EXTENSIONS = ("png", "jpg", "jpeg", "webp")
"""Image types looked for in a tile folder given without a template."""
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_KNOWN_PLACEHOLDERS = frozenset({"s", "z", "x", "y", "-y", "r"})
CRS_NAMES: dict[TileCrs, str] = {"wgs84": "WGS-84", "gcj02": "GCJ-02"}
CRS_NOTES: dict[TileCrs, str] = {
    "wgs84": "GPS coordinates, as OpenStreetMap and most international servers draw them.",
    "gcj02": "China's shifted datum (AMap/Gaode, Tencent, many city GIS servers): "
    "the map shifts its layers and vehicles onto the tiles.",
}
"""One line per datum, as the dialog explains them."""


class BasemapError(ValueError):
    """A basemap setting that cannot be used; the message says why, in plain words."""


@dataclass(frozen=True, slots=True)
class Basemap:
    """A city tile server: URL template (or ``file://`` folder), datum and credits.

    ``subdomains`` fill ``{s}`` (one letter or digit each); ``max_zoom`` is the
    deepest zoom the server has tiles for (the map scales them up beyond it).
    """

    url: str
    crs: TileCrs = "wgs84"
    attribution: str = ""
    subdomains: str = "abc"
    max_zoom: int = 18

    def validated(self) -> Basemap:
        """This basemap with whitespace trimmed; raises :class:`BasemapError` if unusable."""
        basemap = dataclasses.replace(
            self,
            url=self.url.strip(),
            attribution=self.attribution.strip(),
            subdomains=self.subdomains.strip(),
        )
        if basemap.crs not in TILE_CRS:
            raise BasemapError(
                f"Unknown coordinate system {basemap.crs!r}: use {' or '.join(TILE_CRS)}."
            )
        if not isinstance(basemap.max_zoom, int) or not 1 <= basemap.max_zoom <= MAX_TILE_ZOOM:
            raise BasemapError(f"The deepest zoom must be 1 to {MAX_TILE_ZOOM}.")
        basemap.tile_template()  # raises if the URL is unusable
        return basemap

    @property
    def is_local(self) -> bool:
        """Whether the tiles are a folder on disk (``file://``)."""
        return urlsplit(self.url.strip()).scheme.lower() == "file"

    def tile_template(self) -> str:
        """The Leaflet URL template; a ``file://`` folder gets ``/{z}/{x}/{y}.<ext>`` added."""
        url = self.url.strip()
        if not url:
            raise BasemapError("Enter the tile server's URL.")
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme in ("http", "https"):
            if not parts.netloc:
                raise BasemapError(f"The tile URL has no server name: {url}")
            self._check_placeholders(url, required=True)
            return url
        if scheme == "file":
            return self._folder_template(url)
        raise BasemapError(
            "The tile URL must start with http://, https:// or file:// "
            f"(a folder of tiles); got {url!r}."
        )

    def tile_url(self, zoom: int, x: int, y: int) -> str:
        """The URL of one tile (first subdomain for ``{s}``)."""
        values = {
            "s": self.subdomains[:1] or "a",
            "z": str(zoom),
            "x": str(x),
            "y": str(y),
            "-y": str(2**zoom - 1 - y),
            "r": "",
        }
        return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), self.tile_template())

    def _check_placeholders(self, url: str, required: bool) -> None:
        names = set(_PLACEHOLDER.findall(url))
        unknown = sorted(names - _KNOWN_PLACEHOLDERS)
        if unknown:
            shown = ", ".join("{" + name + "}" for name in unknown)
            raise BasemapError(
                f"The tile URL has placeholders the map cannot fill: {shown} "
                "(only {s}, {z}, {x}, {y}, {-y} and {r})."
            )
        missing = [p for p in ("z", "x") if p not in names]
        if "y" not in names and "-y" not in names:
            missing.append("y")
        if missing and (required or names):
            shown = " ".join("{" + name + "}" for name in missing)
            raise BasemapError(f"The tile URL needs {{z}}, {{x}} and {{y}}; missing {shown}.")
        if "s" in names and not re.fullmatch(r"[A-Za-z0-9]+", self.subdomains.strip()):
            raise BasemapError("The URL uses {s}: give its subdomains, e.g. abc or 1234.")

    def _folder_template(self, url: str) -> str:
        self._check_placeholders(url, required=False)
        if _PLACEHOLDER.search(url):
            head = url[: url.index("{")]
            folder = Path(url2pathname(urlsplit(head).path))
            folder = folder if head.endswith("/") else folder.parent
            if not folder.is_dir():
                raise BasemapError(f"The tile folder {folder} does not exist.")
            return url
        folder = Path(url2pathname(urlsplit(url).path))
        if not folder.is_dir():
            raise BasemapError(f"The tile folder {folder} does not exist.")
        return f"{folder.as_uri()}/{{z}}/{{x}}/{{y}}.{_tile_extension(folder)}"

    def to_json(self) -> dict[str, Any]:
        """The settings as plain JSON values."""
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: object) -> Basemap:
        """A basemap from :meth:`to_json`'s output; raises :class:`BasemapError`."""
        if not isinstance(data, dict) or not isinstance(data.get("url"), str):
            raise BasemapError("The saved tile server has no URL.")
        try:
            return cls(
                url=data["url"],
                crs=cast(TileCrs, str(data.get("crs", "wgs84"))),
                attribution=str(data.get("attribution", "")),
                subdomains=str(data.get("subdomains", "abc")),
                max_zoom=int(data.get("max_zoom", 18)),
            )
        except (TypeError, ValueError) as error:
            raise BasemapError(f"The saved tile server is malformed: {error}") from error


def _tile_extension(folder: Path) -> str:
    """The image type of the first tile found as ``z/x/y.<ext>`` under ``folder``."""
    for tile in folder.glob("*/*/*.*"):
        extension = tile.suffix.lower().lstrip(".")
        if extension in TILE_EXTENSIONS:
            return extension
    return "png"


@dataclass(frozen=True, slots=True)
class BasemapSettings:
    """What the operator chose: the vector map, or ``tiles``; ``tiles`` is kept either way."""

    use_tiles: bool = False
    tiles: Basemap | None = None

    @property
    def active(self) -> Basemap | None:
        """The tile server in use, or None for the offline vector map."""
        return self.tiles if self.use_tiles else None


def settings_path(profile: Path) -> Path:
    """Where the basemap settings live in ``profile``."""
    return profile / BASEMAP_FILE


def load_basemap_settings(profile: Path) -> BasemapSettings:
    """The saved settings (the vector map if none); raises :class:`BasemapError` if unusable."""
    path = settings_path(profile)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return BasemapSettings()
    except (OSError, ValueError) as error:
        raise BasemapError(f"Cannot read {path}: {error}") from error
    if not isinstance(data, dict):
        raise BasemapError(f"{path} does not hold basemap settings.")
    version = data.get("version")
    if not isinstance(version, int) or version > SETTINGS_VERSION or version < 1:
        raise BasemapError(f"{path} has settings version {version!r}; this console reads 1.")
    tiles = data.get("tiles")
    basemap = Basemap.from_json(tiles) if tiles is not None else None
    use_tiles = bool(data.get("use_tiles")) and basemap is not None
    if use_tiles and basemap is not None:
        basemap = basemap.validated()
    return BasemapSettings(use_tiles, basemap)


def save_basemap_settings(profile: Path, settings: BasemapSettings) -> Path:
    """Write ``settings`` to the profile (atomically); returns the file."""
    path = settings_path(profile)
    data = {
        "version": SETTINGS_VERSION,
        "use_tiles": settings.use_tiles,
        "tiles": settings.tiles.to_json() if settings.tiles is not None else None,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(temporary, path)
    return path


def saved_basemap_settings(profile: Path) -> BasemapSettings:
    """The saved settings, or the vector map (with a warning) if they cannot be used."""
    try:
        return load_basemap_settings(profile)
    except BasemapError as error:
        log.warning("basemap settings ignored, using the offline vector map: %s", error)
        return BasemapSettings()


def effective_basemap(profile: Path, override: Basemap | None = None) -> Basemap | None:
    """The tile server this run uses: the command line's, else the profile's, else None."""
    return override if override is not None else saved_basemap_settings(profile).active


def override_from_args(args: argparse.Namespace) -> Basemap | None:
    """The ``--tile-url``/``--tile-crs``/``--tile-attribution`` basemap; raises if unusable."""
    url = getattr(args, "tile_url", None)
    if not url:
        return None
    return Basemap(
        url=url,
        crs=getattr(args, "tile_crs", None) or "wgs84",
        attribution=getattr(args, "tile_attribution", None) or "",
    ).validated()


def with_basemap(layers: MapLayers, basemap: Basemap | None) -> MapLayers:
    """``layers`` drawn over ``basemap`` (None: the offline vector map)."""
    if basemap is None:
        return dataclasses.replace(
            layers, tile_url=None, tile_attribution="", tile_crs="wgs84", tile_max_zoom=None
        )
    return dataclasses.replace(
        layers,
        tile_url=basemap.tile_template(),
        tile_attribution=basemap.attribution,
        tile_crs=basemap.crs,
        tile_subdomains=basemap.subdomains or "abc",
        tile_max_zoom=basemap.max_zoom,
    )


def tile_index(lon: float, lat: float, zoom: int) -> tuple[int, int]:
    """The (x, y) of the Web-Mercator tile holding a point at ``zoom``."""
    count = 2**zoom
    lat = max(-85.0511287798, min(85.0511287798, lat))
    x = int((lon + 180.0) / 360.0 * count)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * count)
    return min(max(x, 0), count - 1), min(max(y, 0), count - 1)
