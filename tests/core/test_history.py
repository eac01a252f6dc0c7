"""History round-trip: record known paths, read them back from real chunk files in tmp_path."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from console.core.bus import EventBus
from console.core.clock import ManualClock
from console.core.events import VehicleBatch, VehicleClass
from console.core.history import (
    HistoryConfig,
    HistoryRecorder,
    HistoryStore,
    Trajectory,
    find_speeding,
    find_stops,
    fleet_snapshot,
    great_circle_km,
    load_history_config,
    mileage_km,
    summarise,
    trajectory,
)
from console.core.history.chunk import RECORD_DTYPE

T0 = 1_767_225_600.0  # 2026-01-01 00:00 UTC, an hour boundary
COUNTS = {
    VehicleClass.TAXI: 60,
    VehicleClass.LINER_BUS: 30,
    VehicleClass.TOURIST_BUS: 10,
    VehicleClass.CARGO: 200,
}
CLASSES = np.repeat(np.arange(4, dtype=np.uint8), [COUNTS[vc] for vc in VehicleClass])
IDS = np.arange(CLASSES.shape[0], dtype=np.int32) * 3 + 7  # sparse ids
INTERVAL = np.array([5.0, 10.0, 10.0, 30.0])


def path(ids: np.ndarray, t: float) -> tuple[np.ndarray, ...]:
    """Known positions, speeds and headings of vehicles ``ids`` at time ``t`` (float32)."""
    dt = t - T0
    lon = (117.0 + 0.0005 * ids + 2e-6 * dt).astype(np.float32)
    lat = (32.8 + 0.0003 * ids + 1e-6 * dt).astype(np.float32)
    speed = ((ids * 7 + dt / 5.0) % 120.0).astype(np.float32)
    heading = ((ids * 13 + dt) % 360.0).astype(np.float32)
    return lon, lat, speed, heading


def batch(t: float, order: np.ndarray | None = None) -> VehicleBatch:
    """The whole synthetic fleet at time ``t`` (rows in ``order`` if given)."""
    idx = np.arange(IDS.shape[0]) if order is None else order
    lon, lat, speed, heading = path(IDS[idx], t)
    return VehicleBatch(t, "all", IDS[idx], CLASSES[idx], lon, lat, speed, heading)


def exact_config(**changes: float) -> HistoryConfig:
    """Bengbu's history config with a tolerance below the 5 s feed (exact sampling grid)."""
    base = load_history_config()
    values = {
        "interval_s": base.interval_s,
        "speed_limit_kmh": base.speed_limit_kmh,
        "grid": base.grid,
        "sampling_tolerance_share": 0.1,
        "journal_flush_s": 60.0,
    }
    values.update(changes)
    return HistoryConfig(**values)  # type: ignore[arg-type]


def record_span(store: HistoryStore, start: float, end: float, step: float = 5.0) -> None:
    """Feed the fleet every ``step`` seconds from ``start`` to ``end`` (inclusive)."""
    recorder = HistoryRecorder(store)
    rng = np.random.default_rng(1)
    for t in np.arange(start, end + step / 2, step):
        recorder.record(batch(float(t), rng.permutation(IDS.shape[0])))


def assert_matches_path(track: Trajectory, vehicle: int) -> None:
    exp = [path(np.array([IDS[vehicle]]), float(t)) for t in track.times]
    lon = np.array([e[0][0] for e in exp], np.float64)
    lat = np.array([e[1][0] for e in exp], np.float64)
    speed = np.array([e[2][0] for e in exp], np.float64)
    heading = np.array([e[3][0] for e in exp], np.float64)
    assert np.abs(track.lon - lon).max() <= 1e-7  # finer than float32 (7.6e-6 at 117 E)
    assert np.abs(track.lat - lat).max() <= 1e-7
    assert np.abs(track.speed_kmh - speed).max() <= 0.5
    turn = np.abs((track.heading_deg - heading + 180.0) % 360.0 - 180.0)
    assert turn.max() <= 360.0 / 512 + 1e-4


@pytest.fixture
def recorded(tmp_path: Path) -> HistoryStore:
    """2 h 40 min of the fleet: half of hour 0, hours 1 and 2 closed, hour 3 open."""
    store = HistoryStore(tmp_path / "history", exact_config())
    record_span(store, T0 + 1805.0, T0 + 3 * 3600.0 + 600.0)
    return store


