"""Read a city's ``patrol_tours.json`` (shifts and camera tours) into a :class:`PatrolBook`.

The file::

    {
      "format_version": 1,
      "note": "...",
      "shifts": [{"id": "day", "name": "白班", "name_en": "Day shift",
                  "start": "08:00", "end": "16:00"}, ...],
      "tours": [{"id": "huaihe_bridges", "name": "...", "name_en": "...",
                 "shifts": ["day", "evening"], "every_min": 60,
                 "steps": [{"camera": "cam-0001", "dwell_s": 25}, ...]}, ...]
    }

Everything is checked before the book is built: a wrong entry raises
:class:`PatrolError` naming the tour (and step) and what is wrong. A city without
the file has one shift around the clock and no tours.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from console.core.patrol.model import (
    PatrolBook,
    PatrolError,
    Shift,
    Tour,
    TourStep,
    parse_clock_time,
)
from console.core.sites.registry import SiteRegistry

TOURS_NAME = "patrol_tours.json"
SUPPORTED_FORMAT = 1
MAX_DWELL_S = 600.0
"""The longest a single camera may be shown in a tour."""

ROUND_THE_CLOCK = Shift("all_day", "全天", "Around the clock", "00:00", "24:00")
"""The only shift of a city that has no patrol file."""

_TOP_FIELDS = {"format_version", "note", "shifts", "tours"}
_SHIFT_FIELDS = {"id", "name", "name_en", "start", "end"}
_TOUR_FIELDS = {"id", "name", "name_en", "shifts", "every_min", "steps"}
_STEP_FIELDS = {"camera", "dwell_s"}


def load_patrol_book(city_dir: Path, sites: SiteRegistry) -> PatrolBook:
    """The shifts and tours in ``city_dir/patrol_tours.json``, checked against ``sites``."""
    path = city_dir / TOURS_NAME
    if not path.exists():
        return PatrolBook((ROUND_THE_CLOCK,), ())
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PatrolError(f"cannot read {path}: {exc}") from exc
    return parse_patrol_book(data, sites, source=str(path))


def parse_patrol_book(data: Any, sites: SiteRegistry, source: str = TOURS_NAME) -> PatrolBook:
    """Check an already-decoded patrol document and build its book."""
    if not isinstance(data, dict):
        raise PatrolError(f"{source}: expected a JSON object")
    _known_fields(data, _TOP_FIELDS, f"{source}: document")
    if data.get("format_version") != SUPPORTED_FORMAT:
        raise PatrolError(
            f"{source}: format_version must be {SUPPORTED_FORMAT}, "
            f"not {data.get('format_version')!r}"
        )
    if not isinstance(data.get("note", ""), str):
        raise PatrolError(f"{source}: note must be a string")
    shifts = tuple(
        _shift(entry, f"{source}: shifts[{i}]")
        for i, entry in enumerate(_listed(data, "shifts", source))
    )
    if not shifts:
        raise PatrolError(f"{source}: shifts must list at least one shift")
    shift_ids = {shift.shift_id for shift in shifts}
    tours = tuple(
        _tour(entry, f"{source}: tours[{i}]", sites, shift_ids)
        for i, entry in enumerate(_listed(data, "tours", source))
    )
    try:
        return PatrolBook(shifts, tours)
    except PatrolError as exc:
        raise PatrolError(f"{source}: {exc}") from None


def _shift(entry: Any, where: str) -> Shift:
    if not isinstance(entry, dict):
        raise PatrolError(f"{where}: expected a JSON object")
    shift_id = _text(entry, "id", where)
    where = f"{where} (shift {shift_id})"
    _known_fields(entry, _SHIFT_FIELDS, where)
    start = _text(entry, "start", where)
    end = _text(entry, "end", where)
    try:
        parse_clock_time(start)
        parse_clock_time(end, allow_24=True)
    except PatrolError as exc:
        raise PatrolError(f"{where}: {exc}") from None
    return Shift(shift_id, _text(entry, "name", where), _text(entry, "name_en", where), start, end)


def _tour(entry: Any, where: str, sites: SiteRegistry, shift_ids: set[str]) -> Tour:
    if not isinstance(entry, dict):
        raise PatrolError(f"{where}: expected a JSON object")
    tour_id = _text(entry, "id", where)
    where = f"{where} (tour {tour_id})"
    _known_fields(entry, _TOUR_FIELDS, where)
    name = _text(entry, "name", where)
    name_en = _text(entry, "name_en", where)
    shifts = entry.get("shifts")
    if not isinstance(shifts, list) or not shifts or not all(isinstance(s, str) for s in shifts):
        raise PatrolError(f"{where}: shifts must be a non-empty list of shift ids")
    unknown = [s for s in shifts if s not in shift_ids]
    if unknown:
        raise PatrolError(f"{where}: unknown shift(s) {unknown} (known: {sorted(shift_ids)})")
    every_min = entry.get("every_min")
    if isinstance(every_min, bool) or not isinstance(every_min, int) or not 1 <= every_min <= 1440:
        raise PatrolError(f"{where}: every_min must be a whole number 1..1440, got {every_min!r}")
    raw_steps = entry.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise PatrolError(f"{where}: the tour has no steps")
    steps = tuple(_step(raw, f"{where}: steps[{i}]", sites) for i, raw in enumerate(raw_steps))
    tour = Tour(tour_id, name, name_en, steps, tuple(shifts), every_min)
    if tour.duration_s > every_min * 60:
        raise PatrolError(
            f"{where}: one run lasts {tour.duration_s:.0f} s, longer than its period "
            f"of {every_min} min"
        )
    return tour


def _step(entry: Any, where: str, sites: SiteRegistry) -> TourStep:
    if not isinstance(entry, dict):
        raise PatrolError(f"{where}: expected a JSON object")
    _known_fields(entry, _STEP_FIELDS, where)
    camera_id = _text(entry, "camera", where)
    try:
        sites.camera(camera_id)
    except KeyError:
        raise PatrolError(f"{where}: unknown camera id {camera_id!r}") from None
    dwell = entry.get("dwell_s")
    if isinstance(dwell, bool) or not isinstance(dwell, int | float) or not math.isfinite(dwell):
        raise PatrolError(f"{where} ({camera_id}): dwell_s must be a number, got {dwell!r}")
    if not 0 < dwell <= MAX_DWELL_S:
        raise PatrolError(
            f"{where} ({camera_id}): dwell_s must lie in (0, {MAX_DWELL_S:.0f}] s, got {dwell}"
        )
    return TourStep(camera_id, float(dwell))


def _listed(data: Mapping[str, Any], key: str, source: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise PatrolError(f"{source}: {key} must be a list")
    return value


def _known_fields(entry: Mapping[str, Any], fields: set[str], where: str) -> None:
    unknown = sorted(set(entry) - fields)
    if unknown:
        raise PatrolError(f"{where}: unknown fields {unknown}")


def _text(entry: Mapping[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise PatrolError(f"{where}: {key} must be a non-empty string")
    return value
