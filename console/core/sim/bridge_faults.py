"""Scripted bridge faults: what a scenario can make happen on a bridge, and when.

A :class:`Fault` takes effect at its simulated ``start`` and ends after
``duration_s``. ``magnitude`` means, by kind (NaN: the default in brackets):

- ``sensor_stuck``: the sensor repeats its value at the start (-);
- ``sensor_offline``: the sensor answers nothing, NaN (-);
- ``sensor_drift``: the reading drifts linearly away, by ``magnitude`` sensor
  units at the end (20), then is back;
- ``overload_truck``: a truck of ``magnitude`` tonnes (85) is weighed entering
  the deck in ``direction`` at the start and crawls across it in ``duration_s``;
- ``off_course_vessel``: a vessel close to the bridge drifts out of the channel,
  ``magnitude`` metres beyond its edge (100), inside the alarm zone, and is back
  in the channel at the end;
- ``deck_accident``: traffic in ``direction`` stops; ``magnitude`` is the share
  still passing (0);
- ``deflection_surge`` / ``strain_surge``: ``magnitude`` mm (70) / με (140) added to
  every deflection / strain sensor (or only ``sensor_id``).

Faults draw any randomness from their own stream, so the rest of the bridge's
simulation is the same with or without them.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from console.core.bridges.config import SensorKind
from console.core.sim.geo import FloatArray

BoolArray = npt.NDArray[np.bool_]


class FaultKind(enum.StrEnum):
    """What a scripted fault does."""

    SENSOR_STUCK = "sensor_stuck"
    SENSOR_OFFLINE = "sensor_offline"
    SENSOR_DRIFT = "sensor_drift"
    OVERLOAD_TRUCK = "overload_truck"
    OFF_COURSE_VESSEL = "off_course_vessel"
    DECK_ACCIDENT = "deck_accident"
    DEFLECTION_SURGE = "deflection_surge"
    STRAIN_SURGE = "strain_surge"


DEFAULT_MAGNITUDE: dict[FaultKind, float] = {
    FaultKind.SENSOR_STUCK: 0.0,
    FaultKind.SENSOR_OFFLINE: 0.0,
    FaultKind.SENSOR_DRIFT: 20.0,
    FaultKind.OVERLOAD_TRUCK: 85.0,
    FaultKind.OFF_COURSE_VESSEL: 100.0,
    FaultKind.DECK_ACCIDENT: 0.0,
    FaultKind.DEFLECTION_SURGE: 70.0,
    FaultKind.STRAIN_SURGE: 140.0,
}
SENSOR_FAULTS = frozenset(
    {FaultKind.SENSOR_STUCK, FaultKind.SENSOR_OFFLINE, FaultKind.SENSOR_DRIFT}
)
"""Kinds that need a ``sensor_id``."""
ONE_SHOT = frozenset({FaultKind.OVERLOAD_TRUCK, FaultKind.OFF_COURSE_VESSEL})
"""Kinds that put something on or under the bridge once, at the start."""
SURGE_KIND = {
    FaultKind.DEFLECTION_SURGE: SensorKind.DEFLECTION,
    FaultKind.STRAIN_SURGE: SensorKind.STRAIN,
}


@dataclass(frozen=True, slots=True)
class Fault:
    """One scripted fault on one bridge (see the module's notes for each kind)."""

    kind: FaultKind
    bridge_id: str
    start: float
    """Simulated epoch seconds."""
    duration_s: float
    magnitude: float = math.nan
    """Size of the fault in the kind's unit; NaN for the kind's default."""
    sensor_id: str = ""
    """The sensor of a sensor fault, or the one sensor a surge is limited to."""
    direction: str = "up"
    """The deck direction of an overload truck or a deck accident."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", FaultKind(self.kind))
        if not (math.isfinite(self.start) and math.isfinite(self.duration_s)):
            raise ValueError("a fault needs a finite start and duration")
        if self.duration_s <= 0:
            raise ValueError("a fault's duration must be positive")
        if self.direction not in ("up", "down"):
            raise ValueError("a fault's direction is up or down")
        if self.kind in SENSOR_FAULTS and not self.sensor_id:
            raise ValueError(f"a {self.kind.value} fault needs a sensor_id")

    @property
    def end(self) -> float:
        """When the fault is over."""
        return self.start + self.duration_s

    @property
    def size(self) -> float:
        """The magnitude, or the kind's default."""
        return DEFAULT_MAGNITUDE[self.kind] if math.isnan(self.magnitude) else self.magnitude

    def active(self, times: FloatArray) -> BoolArray:
        """Whether the fault is in force at each time."""
        result: BoolArray = (times >= self.start) & (times < self.end)
        return result


@dataclass(slots=True)
class FaultBook:
    """The faults of one bridge and what they do to its sample blocks."""

    channels: tuple[str, ...]
    kinds: tuple[SensorKind, ...]
    faults: list[Fault] = field(default_factory=list)
    stuck: dict[int, float] = field(default_factory=dict)
    """Value held by each stuck-sensor fault, by its position in ``faults``."""
    fired: set[int] = field(default_factory=set)
    """One-shot faults already carried out."""

    def add(self, fault: Fault) -> None:
        """Schedule ``fault`` (its sensor, if any, must be a channel of this bridge)."""
        if fault.sensor_id and fault.sensor_id not in self.channels:
            raise ValueError(f"bridge {fault.bridge_id} has no sensor {fault.sensor_id!r}")
        self.faults.append(fault)

    def overlapping(self, times: FloatArray) -> list[tuple[int, Fault]]:
        """The faults in force at some time of the block."""
        if not self.faults:
            return []
        first, last = float(times[0]), float(times[-1])
        return [(i, f) for i, f in enumerate(self.faults) if f.start <= last and f.end > first]

    def due_once(self, times: FloatArray) -> list[tuple[Fault, float]]:
        """One-shot faults starting in this block (or skipped over and still running): when."""
        out: list[tuple[Fault, float]] = []
        for i, fault in self.overlapping(times):
            if fault.kind in ONE_SHOT and i not in self.fired:
                self.fired.add(i)
                out.append((fault, max(fault.start, float(times[0]))))
        return out

    def traffic_kept(self, times: FloatArray) -> FloatArray | None:
        """(k, 2): share of arriving traffic that still passes, up and down (None: all)."""
        accidents = [f for _, f in self.overlapping(times) if f.kind is FaultKind.DECK_ACCIDENT]
        if not accidents:
            return None
        kept = np.ones((times.size, 2))
        for fault in accidents:
            column = 0 if fault.direction == "up" else 1
            mask = fault.active(times)
            kept[mask, column] = np.minimum(kept[mask, column], max(0.0, fault.size))
        return kept

    def apply(self, times: FloatArray, values: FloatArray) -> None:
        """Change the block's channel ``values`` (k, channels) in place by the sensor faults."""
        for i, fault in self.overlapping(times):
            mask = fault.active(times)
            if not mask.any():
                continue
            if fault.kind in SURGE_KIND:
                for column in self._surged(fault):
                    values[mask, column] += fault.size
                continue
            if fault.kind not in SENSOR_FAULTS:
                continue
            column = self.channels.index(fault.sensor_id)
            if fault.kind is FaultKind.SENSOR_OFFLINE:
                values[mask, column] = math.nan
            elif fault.kind is FaultKind.SENSOR_STUCK:
                held = self.stuck.setdefault(i, float(values[int(np.argmax(mask)), column]))
                values[mask, column] = held
            else:
                values[mask, column] += fault.size * (times[mask] - fault.start) / fault.duration_s

    def prune(self, now: float) -> None:
        """Forget faults that are over (keeping the numbering of the others)."""
        if all(f.end > now for f in self.faults):
            return
        keep = [i for i, f in enumerate(self.faults) if f.end > now]
        renumber = {old: new for new, old in enumerate(keep)}
        self.faults = [self.faults[i] for i in keep]
        self.stuck = {renumber[i]: v for i, v in self.stuck.items() if i in renumber}
        self.fired = {renumber[i] for i in self.fired if i in renumber}

    def _surged(self, fault: Fault) -> list[int]:
        if fault.sensor_id:
            return [self.channels.index(fault.sensor_id)]
        wanted = SURGE_KIND[fault.kind]
        return [c for c, kind in enumerate(self.kinds) if kind is wanted]
