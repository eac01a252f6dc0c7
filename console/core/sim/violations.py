"""Roadside detections: speeding and line crossing (overloads come from the weigh stations).

Detections arrive as a Poisson process following the daily traffic cycle. A
speeding detection really makes the chosen vehicle drive at the detected speed
for the rest of its leg, so the positions it reports agree with the camera.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from console.core.events import Event, TrafficViolation, VehicleClass, ViolationKind
from console.core.sim.daycycle import local_hour, mean_traffic_intensity, traffic_intensity
from console.core.sim.fleet import Fleet

SPEED_LIMIT_KMH: dict[VehicleClass, float] = {
    VehicleClass.TAXI: 60.0,
    VehicleClass.LINER_BUS: 70.0,
    VehicleClass.TOURIST_BUS: 70.0,
    VehicleClass.CARGO: 80.0,
}
"""Speed limits applied by the simulated cameras, per class."""
_KINDS = (ViolationKind.SPEEDING, ViolationKind.CROSS_LINE)
_KIND_P = (0.7, 0.3)
"""Overloads come from the weigh stations' weigh-in-motion records (console.core.sim.wim)."""
_SPEEDER_CLASSES = tuple(VehicleClass)
_SPEEDER_P = (0.3, 0.1, 0.05, 0.55)

PlateFn = Callable[[int], str]


class ViolationDetector:
    """Draws traffic violations from the moving fleet."""

    def __init__(
        self,
        fleet: Fleet,
        plate: PlateFn,
        rng: np.random.Generator,
        start: float,
        *,
        per_hour: float = 6.0,
        utc_offset_s: float = 8 * 3600.0,
    ) -> None:
        self.fleet = fleet
        self.plate = plate
        self.rng = rng
        self.rate_s = per_hour / 3600.0 / mean_traffic_intensity()
        self.utc_offset_s = utc_offset_s
        self.last = start
        self.alarm_seq = 0

    def step(self, now: float) -> list[Event]:
        """Detections since the last step, at the vehicles' current positions."""
        dt = now - self.last
        if dt <= 0:
            return []
        self.last = now
        intensity = traffic_intensity(local_hour(now, self.utc_offset_s))
        out: list[Event] = []
        for _ in range(int(self.rng.poisson(self.rate_s * intensity * dt))):
            kind = _KINDS[int(self.rng.choice(len(_KINDS), p=_KIND_P))]
            event = self._detect(kind, now)
            if event is not None:
                out.append(event)
        return out

    def _detect(self, kind: ViolationKind, now: float) -> TrafficViolation | None:
        fleet = self.fleet
        pick = int(self.rng.choice(len(_SPEEDER_CLASSES), p=_SPEEDER_P))
        vehicle_class = _SPEEDER_CLASSES[pick]
        vid = fleet.pick(vehicle_class, moving=True)
        if vid < 0:
            return None
        if kind is ViolationKind.SPEEDING:
            limit = SPEED_LIMIT_KMH[vehicle_class]
            value = round(limit * float(self.rng.uniform(1.08, 1.3)), 1)
            fleet.set_speed(vid, value)
        else:  # a solid-line crossing: one crossing where none is allowed
            limit, value = 0.0, 1.0
        self.alarm_seq += 1
        return TrafficViolation(
            ts=now,
            alarm_id=f"TRF-{int(now)}-{self.alarm_seq:05d}",
            kind=kind,
            plate=self.plate(vid),
            vehicle_class=vehicle_class,
            value=value,
            limit=limit,
            lon=float(fleet.lon[vid]),
            lat=float(fleet.lat[vid]),
        )
