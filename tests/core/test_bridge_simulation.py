"""The simulated bridges: every channel each second, daily cycles, trucks, vessels and faults."""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Sequence

import numpy as np
import pytest

from console.core.bridges.config import BridgeInstruments, SensorKind
from console.core.city.city import City
from console.core.events import (
    AxleWeighing,
    BridgeAlarm,
    BridgeChannels,
    BridgeReading,
    Event,
    VehicleClass,
    VesselPosition,
    WarningLevel,
    describe,
)
from console.core.paths import city_dir
from console.core.sim import CitySimulation, SimulationConfig, simulation_config
from console.core.sim.bridge_faults import Fault, FaultKind
from console.core.sim.bridges import BridgeSimulation
from console.core.sim.daycycle import local_hour
from console.core.sim.plates import plate_for
from console.core.sim.vessels import METRES_PER_DEGREE
from console.core.sim.wim import LEGAL_GROSS_T, TruckMix, WeighStations, plate_picker
from console.core.sites import load_sites

DAY = 86_400.0
WINTER = 1_767_196_800.0 + 14 * DAY  # 2026-01-15 00:00 in Bengbu (UTC+8)
SUMMER = 1_767_196_800.0 + 195 * DAY  # 2026-07-15 00:00 in Bengbu
HOUR = 3_600.0
PLATES = plate_picker(lambda vid: plate_for("皖C", vid), {})


@pytest.fixture(scope="module")
def config(city: City) -> SimulationConfig:
    """Bengbu's simulation with its bridges and weigh stations, as the runtime builds it."""
    directory = city_dir("bengbu")
    sites = load_sites(directory, city)
    return simulation_config(
        directory,
        city.boundary,
        [(b.bridge_id, b.lon, b.lat) for b in city.bridges],
        {"taxi": 20, "liner_bus": 20, "tourist_bus": 5, "cargo": 40},
        iot_station_count=50,
        hotline_calls_per_day=150.0,
        seed=552,
        weigh_stations=[(s.station_id, s.lon, s.lat) for s in sites.weigh_stations],
    )


def _bridges(config: SimulationConfig, start: float, seed: int = 552) -> BridgeSimulation:
    return BridgeSimulation(config, np.random.SeedSequence(seed), start, PLATES)


def _run(sim: BridgeSimulation, start: float, seconds: float, step: float = 60.0) -> list[Event]:
    out: list[Event] = []
    t = start
    while t < start + seconds:
        t = min(t + step, start + seconds)
        out.extend(sim.step(t))
    return out


def _channels(events: Sequence[Event], bridge_id: str) -> tuple[np.ndarray, np.ndarray]:
    """Sample times and the (samples, channels) values of one bridge."""
    rows = [e for e in events if isinstance(e, BridgeChannels) and e.bridge_id == bridge_id]
    return np.array([e.ts for e in rows]), np.array([e.values for e in rows])


def _column(instruments: BridgeInstruments, sensor_id: str) -> int:
    return [s.sensor_id for s in instruments.sensors].index(sensor_id)


def _window(sim: BridgeSimulation, day: float, hour: float, minutes: float) -> list[Event]:
    """Jump to ``hour`` of ``day`` (the bridges resume as usual there) and run ``minutes``."""
    start = day + hour * HOUR
    sim.step(start)
    return _run(sim, start, minutes * 60.0)


def _across_and_distance(instruments: BridgeInstruments, v: VesselPosition) -> tuple[float, float]:
    channel = instruments.channel
    east = (v.lon - channel.lon) * METRES_PER_DEGREE * math.cos(math.radians(channel.lat))
    north = (v.lat - channel.lat) * METRES_PER_DEGREE
    rad = math.radians(channel.bearing_deg)
    return east * math.cos(rad) - north * math.sin(rad), math.hypot(east, north)


# ---- Channels and the summary


