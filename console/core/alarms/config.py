"""The alarm-flood settings of a city (``alarm_flood.json``; defaults when the file is absent).

The file (version 1)::

    {
      "version": 1,
      "fold_window_min": 30,
      "steady_per_10_min": 1,
      "flood_per_10_min": 10,
      "max_shelf_min": 720,
      "shelf_choices_min": [15, 60, 240, 480]
    }

The targets follow EEMUA 191: about one alarm per 10 minutes per operator is a
steady, manageable rate; 10 or more in 10 minutes is a flood.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FILE_NAME = "alarm_flood.json"
SUPPORTED_VERSION = 1
_KEYS = {
    "version",
    "_comment",
    "fold_window_min",
    "steady_per_10_min",
    "flood_per_10_min",
    "max_shelf_min",
    "shelf_choices_min",
}


class AlarmFloodConfigError(ValueError):
    """The alarm-flood file is malformed; the message says where and why."""


@dataclass(frozen=True, slots=True)
class AlarmFloodConfig:
    """How repeats fold, what rates are steady or a flood, and how long a shelf may last."""

    fold_window_s: float = 30 * 60.0
    """A repeat folds into an open case of its source opened at most this long before it."""
    steady_per_10_min: int = 1
    """At most this many alarms in 10 minutes is a steady rate (green)."""
    flood_per_10_min: int = 10
    """This many alarms in 10 minutes or more is a flood (red)."""
    max_shelf_s: float = 12 * 3600.0
    """The longest time a source may be shelved."""
    shelf_choices_s: tuple[float, ...] = (15 * 60.0, 3600.0, 4 * 3600.0, 8 * 3600.0)
    """The shelving durations offered (a custom one may be typed, up to the maximum)."""

    def __post_init__(self) -> None:
        if self.fold_window_s <= 0:
            raise AlarmFloodConfigError("the fold window must be positive")
        if not 0 <= self.steady_per_10_min < self.flood_per_10_min:
            raise AlarmFloodConfigError("the steady rate must be below the flood rate")
        if self.max_shelf_s <= 0:
            raise AlarmFloodConfigError("the longest shelf time must be positive")
        if any(not 0 < choice <= self.max_shelf_s for choice in self.shelf_choices_s):
            raise AlarmFloodConfigError("every shelf choice must lie within the longest shelf time")


def load_alarm_flood_config(city_path: Path) -> AlarmFloodConfig:
    """The settings in ``city_path/alarm_flood.json``; the defaults when there is none."""
    source = city_path / FILE_NAME
    if not source.exists():
        return AlarmFloodConfig()
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise AlarmFloodConfigError(f"{source}: cannot read: {exc}") from exc
    return parse_alarm_flood_config(data, str(source))


def parse_alarm_flood_config(data: Any, where: str = FILE_NAME) -> AlarmFloodConfig:
    """Check decoded JSON and build the settings; raises :class:`AlarmFloodConfigError`."""
    if not isinstance(data, dict):
        raise AlarmFloodConfigError(f"{where}: the top level must be an object")
    if data.get("version") != SUPPORTED_VERSION:
        raise AlarmFloodConfigError(f"{where}: version {data.get('version')!r} not supported")
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise AlarmFloodConfigError(f"{where}: unknown key(s) {', '.join(unknown)}")
    defaults = AlarmFloodConfig()
    choices = data.get("shelf_choices_min", [s / 60.0 for s in defaults.shelf_choices_s])
    if not isinstance(choices, list) or not choices:
        raise AlarmFloodConfigError(f"{where}: shelf_choices_min must be a non-empty list")
    try:
        return AlarmFloodConfig(
            fold_window_s=_number(data, "fold_window_min", defaults.fold_window_s / 60) * 60,
            steady_per_10_min=int(_number(data, "steady_per_10_min", defaults.steady_per_10_min)),
            flood_per_10_min=int(_number(data, "flood_per_10_min", defaults.flood_per_10_min)),
            max_shelf_s=_number(data, "max_shelf_min", defaults.max_shelf_s / 60) * 60,
            shelf_choices_s=tuple(_minutes(value, where) * 60 for value in choices),
        )
    except AlarmFloodConfigError as exc:
        raise AlarmFloodConfigError(f"{where}: {exc}") from None


def _number(data: dict[str, Any], key: str, default: float) -> float:
    return _minutes(data.get(key, default), key)


def _minutes(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AlarmFloodConfigError(f"{where}: expected a number, got {value!r}")
    return float(value)
