"""Alarm-flood protection (EEMUA 191): folding repeats, shelving noisy sources, the alarm rate.

Nothing here imports the case package: the case service and the intake use this
package, not the other way round.
"""

from __future__ import annotations

from console.core.alarms.config import (
    AlarmFloodConfig,
    AlarmFloodConfigError,
    load_alarm_flood_config,
)
from console.core.alarms.flood import AlarmFlood
from console.core.alarms.keys import describe_source_key, source_key_from_fields, source_key_of
from console.core.alarms.rate import (
    REPEAT_ACTION,
    AlarmRateMeter,
    RateReading,
    RateSlice,
    RateState,
    RateTargets,
)
from console.core.alarms.shelving import ShelfBook, ShelvingError
from console.core.alarms.store import Disposition, LoggedAlarm, Shelf, ShelfEvent

__all__ = [
    "REPEAT_ACTION",
    "AlarmFlood",
    "AlarmFloodConfig",
    "AlarmFloodConfigError",
    "AlarmRateMeter",
    "Disposition",
    "LoggedAlarm",
    "RateReading",
    "RateSlice",
    "RateState",
    "RateTargets",
    "Shelf",
    "ShelfBook",
    "ShelfEvent",
    "ShelvingError",
    "describe_source_key",
    "load_alarm_flood_config",
    "source_key_from_fields",
    "source_key_of",
]