def test_trajectories_round_trip_across_hours_and_the_open_hour(recorded: HistoryStore) -> None:
    store = recorded
    store.wait_idle()
    assert [c.name for c in sorted((store.root / "chunks").iterdir())] == [
        "20260101T00Z.0",
        "20260101T01Z.0",
        "20260101T02Z.0",
    ]
    assert store.hours()[-1] == math.floor(T0 / 3600) + 3  # the open hour is in memory
    for vehicle in (0, 59, 60, 95, 120, 299):
        iv = INTERVAL[CLASSES[vehicle]]
        track = trajectory(store, int(IDS[vehicle]), T0, T0 + 4 * 3600.0)
        expected = np.arange(T0 + 1805.0, T0 + 3 * 3600.0 + 600.0 + 0.1, iv)
        np.testing.assert_array_equal(track.times, expected)
        assert track.vehicle_class == VehicleClass(int(CLASSES[vehicle]))
        assert_matches_path(track, vehicle)
    window = trajectory(store, int(IDS[0]), T0 + 3590.0, T0 + 3610.0)
    np.testing.assert_array_equal(window.times, T0 + np.arange(3590.0, 3611.0, 5.0))
    open_only = trajectory(store, int(IDS[0]), T0 + 3 * 3600.0 + 100.0, T0 + 4 * 3600.0)
    assert open_only.times[0] == T0 + 3 * 3600.0 + 100.0
    assert open_only.times[-1] == T0 + 3 * 3600.0 + 600.0
    assert len(trajectory(store, 1, T0, T0 + 4 * 3600.0)) == 0  # no such vehicle


def test_sealing_hour_is_queryable_before_its_chunk_is_written(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "h", exact_config())
    record_span(store, T0 + 3000.0, T0 + 3700.0)
    track = trajectory(store, int(IDS[0]), T0, T0 + 3700.0)  # whether or not sealed yet
    np.testing.assert_array_equal(track.times, np.arange(T0 + 3000.0, T0 + 3700.1, 5.0))
    store.close()
    reopened = HistoryStore(tmp_path / "h", exact_config())
    again = trajectory(reopened, int(IDS[0]), T0, T0 + 3700.0)
    np.testing.assert_array_equal(again.times, track.times)
    np.testing.assert_array_equal(again.lon, track.lon)


def test_sampling_keeps_one_sample_per_class_interval(tmp_path: Path) -> None:
    clock = ManualClock(start=T0)
    bus = EventBus(clock)
    store = HistoryStore(tmp_path / "h", load_history_config())
    recorder = HistoryRecorder(store)
    subscription = recorder.attach(bus)
    rng = np.random.default_rng(5)
    duration = 1200.0
    for k in range(int(duration)):  # a 1 Hz feed with up to 0.4 s of jitter
        bus.post(batch(T0 + k + float(rng.uniform(0.0, 0.4))))
        if k % 50 == 0:
            bus.drain()
    bus.drain()
    for vehicle in (0, 61, 95, 250):
        iv = INTERVAL[CLASSES[vehicle]]
        times = trajectory(store, int(IDS[vehicle]), T0, T0 + duration + 1).times
        early = iv * store.config.sampling_tolerance_share
        grid = times[0] + iv * np.arange(len(times))  # each vehicle keeps its own grid
        assert np.abs(times - grid).max() <= early + 1.4
        assert abs(len(times) - duration / iv) <= 1
        assert np.diff(times).min() >= iv - early - 1.4
    assert recorder.rows_skipped > recorder.rows_recorded
    subscription.close()
    assert bus.subscription_count == 0


def test_fleet_snapshot_at_past_moments(recorded: HistoryStore) -> None:
    store = recorded
    at = T0 + 2 * 3600.0 + 3.0  # in a closed hour, 3 s after its start
    snap = fleet_snapshot(store, at)
    assert len(snap) == IDS.shape[0]
    order = np.searchsorted(IDS, snap.ids)
    start = T0 + 1805.0
    expected = start + np.floor((at - start) / INTERVAL[CLASSES[order]]) * INTERVAL[CLASSES[order]]
    np.testing.assert_array_equal(snap.times, expected)  # cargo's last is in the hour before
    assert (snap.times < T0 + 2 * 3600.0).sum() == IDS.shape[0] - COUNTS[VehicleClass.TAXI]
    lon = np.array([path(IDS[i : i + 1], t)[0][0] for i, t in zip(order, snap.times, strict=True)])
    assert np.abs(snap.lon - lon).max() <= 1e-7
    np.testing.assert_array_equal(snap.classes, CLASSES[order])
    as_batch = snap.as_batch()
    assert len(as_batch) == len(snap) and as_batch.ts == at

    in_open = fleet_snapshot(store, T0 + 3 * 3600.0 + 302.0)
    assert len(in_open) == IDS.shape[0]
    assert in_open.age_s.max() <= 30.0
    assert len(fleet_snapshot(store, T0 + 1000.0)) == 0  # before recording began
    late = fleet_snapshot(store, T0 + 3 * 3600.0 + 625.0)  # 25 s after the feed ended
    assert set(np.unique(late.classes).tolist()) == {int(VehicleClass.CARGO)}


