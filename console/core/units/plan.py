"""The city's unit plan (``units.json``) expanded into its field units, deterministically.

The plan says, per kind of unit, the level it is based at, how many per division
of that level (or per bridge), its speed, shift and name templates; the loader
turns it into one :class:`ResponseUnit` per unit. Home positions are points
inside the home division: the representative point for the first unit, then a
fixed low-discrepancy sequence over the division's bounding box (kept only
where it falls inside), so the same plan always yields the same units.
"""

from __future__ import annotations

import functools
import json
import math
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from console.core.city.city import City
from console.core.city.model import Division, Level
from console.core.units.model import ResponseUnit, UnitKind

FILE_NAME = "units.json"
SUPPORTED_VERSION = 1
BRIDGE_OFFSET_DEG = 0.004
"""How far (degrees, about 400 m) bridge crews are based from their bridge, one per side."""

_LEVELS = {level.name.lower(): level for level in Level}
_TOP_KEYS = {"format_version", "_comment", "kinds", "postings"}
_KIND_KEYS = {"id_prefix", "speed_kmh", "shift", "name_zh", "name_en", "_comment"}
_POSTING_KEYS = {
    "kind",
    "level",
    "per_division",
    "per_bridge",
    "bases",
    "name_zh",
    "name_en",
    "_comment",
}
_DIVISION_FIELDS = {"division", "division_en", "parent", "parent_en", "code", "n"}
_BRIDGE_FIELDS = _DIVISION_FIELDS | {"bridge", "bridge_en", "bridge_id"}


class UnitPlanError(ValueError):
    """The unit plan file is missing something or contradicts the city."""


@dataclass(frozen=True, slots=True)
class ShiftHours:
    """Daily on-duty hours in local time, as minutes after midnight; ``start == end`` is 24 h.

    ``end`` before ``start`` is a shift across midnight (e.g. 20:00-08:00).
    """

    start_minute: int = 0
    end_minute: int = 0

    @property
    def always(self) -> bool:
        """Whether the unit is on duty around the clock."""
        return self.start_minute == self.end_minute

    def covers(self, minute_of_day: int) -> bool:
        """Whether local time ``minute_of_day`` (0..1439) is inside the shift."""
        if self.always:
            return True
        if self.start_minute < self.end_minute:
            return self.start_minute <= minute_of_day < self.end_minute
        return minute_of_day >= self.start_minute or minute_of_day < self.end_minute

    @property
    def label(self) -> str:
        """The shift as written in the plan: ``24h`` or ``HH:MM-HH:MM``."""
        if self.always:
            return "24h"
        return f"{_hhmm(self.start_minute)}-{_hhmm(self.end_minute)}"


ALWAYS_ON = ShiftHours()
"""The shift of a kind the plan gives no hours for."""


@dataclass(frozen=True, slots=True)
class UnitPlan:
    """The expanded plan: every field unit, and each kind's daily shift."""

    units: tuple[ResponseUnit, ...]
    shifts: Mapping[UnitKind, ShiftHours] = field(default_factory=dict)

    def shift_hours(self, kind: UnitKind) -> ShiftHours:
        """The on-duty hours of units of ``kind`` (around the clock if the plan says none)."""
        return self.shifts.get(kind, ALWAYS_ON)

    def count_by_kind(self) -> dict[UnitKind, int]:
        """How many units of each kind the plan makes."""
        counts: dict[UnitKind, int] = {}
        for unit in self.units:
            counts[unit.kind] = counts.get(unit.kind, 0) + 1
        return counts


@dataclass(frozen=True, slots=True)
class _KindSpec:
    kind: UnitKind
    id_prefix: str
    speed_kmh: float
    shift: ShiftHours
    name_zh: str
    name_en: str


def load_units(city: City, directory: Path) -> list[ResponseUnit]:
    """Every field unit of the plan in ``directory/units.json`` for ``city``."""
    return list(load_unit_plan(city, directory).units)


