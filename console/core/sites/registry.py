"""The city's fixed sites in one place: look-up by id, by what they watch, by distance."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from console.core.geo import great_circle_km
from console.core.sites.model import Camera, Site, Station, StationKind


class SiteRegistry:
    """Cameras and stations of one city, read-only once built.

    ``landmarks`` names the other things a camera may watch (the city's bridges):
    id -> (Chinese name, English name); :meth:`watched_name` uses it.
    """

    def __init__(
        self,
        cameras: Iterable[Camera] = (),
        stations: Iterable[Station] = (),
        landmarks: Mapping[str, tuple[str, str]] | None = None,
    ) -> None:
        self._cameras = tuple(cameras)
        self._stations = tuple(stations)
        self._landmarks = dict(landmarks or {})
        self._camera_by_id = {c.camera_id: c for c in self._cameras}
        self._station_by_id = {s.station_id: s for s in self._stations}
        ids = [c.camera_id for c in self._cameras] + [s.station_id for s in self._stations]
        if len(set(ids)) != len(ids):
            twice = sorted({i for i in ids if ids.count(i) > 1})
            raise ValueError(f"site ids used more than once: {', '.join(twice)}")
        watchers: dict[str, list[Camera]] = {}
        for camera in self._cameras:
            if camera.watches:
                watchers.setdefault(camera.watches, []).append(camera)
        self._watchers = {key: tuple(value) for key, value in watchers.items()}
        self._lon = np.fromiter((c.lon for c in self._cameras), np.float64, len(self._cameras))
        self._lat = np.fromiter((c.lat for c in self._cameras), np.float64, len(self._cameras))

    # ---- Collections

    @property
    def cameras(self) -> tuple[Camera, ...]:
        """Every camera, in file order."""
        return self._cameras

    @property
    def stations(self) -> tuple[Station, ...]:
        """Every passenger and weigh station, in file order."""
        return self._stations

    @property
    def passenger_stations(self) -> tuple[Station, ...]:
        """The railway and coach stations and bus terminals."""
        return tuple(s for s in self._stations if s.kind is StationKind.PASSENGER)

    @property
    def weigh_stations(self) -> tuple[Station, ...]:
        """The overload weigh stations."""
        return tuple(s for s in self._stations if s.kind is StationKind.WEIGH)

    def __len__(self) -> int:
        """Number of sites (cameras plus stations)."""
        return len(self._cameras) + len(self._stations)

    # ---- Look-ups

    def camera(self, camera_id: str) -> Camera:
        """The camera with ``camera_id``; KeyError naming it if there is none."""
        try:
            return self._camera_by_id[camera_id]
        except KeyError:
            raise KeyError(f"no camera with id {camera_id!r}") from None

    def station(self, station_id: str) -> Station:
        """The station with ``station_id``; KeyError naming it if there is none."""
        try:
            return self._station_by_id[station_id]
        except KeyError:
            raise KeyError(f"no station with id {station_id!r}") from None

    def site(self, site_id: str) -> Site:
        """The camera or station with ``site_id``; KeyError naming it if there is none."""
        found = self._camera_by_id.get(site_id) or self._station_by_id.get(site_id)
        if found is None:
            raise KeyError(f"no camera or station with id {site_id!r}")
        return found

    def cameras_watching(self, site_id: str) -> tuple[Camera, ...]:
        """The cameras whose ``watches`` is ``site_id`` (a station or bridge id)."""
        return self._watchers.get(site_id, ())

    def cameras_near(self, lon: float, lat: float, radius_m: float) -> tuple[Camera, ...]:
        """Cameras within ``radius_m`` metres of (lon, lat), nearest first (ties by id)."""
        if not self._cameras:
            return ()
        metres = great_circle_km(self._lon, self._lat, lon, lat) * 1000.0
        inside = np.flatnonzero(metres <= radius_m)
        ranked = sorted(
            inside.tolist(),
            key=lambda i: (float(metres[i]), self._cameras[i].camera_id),
        )
        return tuple(self._cameras[i] for i in ranked)

    def watched_name(self, site_id: str) -> str:
        """Display name of what a camera watches: station or bridge names, else the id."""
        station = self._station_by_id.get(site_id)
        if station is not None:
            return _both(station.name, station.name_en)
        if site_id in self._landmarks:
            return _both(*self._landmarks[site_id])
        return site_id

    def __repr__(self) -> str:
        return (
            f"<SiteRegistry {len(self._cameras)} cameras, "
            f"{len(self.passenger_stations)} passenger and "
            f"{len(self.weigh_stations)} weigh stations>"
        )


def _both(name: str, name_en: str) -> str:
    """``name (name_en)``, or whichever of the two is given."""
    if name and name_en:
        return f"{name} ({name_en})"
    return name or name_en
