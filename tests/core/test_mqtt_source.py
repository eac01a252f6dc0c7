"""The MQTT source against a real Mosquitto: round trip, restart without loss, link state
(and a refused subscription, which only a scripted peer can show here)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from console.core.bus import EventBus
from console.core.clock import ManualClock
from console.core.events import (
    Event,
    HotlineCall,
    IncidentChanged,
    PayloadQuarantined,
    TheftAlarm,
    TwoWheelerKind,
    VehicleBatch,
    VehicleClass,
    VehiclePosition,
)
from console.core.feeds import LinkState, MqttPublisher, MqttSource, parse_broker_url, qos_of
from tests.support.mosquitto import (
    Collector,
    Mosquitto,
    running_broker,
    wait_until,
)

T0 = 1_767_225_600.0
LON, LAT = 117.39, 32.92


@pytest.fixture
def mosquitto_broker(tmp_path: Path) -> Iterator[Mosquitto]:
    """A real Mosquitto on loopback for this test."""
    yield from running_broker(tmp_path)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def source_factory(clock: ManualClock) -> Iterator[Callable[..., MqttSource]]:
    made: list[MqttSource] = []

    def make(url: str, bus: EventBus, **options: object) -> MqttSource:
        source = MqttSource(parse_broker_url(url, client_id="console-test"), bus, clock, **options)  # type: ignore[arg-type]
        made.append(source)
        return source

    yield make
    for source in made:
        source.stop()


def theft(n: int) -> TheftAlarm:
    return TheftAlarm(T0, f"th-{n}", 17, f"tag-{n}", TwoWheelerKind.EBIKE, LON, LAT)


def test_every_kind_round_trips_through_the_broker_onto_the_bus(
    mosquitto_broker: Mosquitto, clock: ManualClock, source_factory: Callable[..., MqttSource]
) -> None:
    import numpy as np

    bus = EventBus(clock)
    collector = Collector(bus)
    source = source_factory(mosquitto_broker.url, bus)
    source.start()
    assert source.wait_connected(5)
    sent: list[Event] = [
        theft(1),
        VehiclePosition(T0, 5, VehicleClass.TAXI, LON, LAT, 32.5, 90.0),
        HotlineCall(T0, "c-1", "taxi", "绕路收费", LON, LAT),
        IncidentChanged(T0, 7, "accepted", "accept", "li", reason="ok"),
        VehicleBatch(
            T0,
            "taxi-0",
            np.array([1, 2], np.int32),
            np.array([0, 3], np.uint8),
            np.array([LON, LON], np.float32),
            np.array([LAT, LAT], np.float32),
            np.array([10, 20], np.float32),
            np.array([0, 180], np.float32),
        ),
    ]
    with MqttPublisher(parse_broker_url(mosquitto_broker.url)) as publisher:
        publisher.publish_many(sent)
    assert collector.wait_for(lambda got: len(got) >= len(sent))
    by_topic = {e.TOPIC: e for e in collector.events}
    assert not collector.of(PayloadQuarantined)
    for event in sent[:4]:
        assert by_topic[event.TOPIC] == event
    batch = by_topic["vehicle.batch"]
    assert isinstance(batch, VehicleBatch) and batch.ids.tolist() == [1, 2]
    assert batch.classes.tolist() == [0, 3]
    status = source.status()
    assert status.state is LinkState.CONNECTED and status.accepted == len(sent)
    continuous = {e.TOPIC for e in sent if not qos_of(e.TOPIC)}  # alarms are never "stale"
    assert {h.topic for h in source.health()} == continuous


def test_no_qos1_event_is_lost_across_a_broker_restart(
    mosquitto_broker: Mosquitto, clock: ManualClock, source_factory: Callable[..., MqttSource]
) -> None:
    bus = EventBus(clock)
    collector = Collector(bus)
    source = source_factory(mosquitto_broker.url, bus, reconnect_min_s=1, reconnect_max_s=2)
    source.start()
    assert source.wait_connected(5)
    with MqttPublisher(parse_broker_url(mosquitto_broker.url)) as publisher:
        publisher.publish_many(theft(n) for n in range(50))
    assert collector.wait_for(lambda got: len(got) >= 50)

    source.stop()  # the console goes away; its session stays on the broker
    with MqttPublisher(parse_broker_url(mosquitto_broker.url)) as publisher:
        publisher.publish_many(theft(n) for n in range(50, 150))
    mosquitto_broker.stop()  # the broker restarts with the queued events persisted
    mosquitto_broker.start()
    with MqttPublisher(parse_broker_url(mosquitto_broker.url)) as publisher:
        publisher.publish_many(theft(n) for n in range(150, 200))

    source.start()
    assert source.wait_connected(10, connects=2)
    assert collector.wait_for(
        lambda got: len({e.alarm_id for e in got if isinstance(e, TheftAlarm)}) >= 200
    )
    ids = {e.alarm_id for e in collector.of(TheftAlarm)}  # type: ignore[attr-defined]
    assert ids == {f"th-{n}" for n in range(200)}


def test_reconnects_by_itself_after_the_broker_comes_back(
    mosquitto_broker: Mosquitto, clock: ManualClock, source_factory: Callable[..., MqttSource]
) -> None:
    bus = EventBus(clock)
    collector = Collector(bus)
    source = source_factory(
        mosquitto_broker.url,
        bus,
        reconnect_min_s=1,
        reconnect_max_s=1,
        expected={"alarm.theft": 30.0},
    )
    source.start()
    assert source.wait_connected(5)
    mosquitto_broker.stop()
    assert wait_until(lambda: source.status().state is LinkState.DOWN)
    status = source.status()
    assert status.state is LinkState.DOWN and status.error
    clock.advance(31)
    assert source.stale_feeds() == ["alarm.theft"]  # silent since start, past its limit

    mosquitto_broker.start()
    assert source.wait_connected(10, connects=2)  # no call from us: paho's backoff
    with MqttPublisher(parse_broker_url(mosquitto_broker.url)) as publisher:
        publisher.publish(theft(1))
    assert collector.wait_for(lambda got: bool(got))
    assert source.stale_feeds() == []
    assert source.status().connects == 2


def test_an_unreachable_broker_is_down_not_an_error(
    tmp_path: Path, clock: ManualClock, source_factory: Callable[..., MqttSource]
) -> None:
    from tests.support.mosquitto import free_port

    bus = EventBus(clock)
    source = source_factory(f"mqtt://127.0.0.1:{free_port()}", bus)
    source.start()
    assert wait_until(lambda: source.status().state is not LinkState.CONNECTING)
    assert source.status().state is LinkState.DOWN
    assert "unreachable" in source.status().error


def refusing_broker(stop: threading.Event) -> tuple[int, threading.Thread]:
    """A loopback peer that accepts the MQTT connection and refuses every subscription
    (SUBACK 0x80), as EMQX or HiveMQ do when access control denies it. Mosquitto 2.0
    cannot play it: it grants every subscription and filters at delivery."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(10.0)
    port = server.getsockname()[1]

    def packet(conn: socket.socket) -> tuple[int, bytes]:
        head = conn.recv(1)
        length, shift = 0, 0
        while True:
            digit = conn.recv(1)[0]
            length |= (digit & 0x7F) << shift
            shift += 7
            if not digit & 0x80:
                break
        body = b""
        while len(body) < length:
            body += conn.recv(length - len(body))
        return head[0], body

    def serve() -> None:
        with server, server.accept()[0] as conn:
            conn.settimeout(10.0)
            assert packet(conn)[0] == 0x10  # CONNECT
            conn.sendall(b"\x20\x02\x00\x00")  # CONNACK: accepted
            kind, body = packet(conn)
            assert kind == 0x82  # SUBSCRIBE
            conn.sendall(b"\x90\x03" + body[:2] + b"\x80")  # SUBACK: failure
            stop.wait(10.0)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return port, thread


def test_a_subscription_the_broker_refuses_shows_the_link_down_with_the_reason(
    source_factory: Callable[..., MqttSource],
) -> None:
    stop = threading.Event()
    port, peer = refusing_broker(stop)
    try:
        source = source_factory(f"mqtt://127.0.0.1:{port}", EventBus(ManualClock(T0)))
        source.start()
        assert wait_until(lambda: source.status().error != "", 10.0)
        status = source.status()
        assert status.state is LinkState.DOWN and status.connects == 0
        assert status.error == "the broker refused the subscription to bengbu/v1/#"
    finally:
        stop.set()
        peer.join(10.0)
