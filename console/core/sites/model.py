"""Fixed sites the centre watches: cameras, passenger stations and weigh stations.

A site's ``jurisdiction`` is its level path (division codes, city first, down to
the grid), filled in from the city's own boundaries when the registry is loaded.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TypeAlias


class StationKind(enum.StrEnum):
    """What a (non-camera) site is."""

    PASSENGER = "passenger_station"
    """A railway or coach station, or a bus terminal."""
    WEIGH = "weigh_station"
    """An overload weigh station on a freight route."""


class CameraKind(enum.StrEnum):
    """How a camera is mounted."""

    FIXED = "fixed"
    PTZ = "ptz"
    """Pan-tilt-zoom: the operator can steer it."""


class CameraPurpose(enum.StrEnum):
    """What a camera was put up to watch."""

    BRIDGE_DECK = "bridge_deck"
    BRIDGE_CHANNEL = "bridge_channel"
    """The navigation channel under a bridge (vessels)."""
    JUNCTION = "junction"
    PASSENGER_STATION = "passenger_station"
    WEIGH_STATION = "weigh_station"
    IOT_HOTSPOT = "iot_hotspot"
    """A place where two-wheeler thefts concentrate."""


@dataclass(frozen=True, slots=True)
class Station:
    """A passenger or weigh station."""

    station_id: str
    name: str
    name_en: str
    kind: StationKind
    lon: float
    lat: float
    jurisdiction: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Camera:
    """One camera of the shared network.

    ``stream`` is where its video comes from: ``rtsp://``, ``http(s)://`` or
    ``file://`` for real cameras, ``sim://<camera_id>`` for the built-in
    simulated ones. ``watches`` names the bridge or station it looks at (its id),
    or is empty.
    """

    camera_id: str
    name: str
    name_en: str
    kind: CameraKind
    purpose: CameraPurpose
    lon: float
    lat: float
    stream: str
    watches: str = ""
    jurisdiction: tuple[str, ...] = ()

    @property
    def simulated(self) -> bool:
        """Whether the video is rendered by the built-in simulation."""
        return self.stream.startswith("sim://")

    @property
    def stream_scheme(self) -> str:
        """The scheme of ``stream`` in lower case (``sim``, ``rtsp``, ``file``, ...)."""
        scheme, _, _ = self.stream.partition("://")
        return scheme.lower()


Site: TypeAlias = Station | Camera
"""Any fixed site the console draws on the map."""
