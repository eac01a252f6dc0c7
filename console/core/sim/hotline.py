"""The 12328 transport hotline gateway: calls arrive as JSON records, as a real system sends them.

Calls follow a Poisson process whose rate follows the daily cycle (thinning of
exponential inter-arrival times drawn from the seeded generator), about
``calls_per_day`` a day. Each call is written as a JSON record; a small share
of records come out malformed (missing coordinates, a garbled field, cut short,
bad bytes), as real gateways sometimes do, so the quarantine path is exercised.
The records are decoded at the edge by :func:`console.core.codec.decode_payload`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from console.core.events import HotlineCall, VehicleClass
from console.core.sim.daycycle import local_hour, mean_traffic_intensity, traffic_intensity
from console.core.sim.geo import CityArea, FloatArray

VehicleLocator = Callable[[VehicleClass], tuple[str, float, float] | None]
"""Gives the plate and position of some vehicle of a class, or None."""


@dataclass(frozen=True, slots=True)
class ExternalRecord:
    """A payload as received from an external system, before validation."""

    source: str
    topic: str
    payload: str | bytes


@dataclass(frozen=True, slots=True)
class CallCategory:
    """A kind of hotline call, how common it is and what it usually says."""

    name: str
    weight: float
    vehicle_class: VehicleClass | None
    summaries: tuple[str, ...]


CATEGORIES: tuple[CallCategory, ...] = (
    CallCategory(
        "taxi_refusal",
        0.15,
        VehicleClass.TAXI,
        (
            "Taxi {plate} refused to take a passenger",
            "Taxi {plate} refused a short trip",
        ),
    ),
    CallCategory(
        "taxi_overcharge",
        0.13,
        VehicleClass.TAXI,
        (
            "Taxi {plate} did not use the meter",
            "Taxi {plate} charged more than the meter showed",
        ),
    ),
    CallCategory(
        "lost_property",
        0.13,
        VehicleClass.TAXI,
        (
            "Passenger left a phone in taxi {plate}",
            "Passenger left a bag in taxi {plate}",
        ),
    ),
    CallCategory(
        "bus_service",
        0.14,
        VehicleClass.LINER_BUS,
        (
            "Liner bus {plate} left the station early",
            "Liner bus {plate} skipped a stop",
            "Liner bus {plate} overcrowded",
        ),
    ),
    CallCategory(
        "tourist_bus",
        0.03,
        VehicleClass.TOURIST_BUS,
        ("Tourist bus {plate} changed the itinerary without notice",),
    ),
    CallCategory(
        "cargo_complaint",
        0.10,
        VehicleClass.CARGO,
        (
            "Cargo vehicle {plate} dropping its load on the road",
            "Cargo vehicle {plate} driving dangerously",
        ),
    ),
    CallCategory(
        "road_damage",
        0.12,
        None,
        (
            "Pothole in the carriageway",
            "Damaged road surface after heavy trucks",
        ),
    ),
    CallCategory(
        "illegal_operation",
        0.10,
        None,
        (
            "Unlicensed car soliciting passengers",
            "Unlicensed motor tricycle carrying passengers",
        ),
    ),
    CallCategory(
        "station_service", 0.06, None, ("Ticket office at the passenger station closed early",)
    ),
    CallCategory("suggestion", 0.04, None, ("Asks for a new bus stop near a residential area",)),
)
"""Hotline call categories with their shares of all calls."""

_CATEGORY_P = np.array([c.weight for c in CATEGORIES]) / sum(c.weight for c in CATEGORIES)
_MALFORMATIONS = ("missing_coordinates", "garbled_field", "truncated", "bad_bytes", "swapped")


class HotlineGateway:
    """Produces 12328 call records (JSON) with Poisson arrivals."""

    source = "12328-gateway"

    def __init__(
        self,
        area: CityArea,
        places: FloatArray,
        locate: VehicleLocator,
        rng: np.random.Generator,
        start: float,
        *,
        calls_per_day: float = 150.0,
        malformed_share: float = 1.0 / 60.0,
        utc_offset_s: float = 8 * 3600.0,
    ) -> None:
        self.area = area
        self.places = places
        self.locate = locate
        self.rng = rng
        self.malformed_share = malformed_share
        self.utc_offset_s = utc_offset_s
        self.peak_rate_s = calls_per_day / 86_400.0 / mean_traffic_intensity()
        self.next_candidate = start + self._gap()
        self.seq = 0

    def _gap(self) -> float:
        if self.peak_rate_s <= 0:
            return float("inf")
        return float(self.rng.exponential(1.0 / self.peak_rate_s))

    def step(self, now: float) -> list[ExternalRecord]:
        """Records of the calls that arrived up to ``now``."""
        out: list[ExternalRecord] = []
        while self.next_candidate <= now:
            ts = self.next_candidate
            self.next_candidate += self._gap()
            if self.rng.random() < traffic_intensity(local_hour(ts, self.utc_offset_s)):
                out.append(self._record(ts))
        return out

    def _record(self, ts: float) -> ExternalRecord:
        rng = self.rng
        category = CATEGORIES[int(rng.choice(len(CATEGORIES), p=_CATEGORY_P))]
        summary = category.summaries[int(rng.integers(0, len(category.summaries)))]
        found = self.locate(category.vehicle_class) if category.vehicle_class is not None else None
        if found is not None:
            plate, lon, lat = found
        else:
            plate = "unknown"
            place = self.places[int(rng.integers(0, self.places.shape[0]))]
            near = self.area.sample_near(rng, place[:1], place[1:], np.array([1.5]))
            lon, lat = float(near[0][0]), float(near[1][0])
        self.seq += 1
        day = datetime.fromtimestamp(ts + self.utc_offset_s, tz=UTC).strftime("%Y%m%d")
        record: dict[str, Any] = {
            "topic": HotlineCall.TOPIC,
            "v": HotlineCall.VERSION,
            "ts": round(ts, 3),
            "call_id": f"12328-{day}-{self.seq:05d}",
            "category": category.name,
            "summary": summary.format(plate=plate),
            "lon": round(lon, 6),
            "lat": round(lat, 6),
        }
        if rng.random() < self.malformed_share:
            return ExternalRecord(self.source, HotlineCall.TOPIC, self._malform(record))
        text = json.dumps(record, ensure_ascii=False)
        return ExternalRecord(self.source, HotlineCall.TOPIC, text)

    def _malform(self, record: dict[str, Any]) -> str | bytes:
        how = _MALFORMATIONS[int(self.rng.integers(0, len(_MALFORMATIONS)))]
        if how == "missing_coordinates":
            del record["lon"], record["lat"]
        elif how == "garbled_field":
            record["lat"] = f"{record['lat']:.2f}°N"
        elif how == "swapped":
            record["lon"], record["lat"] = record["lat"], record["lon"]
        text = json.dumps(record, ensure_ascii=False)
        if how == "truncated":
            return text[: len(text) // 2]
        if how == "bad_bytes":
            raw = text.encode("utf-8")
            return raw[:20] + b"\xff\xfe" + raw[20:]
        return text
