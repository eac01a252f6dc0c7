"""MQTT ingest: position messages per second into the bus, and publish-to-map latency.

A real Mosquitto on loopback (``tests/support/mosquitto.py``); the publishers
are separate processes (``--publisher``, raw MQTT packets) so they do not share
our interpreter.

- ``mqtt_msgs_per_s``: position messages per second from the broker into the
  bus, one ``vehicle.position`` per JSON message (the usual field-feed shape):
  the real :class:`console.core.feeds.MqttSource` (decoded, validated, posted)
  on a bare bus drained every 20 ms. Baseline, same run: paho-mqtt alone, a
  stock client whose callback does nothing with the same messages (the limit
  of paho on this machine). ``ratio=ours/baseline``. Each is the median of
  three runs, taken in turn. Printed too: positions per second in our vehicle
  batches (``vehicle.batch``, 500 vehicles per message).
- ``mqtt_p99_ms``: at a steady ``--rate`` (5,000) messages/s for ``--seconds``,
  the 99th percentile from publish (the payload's ``ts``, stamped by the
  publisher at send time) to the map. The map is the real :class:`MapPane`
  (offscreen Qt set by this script; its QtWebEngine page built from the city's
  layers as the window builds it; software rendering here), attached to the bus
  of a headless console core (``build_core`` with ``bus_url``, as ``--bus``
  does: the real MqttSource with the city's area check, and every core
  subscriber of that bus: history, geofences...) and refreshed by the window's
  :class:`FrameTick` (the bus drained every 20 ms, after which the map, a live
  pane, sends what moved; ``--drain-ms`` tries another interval, for
  comparison only). A message is on the map when the page reports drawn the
  first frame sent after the drain delivered it (``MapPane.sig_frame_drawn``:
  the page's call returned after writing the canvas, for a whole frame or for
  one of only the vehicles that moved); the time of that drain (the data the
  next frame draws) is printed too, and how long frames took from the end of
  their drain to the page's report (and how much of it in the page). Messages
  that never arrive (within 45 s of the end) count as infinitely late. The timed
  messages are ``--kind position`` (the default): one ``vehicle.position`` per
  message, the usual field-feed shape, over a fleet of ``--fleet`` (52,600)
  vehicles the map holds before the timed run (the whole fleet sent once in the
  same messages). Each timed message moves its vehicle about 19 m east of where
  the fill put it (every pass over the fleet moves it on), so every message
  changes the map. ``--kind batch`` sends ``vehicle.batch`` slices of
  ``--per-message`` (10) vehicles instead, each slice with a stable
  ``batch_id``. ``--bare`` puts the map pane alone on the feed's bus.
  Baseline, same run: the raw paho floor of the same messages (publish ->
  on_message of the console's client, in the same process, so it includes
  waiting for the interpreter while the console is busy). ``ratio=baseline/ours``
  (below 1: the share of the latency that is ours).

    .venv/bin/python bench/mqtt_ingest.py [--positions 60000] [--seconds 5] [--rate 5000]
        [--kind batch|position] [--per-message 10] [--fleet 52600] [--bare] [--drain-ms 20]
"""

from __future__ import annotations

import argparse
import math
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from bench.support_map_probe import MapProbe, after, percentiles, quiet_after, spin_until
from console.core.bus import Delivery, EventBus
from console.core.city.loader import load_city
from console.core.clock import WallClock
from console.core.codec import Bbox
from console.core.events import Event, VehicleBatch, VehicleClass, VehiclePosition
from console.core.feeds import MqttSource, parse_broker_url
from console.core.feeds.broker import make_client
from console.core.feeds.topics import encode_payload, mqtt_topic, subscription_filter
from console.core.paths import city_dir
from tests.support.mosquitto import Mosquitto, mosquitto_binary

if TYPE_CHECKING:
    from console.core.runtime import ConsoleCore

