"""Vessels passing under a bridge along its navigation channel, as AIS reports them.

Barges arrive at either end of the tracking zone (a circle around the channel's
centre under the bridge), more by day than by night, and sail along the
channel's axis at 5 to 10 knots (faster downstream), keeping to the right of
the channel. Each reports its position, course and speed every 10 s while in
the zone, with a name like ``皖蚌埠货1234`` and an MMSI-like id.

Rarely a vessel strays: approaching the bridge it drifts sideways out of the
channel inside the alarm zone, holds there past the bridge, then steers back.
A scripted fault puts such a vessel near the bridge at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from console.core.bridges.config import Channel
from console.core.events import VesselPosition
from console.core.sim.daycycle import local_hour
from console.core.sim.geo import FloatArray

KNOT_MPS = 1852.0 / 3600.0
METRES_PER_DEGREE = 111_320.0
REPORT_INTERVAL_S = 10.0
NAME_PREFIXES = ("皖蚌埠货", "皖淮南货", "皖阜阳货", "苏宿迁货", "豫周口货", "皖蚌埠油")
NAME_P = (0.5, 0.15, 0.1, 0.1, 0.1, 0.05)
SWERVE_POINTS_M = (-750.0, -350.0, 300.0, 700.0)
"""Where along its passage a straying vessel starts to drift, is fully off, turns back, is back."""


@dataclass(slots=True)
class Vessel:
    """One vessel's passage: where it entered, how fast, where in the channel, any swerve."""

    vessel_id: str
    name: str
    t0: float
    s0: float
    """Distance along its track at ``t0``, negative before the bridge."""
    speed_mps: float
    sign: int
    """+1 sailing along the channel's bearing, -1 against it."""
    lateral_m: float
    """Offset to the right of its track."""
    t_exit: float = math.inf
    """When it leaves the tracking zone."""
    swerve_m: float = 0.0
    """Extra offset when fully off course (0: keeps its lane)."""
    swerve_times: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    next_report: float = 0.0

    def along(self, ts: float) -> float:
        """Distance along the track at ``ts``."""
        return self.s0 + self.speed_mps * (ts - self.t0)

    def offset(self, ts: float) -> tuple[float, float]:
        """Offset right of the track at ``ts``, and its rate of change (m/s)."""
        ta, tb, tc, td = self.swerve_times
        if self.swerve_m == 0.0 or not ta < ts < td:
            return self.lateral_m, 0.0
        if ts < tb:
            return self.lateral_m + self.swerve_m * (ts - ta) / (tb - ta), self.swerve_m / (tb - ta)
        if ts <= tc:
            return self.lateral_m + self.swerve_m, 0.0
        share = (td - ts) / (td - tc)
        return self.lateral_m + self.swerve_m * share, -self.swerve_m / (td - tc)

    def time_at(self, along_m: float) -> float:
        """When the vessel is (or was) ``along_m`` along its track."""
        return self.t0 + (along_m - self.s0) / self.speed_mps


