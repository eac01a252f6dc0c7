"""Three consoles on one PostgreSQL and one broker: how fast each learns of the others' work.

Starts a throwaway PostgreSQL server and a Mosquitto broker on loopback (as the
tests do: ``tests/support/postgres.py``, ``tests/support/mosquitto.py``) and
builds three headless consoles on them as the command line does
(``build_core`` with ``--db`` and ``--bus``: each console's feeds come from the
broker through its own :class:`MqttSource` session, its case writes are
announced with NOTIFY at commit and its :class:`DatabaseChanges` listener posts
the other consoles' writes on its bus). Each console's bus is drained every
20 ms on a thread of its own, as its window's frame tick does, with the
once-a-second automatic step. A separate process publishes the built-in city
simulation into the broker in real time (``city-console simulate --to``:
vehicles, bridges, IoT, hotline, alarms), so every console is under a live
city's load while the actions propagate; the bench fails if a console's feed
link was not connected or received nothing.

Three operator threads, one per console, together take 20 actions a second for
``--seconds`` (each a note on one of their console's cases, every tenth a new
report), each with a unique actor name. For every action and every other
console: the time from the action's start to the console's bus delivering it.

- ``propagation_p99_ms``: p99 of those times, through NOTIFY.
- Baseline, same run, same actions: each console polling the audit table for
  new rows once a second (the simple way to share a database), measured the same
  way.
- ``lost_actions``: actions some console never saw (3 s of grace after the end).

Prints ``RESULT propagation_p99_ms <n> ms ratio=<baseline/ours>`` and
``RESULT lost_actions <n>``.

    .venv/bin/python bench/multiseat.py [--seconds 20] [--rate 20]
"""

from __future__ import annotations

import argparse
import itertools
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from sqlalchemy import text

from console.core.events import Event, IncidentChanged
from console.core.feeds.source import LinkState
from console.core.incidents import Verb
from console.core.runtime import ConsoleCore, CoreOptions, build_core
from console.core.storage import open_database
from tests.support.mosquitto import Mosquitto, mosquitto_binary
from tests.support.postgres import PostgresServer

log = logging.getLogger("bench.multiseat")
ROOT = Path(__file__).resolve().parents[1]
CONSOLES = ("north", "centre", "south")
DRAIN_S = 0.02
"""As console.qt.frame_tick.DRAIN_INTERVAL_MS (this bench imports no Qt)."""
STEP_S = 1.0
POLL_S = 1.0
GRACE_S = 3.0
CASES_PER_CONSOLE = 5
FEED_WAIT_S = 60.0
"""How long the consoles may wait for the simulation's first messages."""


class Seen:
    """When each console first saw each action (by its unique actor), thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.at: dict[tuple[str, str], float] = {}

    def mark(self, console: str, actor: str, at: float) -> None:
        """Record the first sighting of ``actor``'s action on ``console``."""
        with self._lock:
            self.at.setdefault((console, actor), at)


class Seat:
    """One headless console on the shared database and broker, and what it saw."""

    def __init__(
        self, name: str, url: str, broker_url: str, tmp: Path, ours: Seen, polled: Seen
    ) -> None:
        options = CoreOptions(
            database_url=url,
            colleague_share=0.0,
            quiet_city=True,
            history_dir=tmp / name,
            bus_url=broker_url,
            bus_options=(("client_id", f"bench-multiseat-{name}-{os.getpid()}"),),
            console_id=name,
            speed=1.0,
            start=time.time(),
        )
        self.name = name
        self.core: ConsoleCore = build_core(options)
        self.ours = ours
        self.polled = polled
        self.core.bus.subscribe(IncidentChanged, self._on_changes, name="bench-seen")
        self.cases: list[int] = []
        self.longest_drain_ms = 0.0
        self._poll_db = open_database(url)
        self._last_audit = 0

    def _on_changes(self, events: Sequence[Event]) -> None:
        now = time.perf_counter()
        for event in events:
            if isinstance(event, IncidentChanged):
                self.ours.mark(self.name, event.actor, now)

    def listening(self, timeout: float) -> bool:
        """Whether the console listens for the others' changes (waits up to ``timeout``)."""
        changes = self.core.changes
        return changes is not None and changes.listening.wait(timeout)

    def feed_connected(self, timeout: float) -> bool:
        """Whether the console's broker link is up (waits up to ``timeout``)."""
        feed = self.core.feed
        return feed is not None and feed.wait_connected(timeout)

    def feed_messages(self) -> int:
        """Feed messages the console accepted so far."""
        feed = self.core.feed
        return feed.status().accepted if feed is not None else 0

    def frame_ticks(self, stop: threading.Event) -> None:
        """The console's GUI thread: drain every 20 ms, the automatic step once a second."""
        next_step = time.perf_counter() + STEP_S
        while not stop.is_set():
            started = time.perf_counter()
            self.core.bus.drain()
            if started >= next_step:
                try:
                    self.core.step_automatic()
                except Exception:  # as the window does: logged, tried again in a second
                    log.exception("%s: automatic step failed", self.name)
                next_step += STEP_S
            took = time.perf_counter() - started
            self.longest_drain_ms = max(self.longest_drain_ms, took * 1000.0)
            stop.wait(max(0.0, DRAIN_S - took))

    def poll(self) -> None:
        """The baseline: read the audit rows written since the last look."""
        with self._poll_db.engine.connect() as connection:
            rows = connection.execute(
                text("SELECT id, actor FROM audit WHERE id > :last ORDER BY id"),
                {"last": self._last_audit},
            ).all()
        now = time.perf_counter()
        for audit_id, actor in rows:
            self.polled.mark(self.name, actor, now)
            self._last_audit = max(self._last_audit, int(audit_id))

    def close(self) -> None:
        """Close the console (its feed, listener and database)."""
        self._poll_db.close()
        self.core.stop()


