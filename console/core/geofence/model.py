"""Geofences: a named circle or polygon, the classes it watches, and its rules.

A fence raises an ``entry`` when a watched track is first seen inside it, an
``exit`` when that track is next seen outside it, and one ``dwell`` per stay
once the stay exceeds ``dwell_limit_s`` (if set). ``opens_case`` asks for a case
on the fence's *alarm crossing*: the ``dwell`` when the fence has a dwell limit,
otherwise the ``entry`` (exits never open cases).

Watched classes are names: the :class:`VehicleClass` members in lower case
(``taxi``, ``liner_bus``, ``tourist_bus``, ``cargo``) and ``vessel`` for ships
near the bridges. Every definition is checked on construction; a bad one raises
:class:`GeofenceError` saying what is wrong.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import shapely

from console.core.events import GeofenceCrossing, VehicleClass

METRES_PER_DEGREE = 6_371_008.8 * math.pi / 180.0
"""Length of one degree of latitude on the mean-radius sphere (equirectangular metres)."""

MAX_RADIUS_M = 100_000.0
MAX_ID_LENGTH = 64
MAX_POLYGON_POINTS = 10_000

VESSEL = "vessel"
VESSEL_CODE = 200
"""Class code of vessels in the engine's input (outside :class:`VehicleClass`)."""

TRACK_CLASS_CODES: dict[str, int] = {VESSEL: VESSEL_CODE} | {
    vc.name.lower(): int(vc) for vc in VehicleClass
}
"""Every class a fence may watch, by name, with its integer code in the engine's input."""

CLASS_NAMES: dict[int, str] = {code: name for name, code in TRACK_CLASS_CODES.items()}
"""Class names by code."""


class GeofenceError(ValueError):
    """A geofence definition that cannot be used, with the reason."""


class FenceKind(enum.StrEnum):
    """Where a fence comes from and what it is for."""

    USER = "user"
    BRIDGE_APPROACH = "bridge_approach"
    VESSEL_TRACKING = "vessel_tracking"
    VESSEL_ALARM = "vessel_alarm"


def _check_point(lon: float, lat: float, what: str) -> None:
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise GeofenceError(f"{what}: coordinates must be finite numbers, got ({lon}, {lat})")
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise GeofenceError(f"{what}: ({lon}, {lat}) is not a WGS-84 longitude/latitude")


@dataclass(frozen=True, slots=True)
class Circle:
    """A circle: centre in degrees and radius in metres."""

    lon: float
    lat: float
    radius_m: float

    def __post_init__(self) -> None:
        _check_point(self.lon, self.lat, "circle centre")
        if not (math.isfinite(self.radius_m) and 0.0 < self.radius_m <= MAX_RADIUS_M):
            raise GeofenceError(
                f"circle radius must be more than 0 and at most {MAX_RADIUS_M:.0f} m, "
                f"got {self.radius_m}"
            )

    def bounds(self) -> tuple[float, float, float, float]:
        """West, south, east, north in degrees."""
        dlat = self.radius_m / METRES_PER_DEGREE
        dlon = dlat / max(math.cos(math.radians(self.lat)), 1e-6)
        return (self.lon - dlon, self.lat - dlat, self.lon + dlon, self.lat + dlat)

    def to_json(self) -> dict[str, Any]:
        """The stored form ``{"circle": [lon, lat, radius_m]}``."""
        return {"circle": [self.lon, self.lat, self.radius_m]}


@dataclass(frozen=True, slots=True)
class Polygon:
    """A simple polygon: one outer ring of (lon, lat) points, closed or not."""

    ring: tuple[tuple[float, float], ...]
    geometry: shapely.Polygon = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        points = [(float(x), float(y)) for x, y in self.ring]
        if len(points) > 1 and points[0] == points[-1]:
            points.pop()
        if len(points) < 3:
            raise GeofenceError(f"a polygon needs at least 3 distinct points, got {len(points)}")
        if len(points) > MAX_POLYGON_POINTS:
            raise GeofenceError(f"a polygon may have at most {MAX_POLYGON_POINTS} points")
        for k, (x, y) in enumerate(points):
            _check_point(x, y, f"polygon point {k}")
        geometry = shapely.Polygon(points)
        if not geometry.is_valid:
            reason = shapely.is_valid_reason(geometry)
            raise GeofenceError(f"the polygon is not simple ({reason})")
        if geometry.area <= 0.0:
            raise GeofenceError("the polygon encloses no area")
        shapely.prepare(geometry)
        object.__setattr__(self, "ring", tuple(points))
        object.__setattr__(self, "geometry", geometry)

    def bounds(self) -> tuple[float, float, float, float]:
        """West, south, east, north in degrees."""
        west, south, east, north = self.geometry.bounds
        return (float(west), float(south), float(east), float(north))

    def to_json(self) -> dict[str, Any]:
        """The stored form ``{"polygon": [[lon, lat], ...]}``."""
        return {"polygon": [[x, y] for x, y in self.ring]}