def test_every_sensor_is_sampled_every_second_and_summarised_every_ten(
    config: SimulationConfig,
) -> None:
    sim = _bridges(config, SUMMER)
    events = _run(sim, SUMMER, 120.0)
    assert not any(isinstance(e, BridgeAlarm) for e in events)
    for bridge_id, instruments in config.bridge_monitoring.bridges.items():
        samples = [e for e in events if isinstance(e, BridgeChannels) and e.bridge_id == bridge_id]
        assert [e.ts for e in samples] == [SUMMER + k for k in range(1, 121)]
        assert all(e.channels == tuple(s.sensor_id for s in instruments.sensors) for e in samples)
        assert all(math.isfinite(v) for e in samples for v in e.values)
        by_ts = {e.ts: e for e in samples}
        readings = [e for e in events if isinstance(e, BridgeReading) and e.bridge_id == bridge_id]
        assert [r.ts for r in readings] == [SUMMER + 10.0 * k for k in range(1, 13)]
        strain = [i for i, s in enumerate(instruments.sensors) if s.kind is SensorKind.STRAIN]
        vessels = _column(instruments, "vessels")
        for reading in readings:
            values = by_ts[reading.ts].values
            assert reading.strain_ue == pytest.approx(max(values[i] for i in strain), abs=0.051)
            assert reading.vessels_below == values[vessels]
            assert reading.deck_vehicles_up >= 0 and reading.deck_vehicles_down >= 0


def test_counters_follow_the_daily_cycle_inbound_in_the_morning(config: SimulationConfig) -> None:
    sim = _bridges(config, SUMMER)
    jiefang = config.bridge_monitoring.bridge("jiefang_road")
    up, down = _column(jiefang, "count_up"), _column(jiefang, "count_down")
    flows: dict[float, tuple[float, float]] = {}
    for hour in (3.0, 8.0, 13.0, 18.0):
        _, values = _channels(_window(sim, SUMMER, hour, 20), "jiefang_road")
        flows[hour] = (float(values[:, up].mean()), float(values[:, down].mean()))
    total = {hour: sum(flow) for hour, flow in flows.items()}
    assert total[3.0] < 0.25 * total[8.0]
    assert total[13.0] < total[8.0] and total[13.0] < total[18.0]
    # the city centre lies south of the river: southbound (down) is inbound
    assert flows[8.0][1] > 1.2 * flows[8.0][0]
    assert flows[18.0][0] > 1.2 * flows[18.0][1]


def test_deflection_follows_the_deck_temperature_and_corrects_to_quiet(
    config: SimulationConfig,
) -> None:
    sim = _bridges(config, WINTER)
    deck_column = _column(config.bridge_monitoring.bridge("jiefang_road"), "temp_deck")
    for day in (WINTER, SUMMER):
        samples: dict[str, list[tuple[float, ...]]] = {}
        deck_at: dict[int, float] = {}
        for hour in range(0, 24, 3):
            events = _window(sim, day, hour + 0.5, 5)
            for bridge_id in config.bridge_monitoring.bridges:
                _, values = _channels(events, bridge_id)
                samples.setdefault(bridge_id, []).extend(map(tuple, values))
            deck_at[hour] = float(_channels(events, "jiefang_road")[1][:, deck_column].mean())
        assert deck_at[15] > deck_at[3] + 5.0 and deck_at[15] > deck_at[9]  # warm afternoons
        for bridge_id, rows in samples.items():
            instruments = config.bridge_monitoring.bridge(bridge_id)
            values = np.array(rows)
            deck = values[:, _column(instruments, "temp_deck")]
            assert deck.max() > values[:, _column(instruments, "temp_air")].max()
            for i, sensor in enumerate(instruments.sensors):
                reading = values[:, i]
                if sensor.temperature is not None:
                    assert np.corrcoef(reading, deck)[0, 1] > 0.8
                    reading = np.vectorize(sensor.temperature.correct)(reading, deck)
                    assert reading.std() < 0.5 * values[:, i].std()
                if sensor.thresholds is None or sensor.kind is SensorKind.WEIGH_IN_MOTION:
                    continue
                levels = {sensor.thresholds.level_of(float(r)) for r in reading}
                assert levels == {None}, f"{bridge_id} {sensor.sensor_id} warns on a normal day"
    assert 35.0 < max(deck_at.values()) < 55.0  # a summer afternoon


# ---- Weigh-in-motion


def test_truck_weights_are_mostly_legal_with_a_few_overloaded() -> None:
    mix = TruckMix(0.03)
    rng = np.random.default_rng(5)
    kinds, gross = mix.draw(rng, 200_000)
    assert gross.min() > 3.5
    assert 0.02 <= np.mean(gross > LEGAL_GROSS_T) <= 0.04
    assert np.mean(gross > 55.0) < 0.003
    assert 10.0 < float(np.median(gross)) < 35.0
    for kind, weight in zip(kinds[:2_000].tolist(), gross[:2_000].tolist(), strict=True):
        axles = mix.axles(rng, kind, weight)
        assert len(axles) == len(mix.types[kind].axle_split)
        assert min(axles) > 0
        assert sum(axles) == pytest.approx(weight, abs=0.006)


