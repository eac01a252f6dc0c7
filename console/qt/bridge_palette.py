"""Colours and wording shared by the bridge pane's drawings and tables.

Warning colours follow the control-room theme (console/qt/theme.py): quiet when
normal, amber, orange and red as the level worsens (level 3 mild .. level 1
severe), grey for a sensor that does not answer.
"""

from __future__ import annotations

import math

from PySide6.QtGui import QColor

from console.core.bridges.config import Sensor, SensorKind, Thresholds

NORMAL = "#5f8a74"
"""A sensor in range: a muted green-grey that does not pull the eye."""
LEVEL_COLOURS = {0: NORMAL, 3: "#e3b341", 2: "#f0883e", 1: "#f85149"}
"""Fill colour per warning level (0 normal, 3 mild, 2 serious, 1 severe)."""
SILENT = "#6e7781"
"""A sensor that gave no number in the latest sample."""
NO_DATA = "#3b4552"
"""Nothing heard yet."""
LEVEL_NAMES = {0: "normal", 3: "mild", 2: "serious", 1: "severe"}
TEXT = "#d0d7de"
DIM = "#8b95a3"
PANEL = "#131a22"
BORDER = "#1f2a37"
WATER = "#0f2436"
CHANNEL = "#1b3a5a"
DECK = "#9aa4b2"
VESSEL = "#7dd3fc"
"""A vessel on its channel."""
OFF_CHANNEL = "#e3b341"
"""A vessel off the channel, outside the alarm zone."""
ALARMING = "#f85149"
"""A vessel off the channel inside the alarm zone."""

COMPASS = ("north", "east", "south", "west")
COUNTS = (SensorKind.VEHICLE_COUNTER, SensorKind.VESSEL_TRACKING)
"""Sensors that count, shown without decimals."""


def level_colour(level: int) -> QColor:
    """The colour of a warning level (0 normal)."""
    return QColor(LEVEL_COLOURS.get(level, LEVEL_COLOURS[1]))


def level_text(level: int) -> str:
    """``normal`` or ``L2 serious``."""
    if not level:
        return "normal"
    return f"L{level} {LEVEL_NAMES.get(level, '')}".strip()


def format_number(value: float) -> str:
    """A reading with as many decimals as its size needs (``—`` for no number)."""
    if math.isnan(value):
        return "—"
    size = abs(value)
    if size >= 100:
        return f"{value:.0f}"
    if size >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def format_reading(value: float, unit: str) -> str:
    """``52.0 mm``; ``no answer`` for NaN."""
    if math.isnan(value):
        return "no answer"
    return f"{format_number(value)} {unit}".strip()


def format_sensor_reading(value: float, sensor: Sensor) -> str:
    """A reading in ``sensor``'s unit; counts (vehicles, vessels) as whole numbers."""
    if sensor.kind in COUNTS and not math.isnan(value):
        return f"{value:.0f} {sensor.unit}".strip()
    return format_reading(value, sensor.unit)


def describe_thresholds(thresholds: Thresholds | None, unit: str) -> str:
    """``L3 ≥ 40 · L2 ≥ 60 · L1 ≥ 80 mm (either way)``; empty without thresholds."""
    if thresholds is None:
        return ""
    parts = [
        f"L{level} ≥ {start:g}"
        for level, start in ((3, thresholds.mild), (2, thresholds.serious), (1, thresholds.severe))
        if start is not None
    ]
    text = " · ".join(parts) + (f" {unit}" if unit else "")
    return text + (" (either way)" if thresholds.absolute else "")


def direction_name(bearing_deg: float) -> str:
    """``northbound`` for a bearing near north (four points of the compass)."""
    return COMPASS[int(((bearing_deg % 360.0) + 45.0) // 90.0) % 4] + "bound"


def bank_letter(bearing_deg: float) -> str:
    """``N`` for the bank lying towards ``bearing_deg``."""
    return direction_name(bearing_deg)[0].upper()


def kind_name(sensor: Sensor) -> str:
    """A short word for the sensor's kind (``deflection``, ``vibration``, ``WIM``)."""
    return {
        SensorKind.VEHICLE_COUNTER: "deck traffic",
        SensorKind.WEIGH_IN_MOTION: "WIM",
        SensorKind.ACCELERATION: "vibration",
        SensorKind.WATER_LEVEL: "water level",
        SensorKind.VESSEL_TRACKING: "vessel tracking",
    }.get(sensor.kind, sensor.kind.value)
