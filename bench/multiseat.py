"""Several consoles on one PostgreSQL database: how fast each console learns of the others' work.

Starts a throwaway PostgreSQL server on loopback (as the tests do:
``tests/support/postgres.py``), builds three headless consoles on it
(``build_core``, no Qt; each wired as the runtime does: case writes announced
with NOTIFY at commit, a :class:`DatabaseChanges` listener posting them on the
console's bus) and drains each bus every 40 ms as the window's frame tick does.

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
from console.core.incidents import Verb
from console.core.runtime import ConsoleCore, CoreOptions, build_core
from console.core.storage import open_database
from console.core.storage.notify import DatabaseChanges, announce_changes
from tests.support.postgres import PostgresServer

CONSOLES = ("north", "centre", "south")
DRAIN_S = 0.04
POLL_S = 1.0
GRACE_S = 3.0
CASES_PER_CONSOLE = 5


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
    """One headless console and what it saw, through NOTIFY and through polling."""

    def __init__(self, name: str, url: str, tmp: Path, ours: Seen, polled: Seen) -> None:
        options = CoreOptions(
            database_url=url, colleague_share=0.0, quiet_city=True, history_dir=tmp / name
        )
        self.name = name
        self.core: ConsoleCore = build_core(options)
        announce_changes(self.core.incidents, name)
        self.changes = DatabaseChanges(self.core.incidents, self.core.bus, name)
        self.ours = ours
        self.polled = polled
        self.core.bus.subscribe(IncidentChanged, self._on_changes, name="bench-seen")
        self.cases: list[int] = []
        self._poll_db = open_database(url)
        self._last_audit = 0

    def _on_changes(self, events: Sequence[Event]) -> None:
        now = time.perf_counter()
        for event in events:
            if isinstance(event, IncidentChanged):
                self.ours.mark(self.name, event.actor, now)

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
        """Stop listening and close the console."""
        self.changes.close()
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


def drain_loop(seats: list[Seat], stop: threading.Event) -> None:
    """The frame tick of every console: drain its bus every 40 ms."""
    while not stop.is_set():
        for seat in seats:
            seat.core.bus.drain()
        stop.wait(DRAIN_S)


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


def main(argv: list[str] | None = None) -> int:
    """Run the bench and print its RESULT lines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rate", type=float, default=20.0, help="actions per second in all")
    args = parser.parse_args(argv)
    ours, polled = Seen(), Seen()
    with PostgresServer() as server, tempfile.TemporaryDirectory() as scratch:
        url = server.create_database("centre")
        open_database(url).close()  # migrate once, before the consoles open it
        seats = [Seat(name, url, Path(scratch), ours, polled) for name in CONSOLES]
        try:
            for seat in seats:
                seat.changes.start()
                assert seat.changes.listening.wait(10.0), f"{seat.name} cannot listen"
                for i in range(CASES_PER_CONSOLE):
                    case = seat.core.incidents.report(
                        "road_accident", 117.37, 32.93, f"seed {i}", f"{seat.name}-seed"
                    )
                    seat.cases.append(case.id)
            stop = threading.Event()
            background = [
                threading.Thread(target=drain_loop, args=(seats, stop), daemon=True),
                threading.Thread(target=poll_loop, args=(seats, stop), daemon=True),
            ]
            for thread in background:
                thread.start()
            sent: dict[str, float] = {}
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
        finally:
            for seat in seats:
                seat.close()
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