def test_heavy_vehicles_on_the_deck_are_weighed_and_recorded(config: SimulationConfig) -> None:
    sim = _bridges(config, SUMMER)
    events = _window(sim, SUMMER, 10.0, 30)
    records = [e for e in events if isinstance(e, AxleWeighing)]
    assert len(records) > 100
    for bridge_id, instruments in config.bridge_monitoring.bridges.items():
        times, values = _channels(events, bridge_id)
        row = {float(t): i for i, t in enumerate(times)}
        for record in (r for r in records if r.site_id == bridge_id):
            assert record.gross_t > 3.5
            assert sum(record.axle_loads_t) == pytest.approx(record.gross_t, abs=1e-6)
            assert record.plate[0] in "皖苏豫鲁鄂" and len(record.plate) == 7
            assert record.vehicle_class in (VehicleClass.CARGO, VehicleClass.LINER_BUS)
            heaviest = values[row[record.ts], _column(instruments, f"wim_{record.direction}")]
            assert heaviest >= record.gross_t - 0.005
    assert len({r.record_id for r in records}) == len(records)


def test_weigh_stations_weigh_trucks_and_a_few_per_hour_are_overloaded(
    config: SimulationConfig,
) -> None:
    stations = {s.station_id: s for s in config.weigh_stations}
    assert len(stations) == 7
    start = SUMMER + 10 * HOUR
    checkpoints = WeighStations(
        config.weigh_stations,
        TruckMix(config.weigh_station_overload_share, buses=False),
        PLATES,
        np.random.default_rng(3),
        start,
        trucks_per_hour=config.weigh_station_trucks_per_hour,
    )
    weighed = [r for k in range(1, 361) for r in checkpoints.step(start + 60.0 * k)]
    assert all(isinstance(r, AxleWeighing) for r in weighed)
    assert 6 * 7 * 15 < len(weighed) < 6 * 7 * 45
    overloaded = [r for r in weighed if isinstance(r, AxleWeighing) and r.gross_t > LEGAL_GROSS_T]
    assert 1.0 <= len(overloaded) / 6.0 <= 10.0  # a few per hour, city-wide
    assert {r.site_id for r in weighed if isinstance(r, AxleWeighing)} == set(stations)
    for record in weighed:
        assert isinstance(record, AxleWeighing) and record.vehicle_class is VehicleClass.CARGO
        assert (record.lon, record.lat) == (
            stations[record.site_id].lon,
            stations[record.site_id].lat,
        )
    late = checkpoints.step(start + 30 * HOUR)  # after a long gap: only the last two minutes
    assert late and all(r.ts > start + 30 * HOUR - 120.0 for r in late)


# ---- Vessels


def test_vessels_sail_along_the_channel_and_leave_the_zone(config: SimulationConfig) -> None:
    quiet = dataclasses.replace(config, off_course_vessels_per_bridge_week=0.0)
    sim = _bridges(quiet, SUMMER)
    day = _window(sim, SUMMER, 10.0, 120)
    night = _window(sim, SUMMER + DAY, 1.0, 120)
    day_vessels = [e for e in day if isinstance(e, VesselPosition)]
    night_vessels = [e for e in night if isinstance(e, VesselPosition)]
    assert len({v.vessel_id for v in day_vessels}) > 1.5 * len({v.vessel_id for v in night_vessels})
    tracks: dict[str, list[VesselPosition]] = {}
    for report in day_vessels:
        tracks.setdefault(report.vessel_id, []).append(report)
    left = 0
    for vessel_id, track in tracks.items():
        instruments = config.bridge_monitoring.bridge(track[0].bridge_id)
        channel = instruments.channel
        assert vessel_id.startswith("41") and len(vessel_id) == 9
        assert track[0].name[:1] in "皖苏豫" and track[0].name[-4:].isdigit()
        assert np.diff([r.ts for r in track]).tolist() == [10.0] * (len(track) - 1)
        for report in track:
            across, distance = _across_and_distance(instruments, report)
            assert abs(across) <= channel.width_m / 2.0
            assert distance <= 2_000.0
            assert 5.0 <= report.speed_kn <= 10.0
            heading = (report.course_deg - channel.bearing_deg) % 180.0
            assert min(heading, 180.0 - heading) < 1.0
        first, last = (_across_and_distance(instruments, r)[1] for r in (track[0], track[-1]))
        if first > 1_850.0 and last > 1_850.0 and track[-1].ts < day[-1].ts - 60.0:
            left += 1  # came in at one end, went out at the other
    assert left >= 5


