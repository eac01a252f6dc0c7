"""Alarm-flood protection in one place: the settings, the shelves and the operator's rate meter.

The incident intake consults it for every alarm (is its source shelved? does it
fold into an open case?); the Qt layer shows its rate meter and shelves.
"""

from __future__ import annotations

from console.core.alarms import store
from console.core.alarms.config import AlarmFloodConfig
from console.core.alarms.rate import HISTORY_S, AlarmRateMeter, RateTargets
from console.core.alarms.shelving import ShelfBook
from console.core.bus import EventBus
from console.core.clock import Clock
from console.core.storage.engine import Database


class AlarmFlood:
    """Settings, shelves and rate meter of one console (see :meth:`build`)."""

    def __init__(self, config: AlarmFloodConfig, shelves: ShelfBook, meter: AlarmRateMeter) -> None:
        self.config = config
        self.shelves = shelves
        self.meter = meter

    @classmethod
    def build(
        cls, db: Database, clock: Clock, bus: EventBus, config: AlarmFloodConfig | None = None
    ) -> AlarmFlood:
        """Shelves on ``db``, a rate meter seeded with the last hour and fed from ``bus``."""
        config = config or AlarmFloodConfig()
        shelves = ShelfBook(db, clock, config.max_shelf_s)
        meter = AlarmRateMeter(
            clock, RateTargets(config.steady_per_10_min, config.flood_per_10_min)
        )
        with db.engine.connect() as connection:
            presented, repeats = store.alarm_times_since(connection, clock.now() - HISTORY_S)
        meter.load(presented, repeats)
        meter.attach(bus)
        return cls(config, shelves, meter)

    def is_logged(self, topic: str, alarm_id: str) -> bool:
        """Whether alarm ``alarm_id`` of ``topic`` was already kept without a case."""
        with self.shelves.db.engine.connect() as connection:
            return store.is_logged(connection, topic, alarm_id)

    def close(self) -> None:
        """Stop the rate meter's subscription."""
        self.meter.close()
