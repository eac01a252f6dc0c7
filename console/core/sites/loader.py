"""Read a city's ``sites.json`` (cameras, passenger and weigh stations) into a registry.

Every entry is checked before anything is built: a bad one raises :class:`SiteError`
naming the entry and what is wrong with it. A city without ``sites.json`` simply
has no sites.
"""

from __future__ import annotations

import enum
import json
import logging
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from console.core.city.city import City
from console.core.sites.model import (
    Camera,
    CameraKind,
    CameraPurpose,
    Station,
    StationKind,
)
from console.core.sites.registry import SiteRegistry

log = logging.getLogger(__name__)
_E = TypeVar("_E", bound=enum.StrEnum)

SITES_NAME = "sites.json"
SUPPORTED_FORMAT = 1
STREAM_SCHEMES = ("sim", "rtsp", "http", "https", "file")
"""Where a camera's video may come from (``sim`` is the built-in simulation)."""

_STATION_FIELDS = {"id", "name", "name_en", "kind", "lon", "lat"}
_CAMERA_FIELDS = _STATION_FIELDS | {"purpose", "stream", "watches"}
_TOP_FIELDS = {"format_version", "note", "stations", "cameras"}
_MUST_WATCH = {
    CameraPurpose.BRIDGE_DECK: "bridge",
    CameraPurpose.BRIDGE_CHANNEL: "bridge",
    CameraPurpose.PASSENGER_STATION: StationKind.PASSENGER,
    CameraPurpose.WEIGH_STATION: StationKind.WEIGH,
}
"""Purposes whose camera must watch a bridge, or a station of the given kind."""


class SiteError(ValueError):
    """``sites.json`` is malformed or an entry in it is wrong."""


def load_sites(directory: Path, city: City) -> SiteRegistry:
    """The sites in ``directory/sites.json`` for ``city`` (empty if there is no file)."""
    path = directory / SITES_NAME
    landmarks = {b.bridge_id: (b.name_zh, b.name_en) for b in city.bridges}
    if not path.exists():
        log.info("%s has no %s: the city has no cameras or stations", directory, SITES_NAME)
        return SiteRegistry(landmarks=landmarks)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SiteError(f"cannot read {path}: {exc}") from exc
    return parse_sites(data, city, source=str(path))


def parse_sites(data: Any, city: City, source: str = SITES_NAME) -> SiteRegistry:
    """Check and build the sites of an already-decoded ``sites.json`` document."""
    checker = _Checker(city, source)
    stations, cameras = checker.document(data)
    landmarks = {b.bridge_id: (b.name_zh, b.name_en) for b in city.bridges}
    registry = SiteRegistry(cameras, stations, landmarks)
    unplaced = [c.camera_id for c in cameras if not c.jurisdiction]
    unplaced += [s.station_id for s in stations if not s.jurisdiction]
    if unplaced:
        log.warning("%s: %d sites lie in no grid: %s", source, len(unplaced), unplaced[:5])
    return registry


