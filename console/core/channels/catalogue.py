"""What each chartable channel is: its id, label, unit, where it comes from and its thresholds.

Channel ids:

- ``bridge:<bridge_id>:<sensor_id>``: a sensor channel of a monitored bridge
  (:class:`console.core.events.BridgeChannels`, sampled every second);
- ``city:moving:<class>``: vehicles of one class moving faster than 5 km/h (every 10 s);
- ``city:cases:<platform>``: cases opened in the last hour on one platform (every minute);
- ``city:hotline``: 12328 hotline calls in the last hour (every minute);
- ``city:alarms``: alarms of every source in the last hour (every minute).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from console.core.bridges.config import BridgeMonitoring, Thresholds
from console.core.events import Platform, VehicleClass, WarningLevel

CITY_SOURCE = "city"
"""``source_id`` of the city figures."""
CITY_LABEL = "City figures"


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    """One chartable channel: what it measures, in what unit, and where its warnings start."""

    channel_id: str
    label: str
    unit: str
    source_id: str
    """The bridge id, or ``city``."""
    source_label: str
    """The bridge's name, or ``City figures``."""
    thresholds: Thresholds | None = None

    @property
    def title(self) -> str:
        """``Jiefang Road bridge · Girder strain, span 1 mid``."""
        return f"{self.source_label} · {self.label}"

    def threshold_lines(self) -> tuple[tuple[WarningLevel, float], ...]:
        """Where each warning level starts, as lines (both signs when on the magnitude)."""
        if self.thresholds is None:
            return ()
        lines: list[tuple[WarningLevel, float]] = []
        for level in (WarningLevel.MILD, WarningLevel.SERIOUS, WarningLevel.SEVERE):
            start = self.thresholds.start_of(level)
            if start is None:
                continue
            lines.append((level, start))
            if self.thresholds.absolute and start != 0:
                lines.append((level, -start))
        return tuple(lines)


# ---- Ids


def bridge_channel_id(bridge_id: str, sensor_id: str) -> str:
    """``bridge:<bridge_id>:<sensor_id>``."""
    return f"bridge:{bridge_id}:{sensor_id}"


def split_bridge_channel(channel_id: str) -> tuple[str, str] | None:
    """``(bridge_id, sensor_id)`` of a bridge channel id; None for any other id."""
    kind, _, rest = channel_id.partition(":")
    bridge_id, _, sensor_id = rest.partition(":")
    if kind != "bridge" or not bridge_id or not sensor_id:
        return None
    return bridge_id, sensor_id


def moving_channel_id(vehicle_class: VehicleClass) -> str:
    """``city:moving:taxi``."""
    return f"city:moving:{vehicle_class.name.lower()}"


def cases_channel_id(platform: Platform) -> str:
    """``city:cases:public_management``."""
    return f"city:cases:{platform.value}"


HOTLINE_CHANNEL = "city:hotline"
ALARMS_CHANNEL = "city:alarms"


# ---- Channels of the city


def bridge_channels(
    monitoring: BridgeMonitoring, bridge_names: Mapping[str, str]
) -> dict[str, list[ChannelInfo]]:
    """Every sensor channel of every monitored bridge, by bridge id, in the configured order."""
    out: dict[str, list[ChannelInfo]] = {}
    for bridge_id, bridge in monitoring.bridges.items():
        name = bridge_names.get(bridge_id, bridge_id)
        out[bridge_id] = [
            ChannelInfo(
                bridge_channel_id(bridge_id, s.sensor_id),
                s.label,
                s.unit,
                bridge_id,
                name,
                s.thresholds,
            )
            for s in bridge.sensors
        ]
    return out


def unknown_bridge_channel(bridge_id: str, sensor_id: str, bridge_name: str) -> ChannelInfo:
    """A channel that arrived without a configuration: named by its id, no unit or lines."""
    return ChannelInfo(
        bridge_channel_id(bridge_id, sensor_id), sensor_id, "", bridge_id, bridge_name
    )


def _city(channel_id: str, label: str, unit: str) -> ChannelInfo:
    return ChannelInfo(channel_id, label, unit, CITY_SOURCE, CITY_LABEL)


def moving_channels() -> list[ChannelInfo]:
    """Vehicles moving, one channel per class."""
    return [
        _city(
            moving_channel_id(c),
            f"Moving: {c.name.replace('_', ' ').lower()}",
            "vehicles",
        )
        for c in VehicleClass
    ]


def per_hour_channels() -> list[ChannelInfo]:
    """Cases opened per hour by platform, hotline calls per hour, alarms per hour."""
    cases = [
        _city(
            cases_channel_id(p),
            f"Cases opened: {p.value.replace('_', ' ')}",
            "per hour",
        )
        for p in Platform
    ]
    return [
        *cases,
        _city(HOTLINE_CHANNEL, "12328 hotline calls", "per hour"),
        _city(ALARMS_CHANNEL, "Alarms (every source)", "per hour"),
    ]