def test_rare_natural_off_course_vessels_stray_inside_the_alarm_zone(
    config: SimulationConfig,
) -> None:
    sim = _bridges(config, SUMMER)
    traffic = sim.bridges["g104"].vessels
    daily = DAY * np.mean([traffic.rate_at(SUMMER + h * HOUR) for h in np.arange(0, 24, 0.25)])
    per_week = traffic.off_course_p * 7 * daily
    assert per_week == pytest.approx(config.off_course_vessels_per_bridge_week, rel=0.02)
    straying = dataclasses.replace(config, off_course_vessels_per_bridge_week=10_000.0)
    sim = _bridges(straying, SUMMER)
    reports = [e for e in _window(sim, SUMMER, 10.0, 60) if isinstance(e, VesselPosition)]
    instruments = config.bridge_monitoring.bridge("g104")
    off = [
        r
        for r in reports
        if r.bridge_id == "g104"
        and abs(_across_and_distance(instruments, r)[0]) > instruments.channel.width_m / 2.0
    ]
    assert off, "a straying vessel leaves the channel"
    assert min(_across_and_distance(instruments, r)[1] for r in off) < 500.0


# ---- Scripted faults


def _fault_runs(
    config: SimulationConfig, fault: Fault, seconds: float = 900.0
) -> tuple[list[Event], list[Event]]:
    """Events of the same bridges with and without ``fault`` (10:00 on a summer day)."""
    start = SUMMER + 10 * HOUR
    plain, faulty = _bridges(config, start), _bridges(config, start)
    faulty.inject(fault)
    return _run(plain, start, seconds, step=6.0), _run(faulty, start, seconds, step=6.0)


FAULT_START = SUMMER + 10 * HOUR + 300.0


@pytest.mark.parametrize(
    ("kind", "sensor", "changed", "size"),
    [
        (FaultKind.SENSOR_DRIFT, "deflection_s2_mid", ("deflection_s2_mid",), 20.0),
        (FaultKind.DEFLECTION_SURGE, "", ("deflection_s2_mid", "deflection_s3_mid"), 70.0),
        (FaultKind.STRAIN_SURGE, "", ("strain_s1_mid", "strain_s2_mid", "strain_s2_pier"), 140.0),
        (FaultKind.SENSOR_STUCK, "strain_s2_mid", ("strain_s2_mid",), 0.0),
        (FaultKind.SENSOR_OFFLINE, "accel_s2_mid", ("accel_s2_mid",), 0.0),
    ],
)
def test_sensor_faults_show_from_their_start_and_end_after_their_duration(
    config: SimulationConfig, kind: FaultKind, sensor: str, changed: tuple[str, ...], size: float
) -> None:
    fault = Fault(kind, "g104", FAULT_START, 240.0, sensor_id=sensor)
    plain, faulty = _fault_runs(config, fault)
    instruments = config.bridge_monitoring.bridge("g104")
    times, before = _channels(plain, "g104")
    _, after = _channels(faulty, "g104")
    active = (times >= fault.start) & (times < fault.end)
    assert active.sum() == 240
    others = [i for i, s in enumerate(instruments.sensors) if s.sensor_id not in changed]
    np.testing.assert_array_equal(after[:, others], before[:, others])
    for sensor_id in changed:
        i = _column(instruments, sensor_id)
        np.testing.assert_array_equal(after[~active, i], before[~active, i])
        if kind is FaultKind.SENSOR_OFFLINE:
            assert np.isnan(after[active, i]).all()
        elif kind is FaultKind.SENSOR_STUCK:
            assert set(after[active, i].tolist()) == {before[active, i][0]}
            assert len(set(before[active, i].tolist())) > 10
        else:
            ramp = (times[active] - fault.start) / fault.duration_s
            if kind is not FaultKind.SENSOR_DRIFT:
                ramp = np.ones_like(ramp)
            np.testing.assert_allclose(after[active, i] - before[active, i], size * ramp, atol=0.06)
    if kind in (FaultKind.DEFLECTION_SURGE, FaultKind.STRAIN_SURGE):
        deck = after[active, _column(instruments, "temp_deck")]
        for sensor_id in changed:
            spec = instruments.sensor(sensor_id)
            assert spec.thresholds is not None
            values = after[active, _column(instruments, sensor_id)]
            if spec.temperature is not None:
                values = values - spec.temperature.per_degree * (
                    deck - spec.temperature.reference_c
                )
            levels = {spec.thresholds.level_of(float(v)) for v in values}
            assert None not in levels
            assert max(levels) <= WarningLevel.SERIOUS  # level 2 or worse: a case


