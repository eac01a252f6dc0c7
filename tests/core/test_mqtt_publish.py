"""Publishing the simulation and a recording into a real Mosquitto, read by a console's source."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from console.core.bus import EventBus
from console.core.clock import ManualClock
from console.core.events import (
    HotlineCall,
    IncidentChanged,
    PayloadQuarantined,
    TheftAlarm,
    TwoWheelerKind,
    VehicleBatch,
)
from console.core.feeds import IngestLimits, MqttSource, parse_broker_url
from console.core.feeds.cli import main as feed_main
from console.core.feeds.replay import publish_recording, publish_simulation
from console.core.feeds.topics import BATCH_VEHICLES
from console.core.recording import Recorder
from console.core.runtime import CoreOptions
from tests.support.mosquitto import (
    Collector,
    Mosquitto,
    running_broker,
)

T0 = 1_767_250_800.0


@pytest.fixture
def mosquitto_broker(tmp_path: Path) -> Iterator[Mosquitto]:
    """A real Mosquitto on loopback for this test."""
    yield from running_broker(tmp_path)


@pytest.fixture
def console(mosquitto_broker: Mosquitto) -> Iterator[tuple[MqttSource, Collector]]:
    clock = ManualClock(T0)
    bus = EventBus(clock)
    collector = Collector(bus)
    limits = IngestLimits(max_future_s=3600.0)
    source = MqttSource(parse_broker_url(mosquitto_broker.url), bus, clock, limits=limits)
    source.start()
    assert source.wait_connected(5)
    yield source, collector
    source.stop()


def test_the_simulation_published_to_a_broker_reaches_a_console(
    mosquitto_broker: Mosquitto, console: tuple[MqttSource, Collector]
) -> None:
    source, collector = console
    options = CoreOptions(start=T0, speed=60.0)
    report = publish_simulation(parse_broker_url(mosquitto_broker.url), options, seconds=1.0)
    assert report.messages > 100
    assert collector.wait_for(lambda got: len(got) >= report.messages)
    batches = collector.of(VehicleBatch)
    vehicles = {int(i) for b in batches for i in b.ids}  # type: ignore[attr-defined]
    assert len(vehicles) > 50_000  # the whole fleet, in pieces under the payload limit
    assert max(len(b) for b in batches) <= BATCH_VEHICLES  # type: ignore[arg-type]
    assert not collector.of(PayloadQuarantined)
    assert source.ingest.accepted == report.messages


def test_a_recording_replayed_to_a_broker_reaches_a_console(
    tmp_path: Path, mosquitto_broker: Mosquitto, console: tuple[MqttSource, Collector]
) -> None:
    clock = ManualClock(T0)
    recorder = Recorder(tmp_path / "rec", clock)
    for n in range(20):
        alarm = TheftAlarm(T0 + n, f"th-{n}", 3, "tag", TwoWheelerKind.BICYCLE, 117.4, 32.9)
        changed = IncidentChanged(T0 + n, n, "reported", "report", "li")
        recorder.record([alarm, changed], T0 + n * 0.05)
    recorder.close()
    report = publish_recording(tmp_path / "rec", parse_broker_url(mosquitto_broker.url), 0)
    assert report.messages == 40
    _source, collector = console
    assert collector.wait_for(lambda got: len(got) >= 40)
    assert [e.alarm_id for e in collector.of(TheftAlarm)] == [f"th-{n}" for n in range(20)]  # type: ignore[attr-defined]
    assert len(collector.of(IncidentChanged)) == 20


def test_replay_command_publishes_a_recording_and_reports(
    tmp_path: Path, mosquitto_broker: Mosquitto, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = ManualClock(T0)
    recorder = Recorder(tmp_path / "rec", clock)
    calls = [HotlineCall(T0 + n, f"c-{n}", "taxi", "绕路", 117.4, 32.9) for n in range(3)]
    for n, call in enumerate(calls):
        recorder.record([call], T0 + n * 0.2)
    recorder.close()
    assert (
        feed_main(["replay", str(tmp_path / "rec"), "--to", mosquitto_broker.url, "--speed", "4"])
        == 0
    )
    assert "published 3 messages" in capsys.readouterr().out
    assert feed_main(["replay", str(tmp_path / "nothing"), "--to", mosquitto_broker.url]) == 1


def test_batches_are_split_and_rounded_compactly() -> None:
    from console.core.feeds.topics import encode_payload, split_batch

    n = 1200
    batch = VehicleBatch(
        T0,
        "taxi",
        np.arange(n, dtype=np.int32),
        np.zeros(n, np.uint8),
        np.full(n, 117.38999, np.float32),
        np.full(n, 32.9, np.float32),
        np.full(n, 12.5, np.float32),
        np.zeros(n, np.float32),
    )
    parts = split_batch(batch)
    assert [p.batch_id for p in parts] == ["taxi.0", "taxi.1", "taxi.2"]
    assert np.concatenate([p.ids for p in parts]).tolist() == list(range(n))
    payload = encode_payload(parts[0])
    assert b"117.38999," in payload and len(payload) < 40_000
