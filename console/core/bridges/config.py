"""How each monitored bridge is instrumented and when its readings warn.

Read from ``bridge_monitoring.json`` in the city's folder. Each bridge has its
spans, its navigation channel and its sensors; a sensor is one channel of
:class:`console.core.events.BridgeChannels` (its ``sensor_id`` is the channel id).
A sensor may carry:

- ``thresholds``: the value at which each warning level starts (level 3 mild,
  level 2 serious, level 1 severe), on the reading's magnitude when ``absolute``;
- ``rate``: a change of more than ``limit`` within ``window_s`` seconds warns at
  ``level`` (a sudden change matters even below the thresholds);
- ``temperature``: the reading is corrected to the reference temperature before
  its thresholds are applied (deflection follows the deck's temperature:
  ``corrected = raw - per_degree * (temperature - reference_c)``).

Every definition is checked when loaded; a bad one raises :class:`BridgeConfigError`
naming the bridge, the sensor and what is wrong.
"""

from __future__ import annotations

import enum
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from console.core.events import WarningLevel

FORMAT_VERSION = 1
FILE_NAME = "bridge_monitoring.json"


class BridgeConfigError(ValueError):
    """A bridge monitoring definition that cannot be used, with the reason."""


class SensorKind(enum.StrEnum):
    """What a sensor measures."""

    VEHICLE_COUNTER = "vehicle_counter"
    """Vehicles crossing per minute in one direction."""
    WEIGH_IN_MOTION = "weigh_in_motion"
    """Heaviest gross weight weighed in the last sample period (t); records go as AxleWeighing."""
    STRAIN = "strain"
    DEFLECTION = "deflection"
    ACCELERATION = "acceleration"
    TEMPERATURE = "temperature"
    WATER_LEVEL = "water_level"
    VESSEL_TRACKING = "vessel_tracking"
    """Vessels inside the tracking zone (AIS and radar); positions go as VesselPosition."""


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Where each warning level starts; a level may be left out (None)."""

    mild: float | None = None
    serious: float | None = None
    severe: float | None = None
    absolute: bool = False
    """Apply to the magnitude (deflection up or down, acceleration either way)."""

    def level_of(self, value: float) -> WarningLevel | None:
        """The warning level of ``value`` (None: below every threshold, or not a number)."""
        if math.isnan(value):
            return None
        v = abs(value) if self.absolute else value
        for level, start in (
            (WarningLevel.SEVERE, self.severe),
            (WarningLevel.SERIOUS, self.serious),
            (WarningLevel.MILD, self.mild),
        ):
            if start is not None and v >= start:
                return level
        return None

    def start_of(self, level: WarningLevel) -> float | None:
        """Where ``level`` starts."""
        return {
            WarningLevel.MILD: self.mild,
            WarningLevel.SERIOUS: self.serious,
            WarningLevel.SEVERE: self.severe,
        }[level]


@dataclass(frozen=True, slots=True)
class RateRule:
    """A change of more than ``limit`` (sensor units) within ``window_s`` warns at ``level``."""

    limit: float
    window_s: float
    level: WarningLevel


@dataclass(frozen=True, slots=True)
class TemperatureCorrection:
    """Correct a reading to ``reference_c`` using the temperature sensor ``sensor_id``."""

    sensor_id: str
    reference_c: float
    per_degree: float

    def correct(self, value: float, temperature_c: float) -> float:
        """The reading as it would be at the reference temperature."""
        if math.isnan(temperature_c):
            return value
        return value - self.per_degree * (temperature_c - self.reference_c)


@dataclass(frozen=True, slots=True)
class Sensor:
    """One instrumented channel of a bridge."""

    sensor_id: str
    kind: SensorKind
    label: str
    unit: str
    span: int
    """Index into the bridge's spans (0 = first from the south/west bank)."""
    position: float
    """Where along that span, 0 to 1."""
    direction: str = ""
    """``up``, ``down`` or empty (both / not directional)."""
    thresholds: Thresholds | None = None
    rate: RateRule | None = None
    temperature: TemperatureCorrection | None = None


@dataclass(frozen=True, slots=True)
class Span:
    """One span of a bridge."""

    name: str
    length_m: float


@dataclass(frozen=True, slots=True)
class Channel:
    """The navigation channel under a bridge: where vessels are expected to pass."""

    lon: float
    lat: float
    """Centre of the channel where it passes under the bridge."""
    bearing_deg: float
    """Direction of the channel's axis (degrees clockwise from north)."""
    width_m: float