def load_unit_plan(city: City, directory: Path) -> UnitPlan:
    """Read, check and expand ``directory/units.json``; :class:`UnitPlanError` if it is wrong."""
    path = directory / FILE_NAME
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UnitPlanError(f"{path}: no unit plan file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UnitPlanError(f"{path}: not valid JSON ({exc})") from None
    return expand_plan(city, raw, str(path))


def expand_plan(city: City, raw: Any, source: str = FILE_NAME) -> UnitPlan:
    """Expand an already-parsed plan document; ``source`` names it in errors."""
    _check_keys(raw, _TOP_KEYS, source, "the plan")
    version = raw.get("format_version")
    if version != SUPPORTED_VERSION:
        raise UnitPlanError(
            f"{source}: format_version is {version!r}; this console reads {SUPPORTED_VERSION}"
        )
    kinds = _read_kinds(raw.get("kinds"), source)
    postings = raw.get("postings")
    if not isinstance(postings, list) or not postings:
        raise UnitPlanError(f"{source}: 'postings' must be a non-empty list")
    units: list[ResponseUnit] = []
    seen: set[str] = set()
    for index, posting in enumerate(postings):
        where = f"postings[{index}]"
        for unit in _expand_posting(city, kinds, posting, source, where):
            if unit.unit_id in seen:
                raise UnitPlanError(f"{source}: {where} makes unit id {unit.unit_id!r} twice")
            seen.add(unit.unit_id)
            units.append(unit)
    shifts = {spec.kind: spec.shift for spec in kinds.values()}
    return UnitPlan(units=tuple(units), shifts=shifts)


# ---- Reading the parts


def _check_keys(value: Any, allowed: set[str], source: str, where: str) -> None:
    if not isinstance(value, dict):
        raise UnitPlanError(f"{source}: {where} must be an object")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise UnitPlanError(f"{source}: {where} has unknown key(s) {', '.join(unknown)}")


def _read_kinds(raw: Any, source: str) -> dict[UnitKind, _KindSpec]:
    if not isinstance(raw, dict) or not raw:
        raise UnitPlanError(f"{source}: 'kinds' must be a non-empty object")
    kinds: dict[UnitKind, _KindSpec] = {}
    prefixes: dict[str, str] = {}
    for name, body in raw.items():
        where = f"kinds.{name}"
        try:
            kind = UnitKind(name)
        except ValueError:
            known = ", ".join(k.value for k in UnitKind if k is not UnitKind.COMMAND_OFFICE)
            raise UnitPlanError(f"{source}: {where}: unknown kind (known: {known})") from None
        if kind is UnitKind.COMMAND_OFFICE:
            raise UnitPlanError(f"{source}: {where}: command offices are made by the registry")
        _check_keys(body, _KIND_KEYS, source, where)
        prefix = _text(body, "id_prefix", source, where)
        if not prefix.isalnum() or not prefix.isascii():
            raise UnitPlanError(f"{source}: {where}.id_prefix must be ASCII letters/digits")
        if prefix in prefixes:
            raise UnitPlanError(
                f"{source}: {where}.id_prefix {prefix!r} is also used by {prefixes[prefix]}"
            )
        prefixes[prefix] = name
        speed = body.get("speed_kmh")
        if isinstance(speed, bool) or not isinstance(speed, int | float) or not 0 < speed <= 200:
            raise UnitPlanError(f"{source}: {where}.speed_kmh must be a number in (0, 200]")
        kinds[kind] = _KindSpec(
            kind=kind,
            id_prefix=prefix,
            speed_kmh=float(speed),
            shift=_parse_shift(body.get("shift", "24h"), source, f"{where}.shift"),
            name_zh=_text(body, "name_zh", source, where),
            name_en=_text(body, "name_en", source, where),
        )
    return kinds


def _text(body: Mapping[str, Any], key: str, source: str, where: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value.strip():
        raise UnitPlanError(f"{source}: {where}.{key} must be a non-empty string")
    return value


def _parse_shift(value: Any, source: str, where: str) -> ShiftHours:
    if value == "24h":
        return ALWAYS_ON
    parts = value.split("-") if isinstance(value, str) else []
    if len(parts) != 2:
        raise UnitPlanError(f"{source}: {where} must be '24h' or 'HH:MM-HH:MM', not {value!r}")
    start, end = (_minutes(part, source, where) for part in parts)
    if start == end:
        raise UnitPlanError(f"{source}: {where} starts and ends at the same time; write '24h'")
    return ShiftHours(start, end)


def _minutes(text: str, source: str, where: str) -> int:
    hours, _, minutes = text.strip().partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise UnitPlanError(f"{source}: {where}: {text!r} is not HH:MM")
    if int(hours) > 23 or int(minutes) > 59:
        raise UnitPlanError(f"{source}: {where}: {text!r} is not a time of day")
    return int(hours) * 60 + int(minutes)


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _check_template(template: str, fields: set[str], source: str, where: str) -> None:
    sample: dict[str, Any] = {name: "x" for name in fields}
    sample["n"] = 1
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
        template.format_map(sample)
    except (KeyError, ValueError, IndexError) as exc:
        raise UnitPlanError(
            f"{source}: {where}: template {template!r} does not format ({exc!r}); "
            f"it may use {', '.join(sorted(fields))}"
        ) from None
    unknown = names - fields
    if unknown:
        raise UnitPlanError(f"{source}: {where}: template uses unknown {sorted(unknown)}")


# ---- Expanding postings


def _expand_posting(
    city: City, kinds: Mapping[UnitKind, _KindSpec], posting: Any, source: str, where: str
) -> Iterator[ResponseUnit]:
    _check_keys(posting, _POSTING_KEYS, source, where)
    try:
        spec = kinds[UnitKind(posting.get("kind"))]
    except (ValueError, KeyError):
        raise UnitPlanError(
            f"{source}: {where}.kind {posting.get('kind')!r} is not one of 'kinds'"
        ) from None
    level = _LEVELS.get(str(posting.get("level")))
    if level is None:
        raise UnitPlanError(f"{source}: {where}.level must be one of {', '.join(_LEVELS)}")
    name_zh = posting.get("name_zh", spec.name_zh)
    name_en = posting.get("name_en", spec.name_en)
    if "per_bridge" in posting:
        if "per_division" in posting or "bases" in posting:
            raise UnitPlanError(
                f"{source}: {where}: per_bridge cannot be combined with per_division or bases"
            )
        for key, template in (("name_zh", name_zh), ("name_en", name_en)):
            _check_template(template, _BRIDGE_FIELDS, source, f"{where} {key}")
        count = _count(posting, "per_bridge", source, where)
        yield from _bridge_units(city, spec, level, count, name_zh, name_en)
        return
    for key, template in (("name_zh", name_zh), ("name_en", name_en)):
        _check_template(template, _DIVISION_FIELDS, source, f"{where} {key}")
    count = _count(posting, "per_division", source, where)
    bases = _bases(city, posting.get("bases"), count, level, source, where)
    divisions = city.at_level(level)
    if not divisions:
        raise UnitPlanError(f"{source}: {where}: the city has no divisions at level {level.name}")
    if count == 1 and bases is None:
        points = _single_points(city, [d.code for d in divisions])
    for number, division in enumerate(divisions):
        if bases is not None:
            spots = bases
        elif count == 1:
            spots = [points[number]]
        else:
            spots = spread_points(city.geometry(division.code), count)
        for n, (lon, lat) in enumerate(spots, start=1):
            fields = {**_naming(city, division), "n": n}
            yield ResponseUnit(
                unit_id=f"{spec.id_prefix}-{division.code}-{n:02d}",
                name=name_zh.format_map(fields),
                name_en=name_en.format_map(fields),
                kind=spec.kind,
                level=level,
                home_code=division.code,
                lon=lon,
                lat=lat,
                speed_kmh=spec.speed_kmh,
            )


def _naming(city: City, division: Division) -> dict[str, str]:
    """Template fields naming a division and its parent (English falls back to Chinese)."""
    parent = city.divisions.get(division.parent_code or "")
    return {
        "division": division.name,
        "division_en": division.name_en or division.name,
        "parent": parent.name if parent is not None else "",
        "parent_en": (parent.name_en or parent.name) if parent is not None else "",
        "code": division.code,
    }


def _count(posting: Mapping[str, Any], key: str, source: str, where: str) -> int:
    value = posting.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 99:
        raise UnitPlanError(f"{source}: {where}.{key} must be a whole number 1..99")
    return value


def _bases(
    city: City, raw: Any, count: int, level: Level, source: str, where: str
) -> list[tuple[float, float]] | None:
    if raw is None:
        return None
    if level is not Level.CITY:
        raise UnitPlanError(f"{source}: {where}.bases are only for units based at city level")
    if not isinstance(raw, list) or len(raw) != count:
        raise UnitPlanError(f"{source}: {where}.bases must list {count} [lon, lat] points")
    points: list[tuple[float, float]] = []
    for index, item in enumerate(raw):
        ok = isinstance(item, list) and len(item) == 2
        ok = ok and all(isinstance(v, int | float) and not isinstance(v, bool) for v in item)
        if not ok or city.lookup(float(item[0]), float(item[1])) is None:
            raise UnitPlanError(
                f"{source}: {where}.bases[{index}] must be a [lon, lat] point inside the city"
            )
        points.append((float(item[0]), float(item[1])))
    return points


def _bridge_units(
    city: City, spec: _KindSpec, level: Level, count: int, name_zh: str, name_en: str
) -> Iterator[ResponseUnit]:
    home = city.at_level(level)[0] if level is Level.CITY else None
    for bridge in city.bridges:
        division = home
        if division is None:
            path = city.lookup(bridge.lon, bridge.lat)
            if path is None:
                continue
            division = city.division(path.at(level))
        for n in range(1, count + 1):
            lon, lat = _beside(city, bridge.lon, bridge.lat, n)
            fields = {
                **_naming(city, division),
                "n": n,
                "bridge": bridge.name_zh,
                "bridge_en": bridge.name_en,
                "bridge_id": bridge.bridge_id,
            }
            yield ResponseUnit(
                unit_id=f"{spec.id_prefix}-{bridge.bridge_id}-{n:02d}",
                name=name_zh.format_map(fields),
                name_en=name_en.format_map(fields),
                kind=spec.kind,
                level=level,
                home_code=division.code,
                lon=lon,
                lat=lat,
                speed_kmh=spec.speed_kmh,
            )


def _beside(city: City, lon: float, lat: float, n: int) -> tuple[float, float]:
    """A base about 400 m from a bridge end, alternating sides (the bridge if that is outside)."""
    angle = math.pi / 2 + (n - 1) * math.pi * 0.75
    spot = (
        round(lon + BRIDGE_OFFSET_DEG * math.cos(angle), 6),
        round(lat + BRIDGE_OFFSET_DEG * math.sin(angle), 6),
    )
    return spot if city.lookup(*spot) is not None else (lon, lat)


# ---- Points inside divisions


def _single_points(city: City, codes: list[str]) -> list[tuple[float, float]]:
    """One representative point per division, computed in one vectorised call."""
    points = shapely.point_on_surface([city.geometry(code) for code in codes])
    xy = shapely.get_coordinates(points)
    return [(round(float(x), 6), round(float(y), 6)) for x, y in xy]


def spread_points(geometry: shapely.Geometry, count: int) -> list[tuple[float, float]]:
    """``count`` distinct points inside ``geometry``, the same on every call.

    The first is the representative point; the rest are the first points of a
    2-3 Halton sequence over the bounding box that fall inside the area (the
    representative point is repeated only if the area is too thin to hit).
    """
    first = shapely.point_on_surface(geometry)
    out = [(round(float(first.x), 6), round(float(first.y), 6))]
    if count == 1:
        return out
    x0, y0, x1, y1 = geometry.bounds
    candidates = _halton(64 * count)
    xs = x0 + candidates[:, 0] * (x1 - x0)
    ys = y0 + candidates[:, 1] * (y1 - y0)
    inside = shapely.contains_xy(geometry, xs, ys)
    for x, y in zip(xs[inside], ys[inside], strict=True):
        if len(out) == count:
            break
        out.append((round(float(x), 6), round(float(y), 6)))
    while len(out) < count:
        out.append(out[0])
    return out


@functools.cache
def _halton(size: int) -> npt.NDArray[np.float64]:
    """The first ``size`` points of the 2-D Halton sequence (bases 2 and 3), skipping 0.

    Cached and shared: callers must not modify the array.
    """
    out = np.empty((size, 2))
    for column, base in enumerate((2, 3)):
        for row in range(size):
            index, fraction, value = row + 1, 1.0, 0.0
            while index:
                fraction /= base
                value += fraction * (index % base)
                index //= base
            out[row, column] = value
    return out
