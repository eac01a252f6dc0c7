"""The IoT base stations watching tagged two-wheelers: detection counts and theft alarms.

Stations sit mostly in the urban area (around the hotspots) and the county
towns. Every slice interval one slice of the stations reports how many tags it
saw since its last report, so each station reports once per report interval
without a burst of 3,700 events. A tag reported stolen is seen now and then.
"""

from __future__ import annotations

import math

import numpy as np

from console.core.events import Event, IotStationReport, TheftAlarm, TwoWheelerKind
from console.core.sim.daycycle import local_hour, mean_traffic_intensity, traffic_intensity
from console.core.sim.geo import CityArea, FloatArray

_KINDS = (TwoWheelerKind.EBIKE, TwoWheelerKind.BICYCLE, TwoWheelerKind.MOTORCYCLE)
_KIND_P = (0.6, 0.25, 0.15)


class IotNetwork:
    """Station positions, their periodic reports and the theft alarms they raise."""

    def __init__(
        self,
        area: CityArea,
        hotspots: FloatArray,
        hotspot_radius: FloatArray,
        hotspot_p: FloatArray,
        towns: FloatArray,
        rng: np.random.Generator,
        start: float,
        *,
        station_count: int = 3_700,
        report_interval_s: float = 300.0,
        slice_interval_s: float = 10.0,
        thefts_per_day: float = 12.0,
        utc_offset_s: float = 8 * 3600.0,
    ) -> None:
        self.rng = rng
        self.utc_offset_s = utc_offset_s
        self.report_interval_s = report_interval_s
        self.slice_interval_s = slice_interval_s
        self.theft_rate_s = thefts_per_day / 86_400.0 / mean_traffic_intensity()
        n_urban = int(station_count * 0.7)
        n_town = int(station_count * 0.22)
        n_rural = station_count - n_urban - n_town
        k = rng.choice(hotspots.shape[0], size=n_urban, p=hotspot_p)
        u_lon, u_lat = area.sample_near(rng, hotspots[k, 0], hotspots[k, 1], hotspot_radius[k])
        t = rng.integers(0, towns.shape[0], n_town)
        t_lon, t_lat = area.sample_near(rng, towns[t, 0], towns[t, 1], np.full(n_town, 2.0))
        r_lon, r_lat = area.sample_uniform(rng, n_rural)
        self.lon = np.concatenate([u_lon, t_lon, r_lon])
        self.lat = np.concatenate([u_lat, t_lat, r_lat])
        self.weight = np.concatenate(
            [np.full(n_urban, 3.0), np.full(n_town, 1.5), np.ones(n_rural)]
        )
        self.theft_p = self.weight / self.weight.sum()
        self.slices = max(1, round(report_interval_s / slice_interval_s))
        self.next_slice = 0
        self.next_due = (math.floor(start / slice_interval_s) + 1) * slice_interval_s
        self.last = start
        self.alarm_seq = 0

    def __len__(self) -> int:
        return int(self.lon.shape[0])

    def step(self, now: float) -> list[Event]:
        """Reports of the slices due by ``now`` and any theft alarms since the last step."""
        out: list[Event] = []
        reported = 0
        while self.next_due <= now:
            if reported < self.slices:  # after a long gap, each station reports once
                out.extend(self._slice_reports(self.next_due))
                reported += 1
            self.next_due += self.slice_interval_s
        out.extend(self._thefts(now))
        self.last = max(self.last, now)
        return out

    def _slice_reports(self, ts: float) -> list[Event]:
        stations = np.arange(self.next_slice, len(self), self.slices)
        self.next_slice = (self.next_slice + 1) % self.slices
        intensity = traffic_intensity(local_hour(ts, self.utc_offset_s))
        minutes = self.report_interval_s / 60.0
        counts = self.rng.poisson(self.weight[stations] * (0.2 + intensity) * minutes)
        return [
            IotStationReport(ts=ts, station_id=int(s), detections=int(c))
            for s, c in zip(stations, counts, strict=True)
        ]

    def _thefts(self, now: float) -> list[Event]:
        dt = now - self.last
        if dt <= 0:
            return []
        intensity = traffic_intensity(local_hour(now, self.utc_offset_s))
        n = int(self.rng.poisson(self.theft_rate_s * intensity * dt))
        out: list[Event] = []
        for _ in range(n):
            station = int(self.rng.choice(len(self), p=self.theft_p))
            kind = _KINDS[int(self.rng.choice(len(_KINDS), p=_KIND_P))]
            self.alarm_seq += 1
            out.append(
                TheftAlarm(
                    ts=now,
                    alarm_id=f"THEFT-{int(now)}-{self.alarm_seq:05d}",
                    station_id=station,
                    tag_id=f"TAG-{int(self.rng.integers(0, 2**32)):08X}",
                    two_wheeler=kind,
                    lon=float(self.lon[station]),
                    lat=float(self.lat[station]),
                )
            )
        return out