def operate(seat: Seat, rate: float, sent: dict[str, float], stop: float) -> None:
    """One operator: ``rate`` actions a second on ``seat``'s console until ``stop``."""
    counter = itertools.count()
    interval = 1.0 / rate
    next_at = time.perf_counter()
    while next_at < stop:
        delay = next_at - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        n = next(counter)
        actor = f"{seat.name}-a{n}"
        started = time.perf_counter()
        if n % 10 == 0:
            case = seat.core.incidents.report("road_accident", 117.37, 32.93, f"bench {n}", actor)
            seat.cases.append(case.id)
        else:
            case_id = seat.cases[n % len(seat.cases)]
            seat.core.incidents.act(case_id, Verb.NOTE, actor, text=f"bench note {n}")
        sent[actor] = started
        next_at += interval


def poll_loop(seats: list[Seat], stop: threading.Event) -> None:
    """The baseline: each console looks at the audit table once a second."""
    while not stop.wait(POLL_S):
        for seat in seats:
            seat.poll()


def delays_ms(
    seen: Seen, sent: dict[str, float], origin_of: dict[str, str]
) -> tuple[list[float], int]:
    """Propagation delays to the other consoles, and how many actions some console missed."""
    delays: list[float] = []
    lost = 0
    for actor, started in sent.items():
        missing = False
        for console in CONSOLES:
            at = seen.at.get((console, actor))
            if at is None:
                missing = True
            elif console != origin_of[actor]:
                delays.append((at - started) * 1000.0)
        lost += missing
    return delays, lost


def start_city_feed(broker_url: str, log_file: Path) -> subprocess.Popen[str]:
    """``city-console simulate --to <broker>`` in real time, in a process of its own."""
    command = [sys.executable, "-m", "console.qt.app", "simulate", "--to", broker_url]
    command += ["--speed", "1", "--start", f"{time.time():.3f}"]
    with log_file.open("w", encoding="utf-8") as log:
        return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=log, text=True)


def stop_city_feed(feed: subprocess.Popen[str]) -> str:
    """Stop the publisher (SIGTERM: it flushes and says how many messages it sent)."""
    feed.terminate()
    try:
        out, _ = feed.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        feed.kill()
        out, _ = feed.communicate()
    return out.strip() or f"the publisher ended with status {feed.returncode}"


def server_version(url: str) -> str:
    """PostgreSQL's ``SHOW server_version``."""
    database = open_database(url)
    try:
        with database.engine.connect() as connection:
            return str(connection.execute(text("SHOW server_version")).scalar_one())
    finally:
        database.close()


def wait_for_feeds(seats: list[Seat]) -> bool:
    """Wait until every console accepted a feed message (False after FEED_WAIT_S)."""
    deadline = time.monotonic() + FEED_WAIT_S
    pause = threading.Event()
    while not all(seat.feed_messages() for seat in seats):
        if time.monotonic() > deadline:
            return False
        pause.wait(0.1)
    return True