@dataclass(frozen=True, slots=True)
class BridgeInstruments:
    """One bridge's structure, channel and sensors."""

    bridge_id: str
    deck_bearing_deg: float
    """Direction of the deck's axis, from the south bank (degrees clockwise from north)."""
    spans: tuple[Span, ...]
    lanes_per_direction: int
    legal_gross_t: float
    """The heaviest legal gross weight on the deck; heavier trucks are overloaded."""
    channel: Channel
    sensors: tuple[Sensor, ...]

    @property
    def length_m(self) -> float:
        """The bridge's total length."""
        return sum(s.length_m for s in self.spans)

    def sensor(self, sensor_id: str) -> Sensor:
        """The sensor ``sensor_id`` (KeyError naming the bridge if unknown)."""
        for sensor in self.sensors:
            if sensor.sensor_id == sensor_id:
                return sensor
        raise KeyError(f"bridge {self.bridge_id} has no sensor {sensor_id!r}")

    def of_kind(self, kind: SensorKind) -> tuple[Sensor, ...]:
        """The sensors of one kind."""
        return tuple(s for s in self.sensors if s.kind is kind)


@dataclass(frozen=True, slots=True)
class DeckAccidentRule:
    """A sudden stop of deck traffic: the flow in a direction falls below ``drop_to`` of
    its mean over the previous ``baseline_s`` seconds, for ``hold_s`` seconds, while that
    mean was at least ``min_flow_per_min``."""

    drop_to: float = 0.2
    baseline_s: float = 600.0
    hold_s: float = 120.0
    min_flow_per_min: float = 8.0


@dataclass(frozen=True, slots=True)
class BridgeMonitoring:
    """Every monitored bridge's instruments, and the rules shared by all bridges."""

    bridges: Mapping[str, BridgeInstruments]
    tracking_radius_m: float = 2000.0
    alarm_radius_m: float = 500.0
    deck_accident: DeckAccidentRule = DeckAccidentRule()
    sample_interval_s: float = 1.0
    """How often every channel is sampled."""

    def bridge(self, bridge_id: str) -> BridgeInstruments:
        """The instruments of ``bridge_id`` (KeyError if it is not monitored)."""
        try:
            return self.bridges[bridge_id]
        except KeyError:
            raise KeyError(f"bridge {bridge_id!r} is not monitored") from None


# ---- Loading


def load_bridge_monitoring(directory: Path, bridge_ids: Sequence[str]) -> BridgeMonitoring:
    """The city's bridge monitoring (``bridge_monitoring.json``); every bridge must be known."""
    path = directory / FILE_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return BridgeMonitoring({})
    except ValueError as exc:
        raise BridgeConfigError(f"{path}: not valid JSON ({exc})") from exc
    return parse_bridge_monitoring(data, bridge_ids, str(path))


def parse_bridge_monitoring(
    data: Any, bridge_ids: Sequence[str], where: str = FILE_NAME
) -> BridgeMonitoring:
    """Build and check the monitoring from its JSON form."""
    if not isinstance(data, dict) or data.get("format_version") != FORMAT_VERSION:
        raise BridgeConfigError(f"{where}: expected an object with format_version {FORMAT_VERSION}")
    bridges: dict[str, BridgeInstruments] = {}
    for item in _list(data, "bridges", where):
        bridge = _bridge(item, where)
        if bridge.bridge_id not in bridge_ids:
            raise BridgeConfigError(f"{where}: bridge {bridge.bridge_id!r} is not a city bridge")
        if bridge.bridge_id in bridges:
            raise BridgeConfigError(f"{where}: bridge {bridge.bridge_id!r} is listed twice")
        bridges[bridge.bridge_id] = bridge
    zones = data.get("zones", {})
    tracking = _number(zones, "tracking_radius_m", where, 2000.0)
    alarm = _number(zones, "alarm_radius_m", where, 500.0)
    if not 0 < alarm < tracking:
        raise BridgeConfigError(f"{where}: the alarm zone must lie inside the tracking zone")
    rule = data.get("deck_accident", {})
    accident = DeckAccidentRule(
        drop_to=_number(rule, "drop_to", where, 0.2),
        baseline_s=_number(rule, "baseline_s", where, 600.0),
        hold_s=_number(rule, "hold_s", where, 120.0),
        min_flow_per_min=_number(rule, "min_flow_per_min", where, 8.0),
    )
    interval = _number(data, "sample_interval_s", where, 1.0)
    return BridgeMonitoring(bridges, tracking, alarm, accident, interval)