def test_an_overload_truck_is_weighed_at_its_start_and_has_left_by_its_end(
    config: SimulationConfig,
) -> None:
    fault = Fault(FaultKind.OVERLOAD_TRUCK, "chaoyang_road", FAULT_START, 120.0, direction="up")
    plain, faulty = _fault_runs(config, fault)
    instruments = config.bridge_monitoring.bridge("chaoyang_road")
    times, before = _channels(plain, "chaoyang_road")
    _, after = _channels(faulty, "chaoyang_road")
    at_start = int(np.flatnonzero(times == fault.start)[0])
    assert after[at_start, _column(instruments, "wim_up")] == 85.0
    truck = [e for e in faulty if isinstance(e, AxleWeighing) and e.gross_t == 85.0]
    assert len(truck) == 1 and truck[0].ts == fault.start and truck[0].direction == "up"
    assert sum(truck[0].axle_loads_t) == pytest.approx(85.0) and len(truck[0].axle_loads_t) == 6
    strain = _column(instruments, "strain_s2_mid")
    during = (times >= fault.start) & (times < fault.end)
    assert (after[during, strain] - before[during, strain]).max() > 10.0
    gone = times > fault.end
    np.testing.assert_array_equal(after[gone], before[gone])


def test_a_deck_accident_stops_one_direction_for_its_duration(config: SimulationConfig) -> None:
    fault = Fault(FaultKind.DECK_ACCIDENT, "jiefang_road", FAULT_START, 300.0, direction="down")
    plain, faulty = _fault_runs(config, fault)
    instruments = config.bridge_monitoring.bridge("jiefang_road")
    times, before = _channels(plain, "jiefang_road")
    _, after = _channels(faulty, "jiefang_road")
    up, down = _column(instruments, "count_up"), _column(instruments, "count_down")
    np.testing.assert_array_equal(after[:, up], before[:, up])
    np.testing.assert_array_equal(
        after[times < fault.start, down], before[times < fault.start, down]
    )
    assert before[times < fault.start, down].mean() > 10.0
    stopped = (times >= fault.start + 60.0) & (times < fault.end)
    assert after[stopped, down].max() == 0.0
    recovered = times >= fault.end + 120.0
    assert after[recovered, down].mean() > 10.0


def test_an_off_course_fault_puts_a_vessel_off_the_channel_inside_the_alarm_zone(
    config: SimulationConfig,
) -> None:
    fault = Fault(FaultKind.OFF_COURSE_VESSEL, "g104", FAULT_START, 300.0)
    plain, faulty = _fault_runs(config, fault)
    instruments = config.bridge_monitoring.bridge("g104")
    usual = {e.vessel_id for e in plain if isinstance(e, VesselPosition)}
    stray = [e for e in faulty if isinstance(e, VesselPosition) and e.vessel_id not in usual]
    assert stray and stray[0].ts >= fault.start
    half_width = instruments.channel.width_m / 2.0
    early = [r for r in stray if fault.start + 60.0 <= r.ts < fault.end - 60.0]
    assert early
    for report in early:
        across, distance = _across_and_distance(instruments, report)
        assert abs(across) > half_width + 50.0 and distance < 500.0
    after = [r for r in stray if r.ts >= fault.end]
    assert after and all(abs(_across_and_distance(instruments, r)[0]) < half_width for r in after)
    times, before = _channels(plain, "g104")
    _, with_fault = _channels(faulty, "g104")
    vessels = _column(instruments, "vessels")
    during = (times >= fault.start) & (times < fault.end)
    np.testing.assert_array_equal(with_fault[during, vessels], before[during, vessels] + 1)


