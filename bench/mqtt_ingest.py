"""MQTT ingest: position messages per second into the bus, and publish-to-drain latency.

A real Mosquitto on loopback (``tests/support/mosquitto.py``); the publisher is
a separate process (``--publisher``) so it does not share our interpreter; the
console side is the real :class:`console.core.feeds.MqttSource` (paho's thread,
validation at the edge, ``bus.post``) with the bus drained every 40 ms on the
main thread, as the frame tick does.

- ``mqtt_msgs_per_s``: vehicle positions per second from the broker into the
  bus, sent as our vehicle batches (``vehicle.batch``, 500 vehicles per JSON
  message). Baseline, same run: one JSON message per vehicle
  (``vehicle.position``), the usual field-feed shape. ``ratio=ours/baseline``.
- ``mqtt_p99_ms``: at a steady 5,000 messages/s of single positions for
  ``--seconds``, the 99th percentile from publish (the payload's ``ts``, set by
  the publisher at send time) to the drain that delivers it to the bus's
  subscribers (the map layer's subscription). Baseline, same run: the raw paho
  floor (publish -> on_message, no validation, no drain tick).
  ``ratio=baseline/ours`` (below 1: the share of the latency that is ours).

    .venv/bin/python bench/mqtt_ingest.py [--positions 60000] [--seconds 5]
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from console.core.bus import Delivery, EventBus
from console.core.clock import WallClock
from console.core.events import Event, VehicleBatch, VehicleClass, VehiclePosition
from console.core.feeds import MqttSource, parse_broker_url
from console.core.feeds.topics import encode_payload, mqtt_topic
from tests.support.mosquitto import Mosquitto, mosquitto_binary

DRAIN_S = 0.04
LON, LAT = 117.39, 32.92


# ---- The publisher process (raw MQTT 3.1.1 packets: the field systems, not under test)


def _length(n: int) -> bytes:
    out = bytearray()
    while True:
        n, digit = divmod(n, 128)
        out.append(digit | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _string(text: bytes) -> bytes:
    return len(text).to_bytes(2, "big") + text


def publish_packet(topic: str, payload: bytes) -> bytes:
    """An MQTT 3.1.1 PUBLISH packet at QoS 0."""
    body = _string(topic.encode()) + payload
    return b"\x30" + _length(len(body)) + body


def raw_connect(url: str) -> socket.socket:
    """A TCP connection with an accepted MQTT CONNECT (clean session, no login)."""
    settings = parse_broker_url(url)
    sock = socket.create_connection((settings.host, settings.port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    body = _string(b"MQTT") + bytes([4, 0x02, 0, 60]) + _string(b"bench-publisher")
    sock.sendall(b"\x10" + _length(len(body)) + body)
    if sock.recv(4)[:2] != b"\x20\x02":
        raise RuntimeError("the broker refused the publisher")
    return sock


def publisher(url: str, mode: str, count: int, rate: float) -> None:
    """Publish ``count`` messages: ``single``/``batch`` at full speed, ``paced`` at ``rate``."""
    rng = np.random.default_rng(1)
    sock = raw_connect(url)
    now = time.time()
    if mode == "batch":
        size = 500
        for n in range(count // size):
            ids = np.arange(n * size, (n + 1) * size, dtype=np.int32)
            batch = VehicleBatch(
                now,
                f"bench-{n % 100}",
                ids,
                np.zeros(size, np.uint8),
                (LON + rng.random(size) * 0.1).astype(np.float32),
                (LAT + rng.random(size) * 0.1).astype(np.float32),
                np.full(size, 40.0, np.float32),
                np.full(size, 90.0, np.float32),
            )
            sock.sendall(publish_packet(mqtt_topic(batch), encode_payload(batch)))
    elif mode == "single":
        packets = [
            publish_packet(mqtt_topic(e), encode_payload(e))
            for e in map(position, range(count), [now] * count)
        ]
        for start in range(0, count, 1000):
            sock.sendall(b"".join(packets[start : start + 1000]))
    else:
        began = time.perf_counter()
        sent = 0
        while sent < count:  # every 2 ms, what is due (a gateway's write), each stamped
            due = min(count, int((time.perf_counter() - began) * rate) + 1)
            packets = []
            for n in range(sent, due):
                event = position(n % 50_000, time.time())
                packets.append(publish_packet(mqtt_topic(event), encode_payload(event)))
            sock.sendall(b"".join(packets))
            sent = due
            time.sleep(0.002)
    sock.sendall(b"\xe0\x00")  # DISCONNECT
    sock.close()


def position(n: int, ts: float) -> VehiclePosition:
    """One vehicle's position report."""
    return VehiclePosition(ts, n, VehicleClass.TAXI, LON + n * 1e-6, LAT, 40.0, 90.0)