def _bridge(item: Any, where: str) -> BridgeInstruments:
    if not isinstance(item, dict) or not isinstance(item.get("bridge_id"), str):
        raise BridgeConfigError(f"{where}: every bridge needs a bridge_id")
    bridge_id = item["bridge_id"]
    here = f"{where}: bridge {bridge_id}"
    spans = tuple(
        Span(str(s.get("name", f"span {i + 1}")), _number(s, "length_m", here))
        for i, s in enumerate(_list(item, "spans", here))
    )
    if not spans or any(s.length_m <= 0 for s in spans):
        raise BridgeConfigError(f"{here}: needs spans with positive lengths")
    ch = item.get("channel")
    if not isinstance(ch, dict):
        raise BridgeConfigError(f"{here}: needs a navigation channel")
    channel = Channel(
        _number(ch, "lon", here),
        _number(ch, "lat", here),
        _number(ch, "bearing_deg", here),
        _number(ch, "width_m", here),
    )
    sensors = tuple(_sensor(s, here, len(spans)) for s in _list(item, "sensors", here))
    ids = [s.sensor_id for s in sensors]
    if len(set(ids)) != len(ids):
        raise BridgeConfigError(f"{here}: sensor ids must be unique")
    for sensor in sensors:
        fix = sensor.temperature
        if fix is not None and (
            fix.sensor_id not in ids
            or next(s for s in sensors if s.sensor_id == fix.sensor_id).kind
            is not SensorKind.TEMPERATURE
        ):
            raise BridgeConfigError(
                f"{here}: sensor {sensor.sensor_id} corrects by {fix.sensor_id!r}, "
                "which is not a temperature sensor of this bridge"
            )
    return BridgeInstruments(
        bridge_id=bridge_id,
        deck_bearing_deg=_number(item, "deck_bearing_deg", here),
        spans=spans,
        lanes_per_direction=int(_number(item, "lanes_per_direction", here, 2)),
        legal_gross_t=_number(item, "legal_gross_t", here, 49.0),
        channel=channel,
        sensors=sensors,
    )


def _sensor(item: Any, where: str, span_count: int) -> Sensor:
    if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
        raise BridgeConfigError(f"{where}: every sensor needs an id")
    here = f"{where} sensor {item['id']}"
    try:
        kind = SensorKind(str(item.get("kind")))
    except ValueError:
        known = ", ".join(k.value for k in SensorKind)
        raise BridgeConfigError(f"{here}: unknown kind {item.get('kind')!r} ({known})") from None
    span = int(_number(item, "span", here, 0))
    if not 0 <= span < span_count:
        raise BridgeConfigError(f"{here}: span {span} does not exist")
    position = _number(item, "position", here, 0.5)
    if not 0.0 <= position <= 1.0:
        raise BridgeConfigError(f"{here}: position must be between 0 and 1")
    direction = str(item.get("direction", ""))
    if direction not in ("", "up", "down"):
        raise BridgeConfigError(f"{here}: direction must be up, down or empty")
    return Sensor(
        sensor_id=item["id"],
        kind=kind,
        label=str(item.get("label", item["id"])),
        unit=str(item.get("unit", "")),
        span=span,
        position=position,
        direction=direction,
        thresholds=_thresholds(item.get("thresholds"), here),
        rate=_rate(item.get("rate"), here),
        temperature=_temperature(item.get("temperature"), here),
    )


def _thresholds(item: Any, where: str) -> Thresholds | None:
    if item is None:
        return None
    if not isinstance(item, dict):
        raise BridgeConfigError(f"{where}: thresholds must be an object")
    levels = {k: item.get(k) for k in ("level_3", "level_2", "level_1")}
    for key, value in levels.items():
        if value is not None and not _finite(value):
            raise BridgeConfigError(f"{where}: threshold {key} must be a number")
    given = [float(v) for v in levels.values() if v is not None]
    if not given:
        raise BridgeConfigError(f"{where}: thresholds need at least one level")
    if given != sorted(given):
        raise BridgeConfigError(f"{where}: level 3 < level 2 < level 1 (mild to severe)")
    return Thresholds(
        mild=_maybe(levels["level_3"]),
        serious=_maybe(levels["level_2"]),
        severe=_maybe(levels["level_1"]),
        absolute=bool(item.get("absolute", False)),
    )


def _rate(item: Any, where: str) -> RateRule | None:
    if item is None:
        return None
    limit = _number(item, "limit", where)
    window = _number(item, "window_s", where)
    if limit <= 0 or window <= 0:
        raise BridgeConfigError(f"{where}: a rate rule needs a positive limit and window")
    try:
        level = WarningLevel(int(_number(item, "level", where)))
    except ValueError:
        raise BridgeConfigError(f"{where}: a rate rule's level is 1, 2 or 3") from None
    return RateRule(limit, window, level)


def _temperature(item: Any, where: str) -> TemperatureCorrection | None:
    if item is None:
        return None
    if not isinstance(item, dict) or not isinstance(item.get("sensor"), str):
        raise BridgeConfigError(f"{where}: temperature correction needs a sensor")
    return TemperatureCorrection(
        item["sensor"], _number(item, "reference_c", where), _number(item, "per_degree", where)
    )


def _list(item: Any, key: str, where: str) -> list[Any]:
    value = item.get(key) if isinstance(item, dict) else None
    if not isinstance(value, list):
        raise BridgeConfigError(f"{where}: {key} must be a list")
    return value


def _number(item: Any, key: str, where: str, default: float | None = None) -> float:
    value = item.get(key, default) if isinstance(item, dict) else default
    if value is None or not _finite(value):
        raise BridgeConfigError(f"{where}: {key} must be a finite number, got {value!r}")
    return float(value)


def _finite(value: Any) -> bool:
    return type(value) in (int, float) and math.isfinite(value)


def _maybe(value: Any) -> float | None:
    return None if value is None else float(value)
