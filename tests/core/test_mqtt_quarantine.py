"""Bad input from the broker: every kind is quarantined with its reason, nothing raises.

The fuzz test sends 100,000 hostile messages through the source's message path
(``MqttSource._on_message`` -> ``FeedIngest.handle``, what paho's thread calls)
and a sample of 2,000 through a real Mosquitto.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from paho.mqtt.client import MQTTMessage

from console.core.bus import EventBus
from console.core.clock import ManualClock
from console.core.events import PayloadQuarantined, TheftAlarm, TwoWheelerKind, describe
from console.core.feeds import FeedIngest, MqttPublisher, MqttSource, parse_broker_url
from console.core.feeds.topics import encode_payload, mqtt_topic
from tests.support.mosquitto import Mosquitto, running_broker, wait_until

T0 = 1_767_225_600.0
BBOX = (116.7, 32.7, 118.1, 33.6)
PREFIX = "bengbu/v1"


def theft(n: int, ts: float = T0, **changes: object) -> dict[str, object]:
    data = describe(TheftAlarm(ts, f"th-{n}", 17, f"tag-{n}", TwoWheelerKind.EBIKE, 117.39, 32.92))
    data.update(changes)
    return data


def dumps(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode()


THEFT_TOPIC = f"{PREFIX}/alarm/theft"

CASES: dict[str, tuple[str, bytes, str]] = {
    "malformed JSON": (THEFT_TOPIC, b'{"v": 1, "ts": ', "malformed JSON"),
    "not an object": (THEFT_TOPIC, b"[1, 2]", "not a JSON object"),
    "wrong type": (THEFT_TOPIC, dumps(theft(1, station_id="17")), "expected an integer"),
    "unknown kind": (THEFT_TOPIC, dumps(theft(1, two_wheeler="tank")), "unknown value 'tank'"),
    "unknown topic": (f"{PREFIX}/alarm/meteor", dumps(theft(1)), "unknown topic"),
    "foreign tree": ("hefei/v1/alarm/theft", dumps(theft(1)), "unknown topic"),
    "out of range": (THEFT_TOPIC, dumps(theft(1, lat=95.0)), "'lat' out of range"),
    "outside the city": (THEFT_TOPIC, dumps(theft(1, lon=121.5)), "outside the area"),
    "oversized": (THEFT_TOPIC, b'{"v":1,"x":"' + b"a" * 70_000 + b'"}', "too large"),
    "invalid UTF-8": (THEFT_TOPIC, b'{"v":1,"tag_id":"\xff\xfe"}', "invalid UTF-8"),
    "far future": (THEFT_TOPIC, dumps(theft(1, ts=T0 + 3600)), "in the future"),
    "too old": (THEFT_TOPIC, dumps(theft(1, ts=T0 - 3 * 86400)), "too old"),
    "missing field": (THEFT_TOPIC, dumps({"v": 1, "ts": T0}), "missing field"),
    "wrong version": (THEFT_TOPIC, dumps(theft(1, v=9)), "unsupported schema version"),
    "NaN": (THEFT_TOPIC, dumps(theft(1)).replace(b"117.39", b"NaN"), "non-finite"),
    "deep nesting": (THEFT_TOPIC, b"[" * 30_000 + b"]" * 30_000, "malformed JSON"),
}


@pytest.fixture
def mosquitto_broker(tmp_path: Path) -> Iterator[Mosquitto]:
    """A real Mosquitto on loopback for this test."""
    yield from running_broker(tmp_path)


@pytest.fixture
def quiet_quarantine_log() -> Iterator[None]:
    """The bus logs each quarantined payload; 100,000 warnings would only cost time here."""
    logger = logging.getLogger("console.core.bus")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


def make_ingest(bus: EventBus) -> FeedIngest:
    return FeedIngest(bus, bus.clock, bbox=BBOX)


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_kind_of_bad_input_is_quarantined_with_its_reason(case: str) -> None:
    topic, payload, reason = CASES[case]
    bus = EventBus(ManualClock(T0))
    ingest = make_ingest(bus)
    assert ingest.handle(topic, payload) is False
    (entry,) = bus.quarantine.recent()
    assert reason in entry.reason
    assert entry.source == f"mqtt:{topic}"
    assert ingest.rejected == 1 and ingest.accepted == 0


def test_a_replayed_event_is_quarantined_the_first_is_posted() -> None:
    bus = EventBus(ManualClock(T0))
    ingest = make_ingest(bus)
    payload = dumps(theft(1))
    assert ingest.handle(THEFT_TOPIC, payload) is True
    assert ingest.handle(THEFT_TOPIC, payload) is False
    assert "replayed" in bus.quarantine.recent()[0].reason
    assert bus.drain() == 2  # the event and its quarantine entry


def test_a_valid_event_passes_with_a_key_level() -> None:
    bus = EventBus(ManualClock(T0))
    event = TheftAlarm(T0, "th-9", 3, "tag", TwoWheelerKind.BICYCLE, 117.4, 32.9)
    assert make_ingest(bus).handle(mqtt_topic(event), encode_payload(event)) is True
    assert bus.quarantine.count == 0


HOSTILE_VALUES: dict[str, list[object]] = {
    "lon": [None, "x", [], 400, -400, 1e308, 121.5],
    "lat": [None, "x", {}, 95, -95, 45.0],
    "ts": [None, "x", -1, T0 + 1e6, T0 - 1e7, True],
    "alarm_id": [None, 5, [], {}, False],
    "station_id": ["x", 1.5, None, True, []],
    "two_wheeler": ["tank", 3, None, ""],
    "v": [None, 0, 2, "1", 1.0],
}
"""Per field, values a theft alarm must never be accepted with."""


def hostile_messages(count: int, seed: int) -> Iterator[tuple[str, bytes]]:
    """``count`` hostile messages: mutated valid payloads, garbage, replays, bad topics."""
    rng = random.Random(seed)
    names = sorted(CASES)
    good = dumps(theft(0))
    for n in range(count):
        pick = rng.random()
        if pick < 0.3:
            topic, payload, _ = CASES[names[n % len(names)]]
            if len(payload) > 20_000 and rng.random() < 0.95:
                payload = payload[:2000]  # most of the large ones cut short: still hostile
            yield topic, payload
        elif pick < 0.5:  # the same valid alarm again and again: replays
            yield THEFT_TOPIC, good
        elif pick < 0.7:  # random bytes
            yield THEFT_TOPIC, rng.randbytes(rng.randrange(0, 200))
        elif pick < 0.85:  # a valid payload cut or with one byte flipped to garbage
            data = bytearray(dumps(theft(n)))
            where = rng.randrange(len(data))
            data[where] = rng.choice(b'\xff"{}[],:\\\x00')
            yield THEFT_TOPIC, bytes(data[: rng.randrange(len(data) - 2)])
        else:  # a field of a valid alarm with a hostile value
            field = rng.choice(sorted(HOSTILE_VALUES))
            value = rng.choice(HOSTILE_VALUES[field])
            yield THEFT_TOPIC, dumps(theft(n, **{field: value}))


def message(topic: str, payload: bytes) -> MQTTMessage:
    msg = MQTTMessage(topic=topic.encode())
    msg.payload = payload
    return msg


def test_fuzz_100k_hostile_messages_all_quarantined_with_a_reason(
    quiet_quarantine_log: None,
) -> None:
    bus = EventBus(ManualClock(T0))
    source = MqttSource(parse_broker_url("mqtt://127.0.0.1:1"), bus, bus.clock, bbox=BBOX)
    source.ingest.handle(THEFT_TOPIC, dumps(theft(0)))  # accepted once: later copies are replays
    reasons: dict[str, int] = {}

    def count(events: object) -> None:
        for event in events:  # type: ignore[attr-defined]
            assert isinstance(event, PayloadQuarantined) and event.reason
            head = event.reason.split(":")[0]
            reasons[head] = reasons.get(head, 0) + 1

    bus.subscribe(PayloadQuarantined, count)
    bus.drain()
    total = 100_000
    for n, (topic, payload) in enumerate(hostile_messages(total, seed=8)):
        source._on_message(None, None, message(topic, payload))  # type: ignore[arg-type]
        if n % 1000 == 999:
            bus.drain()
    bus.drain()
    assert source.ingest.accepted == 1
    assert source.ingest.rejected == total == sum(reasons.values())
    assert "internal error" not in reasons
    assert len(reasons) >= 10, reasons


def test_fuzz_sample_through_a_real_broker(
    mosquitto_broker: Mosquitto, quiet_quarantine_log: None
) -> None:
    bus = EventBus(ManualClock(T0))
    source = MqttSource(parse_broker_url(mosquitto_broker.url), bus, bus.clock, bbox=BBOX)
    source.start()
    try:
        assert source.wait_connected(5)
        sample = [
            (t, p)
            for t, p in hostile_messages(2000, seed=9)
            if len(p) < 60_000  # oversized ones above were tested one by one
            and t.startswith(PREFIX)  # the console subscribes to its own city's tree only
        ]
        with MqttPublisher(parse_broker_url(mosquitto_broker.url)) as publisher:
            publisher.publish_to(THEFT_TOPIC, dumps(theft(0)), qos=1)
            for topic, payload in sample:
                publisher.publish_to(topic, payload, qos=1)
        ingest = source.ingest
        assert wait_until(lambda: ingest.accepted + ingest.rejected >= len(sample) + 1, 10.0)
        assert source.ingest.accepted == 1
        assert bus.quarantine.count == len(sample)
        assert all(e.reason for e in bus.quarantine.recent())
    finally:
        source.stop()
