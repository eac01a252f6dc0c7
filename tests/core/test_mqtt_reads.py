"""Large socket reads under paho: a burst arrives whole, in order, with few system calls;
plain QoS 0 publishes skip paho's message machinery, everything else keeps it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from console.core.feeds import parse_broker_url
from console.core.feeds.broker import make_client
from console.core.feeds.reads import BufferedReads
from tests.support.mosquitto import Mosquitto, running_broker, wait_until

BURST = 2000


@pytest.fixture
def mosquitto_broker(tmp_path: Path) -> Iterator[Mosquitto]:
    """A real Mosquitto on loopback for this test."""
    yield from running_broker(tmp_path)


def test_a_burst_arrives_whole_in_order_with_few_socket_reads(
    mosquitto_broker: Mosquitto,
) -> None:
    settings = parse_broker_url(mosquitto_broker.url)
    reader = make_client(settings, "reads-test-sub", persistent=False)
    socket_reads = [0]
    socket_recv = reader._sock_recv

    def counted(bufsize: int) -> bytes:  # the real socket read, counted
        socket_reads[0] += 1
        return socket_recv(bufsize)

    reader._sock_recv = counted  # type: ignore[method-assign]
    reads = BufferedReads(reader, chunk=4096, max_packets=7)
    assert reads.installed
    got: list[bytes] = []
    subscribed: list[int] = []
    reader.on_message = lambda _c, _u, message: got.append(bytes(message.payload))
    reader.on_subscribe = lambda *_args: subscribed.append(1)
    reader.connect(settings.host, settings.port)
    reader.subscribe("burst/#", qos=0)
    left_over: list[int] = []

    def pump() -> bool:  # this test's thread plays paho's network loop
        reader.loop(0.01)
        left_over.append(reads.buffered)
        return bool(subscribed)

    assert wait_until(pump, 10.0)
    writer = make_client(settings, "reads-test-pub", persistent=False)
    writer.connect(settings.host, settings.port)
    writer.loop_start()
    try:
        sent = [writer.publish("burst/x", b"%05d" % n, qos=1) for n in range(BURST)]
        for info in sent:
            info.wait_for_publish(10.0)  # the broker has them all; the reader has not read
        socket_reads[0] = 0
        assert wait_until(lambda: pump() and len(got) >= BURST, 10.0)
    finally:
        writer.disconnect()
        writer.loop_stop()
        reader.disconnect()
    assert got == [b"%05d" % n for n in range(BURST)]
    assert socket_reads[0] < BURST // 10  # paho alone: three or more reads a message
    assert set(left_over) == {0}  # never anything waiting in the buffer while paho selects


def test_a_changed_paho_is_left_as_it_is() -> None:
    client = mqtt.Client(CallbackAPIVersion.VERSION2)
    client._packet_read = None  # type: ignore[assignment,method-assign]
    stock = client.loop_read
    reads = BufferedReads(client)
    assert not reads.installed
    assert client.loop_read == stock


def test_plain_publishes_skip_paho_and_the_rest_keeps_it(mosquitto_broker: Mosquitto) -> None:
    settings = parse_broker_url(mosquitto_broker.url)
    reader = make_client(settings, "reads-test-fast", persistent=False)
    got: list[tuple[str, bytes, int, str]] = []  # topic, payload, QoS, by whom; as they came
    reads = BufferedReads(
        reader, chunk=4096, on_publish=lambda t, p: got.append((t.decode(), p, 0, "fast"))
    )
    assert reads.installed
    reader.on_message = lambda _c, _u, m: got.append(
        (m.topic, bytes(m.payload), m.qos, "retained" if m.retain else "paho")
    )
    subscribed: list[int] = []
    reader.on_subscribe = lambda *_args: subscribed.append(1)
    reader.on_connect = lambda client, *_args: client.subscribe("mix/#", qos=1)
    writer = make_client(settings, "reads-test-fast-pub", persistent=False)
    writer.connect(settings.host, settings.port)
    writer.loop_start()
    reader.loop_start()
    try:
        writer.publish("mix/kept", b"retained", qos=0, retain=True).wait_for_publish(10.0)
        reader.connect(settings.host, settings.port)
        assert wait_until(lambda: bool(subscribed), 10.0)
        sent = []
        for n in range(BURST):  # varied sizes, so packets straddle the 4 KiB reads
            payload = b"%05d" % n + b"x" * (n % 300)
            sent.append(writer.publish(f"mix/{n % 2}", payload, qos=n % 2))
        for info in sent:
            info.wait_for_publish(10.0)
        assert wait_until(lambda: len(got) >= BURST + 1, 10.0)
    finally:
        writer.disconnect()
        writer.loop_stop()
        reader.disconnect()
        reader.loop_stop()
    assert got[0] == ("mix/kept", b"retained", 0, "retained")  # retained: paho's path
    expected = [b"%05d" % n + b"x" * (n % 300) for n in range(BURST)]
    plain = [(t, p) for t, p, qos, _by in got[1:] if qos == 0]
    assert plain == [("mix/0", p) for p in expected[0::2]]  # in order, none lost
    acked = [(t, p, by) for t, p, qos, by in got[1:] if qos == 1]
    assert acked == [("mix/1", p, "paho") for p in expected[1::2]]  # QoS 1: paho acks them
    taken = sum(1 for *_rest, by in got if by == "fast")
    assert taken == reads.taken_whole > BURST // 4  # most plain ones (some straddle reads)