Shape = Circle | Polygon
"""The shapes a fence may have."""


def shape_from_json(data: Mapping[str, Any]) -> Shape:
    """A shape from its stored form (``{"circle": [...]}`` or ``{"polygon": [...]}``)."""
    if not isinstance(data, Mapping) or len(data) != 1:
        raise GeofenceError(f'a shape is {{"circle": [...]}} or {{"polygon": [...]}}, got {data!r}')
    kind, value = next(iter(data.items()))
    try:
        if kind == "circle":
            lon, lat, radius = value
            return Circle(float(lon), float(lat), float(radius))
        if kind == "polygon":
            return Polygon(tuple((float(x), float(y)) for x, y in value))
    except (TypeError, ValueError) as exc:
        if isinstance(exc, GeofenceError):
            raise
        raise GeofenceError(f"malformed {kind}: {value!r} ({exc})") from exc
    raise GeofenceError(f"unknown shape {kind!r} (use 'circle' or 'polygon')")


def class_names(classes: Iterable[str | VehicleClass]) -> frozenset[str]:
    """Watched class names, checked (``VehicleClass`` members accepted too)."""
    if isinstance(classes, str):
        raise GeofenceError("classes must be a list of class names, not one string")
    names = frozenset(c.name.lower() if isinstance(c, VehicleClass) else c for c in classes)
    unknown = sorted(str(n) for n in names if n not in TRACK_CLASS_CODES)
    if unknown:
        known = ", ".join(TRACK_CLASS_CODES)
        raise GeofenceError(f"unknown class(es) {', '.join(unknown)} (known: {known})")
    if not names:
        raise GeofenceError("a fence must watch at least one class")
    return names


@dataclass(frozen=True, slots=True)
class Geofence:
    """One fence: identity, shape, what it watches and the rules for its crossings."""

    fence_id: str
    name: str
    shape: Shape
    classes: frozenset[str]
    dwell_limit_s: float | None = None
    opens_case: bool = False
    kind: FenceKind = FenceKind.USER
    active: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.fence_id, str) or not self.fence_id.strip():
            raise GeofenceError("a fence needs a non-empty id")
        if len(self.fence_id) > MAX_ID_LENGTH:
            raise GeofenceError(f"fence id {self.fence_id!r} is longer than {MAX_ID_LENGTH}")
        if not isinstance(self.name, str) or not self.name.strip():
            raise GeofenceError(f"fence {self.fence_id!r} needs a name")
        if not isinstance(self.shape, Circle | Polygon):
            raise GeofenceError(f"fence {self.fence_id!r}: shape must be a Circle or a Polygon")
        object.__setattr__(self, "classes", class_names(self.classes))
        limit = self.dwell_limit_s
        if limit is not None and not (math.isfinite(limit) and limit > 0.0):
            raise GeofenceError(
                f"fence {self.fence_id!r}: dwell limit must be a positive number of seconds "
                f"or None, got {limit}"
            )
        try:
            object.__setattr__(self, "kind", FenceKind(self.kind))
        except ValueError as exc:
            known = ", ".join(k.value for k in FenceKind)
            raise GeofenceError(f"unknown fence kind {self.kind!r} (known: {known})") from exc

    @property
    def case_crossing(self) -> GeofenceCrossing | None:
        """The crossing that opens a case: dwell if there is a dwell limit, else entry."""
        if not self.opens_case:
            return None
        return GeofenceCrossing.ENTRY if self.dwell_limit_s is None else GeofenceCrossing.DWELL

    @property
    def class_codes(self) -> frozenset[int]:
        """Integer codes of the watched classes (as in the engine's input)."""
        return frozenset(TRACK_CLASS_CODES[name] for name in self.classes)
