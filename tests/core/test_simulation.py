"""The built-in city simulation: deterministic stepping, scale, realism, and its thread runner."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import threading
import time

import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon

from console.core.bus import EventBus
from console.core.clock import CompressedClock, ManualClock
from console.core.codec import PayloadError, decode_payload
from console.core.events import (
    BridgeReading,
    Event,
    HotlineCall,
    IotStationReport,
    PayloadQuarantined,
    TheftAlarm,
    TrafficViolation,
    VehicleBatch,
    VehicleClass,
    ViolationKind,
    describe,
)
from console.core.paths import city_dir
from console.core.sim import (
    CitySimulation,
    ExternalRecord,
    SimStep,
    SimulationConfig,
    SimulationSource,
    simulation_config,
)
from console.core.sim.daycycle import local_hour
from console.core.sim.geo import KM_PER_DEG_LAT
from console.core.sim.plates import plate_for

START = 1_767_196_800.0  # 2026-01-01 00:00 in Bengbu (UTC+8)
# Roughly the city's extent, with two corners cut away so that it is not convex.
BOUNDARY = Polygon(
    [
        (116.74, 32.72),
        (118.07, 32.72),
        (118.07, 33.30),
        (117.60, 33.30),
        (117.60, 33.50),
        (117.00, 33.50),
        (117.00, 33.20),
        (116.74, 33.20),
    ]
)
BRIDGES = [
    ("jiefang_road", 117.380, 32.965),
    ("chaoyang_road", 117.335, 32.950),
    ("g104", 117.895, 33.120),
]
FULL_FLEET = {
    VehicleClass.TAXI: 2_606,
    VehicleClass.LINER_BUS: 1_025,
    VehicleClass.TOURIST_BUS: 128,
    VehicleClass.CARGO: 48_852,
}


def _config(seed: int = 552, small: bool = False, bridges: bool = True) -> SimulationConfig:
    config = simulation_config(
        city_dir("bengbu"),
        BOUNDARY,
        BRIDGES,
        {"taxi": 2_606, "liner_bus": 1_025, "tourist_bus": 128, "cargo": 48_852},
        iot_station_count=3_700,
        hotline_calls_per_day=150.0,
        seed=seed,
    )
    if small:  # for day-long runs of the parts that do not depend on fleet size
        config = dataclasses.replace(
            config, fleet={vc: 30 for vc in VehicleClass}, iot_station_count=60
        )
    if not bridges:  # bridges sample every second: day-long runs of other parts leave them out
        config = dataclasses.replace(config, bridges=())
    return config


@pytest.fixture(scope="module")
def city() -> CitySimulation:
    """A full-scale city stepped through an hour (shared, read-only afterwards)."""
    sim = CitySimulation(_config(), START + 7 * 3600)
    for k in range(1, 121):
        sim.step(START + 7 * 3600 + 30.0 * k)
    return sim


def _fingerprint(event: Event) -> tuple[object, ...]:
    if isinstance(event, VehicleBatch):
        digest = hashlib.sha256()
        for array in (event.ids, event.lon, event.lat, event.speed_kmh, event.heading_deg):
            digest.update(array.tobytes())
        return (event.TOPIC, event.ts, event.batch_id, digest.hexdigest())
    return tuple(describe(event).items())


def _run(seed: int, steps: int, dt: float = 10.0) -> list[tuple[object, ...]]:
    sim = CitySimulation(_config(seed), START + 8 * 3600)
    out: list[tuple[object, ...]] = []
    for k in range(1, steps + 1):
        result = sim.step(START + 8 * 3600 + dt * k)
        out.extend(_fingerprint(e) for e in result.events)
        out.extend((r.source, r.topic, r.payload) for r in result.external)
    return out


# ---- Determinism


def test_same_seed_same_events_different_seed_different_events() -> None:
    first = _run(7, 60)
    assert len(first) > 60
    assert _run(7, 60) == first
    assert _run(8, 60) != first


# ---- Scale, boundary, speeds


def test_fleet_has_the_city_scale_per_class(city: CitySimulation) -> None:
    snapshot = city.snapshot()
    counts = np.bincount(snapshot.classes, minlength=4)
    assert {VehicleClass(c): int(n) for c, n in enumerate(counts)} == FULL_FLEET
    assert np.unique(snapshot.ids).size == len(snapshot) == sum(FULL_FLEET.values())
    assert snapshot.lon.dtype == np.float32
    assert snapshot.ids.dtype == np.int32
    assert snapshot.classes.dtype == np.uint8


def test_batches_cover_every_vehicle_at_each_class_interval() -> None:
    sim = CitySimulation(_config(), START)
    seen: dict[str, list[float]] = {}
    ids: set[int] = set()
    for k in range(1, 61):
        for event in sim.step(START + k).events:
            if isinstance(event, VehicleBatch):
                seen.setdefault(event.batch_id, []).append(event.ts)
                ids.update(event.ids.tolist())
                assert len(event) <= sim.config.max_batch_size
    assert len(ids) == sum(FULL_FLEET.values())
    # the first step reports everyone at once, then each class at its interval
    assert np.diff(seen["taxi"]).tolist() == [4.0] + [5.0] * 11
    assert set(np.diff(seen["liner_bus"]).tolist()) == {9.0, 10.0}
    assert np.diff(seen["cargo.0"]).tolist() == [29.0, 30.0]
    assert seen["cargo.1"][0] == START + 5.0  # slices are staggered
    assert sum(1 for b in seen if b.startswith("cargo.")) == 6


def test_vehicles_stay_inside_the_boundary(city: CitySimulation) -> None:
    snapshot = city.snapshot()
    assert shapely.contains_xy(BOUNDARY, snapshot.lon, snapshot.lat).all()
    sim = CitySimulation(_config(seed=3), START)
    sim.step(START + 6 * 3600)  # one huge step, as after a pause
    for k in range(1, 31):
        sim.step(START + 6 * 3600 + 60.0 * k)
    snapshot = sim.snapshot()
    assert shapely.contains_xy(BOUNDARY, snapshot.lon, snapshot.lat).all()


def test_speeds_are_plausible_per_class(city: CitySimulation) -> None:
    snapshot = city.snapshot()
    speed = snapshot.speed_kmh
    assert (speed >= 0).all()

    def of(vc: VehicleClass) -> np.ndarray:
        return np.asarray(speed[snapshot.classes == vc])

    taxi, liner, cargo = of(VehicleClass.TAXI), of(VehicleClass.LINER_BUS), of(VehicleClass.CARGO)
    assert taxi.max() <= 80.0
    assert np.percentile(taxi, 95) <= 60.0
    assert 0.05 < np.mean(taxi == 0) < 0.6
    assert liner.max() <= 95.0
    assert 25.0 <= np.median(liner[liner > 0]) <= 60.0
    assert cargo.max() <= 105.0
    assert 30.0 <= np.median(cargo[cargo > 0]) <= 80.0
    assert 0.2 < np.mean(cargo == 0) < 0.8
    assert np.percentile(of(VehicleClass.TOURIST_BUS), 99) <= 80.0


def test_taxis_concentrate_in_the_urban_core(city: CitySimulation) -> None:
    snapshot = city.snapshot()
    taxi = snapshot.classes == VehicleClass.TAXI
    km_east = (snapshot.lon[taxi] - 117.38) * 93.4
    km_north = (snapshot.lat[taxi] - 32.93) * KM_PER_DEG_LAT
    assert np.mean(np.hypot(km_east, km_north) < 12.0) > 0.75


def test_speed_and_heading_agree_with_displacement(city: CitySimulation) -> None:
    sim = CitySimulation(_config(seed=11), START + 10 * 3600)
    sim.step(START + 10 * 3600 + 60)
    before = sim.snapshot()
    sim.step(START + 10 * 3600 + 70)
    after = sim.snapshot()
    same_leg = (
        (before.speed_kmh > 0)
        & (before.speed_kmh == after.speed_kmh)
        & (before.heading_deg == after.heading_deg)
    )
    assert same_leg.sum() > 10_000
    km_per_deg_lon = sim.area.km_per_deg_lon
    dx = (after.lon[same_leg].astype(float) - before.lon[same_leg]) * km_per_deg_lon
    dy = (after.lat[same_leg].astype(float) - before.lat[same_leg]) * KM_PER_DEG_LAT
    moved_km = np.hypot(dx, dy)
    expected_km = before.speed_kmh[same_leg] * 10.0 / 3600.0
    # float32 positions are good to about a metre; legs ending mid-step move less
    within = np.abs(moved_km - expected_km) < 0.005
    assert within.mean() > 0.97
    bearing = np.degrees(np.arctan2(dx, dy)) % 360.0
    diff = np.abs((bearing - before.heading_deg[same_leg] + 180.0) % 360.0 - 180.0)
    assert np.median(diff[within & (moved_km > 0.05)]) < 1.0


def test_a_full_step_is_fast(city: CitySimulation) -> None:
    sim = CitySimulation(_config(seed=5), START)
    sim.step(START + 10)
    began = time.perf_counter()
    for k in range(2, 22):
        sim.step(START + 10.0 * k)
    per_step = (time.perf_counter() - began) / 20
    assert per_step < 0.05  # a few ms on a desktop; generous for slow CI machines


# ---- Plates


def test_plates_are_unique_bengbu_plates(city: CitySimulation) -> None:
    plates = [city.plate(v) for v in range(len(city.fleet))]
    assert len(set(plates)) == len(plates)
    assert all(p.startswith("皖C") and len(p) == 7 for p in plates)
    assert city.plate(42) == plate_for("皖C", 42)
    assert city.operator(0) in city.config.taxi_operators
    last = len(city.fleet) - 1  # a lorry
    assert city.operator(last) in city.config.fleet_operators[city.vehicle_class(last)]


# ---- IoT, detections, hotline (a small fleet: these do not depend on its size)


def test_iot_stations_each_report_once_per_interval() -> None:
    sim = CitySimulation(_config(), START + 12 * 3600)
    assert len(sim.iot) == 3_700
    reports: list[IotStationReport] = []
    for k in range(1, 31):  # one 300 s report interval, 10 s steps
        reports.extend(
            e
            for e in sim.step(START + 12 * 3600 + 10.0 * k).events
            if isinstance(e, IotStationReport)
        )
    assert sorted(r.station_id for r in reports) == list(range(3_700))
    assert max(sum(1 for r in reports if r.ts == ts) for ts in {r.ts for r in reports}) <= 124
    inside = shapely.contains_xy(BOUNDARY, sim.iot.lon, sim.iot.lat)
    assert inside.all()


def test_a_day_of_thefts_violations_and_hotline_calls() -> None:
    sim = CitySimulation(_config(small=True, bridges=False), START)
    thefts: list[TheftAlarm] = []
    violations: list[TrafficViolation] = []
    records: list[ExternalRecord] = []
    for k in range(1, 1_441):  # one day in one-minute steps
        result = sim.step(START + 60.0 * k)
        thefts.extend(e for e in result.events if isinstance(e, TheftAlarm))
        violations.extend(e for e in result.events if isinstance(e, TrafficViolation))
        records.extend(result.external)
    assert 110 <= len(records) <= 190  # about 150 a day
    assert 3 <= len(thefts) <= 30
    assert 70 <= len(violations) <= 250
    assert {v.kind for v in violations} == {ViolationKind.SPEEDING, ViolationKind.CROSS_LINE}
    assert all(v.plate.startswith("皖C") for v in violations)
    assert all(v.value > v.limit for v in violations)
    assert len({v.alarm_id for v in violations}) == len(violations)
    stations = sim.iot
    assert all(
        (t.lon, t.lat) == (stations.lon[t.station_id], stations.lat[t.station_id]) for t in thefts
    )
    calls: list[HotlineCall] = []
    rejected: list[str] = []
    for record in records:
        try:
            event = decode_payload(record.topic, record.payload, now=START + 86_400)
        except PayloadError as exc:
            rejected.append(exc.reason)
        else:
            assert isinstance(event, HotlineCall)
            calls.append(event)
    assert len(rejected) <= 12
    assert len({c.call_id for c in calls}) == len(calls)
    assert len({c.category for c in calls}) >= 6
    day = [local_hour(c.ts, 8 * 3600) for c in calls]
    assert sum(1 for h in day if 7 <= h < 21) > 3 * sum(1 for h in day if h < 6)


def test_hotline_gateway_sends_some_malformed_records() -> None:
    config = dataclasses.replace(_config(small=True, bridges=False), hotline_calls_per_day=6_000.0)
    sim = CitySimulation(config, START + 9 * 3600)
    reasons: list[str] = []
    total = 0
    for k in range(1, 241):
        for record in sim.step(START + 9 * 3600 + 60.0 * k).external:
            total += 1
            try:
                decode_payload(record.topic, record.payload)
            except PayloadError as exc:
                reasons.append(exc.reason)
    assert total > 400
    assert 0 < len(reasons) < total / 15
    assert any("missing field" in r or "malformed JSON" in r or "UTF-8" in r for r in reasons)


# ---- The thread runner


def _wait_for(condition: threading.Event, bus: EventBus, check: object, limit: int = 500) -> None:
    """Drain the bus until ``check()`` holds (bounded; waits on an Event, never sleeps)."""
    assert callable(check)
    for _ in range(limit):
        bus.drain()
        if check():
            return
        condition.wait(0.01)
    raise AssertionError("condition not met in time")


def test_runner_posts_to_a_real_bus_and_stops_promptly() -> None:
    clock = ManualClock(START + 8 * 3600)
    bus = EventBus(clock)
    sim = CitySimulation(_config(small=True), clock.now())
    source = SimulationSource(sim, bus, clock, tick_s=0.01)
    batches: list[Event] = []
    readings: list[Event] = []
    bus.subscribe(VehicleBatch, batches.extend)
    bus.subscribe(BridgeReading, readings.extend)
    source.start()
    assert source.running and source.name == "simulation"
    clock.advance(30.0)
    idle = threading.Event()
    _wait_for(idle, bus, lambda: len(readings) >= 3 and len(batches) >= 4)
    began = time.monotonic()
    source.stop()
    assert time.monotonic() - began < 1.0
    assert not source.running
    source.stop()  # idempotent
    steps = source.steps
    clock.advance(30.0)
    assert not source.wait_for_steps(steps + 1, timeout=0.05)


def test_runner_with_compressed_clock_advances_simulated_time() -> None:
    clock = CompressedClock(START + 8 * 3600, factor=600.0)
    bus = EventBus(clock)
    sim = CitySimulation(_config(small=True), clock.now())
    source = SimulationSource(sim, bus, clock, tick_s=0.01)
    readings: list[Event] = []
    bus.subscribe(BridgeReading, readings.extend)
    source.start()
    try:
        _wait_for(threading.Event(), bus, lambda: len(readings) >= 6)
    finally:
        source.stop()
    assert sim.now > START + 8 * 3600 + 10.0


class _GatewayOnly:
    """A stepper that replays fixed hotline records (two good, two bad) once."""

    def __init__(self) -> None:
        good = describe(HotlineCall(START, "c1", "road_damage", "Pothole", 117.38, 32.93))
        self.records = [
            ExternalRecord("12328-gateway", HotlineCall.TOPIC, repr(good).replace("'", '"')),
            ExternalRecord("12328-gateway", HotlineCall.TOPIC, '{"v": 1, "ts": '),
            ExternalRecord("12328-gateway", HotlineCall.TOPIC, b"\xff{}"),
        ]

    def step(self, now: float) -> SimStep:
        records, self.records = self.records, []
        return SimStep(external=records)


def test_runner_quarantines_bad_records_and_posts_good_ones() -> None:
    clock = ManualClock(START)
    bus = EventBus(clock)
    source = SimulationSource(_GatewayOnly(), bus, clock, tick_s=0.01)
    calls: list[Event] = []
    quarantined: list[Event] = []
    bus.subscribe(HotlineCall, calls.extend)
    bus.subscribe(PayloadQuarantined, quarantined.extend)
    source.start()
    try:
        _wait_for(threading.Event(), bus, lambda: len(calls) + len(quarantined) >= 3)
    finally:
        source.stop()
    assert len(calls) == 1
    reasons = [q.reason for q in quarantined if isinstance(q, PayloadQuarantined)]
    assert len(reasons) == 2
    assert reasons[0].startswith("malformed JSON")
    assert reasons[1].startswith("invalid UTF-8")
    assert bus.quarantine.count == 2


class _Broken:
    """A stepper that fails on its second step."""

    def __init__(self) -> None:
        self.calls = 0

    def step(self, now: float) -> SimStep:
        self.calls += 1
        if self.calls == 2:
            raise RuntimeError("sensor table corrupt")
        return SimStep()


def test_a_failing_source_logs_at_error_and_stops(caplog: pytest.LogCaptureFixture) -> None:
    clock = ManualClock(START)
    source = SimulationSource(_Broken(), EventBus(clock), clock, tick_s=0.001, name="broken")
    with caplog.at_level(logging.ERROR):
        source.start()
        assert not source.wait_for_steps(5, timeout=5.0)
        source.stop()
    assert not source.running
    assert isinstance(source.error, RuntimeError)
    assert any(r.levelno == logging.ERROR and "broken" in r.getMessage() for r in caplog.records)