DRAIN_S = 0.02
RATE_RUNS = 3
LON, LAT = 117.39, 32.92
WARM_UP_S = 0.5
"""Messages published in the first half second of the timed run are not counted."""
BACKLOG_S = 45.0
"""How long a console that fell behind may take to receive the rest (then: lost)."""


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


def publish_packet(topic: bytes, payload: bytes) -> bytes:
    """An MQTT 3.1.1 PUBLISH packet at QoS 0."""
    body = _string(topic) + payload
    return b"\x30" + _length(len(body)) + body


def raw_connect(url: str, client_id: str = "bench-publisher") -> socket.socket:
    """A TCP connection with an accepted MQTT CONNECT (clean session, no login)."""
    settings = parse_broker_url(url)
    sock = socket.create_connection((settings.host, settings.port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    body = _string(b"MQTT") + bytes([4, 0x02, 0, 60]) + _string(client_id.encode())
    sock.sendall(b"\x10" + _length(len(body)) + body)
    if sock.recv(4)[:2] != b"\x20\x02":
        raise RuntimeError("the broker refused the publisher")
    return sock


Template = tuple[bytes, bytes, bytes]
"""An MQTT topic, and a payload before and after its ``ts`` value."""


@dataclass(frozen=True, slots=True)
class Stream:
    """The timed feed over a fleet of ``fleet`` vehicles.

    ``kind`` "batch": ``vehicle.batch`` slices of ``per_message`` vehicles, each
    with its stable ``batch_id``; "position": one ``vehicle.position`` per message.
    Before the timed run the whole fleet is sent once in the same messages (the
    map then holds the fleet, as in the control room).
    """

    kind: str = "batch"
    per_message: int = 10
    fleet: int = 52_600

    @property
    def size(self) -> int:
        """Vehicles per message."""
        return self.per_message if self.kind == "batch" else 1

    @property
    def event_class(self) -> type[VehicleBatch] | type[VehiclePosition]:
        """The event each timed message becomes."""
        return VehicleBatch if self.kind == "batch" else VehiclePosition

    @property
    def fill_messages(self) -> int:
        """Messages that carry the whole fleet once (sent before the timed run)."""
        return -(-self.fleet // self.size)

    def templates(self, step: int = 0) -> list[Template]:
        """The messages of the fleet: one per slice (batches) or per vehicle (positions),
        each vehicle ``step`` steps (about 20 m each) east of where it started."""
        lon, lat = fleet_positions(self.fleet)
        lon = (lon + np.float32(STEP_DEG * step)).astype(np.float32)
        if self.kind == "position":
            return [
                split_at_ts(
                    VehiclePosition(
                        0.0, v, VehicleClass(v % 4), float(lon[v]), float(lat[v]), 40.0, 90.0
                    )
                )
                for v in range(self.fleet)
            ]
        size, out = self.size, []
        for s in range(self.fill_messages):
            ids = np.arange(s * size, min((s + 1) * size, self.fleet))
            n = len(ids)
            batch = VehicleBatch(
                0.0,
                f"gw-{s}",
                ids.astype(np.int32),
                (ids % 4).astype(np.uint8),
                lon[ids],
                lat[ids],
                np.full(n, 40.0, np.float32),
                np.full(n, 90.0, np.float32),
            )
            out.append(split_at_ts(batch))
        return out


STEP_DEG = 0.0002
"""How far east each vehicle moves per pass of the timed run (about 19 m)."""


def fleet_positions(fleet: int) -> tuple[np.ndarray, np.ndarray]:
    """Where the fleet's vehicles are (float32 lon, lat around the old city centre)."""
    rng = np.random.default_rng(1)
    lon = (LON - 0.06 + rng.random(fleet) * 0.12).astype(np.float32)
    lat = (LAT - 0.04 + rng.random(fleet) * 0.08).astype(np.float32)
    return lon, lat


def split_at_ts(event: Event) -> Template:
    """``event``'s topic and JSON payload (its ``ts`` must be 0.0), split at the ``ts`` value."""
    head, tail = encode_payload(event).split(b'"ts":0.0', 1)
    return mqtt_topic(event).encode(), head + b'"ts":', tail


def stamped(template: Template) -> bytes:
    """The message's PUBLISH packet stamped with the time now."""
    topic, head, tail = template
    return publish_packet(topic, head + repr(time.time()).encode() + tail)


def publisher(url: str, mode: str, count: int, rate: float, stream: Stream) -> None:
    """Publish ``count`` messages: ``single``/``batch`` at full speed, ``fill`` (the stream's
    whole fleet once) at full speed, ``paced`` (the stream's messages in turn) at ``rate``."""
    rng = np.random.default_rng(1)
    sock = raw_connect(url, f"bench-publisher-{mode}")
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
            sock.sendall(publish_packet(mqtt_topic(batch).encode(), encode_payload(batch)))
    elif mode == "single":
        packets = [
            publish_packet(mqtt_topic(e).encode(), encode_payload(e))
            for e in map(position, range(count), [now] * count)
        ]
        for start in range(0, count, 1000):
            sock.sendall(b"".join(packets[start : start + 1000]))
    elif mode == "fill":
        templates = stream.templates()
        for start in range(0, stream.fill_messages, 1000):  # the fleet once, at full speed
            sock.sendall(b"".join(stamped(t) for t in templates[start : start + 1000]))
    else:  # each pass over the fleet moves every vehicle on: every message changes the map
        passes = -(-count // stream.fill_messages)
        templates = [t for step in range(1, passes + 1) for t in stream.templates(step)]
        began = time.perf_counter()
        sent = 0
        while sent < count:  # every 2 ms, what is due (a gateway's write), each stamped
            due = min(count, int((time.perf_counter() - began) * rate) + 1)
            sock.sendall(b"".join(stamped(templates[n]) for n in range(sent, due)))
            sent = due
            time.sleep(0.002)
    sock.sendall(b"\xe0\x00")  # DISCONNECT
    sock.close()


def position(n: int, ts: float) -> VehiclePosition:
    """One vehicle's position report."""
    return VehiclePosition(ts, n, VehicleClass.TAXI, LON + n * 1e-6, LAT, 40.0, 90.0)


def published_at(payload: bytes) -> float:
    """The publish time the publisher stamped in ``ts`` (read without parsing the JSON)."""
    start = payload.index(b'"ts":') + 5
    return float(payload[start : payload.index(b",", start)])


def start_publisher(
    url: str, mode: str, count: int, rate: float = 0.0, stream: Stream | None = None
) -> subprocess.Popen[bytes]:
    """Run :func:`publisher` in a child process."""
    stream = stream or Stream()
    args = [sys.executable, __file__, "--publisher", url, mode, str(count), str(rate)]
    args += [stream.kind, str(stream.per_message), str(stream.fleet)]
    return subprocess.Popen(args)


# ---- The ingest rate (bare bus), and paho alone


def paho_rate(url: str, messages: int) -> float:
    """Messages per second a stock paho client takes when its callback does nothing."""
    settings = parse_broker_url(url, client_id="bench-paho-alone")
    client = make_client(settings, settings.client_id, persistent=False)
    arrivals: list[float] = []
    subscribed = threading.Event()
    client.on_message = lambda _c, _u, _m: arrivals.append(time.perf_counter())
    client.on_connect = lambda c, *_a: c.subscribe(subscription_filter(settings.prefix), 0)
    client.on_subscribe = lambda *_a: subscribed.set()
    client.connect(settings.host, settings.port)
    client.loop_start()
    try:
        if not subscribed.wait(5):
            sys.exit("paho alone did not subscribe")
        child = start_publisher(url, "single", messages)
        spin = quiet_after(lambda: len(arrivals) >= messages, lambda: len(arrivals), 3.0)
        while not spin():
            time.sleep(0.05)
        child.wait()
    finally:
        client.disconnect()
        client.loop_stop()
    if len(arrivals) < messages:
        print(f"  paho alone: {len(arrivals)} of {messages} arrived", file=sys.stderr)
    return len(arrivals) / max(arrivals[-1] - arrivals[0], 1e-9) if len(arrivals) > 1 else 0.0


def ingest_rate(url: str, mode: str, positions: int, bbox: Bbox | None = None) -> float:
    """Vehicle positions per second into the bus for one publishing mode (``bbox``: the
    city's area, checked as the console does)."""
    clock = WallClock()
    bus = EventBus(clock)
    received = [0]

    def count(events: Sequence[Event]) -> None:
        for event in events:
            received[0] += len(event) if isinstance(event, VehicleBatch) else 1

    bus.subscribe("vehicle.*", count)
    settings = parse_broker_url(url, client_id=f"bench-{mode}")
    source = MqttSource(settings, bus, clock, bbox=bbox)
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


# ---- The console side: publish to map (real map pane, real frame tick, headless core)


@dataclass(slots=True)
class MapRun:
    """The measured latencies (ms, by publish ts) and what the map did."""

    floor: list[tuple[float, float]]
    applied: list[tuple[float, float]]
    drawn: list[tuple[float, float]]
    published: int
    frames: int
    tick_ms: list[float]
    """How long each drain of the timed run took (drain + refresh)."""
    round_trip_ms: list[float]
    """Per frame carrying timed positions: from its drain's end to the page's report."""
    page_ms: list[float]
    """Per drawn frame: the time the page spent in it (decode, apply, draw)."""
    drain_interval_ms: int
    seconds: float
    """From the first publish to the end of the run."""
    rejected: int
    start: float
    """When the first timed message was published."""


def map_latency(
    url: str,
    seconds: float,
    rate: float,
    stream: Stream,
    scratch: Path,
    *,
    bare: bool = False,
    drain_interval_ms: int | None = None,
) -> MapRun:
    """Publish ``seconds`` at ``rate`` and time each message to the map (see module doc).

    ``bare``: the map pane alone on a bus fed by the MqttSource, without the
    console core's other subscribers (history, geofences, unit board...).
    """
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    from console.core.runtime import CoreOptions, build_core
    from console.qt.city_layers import map_layers_from_city
    from console.qt.frame_tick import DRAIN_INTERVAL_MS, FRAME_INTERVAL_MS, FrameTick
    from console.qt.panes.map_pane import MapPane

    app = QApplication.instance() or QApplication(["bench-mqtt-ingest"])
    core: ConsoleCore | None = None
    if bare:
        city = load_city(city_dir("bengbu"))
        bus = EventBus(WallClock())
        settings = parse_broker_url(url, client_id="bench-map-bare")
        feed = MqttSource(settings, bus, bus.clock, bbox=city.bbox)
    else:
        options = CoreOptions(
            database_url=f"sqlite:///{scratch / 'console.sqlite'}",
            history_dir=scratch / "history",
            bus_url=url,
            bus_options=(("client_id", "bench-map"),),
            console_id="bench-map",
            speed=1.0,
            start=time.time(),
        )
        core = build_core(options)
        city, bus = core.city, core.bus
        assert core.feed is not None
        feed = core.feed
    floor: list[tuple[float, float]] = []
    handle = feed.ingest.handle

    def timed_handle(topic: str, payload: bytes) -> bool:
        floor.append((published_at(payload), time.time()))
        return handle(topic, payload)

    feed.ingest.handle = timed_handle  # type: ignore[method-assign]
    pane = MapPane(map_layers_from_city(city), page_root=scratch / "page")
    drain_interval_ms = drain_interval_ms or DRAIN_INTERVAL_MS
    tick = FrameTick(bus, FRAME_INTERVAL_MS, drain_ms=drain_interval_ms)
    probe = MapProbe(lambda: pane.view.busy)
    pane.attach(bus)
    bus.subscribe(stream.event_class, probe.on_events, Delivery.LATEST, name="bench.map-probe")
    tick.add_pane(pane)
    tick.add_source(probe.before_tick)
    tick.sig_drained.connect(probe.after_tick)
    tick_ms: list[float] = []
    tick.sig_drained.connect(lambda _drained: tick_ms.append(tick.last_tick_ms))
    pane.sig_frame_drawn.connect(probe.on_drawn)
    page_ms: list[float] = []
    pane.sig_frame_drawn.connect(lambda _count: page_ms.append(pane.view.last_draw_ms))
    pane.resize(1280, 800)
    pane.show()
    try:
        if not spin_until(lambda: pane.page_ready, 60.0):
            sys.exit("the map page did not load")
        if core is None:
            feed.start()
        else:
            core.start()  # the feed, and the listener of other consoles (none on SQLite)
        if not feed.wait_connected(5):
            sys.exit("the console's feed did not connect to the broker")
        tick.start()
        filler = start_publisher(url, "fill", stream.fill_messages, 0.0, stream)
        spin_until(lambda: filler.poll() is not None, BACKLOG_S)
        filled = quiet_after(lambda: len(floor) >= stream.fill_messages, lambda: len(floor))
        spin_until(filled, BACKLOG_S)
        if not spin_until(lambda: probe.last_frame_count >= stream.fleet, 10.0):
            shown = probe.last_frame_count
            print(
                f"  the map shows {shown:,} of the {stream.fleet:,} vehicles sent", file=sys.stderr
            )
        filler.wait()
        probe.reset()
        floor.clear()
        tick_ms.clear()
        page_ms.clear()
        count = int(seconds * rate)
        child = start_publisher(url, "paced", count, rate, stream)
        spin_until(lambda: child.poll() is not None, seconds + 30.0)
        spin_until(quiet_after(lambda: len(floor) >= count, lambda: len(floor)), BACKLOG_S)
        spin_until(quiet_after(lambda: probe.settled, lambda: len(probe.drawn), 1.0), 30.0)
        first = min((ts for ts, _at in floor), default=time.time())  # the first publish
        return MapRun(
            floor=[(ts, (at - ts) * 1000.0) for ts, at in floor],
            applied=list(probe.applied),
            drawn=list(probe.drawn),
            published=count,
            frames=probe.frames,
            tick_ms=list(tick_ms),
            round_trip_ms=list(probe.round_trips),
            page_ms=list(page_ms),
            drain_interval_ms=drain_interval_ms,
            seconds=time.time() - first,
            rejected=feed.ingest.rejected,
            start=first,
        )
    finally:
        tick.stop()
        pane.detach()
        pane.close()
        if core is None:
            feed.stop()
        else:
            core.stop()
        pane.deleteLater()
        app.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def report_map(run: MapRun, rate: float, stream: Stream) -> None:
    """Print the latency figures and the ``mqtt_p99_ms`` RESULT line."""
    since = run.start + WARM_UP_S
    expected = run.published - int(rate * WARM_UP_S)  # published after the warm-up
    received = after(run.floor, since)
    lost = expected - len(received)  # never arrived (counted as infinitely late)
    floor = percentiles(received, lost)
    applied = percentiles(after(run.applied, since), lost)
    drawn = percentiles(after(run.drawn, since), lost)
    arrived = sorted(ts + ms / 1000.0 for ts, ms in run.floor)
    taken = len(arrived) / max(arrived[-1] - arrived[0], 1e-9) if len(arrived) > 1 else 0.0
    topic = stream.event_class.TOPIC
    print(
        f"  {run.published} {topic} messages at {rate:.0f}/s ({stream.size} vehicle(s) each;"
        f" a fleet of {stream.fleet:,}); the console took them at {taken:,.0f}/s"
    )
    print(
        f"  received {len(run.floor)}, delivered to the map's subscription {len(run.applied)},"
        f" drawn {len(run.drawn)} in {run.frames} frames; quarantined {run.rejected}"
    )
    ticks = np.array(run.tick_ms or [0.0])
    print(
        f"  drains: {len(run.tick_ms)}, mean {ticks.mean():.1f} ms, longest"
        f" {ticks.max():.0f} ms; the GUI thread spent {ticks.sum() / 10 / run.seconds:.0f}%"
        " of the run in them"
    )
    trips = np.array(run.round_trip_ms or [np.nan])
    page = np.array(run.page_ms or [np.nan])
    print(
        f"  frames out to the page and back (drain end -> drawn report): p50"
        f" {np.median(trips):.1f}, p90 {np.percentile(trips, 90):.1f}, max {trips.max():.1f} ms;"
        f" of which in the page: p50 {np.median(page):.1f}, max {page.max():.1f} ms"
    )
    print(
        f"  the bus is drained every {run.drain_interval_ms} ms: a message waits up to that"
        " long for the drain that hands it to the map"
    )
    for name, figures in (
        ("paho floor (publish -> on_message)", floor),
        ("to the map's subscription (the drain)", applied),
        ("to the drawn map frame", drawn),
    ):
        p50, p90, p99, top = figures
        print(f"  {name}: p50 {p50:.1f}, p90 {p90:.1f}, p99 {p99:.1f}, max {top:.1f} ms")
    if not run.drawn:
        print(f"  none of them reached a drawn frame: the map pane does not take {topic}")
        print("RESULT mqtt_p99_ms inf ms ratio=0.00")
        return
    ratio = floor[2] / drawn[2] if math.isfinite(drawn[2]) else 0.0
    print(f"RESULT mqtt_p99_ms {drawn[2]:.1f} ms ratio={ratio:.2f}")


def main() -> None:
    """Run both measurements and print the RESULT lines."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--positions", type=int, default=60_000)
    parser.add_argument("--batched-positions", type=int, default=300_000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rate", type=float, default=5000.0, help="messages/s of the timed run")
    parser.add_argument("--kind", choices=("batch", "position"), default="position")
    parser.add_argument("--per-message", type=int, default=10, help="vehicles per batch")
    parser.add_argument("--fleet", type=int, default=52_600, help="vehicles on the map")
    parser.add_argument(
        "--bare", action="store_true", help="the map pane alone on the feed's bus (no core)"
    )
    parser.add_argument(
        "--drain-ms",
        type=int,
        default=None,
        help="bus drain interval (default: the window's, 20 ms; others are for comparison)",
    )
    args = parser.parse_args()
    binary = mosquitto_binary()
    if binary is None:
        sys.exit("mosquitto is not installed")
    from console.qt.qt_env import prepare_qt_environment

    prepare_qt_environment(headless=True)  # offscreen; no Chromium sandbox as root
    stream = Stream(args.kind, args.per_message, args.fleet)
    with tempfile.TemporaryDirectory(prefix="mqtt-bench-") as tmp:
        broker = Mosquitto(binary, Path(tmp) / "broker")
        broker.start()
        try:
            bbox = load_city(city_dir("bengbu")).bbox
            alone, ours = [], []
            for _ in range(RATE_RUNS):
                alone.append(paho_rate(broker.url, args.positions))
                ours.append(ingest_rate(broker.url, "single", args.positions, bbox))
            batched = ingest_rate(broker.url, "batch", args.batched_positions, bbox)
            paho, single = statistics.median(alone), statistics.median(ours)
            runs = ", ".join(f"{r:,.0f}" for r in ours)
            print(f"  paho-mqtt alone, a callback that does nothing: {paho:,.0f} msgs/s (baseline)")
            print(f"  the console's MqttSource into the bus: {single:,.0f} msgs/s (runs: {runs})")
            print(f"  in vehicle batches of 500: {batched:,.0f} positions/s")
            print(f"RESULT mqtt_msgs_per_s {single:.0f} msgs/s ratio={single / paho:.2f}")
            run = map_latency(
                broker.url,
                args.seconds,
                args.rate,
                stream,
                Path(tmp),
                bare=args.bare,
                drain_interval_ms=args.drain_ms,
            )
            report_map(run, args.rate, stream)
        finally:
            broker.stop()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--publisher":
        stream = Stream(sys.argv[6], int(sys.argv[7]), int(sys.argv[8]))
        publisher(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), stream)
    else:
        main()
