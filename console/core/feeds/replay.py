"""The built-in simulation and a recording, published into a broker as a city feed.

``city-console simulate --to mqtt://...`` and ``city-console replay LOG --to
mqtt://...`` call these, so several consoles on one broker can demonstrate a
centre. Both pace themselves by an injected clock and stop when ``stop`` is set.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from console.core.clock import Clock, CompressedClock, WallClock
from console.core.feeds.broker import BrokerSettings
from console.core.feeds.publisher import MqttPublisher
from console.core.recording import RecordingReader

if TYPE_CHECKING:
    from console.core.runtime import CoreOptions

log = logging.getLogger(__name__)

_CHUNK_S = 1.0
"""Recorded time read and published per pass."""


@dataclass(frozen=True, slots=True)
class PublishReport:
    """What a publisher sent."""

    messages: int
    first_ts: float
    last_ts: float


def publish_simulation(
    settings: BrokerSettings,
    options: CoreOptions,
    *,
    seconds: float | None = None,
    tick_s: float = 0.5,
    stop: threading.Event | None = None,
    wall: Clock | None = None,
) -> PublishReport:
    """Run the city simulation of ``options`` and publish what it makes.

    Simulated time starts at ``options.start`` and runs at ``options.speed``;
    raw external records (the hotline's JSON) are published as they are.
    Runs ``seconds`` of wall time (None: until ``stop`` is set).
    """
    from console.core.city.loader import load_city
    from console.core.paths import city_dir
    from console.core.runtime import city_simulation
    from console.core.sites import load_sites

    directory = city_dir(options.city)
    city = load_city(directory)
    _config, stepper = city_simulation(city, load_sites(directory, city), options)
    clock = CompressedClock(start=options.start, factor=options.speed)
    wall = wall or WallClock()
    stop = stop or threading.Event()
    ends = None if seconds is None else wall.now() + seconds
    first = last = options.start
    with MqttPublisher(settings, client_id="") as publisher:
        while not stop.is_set() and (ends is None or wall.now() < ends):
            now = clock.now()
            step = stepper.step(now)
            publisher.publish_many(step.events)
            for record in step.external:
                publisher.publish_raw(record.topic, record.payload)
            last = now
            stop.wait(tick_s)
        count = publisher.published
    log.info("published %d messages of the simulation to %s", count, settings.describe())
    return PublishReport(count, first, last)


def publish_recording(
    folder: Path,
    settings: BrokerSettings,
    speed: float = 1.0,
    *,
    stop: threading.Event | None = None,
    wall: Clock | None = None,
    start_offset_s: float = 0.0,
) -> PublishReport:
    """Publish every recorded event of ``folder`` in recorded order, ``speed`` times real time.

    ``speed`` <= 0 publishes as fast as the broker takes it. Events keep their
    recorded timestamps (a console receiving them should run on the recording's
    clock, or accept their age with ``IngestLimits``).
    """
    wall = wall or WallClock()
    stop = stop or threading.Event()
    count = 0
    with RecordingReader(folder) as reader, MqttPublisher(settings) as publisher:
        span = reader.time_range()
        if span is None:
            return PublishReport(0, 0.0, 0.0)
        t0, t1 = span[0] + start_offset_s, span[1]
        began = wall.now()
        cursor = t0
        while cursor <= t1 and not stop.is_set():
            until = min(cursor + _CHUNK_S, t1)
            for at, event in reader.events_between(cursor, until):
                if at == until and until < t1:
                    continue  # the next pass starts at ``until``
                if speed > 0:
                    delay = (at - t0) / speed - (wall.now() - began)
                    if delay > 0 and stop.wait(delay):
                        break
                publisher.publish(event)
                count = publisher.published
            if until >= t1:
                break
            cursor = until
        count = publisher.published
    log.info("published %d messages of %s to %s", count, folder, settings.describe())
    return PublishReport(count, t0, t1)
