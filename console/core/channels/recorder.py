"""Feeds the channel history from the bus: bridge channels, warnings and city figures.

Subscriptions (every one a handle the owner closes):

- :class:`BridgeChannels` (batch: every sample) → ``bridge:<bridge>:<sensor>``;
- :class:`BridgeWarning` (batch) → alarm moments on the sensor's channel;
- :class:`VehicleBatch` (latest per fleet slice) → ``city:moving:<class>`` every 10 s;
- :class:`IncidentChanged` (batch; ``reported`` ones) → ``city:cases:<platform>``;
- :class:`HotlineCall` (batch) → ``city:hotline``; every alarm topic → ``city:alarms``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from console.core.bridges.config import BridgeMonitoring
from console.core.bus import Delivery, EventBus, Subscription
from console.core.channels.catalogue import (
    ALARMS_CHANNEL,
    HOTLINE_CHANNEL,
    bridge_channel_id,
    bridge_channels,
    cases_channel_id,
    moving_channels,
    per_hour_channels,
    unknown_bridge_channel,
)
from console.core.channels.city import HourlyRates, MovingVehicles, PlatformOf, Sample
from console.core.channels.history import AlarmMoment, ChannelHistory
from console.core.events import (
    ALARM_TOPICS,
    BridgeChannels,
    BridgeWarning,
    Event,
    HotlineCall,
    IncidentChanged,
    Platform,
    VehicleBatch,
)
from console.core.incidents.service import IncidentService

log = logging.getLogger(__name__)

MOVING_GROUP = "city:moving"
RATES_GROUP = "city:per_hour"
REPORTED = "reported"
"""The action of :class:`IncidentChanged` when a case is created."""


def bridge_group(bridge_id: str) -> str:
    """The history group of one bridge's channels."""
    return f"bridge:{bridge_id}"


