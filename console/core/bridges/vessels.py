"""Vessels near a bridge: the tracking and alarm zones, and the navigation channel.

A vessel is tracked while within the tracking radius of the point where the
channel passes under the bridge. It is in the alarm zone within the alarm radius,
and off the channel when its distance from the channel's axis (the line through
the channel point along its bearing) is more than half the channel's width.
A vessel inside the alarm zone and off the channel starts an *episode* (one
alarm); the episode ends only when the vessel has left the alarm zone by a margin
(``EPISODE_EXIT_FACTOR`` of the radius), so a vessel lingering at the edge alarms once.

Pure: time enters only through the positions' own timestamps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from console.core.bridges.config import Channel
from console.core.events import VesselPosition
from console.core.geo import EARTH_RADIUS_KM, distance_km

EPISODE_EXIT_FACTOR = 1.05
"""An episode ends when the vessel is beyond 105% of the alarm radius."""
STALE_AFTER_S = 300.0
"""A vessel not heard of for this long is dropped from the zone."""


def channel_offset_m(channel: Channel, lon: float, lat: float) -> float:
    """Distance (m) of (lon, lat) from the channel's axis line (local flat approximation)."""
    metres_per_deg = EARTH_RADIUS_KM * 1000.0 * math.pi / 180.0
    east = (lon - channel.lon) * metres_per_deg * math.cos(math.radians(channel.lat))
    north = (lat - channel.lat) * metres_per_deg
    bearing = math.radians(channel.bearing_deg)
    return abs(east * math.cos(bearing) - north * math.sin(bearing))


@dataclass(frozen=True, slots=True)
class VesselTrack:
    """A vessel in a bridge's tracking zone, as the bridge pane shows it."""

    vessel_id: str
    name: str
    lon: float
    lat: float
    course_deg: float
    speed_kn: float
    distance_m: float
    """From the channel point under the bridge."""
    channel_offset_m: float
    """From the channel's axis."""
    in_alarm_zone: bool
    off_channel: bool
    ts: float

    @property
    def alarming(self) -> bool:
        """In the alarm zone and off the channel."""
        return self.in_alarm_zone and self.off_channel


@dataclass(frozen=True, slots=True)
class VesselUpdate:
    """What one position changed: the track (None once out of the zone) and any new episode."""

    track: VesselTrack | None
    episode_started: bool


class VesselWatch:
    """The vessels in one bridge's tracking zone and their alarm episodes."""

    def __init__(self, channel: Channel, tracking_radius_m: float, alarm_radius_m: float) -> None:
        self.channel = channel
        self.tracking_radius_m = tracking_radius_m
        self.alarm_radius_m = alarm_radius_m
        self._tracks: dict[str, VesselTrack] = {}
        self._episodes: set[str] = set()

    def update(self, event: VesselPosition) -> VesselUpdate:
        """Feed one position report."""
        channel = self.channel
        if math.isnan(event.lon) or math.isnan(event.lat):
            return VesselUpdate(self._tracks.get(event.vessel_id), False)
        distance = distance_km(channel.lon, channel.lat, event.lon, event.lat) * 1000.0
        if distance > EPISODE_EXIT_FACTOR * self.alarm_radius_m:
            self._episodes.discard(event.vessel_id)
        if distance > self.tracking_radius_m:
            self._tracks.pop(event.vessel_id, None)
            return VesselUpdate(None, False)
        offset = channel_offset_m(channel, event.lon, event.lat)
        track = VesselTrack(
            vessel_id=event.vessel_id,
            name=event.name,
            lon=event.lon,
            lat=event.lat,
            course_deg=event.course_deg,
            speed_kn=event.speed_kn,
            distance_m=distance,
            channel_offset_m=offset,
            in_alarm_zone=distance <= self.alarm_radius_m,
            off_channel=offset > channel.width_m / 2.0,
            ts=event.ts,
        )
        self._tracks[event.vessel_id] = track
        started = track.alarming and event.vessel_id not in self._episodes
        if started:
            self._episodes.add(event.vessel_id)
        return VesselUpdate(track, started)

    def prune(self, now: float) -> list[str]:
        """Drop vessels not heard of for ``STALE_AFTER_S``; returns their ids."""
        gone = [v for v, t in self._tracks.items() if now - t.ts > STALE_AFTER_S]
        for vessel_id in gone:
            del self._tracks[vessel_id]
            self._episodes.discard(vessel_id)
        return gone

    def tracks(self) -> tuple[VesselTrack, ...]:
        """Vessels in the tracking zone, nearest first."""
        return tuple(sorted(self._tracks.values(), key=lambda t: (t.distance_m, t.vessel_id)))

    @property
    def in_episode(self) -> int:
        """How many vessels are in an alarm episode."""
        return len(self._episodes)