def test_restart_recovers_a_half_written_hour(tmp_path: Path) -> None:
    root = tmp_path / "h"
    store = HistoryStore(root, exact_config())
    record_span(store, T0 + 3000.0, T0 + 3600.0 + 1520.0)  # hour 0 closes, hour 1 half done
    store.wait_idle()  # journal holds hour 1 up to the last flush; then "crash"
    first_chunk = root / "chunks" / "20260101T00Z.0"
    before = {p.name: p.read_bytes() for p in first_chunk.iterdir()}
    journal = root / "journal" / "20260101T01Z.0.journal"
    flushed_rows = journal.stat().st_size // RECORD_DTYPE.itemsize
    assert flushed_rows > 0
    with journal.open("ab") as handle:
        handle.write(b"\x01" * 7)  # a torn record
    (root / "chunks" / "20260101T01Z.9.tmp").mkdir()  # an interrupted chunk write

    reopened = HistoryStore(root, exact_config())
    assert reopened.recovered == ["20260101T01Z.0"]
    assert not (root / "chunks" / "20260101T01Z.9.tmp").exists()
    assert not journal.exists()
    assert {p.name: p.read_bytes() for p in first_chunk.iterdir()} == before
    track = trajectory(reopened, int(IDS[0]), T0, T0 + 7200.0)
    last_flush = track.times[-1]
    assert last_flush == T0 + 3600.0 + 1500.0  # journalled every 60 s; the last 20 s are lost
    np.testing.assert_array_equal(track.times, np.arange(T0 + 3000.0, last_flush + 0.1, 5.0))
    assert_matches_path(track, 0)

    record_span(reopened, T0 + 3600.0 + 1600.0, T0 + 3600.0 + 1700.0)  # same hour, new part
    reopened.close()
    assert (root / "chunks" / "20260101T01Z.1").is_dir()
    merged = trajectory(HistoryStore(root, exact_config()), int(IDS[0]), T0, T0 + 7200.0)
    assert merged.times[-1] == T0 + 3600.0 + 1700.0
    assert np.all(np.diff(merged.times) > 0)
    assert len(fleet_snapshot(HistoryStore(root, exact_config()), T0 + 5290.0)) == IDS.shape[0]


def test_retention_deletes_hours_older_than_configured(tmp_path: Path) -> None:
    root = tmp_path / "h"
    store = HistoryStore(root, exact_config(retention_days=1.0))
    recorder = HistoryRecorder(store)
    hours = 60
    for h in range(hours):
        recorder.record(batch(T0 + h * 3600.0 + 10.0))
    store.wait_idle()
    first_hour = math.floor(T0 / 3600)
    last_sealed = first_hour + hours - 2  # the last hour is still open
    kept = sorted(store.hours())
    assert kept[0] == last_sealed - 23  # 24 hours kept before the last sealed hour's end
    assert kept[-1] == first_hour + hours - 1
    assert len(list((root / "chunks").iterdir())) == 24
    assert len(trajectory(store, int(IDS[0]), T0, T0 + hours * 3600.0)) == 25


def test_mileage_stops_and_speeding_on_a_hand_made_track() -> None:
    # northwards along 117 E, one sample every 10 s
    speed = np.array([0] * 20 + [40] * 10 + [75, 90, 70] + [40] * 5 + [0] * 6 + [50] * 4, float)
    n = speed.shape[0]
    moving = speed > 0
    lat = 32.9 + 0.001 * np.cumsum(moving)
    times = 1000.0 + 10.0 * np.arange(n)
    track = Trajectory(
        5,
        VehicleClass.TAXI,
        times,
        np.full(n, 117.0),
        lat,
        speed.astype(np.float32),
        np.zeros(n, np.float32),
    )
    step = 2 * 6_371.0088 * math.asin(math.sin(math.radians(0.001) / 2))
    assert mileage_km(track) == pytest.approx(step * int(moving.sum()), rel=1e-9)
    assert great_circle_km(117.0, 32.0, 118.0, 32.0)[()] == pytest.approx(94.3, abs=0.1)

    stops = find_stops(track, below_kmh=3.0, min_duration_s=120.0)
    assert len(stops) == 1  # the 50 s stop near the end is too short
    assert (stops[0].start, stops[0].end, stops[0].duration_s) == (1000.0, 1190.0, 190.0)
    assert stops[0].lat == pytest.approx(32.9)

    segments = find_speeding(track, limit_kmh=60.0)
    assert len(segments) == 1
    seg = segments[0]
    assert (seg.first_index, seg.last_index, seg.max_speed_kmh) == (30, 32, 90.0)
    assert (seg.start, seg.end, seg.duration_s) == (1300.0, 1320.0, 20.0)
    assert seg.distance_km == pytest.approx(2 * step, rel=1e-9)

    summary = summarise(track, load_history_config())
    assert summary.limit_kmh == 60.0
    assert len(summary.speeding) == 1 and len(summary.stops) == 1
    assert track.index_at(1305.0) == 30
    assert len(track.between(1300.0, 1320.0)) == 3
