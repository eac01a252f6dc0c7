"""Large socket reads under paho: a burst arrives whole, in order, with few system calls."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from console.core.feeds import parse_broker_url
from console.core.feeds.broker import make_client
from console.core.feeds.source import BufferedReads
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
