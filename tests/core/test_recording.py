"""The recorder and reader: round trips, the ``*`` subscription, rotation and seeking."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from console.core.bus import EventBus
from console.core.clock import ManualClock
from console.core.events import Event, HotlineCall, IncidentChanged, VehicleBatch, describe
from console.core.recording import (
    EncodingError,
    Recorder,
    RecordingReader,
    decode_event,
    encode_event,
)
from console.core.recording.streams import Stream, stream_of
from tests.core.test_codec import NOW, SAMPLES

HOUR = 3600.0


def _same(a: Event, b: Event) -> bool:
    """Equal field by field; arrays bit-exact with the same dtype."""
    if type(a) is not type(b):
        return False
    plain_a, plain_b = describe(a), describe(b)
    for name in list(plain_a):
        value, other = getattr(a, name, None), getattr(b, name, None)
        if isinstance(value, np.ndarray):
            if not isinstance(other, np.ndarray) or value.dtype != other.dtype:
                return False
            if value.shape != other.shape or value.tobytes() != other.tobytes():
                return False
            del plain_a[name], plain_b[name]
    return plain_a == plain_b


def _call(n: int, ts: float = NOW) -> HotlineCall:
    return HotlineCall(ts, f"c{n}", "lost_property", "wallet left in taxi", 117.38, 32.93)


def _fleet(count: int = 52_600) -> VehicleBatch:
    rng = np.random.default_rng(7)
    lon = rng.uniform(117.2, 117.5, count).astype(np.float32)
    lon[3] = np.float32(np.nan)
    return VehicleBatch(
        ts=NOW,
        batch_id="cargo",
        ids=np.arange(count, dtype=np.int32),
        classes=rng.integers(0, 4, count).astype(np.uint8),
        lon=lon,
        lat=rng.uniform(32.85, 33.0, count).astype(np.float32),
        speed_kmh=rng.uniform(0, 90, count).astype(np.float32),
        heading_deg=rng.uniform(0, 360, count).astype(np.float32),
    )


def _read_all(folder: Path) -> list[tuple[float, Event]]:
    with RecordingReader(folder) as reader:
        return list(reader.events_between(-np.inf, np.inf))


def test_every_event_type_round_trips(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path, ManualClock(NOW))
    recorder.record(SAMPLES, NOW + 1.0)
    recorder.close()
    got = _read_all(tmp_path)
    assert [at for at, _ in got] == [NOW + 1.0] * len(SAMPLES)
    by_stream = sorted(SAMPLES, key=lambda event: stream_of(event.TOPIC))  # stable
    assert all(_same(sent, back) for sent, (_, back) in zip(by_stream, got, strict=True))


def test_each_stream_is_read_alone_and_merged_by_time(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path, ManualClock(NOW))
    for n in range(6):
        recorder.record([_call(n), _fleet(50)], NOW + n)
        recorder.flush()
    recorder.close()
    with RecordingReader(tmp_path) as reader:
        assert {block.stream for block in reader.index} == {Stream.EVENTS, Stream.POSITIONS}
        calls = list(reader.events_between(NOW, NOW + 10, {Stream.EVENTS}))
        assert [type(e) for _, e in calls] == [HotlineCall] * 6
        merged = [(at - NOW, e.TOPIC) for at, e in reader.events_between(NOW + 2, NOW + 3)]
    topics = [HotlineCall.TOPIC, VehicleBatch.TOPIC]
    assert merged == [(2, topics[0]), (2, topics[1]), (3, topics[0]), (3, topics[1])]


def test_a_full_fleet_batch_is_stored_as_raw_bytes_and_comes_back_bit_exact(
    tmp_path: Path,
) -> None:
    fleet = _fleet()
    payload = encode_event(fleet)
    assert len(payload) < 21 * len(fleet) + 400  # 21 bytes a vehicle, not a JSON list
    back = decode_event(payload)
    assert isinstance(back, VehicleBatch) and _same(fleet, back)
    recorder = Recorder(tmp_path, ManualClock(NOW))
    recorder.record([fleet], NOW)
    recorder.close()
    ((_, stored),) = _read_all(tmp_path)
    assert _same(fleet, stored)


def test_a_damaged_payload_is_refused_with_a_reason() -> None:
    good = encode_event(SAMPLES[0])
    with pytest.raises(EncodingError, match="unknown topic"):
        decode_event(good.replace(b"vehicle.position", b"vehicle.teleport"))
    with pytest.raises(EncodingError, match="shorter"):
        decode_event(b"\x01")
    with pytest.raises(EncodingError, match="past the end"):
        decode_event(encode_event(_fleet(10))[:-5])


def test_star_subscription_records_whatever_the_bus_carries_at_drain_time(
    tmp_path: Path,
) -> None:
    clock = ManualClock(NOW)
    bus = EventBus(clock)
    recorder = Recorder(tmp_path, clock)
    recorder.attach(bus)
    bus.post_many(SAMPLES)
    clock.advance(2.0)
    bus.drain()
    recorder.close()
    bus.post(_call(1))
    bus.drain()  # after close: not recorded
    got = _read_all(tmp_path)
    assert {at for at, _ in got} == {NOW + 2.0}
    assert sorted(e.TOPIC for _, e in got) == sorted(e.TOPIC for e in SAMPLES)
    actions = [e for _, e in got if isinstance(e, IncidentChanged)]
    assert actions and actions[0].actor == next(
        e.actor for e in SAMPLES if isinstance(e, IncidentChanged)
    )


def test_segments_rotate_by_size_and_read_back_in_order(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path, ManualClock(NOW), segment_bytes=2_000)
    for n in range(60):
        recorder.record([_call(n)], NOW + n)
        recorder.flush()
    recorder.close()
    assert len(list(tmp_path.glob("*.ccrec"))) == recorder.segments_opened > 3
    assert all(p.stat().st_size <= 2_000 for p in tmp_path.glob("*.ccrec"))
    got = _read_all(tmp_path)
    assert [e.call_id for _, e in got if isinstance(e, HotlineCall)] == [f"c{n}" for n in range(60)]


def test_segments_rotate_on_the_hour(tmp_path: Path) -> None:
    start = 20 * HOUR
    recorder = Recorder(tmp_path, ManualClock(start))
    recorder.record([_call(1)], start + HOUR - 0.5)
    recorder.record([_call(2)], start + HOUR + 0.5)  # no flush asked: the hour forces one
    recorder.record([_call(3)], start + 2 * HOUR + 0.1)
    recorder.close()
    names = sorted(p.name for p in tmp_path.glob("*.ccrec"))
    assert names == [
        "000001-19700101T205959Z.ccrec",
        "000002-19700101T210000Z.ccrec",
        "000003-19700101T220000Z.ccrec",
    ]
    assert [at for at, _ in _read_all(tmp_path)] == [
        start + HOUR - 0.5,
        start + HOUR + 0.5,
        start + 2 * HOUR + 0.1,
    ]


def test_seek_and_events_between_times(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path, ManualClock(NOW), segment_bytes=4_000)
    for n in range(100):
        recorder.record([_call(n), _call(1000 + n)], NOW + n)
        if n % 3 == 0:
            recorder.flush()
    recorder.close()
    with RecordingReader(tmp_path) as reader:
        assert reader.time_range() == (NOW, NOW + 99)
        window = list(reader.events_between(NOW + 50, NOW + 52))
        assert [at - NOW for at, _ in window] == [50, 50, 51, 51, 52, 52]
        assert list(reader.events_between(NOW + 200, NOW + 300)) == []
        assert reader.problems == []


def test_flushes_follow_the_wall_clock_and_the_block_size(tmp_path: Path) -> None:
    wall = ManualClock(0.0)  # the monotonic time that paces flushes
    recorder = Recorder(tmp_path, ManualClock(NOW), wall=wall.now, block_bytes=50_000)
    recorder.record([_call(1)], NOW)
    assert recorder.records_written == 0
    wall.advance(0.6)
    recorder.poll()
    assert recorder.records_written == 1
    recorder.record([_fleet(3_000)], NOW + 1)  # 63 kB pending: past block_bytes
    assert recorder.records_written == 2
    recorder.record([_call(2)], NOW + 0.5)  # the clock stepped back: kept in order
    assert recorder.clamped == 1
    recorder.close()
    assert [at for at, _ in _read_all(tmp_path)] == [NOW, NOW + 1, NOW + 1]
    with pytest.raises(ValueError, match="closed"):
        recorder.record([_call(3)], NOW + 2)


def test_an_empty_folder_has_no_time_range(tmp_path: Path) -> None:
    with RecordingReader(tmp_path) as reader:
        assert reader.time_range() is None and reader.index == ()
    with pytest.raises(FileNotFoundError):
        RecordingReader(tmp_path / "missing")


def test_a_stride_reads_every_nth_block_of_a_stretch(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path, ManualClock(NOW))
    for n in range(9):
        recorder.record([_call(n)], NOW + n)
        recorder.flush()
    recorder.close()
    with RecordingReader(tmp_path) as reader:
        thinned = [at - NOW for at, _ in reader.events_between(NOW, NOW + 8, stride=3)]
    assert thinned == [0, 3, 6]