def start_publisher(url: str, mode: str, count: int, rate: float = 0.0) -> subprocess.Popen[bytes]:
    """Run :func:`publisher` in a child process."""
    args = [sys.executable, __file__, "--publisher", url, mode, str(count), str(rate)]
    return subprocess.Popen(args)


# ---- The console side


def ingest_rate(url: str, mode: str, positions: int) -> float:
    """Vehicle positions per second into the bus for one publishing mode."""
    clock = WallClock()
    bus = EventBus(clock)
    received = [0]

    def count(events: Sequence[Event]) -> None:
        for event in events:
            received[0] += len(event) if isinstance(event, VehicleBatch) else 1

    bus.subscribe("vehicle.*", count)
    settings = parse_broker_url(url, client_id=f"bench-{mode}")
    source = MqttSource(settings, bus, clock)
    source.start()
    source.wait_connected(5)
    child = start_publisher(url, mode, positions)
    first = last = 0.0
    idle_since = time.perf_counter()
    while received[0] < positions:
        time.sleep(DRAIN_S)
        before = received[0]
        bus.drain()
        now = time.perf_counter()
        if received[0] > before:
            first = first or now - DRAIN_S
            last, idle_since = now, now
        elif now - idle_since > 3.0:
            print(f"  {mode}: stalled at {received[0]} of {positions}", file=sys.stderr)
            break
    child.wait()
    source.stop()
    rejected = source.ingest.rejected
    if rejected:
        print(f"  {mode}: {rejected} quarantined", file=sys.stderr)
    return received[0] / max(last - first, 1e-9)


def latency(url: str, seconds: float, rate: float) -> tuple[float, float, int]:
    """p99 ms publish -> drain (ours) and publish -> on_message (paho floor), messages seen."""
    clock = WallClock()
    bus = EventBus(clock)
    ours: list[float] = []

    def on_positions(events: Sequence[Event]) -> None:
        at = time.time()
        ours.extend(at - e.ts for e in events)

    bus.subscribe(VehiclePosition, on_positions, Delivery.BATCH, name="map")
    source = MqttSource(parse_broker_url(url, client_id="bench-latency"), bus, clock)
    floor: list[float] = []
    handle = source.ingest.handle

    def timed_handle(topic: str, payload: bytes) -> bool:
        floor.append(time.time() - json.loads(payload)["ts"])
        return handle(topic, payload)

    source.ingest.handle = timed_handle  # type: ignore[method-assign]
    source.start()
    source.wait_connected(5)
    count = int(seconds * rate)
    child = start_publisher(url, "paced", count, rate)
    stop = threading.Event()
    while child.poll() is None or bus.pending:
        stop.wait(DRAIN_S)
        bus.drain()
    bus.drain()
    source.stop()
    skip = int(rate * 0.5)  # the first half second: connections warming up
    ours_ms = np.percentile(np.array(ours[skip:]) * 1000, 99)
    floor_ms = np.percentile(np.array(floor[skip:]) * 1000, 99)
    for name, values in (("floor", floor), ("ours", ours)):
        p50, p90 = np.percentile(np.array(values[skip:]) * 1000, [50, 90])
        print(f"  {name}: p50 {p50:.1f} ms, p90 {p90:.1f} ms", file=sys.stderr)
    return float(ours_ms), float(floor_ms), len(ours)


def main() -> None:
    """Run both measurements and print the RESULT lines."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--positions", type=int, default=60_000)
    parser.add_argument("--batched-positions", type=int, default=300_000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rate", type=float, default=5000.0)
    args = parser.parse_args()
    binary = mosquitto_binary()
    if binary is None:
        sys.exit("mosquitto is not installed")
    with tempfile.TemporaryDirectory(prefix="mqtt-bench-") as tmp:
        broker = Mosquitto(binary, Path(tmp))
        broker.start()
        try:
            ours, floor, seen = latency(broker.url, args.seconds, args.rate)
            single = ingest_rate(broker.url, "single", args.positions)
            batched = ingest_rate(broker.url, "batch", args.batched_positions)
            print(f"  one JSON message per vehicle: {single:,.0f} positions/s (baseline)")
            print(f"  vehicle batches of 500: {batched:,.0f} positions/s")
            print(f"RESULT mqtt_msgs_per_s {batched:.0f} msgs/s ratio={batched / single:.1f}")
            print(f"  {seen} messages at {args.rate:.0f}/s: p99 paho floor {floor:.1f} ms")
            print(f"RESULT mqtt_p99_ms {ours:.1f} ms ratio={floor / ours:.2f}")
        finally:
            broker.stop()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--publisher":
        publisher(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]))
    else:
        main()