class _Checker:
    """Validates one document, entry by entry, and builds the model objects."""

    def __init__(self, city: City, source: str) -> None:
        self.city = city
        self.source = source
        self.seen: set[str] = set()
        self.station_kinds: dict[str, StationKind] = {}
        self.bridge_ids = {b.bridge_id for b in city.bridges}

    def fail(self, where: str, problem: str) -> SiteError:
        """An error naming the file, the entry and the problem."""
        return SiteError(f"{self.source}: {where}: {problem}")

    def document(self, data: Any) -> tuple[list[Station], list[Camera]]:
        """Stations and cameras of the whole document."""
        if not isinstance(data, dict):
            raise self.fail("document", "expected a JSON object")
        unknown = sorted(set(data) - _TOP_FIELDS)
        if unknown:
            raise self.fail("document", f"unknown fields {unknown}")
        version = data.get("format_version")
        if version != SUPPORTED_FORMAT:
            raise self.fail(
                "document", f"format_version must be {SUPPORTED_FORMAT}, not {version!r}"
            )
        if not isinstance(data.get("note", ""), str):
            raise self.fail("document", "note must be a string")
        stations = [
            self.station(f"stations[{i}]", entry)
            for i, entry in enumerate(self.listed(data, "stations"))
        ]
        cameras = [
            self.camera(f"cameras[{i}]", entry)
            for i, entry in enumerate(self.listed(data, "cameras"))
        ]
        return stations, cameras

    def listed(self, data: Mapping[str, Any], key: str) -> list[Any]:
        """The list under ``key`` (empty if absent)."""
        value = data.get(key, [])
        if not isinstance(value, list):
            raise self.fail(key, "expected a list")
        return value

    def common(
        self, where: str, entry: Any, fields: set[str]
    ) -> tuple[str, str, str, str, float, float, tuple[str, ...]]:
        """id, name, name_en, kind, lon, lat and jurisdiction of a station or camera."""
        if not isinstance(entry, dict):
            raise self.fail(where, "expected a JSON object")
        site_id = entry.get("id")
        if not isinstance(site_id, str) or not site_id.strip():
            raise self.fail(where, "id must be a non-empty string")
        where = f"{where} ({site_id})"
        unknown = sorted(set(entry) - fields)
        if unknown:
            raise self.fail(where, f"unknown fields {unknown}")
        if site_id in self.seen:
            raise self.fail(where, f"id {site_id!r} is used by an earlier entry")
        self.seen.add(site_id)
        name = self.text(where, entry, "name")
        name_en = self.text(where, entry, "name_en")
        kind = self.text(where, entry, "kind")
        lon = self.number(where, entry, "lon")
        lat = self.number(where, entry, "lat")
        x0, y0, x1, y1 = self.city.bbox
        if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
            raise self.fail(where, f"({lon}, {lat}) is not a WGS-84 longitude/latitude")
        if not (x0 <= lon <= x1 and y0 <= lat <= y1):
            raise self.fail(
                where, f"({lon}, {lat}) is outside the city's bbox [{x0}, {y0}, {x1}, {y1}]"
            )
        path = self.city.lookup(lon, lat)
        jurisdiction = tuple(reversed(path.chain())) if path is not None else ()
        return site_id, name, name_en, kind, lon, lat, jurisdiction

    def station(self, where: str, entry: Any) -> Station:
        """One station entry."""
        site_id, name, name_en, kind, lon, lat, jurisdiction = self.common(
            where, entry, _STATION_FIELDS
        )
        station_kind = self.choice(f"{where} ({site_id})", "kind", kind, StationKind)
        self.station_kinds[site_id] = station_kind
        return Station(site_id, name, name_en, station_kind, lon, lat, jurisdiction)

    def camera(self, where: str, entry: Any) -> Camera:
        """One camera entry."""
        site_id, name, name_en, kind, lon, lat, jurisdiction = self.common(
            where, entry, _CAMERA_FIELDS
        )
        where = f"{where} ({site_id})"
        camera_kind = self.choice(where, "kind", kind, CameraKind)
        purpose = self.choice(where, "purpose", self.text(where, entry, "purpose"), CameraPurpose)
        stream = self.stream(where, self.text(where, entry, "stream"))
        watches = entry.get("watches", "")
        if not isinstance(watches, str):
            raise self.fail(where, "watches must be a string")
        self.check_watches(where, purpose, watches)
        return Camera(
            site_id, name, name_en, camera_kind, purpose, lon, lat, stream, watches, jurisdiction
        )

    def check_watches(self, where: str, purpose: CameraPurpose, watches: str) -> None:
        """``watches`` names a known bridge or station, of the kind the purpose needs."""
        needed = _MUST_WATCH.get(purpose)
        if not watches:
            if needed is not None:
                raise self.fail(where, f"a {purpose.value} camera must name what it watches")
            return
        if watches in self.bridge_ids:
            found: str = "bridge"
        elif watches in self.station_kinds:
            found = self.station_kinds[watches]
        else:
            raise self.fail(where, f"watches {watches!r}, which is no station or bridge id")
        if needed is not None and found != needed:
            raise self.fail(
                where, f"a {purpose.value} camera must watch a {needed}, not {found} {watches!r}"
            )

    def stream(self, where: str, stream: str) -> str:
        """A stream address with a known scheme and a usable rest."""
        parts = urlsplit(stream)
        scheme = parts.scheme.lower()
        if "://" not in stream or scheme not in STREAM_SCHEMES:
            raise self.fail(
                where, f"stream {stream!r} must start with one of {', '.join(STREAM_SCHEMES)}://"
            )
        if scheme == "sim" and not (parts.netloc or parts.path):
            raise self.fail(where, "a sim:// stream needs a name after sim://")
        if scheme == "file" and (parts.netloc not in ("", "localhost") or not parts.path):
            raise self.fail(where, f"stream {stream!r} must be an absolute file:/// address")
        if scheme in ("rtsp", "http", "https") and not parts.hostname:
            raise self.fail(where, f"stream {stream!r} has no host")
        return stream

    def text(self, where: str, entry: Mapping[str, Any], key: str) -> str:
        """A required non-empty string field."""
        value = entry.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, f"{key} must be a non-empty string")
        return value

    def number(self, where: str, entry: Mapping[str, Any], key: str) -> float:
        """A required finite number field."""
        value = entry.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(where, f"{key} must be a number")
        if not math.isfinite(value):
            raise self.fail(where, f"{key} must be finite")
        return float(value)

    def choice(self, where: str, key: str, value: str, enum_type: type[_E]) -> _E:
        """``value`` as a member of ``enum_type``."""
        try:
            return enum_type(value)
        except ValueError:
            known = ", ".join(member.value for member in enum_type)
            raise self.fail(where, f"unknown {key} {value!r} (known: {known})") from None