class VesselTraffic:
    """The vessels in one bridge's tracking zone."""

    def __init__(
        self,
        bridge_id: str,
        bridge_index: int,
        channel: Channel,
        rng: np.random.Generator,
        *,
        tracking_radius_m: float = 2000.0,
        vessels_per_hour: float = 6.0,
        off_course_per_week: float = 3.0,
        utc_offset_s: float = 8 * 3600.0,
    ) -> None:
        self.bridge_id = bridge_id
        self.bridge_index = bridge_index
        self.channel = channel
        self.rng = rng
        self.radius = tracking_radius_m
        self.rate_s = vessels_per_hour / 3600.0
        self.utc_offset_s = utc_offset_s
        day = np.arange(0.0, 86_400.0, 900.0) - utc_offset_s
        per_day = 86_400.0 * float(np.mean([self.rate_at(float(t)) for t in day]))
        per_week = 7.0 * per_day
        self.off_course_p = min(1.0, off_course_per_week / per_week) if per_week > 0 else 0.0
        bearing = math.radians(channel.bearing_deg)
        self.axis = (math.sin(bearing), math.cos(bearing))
        self.right = (math.cos(bearing), -math.sin(bearing))
        self.lon_m = METRES_PER_DEGREE * math.cos(math.radians(channel.lat))
        self.vessels: list[Vessel] = []
        self.seq = 0
        self.fault_seq = 0
        self.primed = False

    def rate_at(self, ts: float) -> float:
        """Vessels arriving per second at ``ts``."""
        hour = local_hour(ts, self.utc_offset_s)
        daylight = 1.0 / (1.0 + math.exp(-(hour - 6.0) * 2.0)) - 1.0 / (
            1.0 + math.exp(-(hour - 19.5) * 2.0)
        )
        diff = (hour - 9.0 + 12.0) % 24.0 - 12.0
        morning = math.exp(-0.5 * (diff / 2.0) ** 2)
        return self.rate_s * (0.3 + 0.7 * daylight + 0.1 * morning)

    def reset(self, ts: float) -> None:
        """Fill the zone as it would usually be at ``ts`` (at the start, or after a gap)."""
        self.vessels = []
        crossing_s = 2.0 * self.radius / (7.0 * KNOT_MPS)
        for _ in range(int(self.rng.poisson(self.rate_at(ts) * crossing_s))):
            self._spawn(ts, float(self.rng.uniform(-0.95, 0.95)) * self.radius)
        self.primed = True

    def block(
        self, times: FloatArray, sample_interval_s: float
    ) -> tuple[FloatArray, list[tuple[int, VesselPosition]]]:
        """Vessels in the zone at each sample time, and the reports (sample index, position)."""
        if not self.primed:
            self.reset(float(times[0]))
        span = sample_interval_s * times.size
        arrivals = int(self.rng.poisson(self.rate_at(float(times[times.size // 2])) * span))
        for t0 in np.sort(
            self.rng.uniform(float(times[0]) - sample_interval_s, times[-1], arrivals)
        ):
            self._spawn(float(t0), None)
        reports: list[tuple[int, VesselPosition]] = []
        if not self.vessels:
            return np.zeros(times.size), reports
        t_in = np.array([v.t0 for v in self.vessels])
        t_out = np.array([v.t_exit for v in self.vessels])
        present = (times[:, None] >= t_in[None, :]) & (times[:, None] < t_out[None, :])
        counts: FloatArray = present.sum(axis=1).astype(np.float64)
        last = float(times[-1])
        for vessel in self.vessels:
            while vessel.next_report <= last:
                j = int(np.searchsorted(times, vessel.next_report))
                ts = float(times[j])
                if ts >= vessel.t_exit:
                    break
                vessel.next_report = ts + REPORT_INTERVAL_S
                if ts >= vessel.t0:
                    reports.append((j, self._report(vessel, ts)))
        self.vessels = [v for v in self.vessels if v.t_exit > last]
        reports.sort(key=lambda r: r[0])
        return counts, reports

    def add_straying(
        self, ts: float, duration_s: float, beyond_edge_m: float, rng: np.random.Generator
    ) -> Vessel:
        """A vessel near the bridge that leaves the channel at once and is back after a while."""
        speed = float(np.clip(760.0 / max(duration_s, 1.0), 0.5, 3.6))
        ramp = min(60.0, duration_s / 3.0)
        vessel = self._make(ts, -380.0, rng, speed_mps=speed, fault=True)
        target = self.channel.width_m / 2.0 + beyond_edge_m
        vessel.swerve_m = target - vessel.lateral_m
        vessel.swerve_times = (ts, ts + ramp, ts + duration_s - ramp, ts + duration_s)
        self._enter(vessel)
        return vessel

    def _spawn(self, t0: float, along: float | None) -> None:
        rng = self.rng
        lateral = float(rng.uniform(0.08, 0.38)) * self.channel.width_m
        start = -math.sqrt(max(self.radius**2 - lateral**2, 0.0)) + 1.0 if along is None else along
        vessel = self._make(t0, start, rng, lateral_m=lateral)
        if rng.random() < self.off_course_p and start < SWERVE_POINTS_M[0]:
            side = 1.0 if rng.random() < 0.5 else -1.0
            target = side * (self.channel.width_m / 2.0 + float(rng.uniform(60.0, 150.0)))
            vessel.swerve_m = target - vessel.lateral_m
            ta, tb, tc, td = (vessel.time_at(s) for s in SWERVE_POINTS_M)
            vessel.swerve_times = (ta, tb, tc, td)
        self._enter(vessel)

    def _enter(self, vessel: Vessel) -> None:
        """Add a vessel; it leaves the zone when it reaches the far edge (back in its lane)."""
        edge = math.sqrt(max(self.radius**2 - vessel.lateral_m**2, 0.0))
        vessel.t_exit = vessel.time_at(edge)
        self.vessels.append(vessel)

    def _make(
        self,
        t0: float,
        along: float,
        rng: np.random.Generator,
        *,
        speed_mps: float | None = None,
        lateral_m: float | None = None,
        fault: bool = False,
    ) -> Vessel:
        if fault:  # its own numbering: the usual traffic keeps its names
            self.fault_seq += 1
            code = 500_000 + self.fault_seq * 7_919 + self.bridge_index * 333_331
        else:
            self.seq += 1
            code = self.seq * 7_919 + self.bridge_index * 333_331
        sign = 1 if rng.random() < 0.5 else -1
        knots = rng.uniform(6.0, 10.0) if sign > 0 else rng.uniform(5.0, 8.5)  # + is downstream
        prefix = NAME_PREFIXES[int(rng.choice(len(NAME_PREFIXES), p=NAME_P))]
        width = self.channel.width_m
        return Vessel(
            vessel_id=str(413_000_000 + code % 1_000_000),
            name=f"{prefix}{1000 + (code * 31 + 17) % 9000}",
            t0=t0,
            s0=along,
            speed_mps=speed_mps if speed_mps is not None else float(knots) * KNOT_MPS,
            sign=sign,
            lateral_m=lateral_m if lateral_m is not None else float(rng.uniform(0.1, 0.3)) * width,
            next_report=t0 + float(rng.uniform(0.0, REPORT_INTERVAL_S)),
        )

    def _report(self, vessel: Vessel, ts: float) -> VesselPosition:
        along = vessel.sign * vessel.along(ts)
        offset, rate = vessel.offset(ts)
        across = vessel.sign * offset
        east = along * self.axis[0] + across * self.right[0]
        north = along * self.axis[1] + across * self.right[1]
        v_along = vessel.sign * vessel.speed_mps
        v_across = vessel.sign * rate
        v_east = v_along * self.axis[0] + v_across * self.right[0]
        v_north = v_along * self.axis[1] + v_across * self.right[1]
        return VesselPosition(
            ts=ts,
            vessel_id=vessel.vessel_id,
            name=vessel.name,
            lon=round(self.channel.lon + east / self.lon_m, 6),
            lat=round(self.channel.lat + north / METRES_PER_DEGREE, 6),
            course_deg=round(math.degrees(math.atan2(v_east, v_north)) % 360.0, 1),
            speed_kn=round(math.hypot(v_east, v_north) / KNOT_MPS, 1),
            bridge_id=self.bridge_id,
        )