def test_faults_are_checked_when_injected(config: SimulationConfig) -> None:
    sim = _bridges(config, SUMMER)
    with pytest.raises(ValueError, match="no simulated bridge"):
        sim.inject(Fault(FaultKind.STRAIN_SURGE, "golden_gate", SUMMER, 60.0))
    with pytest.raises(ValueError, match="no sensor"):
        sim.inject(Fault(FaultKind.SENSOR_STUCK, "g104", SUMMER, 60.0, sensor_id="nope"))
    with pytest.raises(ValueError, match="sensor_id"):
        Fault(FaultKind.SENSOR_OFFLINE, "g104", SUMMER, 60.0)
    with pytest.raises(ValueError, match="positive"):
        Fault(FaultKind.DECK_ACCIDENT, "g104", SUMMER, 0.0)
    fault = Fault(FaultKind("strain_surge"), "g104", SUMMER + 10.0, 60.0)
    sim.inject(fault)
    assert sim.faults("g104") == (fault,)
    _run(sim, SUMMER, 120.0)
    assert sim.faults("g104") == ()


# ---- Determinism, pace and the whole city


def _fingerprints(seed: int, config: SimulationConfig) -> list[tuple[object, ...]]:
    sim = _bridges(config, SUMMER, seed)
    sim.inject(Fault(FaultKind.OFF_COURSE_VESSEL, "jiefang_road", SUMMER + 30.0, 200.0))
    sim.inject(Fault(FaultKind.OVERLOAD_TRUCK, "g104", SUMMER + 40.0, 60.0))
    events = _run(sim, SUMMER, 300.0, step=7.0)
    return [tuple(describe(e).items()) for e in events]


def test_same_seed_same_bridges_different_seed_different(config: SimulationConfig) -> None:
    first = _fingerprints(9, config)
    assert len(first) > 900
    assert _fingerprints(9, config) == first
    assert _fingerprints(10, config) != first


def test_at_sixty_times_every_second_is_sampled_and_a_long_gap_is_cut(
    config: SimulationConfig,
) -> None:
    start = SUMMER + 10 * HOUR
    sim = _bridges(config, start)
    bridges = len(config.bridges)
    began = time.perf_counter()
    for k in range(1, 101):  # ten real seconds at x60, stepped every 0.1 s
        events = sim.step(start + 6.0 * k)
        samples = [e.ts for e in events if isinstance(e, BridgeChannels)]
        assert sorted(samples) == [
            start + 6.0 * k - 5 + j for j in range(6) for _ in range(bridges)
        ]
    assert time.perf_counter() - began < 5.0  # ~0.2 s: a small share of one core at x60
    now = start + 600.0 + 3 * HOUR + 0.5
    events = sim.step(now)
    samples = [e for e in events if isinstance(e, BridgeChannels)]
    assert len(samples) == bridges * 120
    assert min(e.ts for e in samples) == math.floor(now) - 119
    assert all(e.ts > now - 121 for e in events)
    assert [e.ts for e in sim.step(now + 2.0) if isinstance(e, BridgeChannels)] == [
        math.floor(now) + j for j in (1, 2) for _ in range(bridges)
    ]


def test_the_city_posts_bridge_channels_weighings_and_vessels_but_no_bridge_alarms(
    config: SimulationConfig,
) -> None:
    start = SUMMER + 10 * HOUR
    sim = CitySimulation(config, start)
    events = [e for k in range(1, 31) for e in sim.step(start + 20.0 * k).events]
    kinds = {type(e) for e in events}
    assert {BridgeChannels, BridgeReading, AxleWeighing, VesselPosition} <= kinds
    assert BridgeAlarm not in kinds
    weighed_at = {e.site_id for e in events if isinstance(e, AxleWeighing)}
    assert set(config.bridge_monitoring.bridges) <= weighed_at
    assert weighed_at & {s.station_id for s in config.weigh_stations}
    hours = {round(local_hour(e.ts, config.utc_offset_s)) for e in events}
    assert hours <= {10, 11}


def test_a_bridge_without_instruments_still_posts_its_summary(config: SimulationConfig) -> None:
    plain = dataclasses.replace(
        config,
        bridges=(*config.bridges, dataclasses.replace(config.bridges[0], bridge_id="new_bridge")),
    )
    events = _run(_bridges(plain, SUMMER), SUMMER, 60.0)
    assert not [e for e in events if isinstance(e, BridgeChannels) and e.bridge_id == "new_bridge"]
    readings = [e for e in events if isinstance(e, BridgeReading) and e.bridge_id == "new_bridge"]
    assert len(readings) == 6