class ChannelRecorder:
    """Keeps a :class:`ChannelHistory` up to date from bus events."""

    def __init__(
        self,
        history: ChannelHistory,
        monitoring: BridgeMonitoring | None = None,
        bridge_names: Mapping[str, str] | None = None,
        platform_of: PlatformOf | None = None,
    ) -> None:
        self.history = history
        self._names = dict(bridge_names or {})
        self._platform_of = platform_of
        self._interval = monitoring.sample_interval_s if monitoring else 1.0
        self._columns: dict[tuple[str, tuple[str, ...]], npt.NDArray[np.intp]] = {}
        self.moving = MovingVehicles()
        rates = per_hour_channels()
        self.rates = HourlyRates([info.channel_id for info in rates])
        if monitoring is not None:
            for bridge_id, infos in bridge_channels(monitoring, self._names).items():
                history.define_group(bridge_group(bridge_id), infos, self._interval)
        history.define_group(MOVING_GROUP, moving_channels(), self.moving.interval_s)
        history.define_group(RATES_GROUP, rates, self.rates.interval_s)

    # ---- Bus

    def subscribe(self, bus: EventBus) -> list[Subscription]:
        """Open the recorder's subscriptions (close them to stop recording)."""
        return [
            bus.subscribe(BridgeChannels, self.on_channels, Delivery.BATCH, name="channels.bridge"),
            bus.subscribe(BridgeWarning, self.on_warnings, Delivery.BATCH, name="channels.warn"),
            bus.subscribe(VehicleBatch, self.on_vehicles, Delivery.LATEST, name="channels.moving"),
            bus.subscribe(IncidentChanged, self.on_cases, Delivery.BATCH, name="channels.cases"),
            bus.subscribe(HotlineCall, self.on_hotline, Delivery.BATCH, name="channels.hotline"),
        ] + [
            bus.subscribe(topic, self.on_alarms, Delivery.BATCH, name="channels.alarms")
            for topic in ALARM_TOPICS
        ]

    def restart(self) -> None:
        """Forget every sample and count (time jumped: a review's cursor moved)."""
        self.history.clear_samples()
        self.moving.reset()
        self.rates.reset()
        self._columns.clear()

    def advance(self, now: float) -> None:
        """Let the sampled city figures move on to ``now`` even when no event came."""
        self._store(MOVING_GROUP, self.moving.advance(now))
        self._store(RATES_GROUP, self.rates.advance(now))

    # ---- Subscribers

    def on_channels(self, events: Sequence[Event]) -> None:
        """Store each bridge sample; channels never seen before are added."""
        for event in events:
            if not isinstance(event, BridgeChannels):
                continue
            columns = self._columns_of(event.bridge_id, event.channels)
            group = self.history.group(bridge_group(event.bridge_id))
            if group is None or len(event.values) != columns.size:
                log.debug(
                    "bridge %s: %d values for %d channels",
                    event.bridge_id,
                    len(event.values),
                    columns.size,
                )
                continue
            row = np.full(group.columns, np.nan, dtype=np.float32)
            row[columns] = event.values
            self.history.record(bridge_group(event.bridge_id), event.ts, row)

    def on_warnings(self, events: Sequence[Event]) -> None:
        """Every warning level change becomes an alarm moment on its channel."""
        for event in events:
            if isinstance(event, BridgeWarning):
                self.history.add_alarm(
                    AlarmMoment(
                        event.ts,
                        bridge_channel_id(event.bridge_id, event.sensor_id),
                        int(event.level),
                        event.message,
                        float(event.value),
                    )
                )

    def on_vehicles(self, events: Sequence[Event]) -> None:
        """Count moving vehicles per class (sampled every 10 s)."""
        for event in events:
            if isinstance(event, VehicleBatch):
                self._store(MOVING_GROUP, self.moving.add(event))

    def on_cases(self, events: Sequence[Event]) -> None:
        """Count each newly reported case on its platform."""
        for event in events:
            if not isinstance(event, IncidentChanged) or event.action != REPORTED:
                continue
            platform = self._platform_of(event.incident_id) if self._platform_of else None
            counter = cases_channel_id(Platform(platform)) if platform in _PLATFORMS else ""
            self._store(RATES_GROUP, self.rates.add(event.ts, counter))

    def on_hotline(self, events: Sequence[Event]) -> None:
        """Count hotline calls."""
        for event in events:
            self._store(RATES_GROUP, self.rates.add(event.ts, HOTLINE_CHANNEL))

    def on_alarms(self, events: Sequence[Event]) -> None:
        """Count alarms of every source."""
        for event in events:
            self._store(RATES_GROUP, self.rates.add(event.ts, ALARMS_CHANNEL))

    # ---- Helpers

    def _columns_of(self, bridge_id: str, channels: tuple[str, ...]) -> npt.NDArray[np.intp]:
        """Columns of the bridge group for an event's channel order (cached per order)."""
        key = (bridge_id, channels)
        columns = self._columns.get(key)
        if columns is not None:
            return columns
        group_id = bridge_group(bridge_id)
        name = self._names.get(bridge_id, bridge_id)
        if self.history.group(group_id) is None:
            self.history.define_group(group_id, [], self._interval)
        found = []
        for sensor_id in channels:
            channel_id = bridge_channel_id(bridge_id, sensor_id)
            info = self.history.info(channel_id)
            if info is None:
                info = unknown_bridge_channel(bridge_id, sensor_id, name)
            found.append(self.history.add_channel(group_id, info))
        columns = self._columns[key] = np.asarray(found, dtype=np.intp)
        return columns

    def _store(self, group_id: str, samples: list[Sample]) -> None:
        for ts, values in samples:
            self.history.record(group_id, ts, values)


_PLATFORMS = frozenset(p.value for p in Platform)


def case_platforms(service: IncidentService) -> PlatformOf:
    """The platform of a stored case, read through the case service."""

    def platform_of(incident_id: int) -> str | None:
        incident = service.get(incident_id)
        return None if incident is None else service.type_of(incident).platform.value

    return platform_of