def check_feeds(seats: list[Seat], before: dict[str, int]) -> bool:
    """Print each console's feed link and messages; False if one was down or got nothing."""
    healthy = True
    for seat in seats:
        assert seat.core.feed is not None
        status = seat.core.feed.status()
        during = status.accepted - before[seat.name]
        print(
            f"  {seat.name}: feed {status.state.value.upper()} (connects {status.connects}),"
            f" {status.accepted:,} feed messages accepted ({during:,} during the actions),"
            f" {status.rejected} quarantined; longest drain + step {seat.longest_drain_ms:.0f} ms"
        )
        healthy &= status.state is LinkState.CONNECTED and status.connects == 1 and during > 0
    return healthy


def main(argv: list[str] | None = None) -> int:
    """Run the bench and print its RESULT lines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rate", type=float, default=20.0, help="actions per second in all")
    args = parser.parse_args(argv)
    binary = mosquitto_binary()
    if binary is None:
        sys.exit("mosquitto is not installed")
    ours, polled = Seen(), Seen()
    sent: dict[str, float] = {}
    with PostgresServer() as server, tempfile.TemporaryDirectory() as scratch:
        broker = Mosquitto(binary, Path(scratch) / "broker")
        broker.start()
        url = server.create_database("centre")
        open_database(url).close()  # migrate once, before the consoles open it
        print(f"database: PostgreSQL {server_version(url)} at {url}")
        print(f"broker: Mosquitto ({binary}) at {broker.url}")
        seats: list[Seat] = []
        feed: subprocess.Popen[str] | None = None
        stop = threading.Event()
        background: list[threading.Thread] = []
        feeds_ok = False
        try:
            for name in CONSOLES:
                seats.append(Seat(name, url, broker.url, Path(scratch), ours, polled))
            for seat in seats:
                seat.core.start()  # its broker feed, its database listener, its presence
                assert seat.listening(10.0), f"{seat.name} cannot listen to the database"
                assert seat.feed_connected(10.0), f"{seat.name} cannot reach the broker"
                for i in range(CASES_PER_CONSOLE):
                    case = seat.core.incidents.report(
                        "road_accident", 117.37, 32.93, f"seed {i}", f"{seat.name}-seed"
                    )
                    seat.cases.append(case.id)
            background = [
                threading.Thread(target=seat.frame_ticks, args=(stop,), daemon=True)
                for seat in seats
            ]
            background.append(threading.Thread(target=poll_loop, args=(seats, stop), daemon=True))
            for thread in background:
                thread.start()
            feed_log = Path(scratch) / "city-feed.log"
            feed = start_city_feed(broker.url, feed_log)
            if not wait_for_feeds(seats):
                tail = feed_log.read_text(encoding="utf-8")[-2000:]
                sys.exit(f"the consoles received nothing from the city feed:\n{tail}")
            before = {seat.name: seat.feed_messages() for seat in seats}
            end = time.perf_counter() + args.seconds
            operators = [
                threading.Thread(target=operate, args=(seat, args.rate / len(seats), sent, end))
                for seat in seats
            ]
            for thread in operators:
                thread.start()
            for thread in operators:
                thread.join()
            time.sleep(GRACE_S)
            stop.set()
            for thread in background:
                thread.join()
            for seat in seats:
                seat.core.bus.drain()
                seat.poll()
            print(f"city feed: {stop_city_feed(feed)}")
            feed = None
            feeds_ok = check_feeds(seats, before)
        finally:
            stop.set()
            if feed is not None:
                stop_city_feed(feed)
            for seat in seats:
                seat.close()
            broker.stop()
    origin_of = {actor: actor.split("-a")[0] for actor in sent}
    ours_ms, lost = delays_ms(ours, sent, origin_of)
    base_ms, base_lost = delays_ms(polled, sent, origin_of)
    p99 = float(np.percentile(ours_ms, 99))
    base_p99 = float(np.percentile(base_ms, 99))
    print(
        f"actions {len(sent)} over {args.seconds:.0f} s ({len(sent) / args.seconds:.1f}/s); "
        f"NOTIFY: median {np.median(ours_ms):.0f} ms, p99 {p99:.0f} ms, max {max(ours_ms):.0f} ms; "
        f"polling 1 s: median {np.median(base_ms):.0f} ms, p99 {base_p99:.0f} ms "
        f"(lost {base_lost})"
    )
    print(f"RESULT propagation_p99_ms {p99:.0f} ms ratio={base_p99 / p99:.1f}")
    print(f"RESULT lost_actions {lost}")
    if not feeds_ok:
        print("a console's feed link was down or received nothing: the run is not valid")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
