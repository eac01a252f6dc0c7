"""Every console runs the automatic rules and the alarm intake on one PostgreSQL database.

Two desks (each its own engine, clock, bus, case service, listener, automatic
rules and intake) act on the same cases at the same moment. Where the test
needs both to be inside the same write at once, a third connection holds the
row (or table) lock both writes need until the server shows both waiting.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from sqlalchemy import make_url

from console.core.alarms import AlarmFlood, AlarmFloodConfig
from console.core.bus import EventBus
from console.core.clock import ManualClock
from console.core.incidents import (
    SYSTEM_ACTOR,
    Incident,
    IncidentIntake,
    IncidentRules,
    IncidentService,
    Verb,
)
from console.core.incidents.automatic import AutomaticRules
from console.core.incidents.escalation import next_check_at
from console.core.storage import Database, open_database
from console.core.storage.announce import announce_changes
from console.core.storage.notify import DatabaseChanges
from tests.support.cases import UNIT, fixed_registry, locate, strain_alarm

pytest_plugins = ["tests.support.postgres"]

PROPAGATION_S = 1.0
START = 5000.0
ACCEPT_LIMIT_S = 2 * 60
"""A road accident's accept limit (its supervisor is alerted when it runs out)."""
FOLD_WINDOW_S = 30 * 60.0


@dataclass
class Desk:
    """One console: storage, clock, bus, case service, listener, automatic rules, intake."""

    db: Database
    clock: ManualClock
    bus: EventBus
    service: IncidentService
    changes: DatabaseChanges
    automatic: AutomaticRules
    intake: IncidentIntake

    def close(self) -> None:
        self.intake.close()
        self.automatic.close()
        self.changes.close()
        self.db.close()


@pytest.fixture
def desks(pg_url: str, rules: IncidentRules) -> Iterator[tuple[Desk, Desk]]:
    made: list[Desk] = []
    for console_id in ("desk-a", "desk-b"):
        db = open_database(pg_url)
        clock = ManualClock(start=START)
        bus = EventBus(clock)
        service = IncidentService(db, bus, clock, locate, rules, fixed_registry())
        announce_changes(service, console_id)
        changes = DatabaseChanges(service, bus, console_id)
        automatic = AutomaticRules(service)
        automatic.attach(bus)
        flood = AlarmFlood.build(db, clock, bus, AlarmFloodConfig(fold_window_s=FOLD_WINDOW_S))
        intake = IncidentIntake(service, flood)
        intake.attach(bus)
        changes.start()
        made.append(Desk(db, clock, bus, service, changes, automatic, intake))
    for desk in made:
        assert desk.changes.wait_connects(1, 5.0)
    yield made[0], made[1]
    for desk in made:
        desk.close()


def settle(desks: Sequence[Desk], others: int) -> None:
    """Let each desk hear ``others`` changes from the other desk, then drain every bus."""
    for desk in desks:
        assert desk.changes.wait_posted(others, PROPAGATION_S)
        desk.bus.drain()


def advance(desks: Sequence[Desk], seconds: float) -> None:
    for desk in desks:
        desk.clock.advance(seconds)


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Run ``calls`` in threads started together; their results (an exception is re-raised)."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, call: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[index] = call()
        except BaseException as exc:  # re-raised below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20.0)
    assert not any(thread.is_alive() for thread in threads)
    if errors:
        raise errors[0]
    return results


@contextmanager
def held_lock(pg_url: str, statement: str, waiters: int) -> Iterator[Callable[[], None]]:
    """Hold a lock (taken by ``statement``) on another connection; the callable yielded waits
    until ``waiters`` sessions wait for it, then lets them go."""
    url = make_url(pg_url)
    dsn = f"host={url.host} port={url.port} user={url.username} dbname={url.database}"
    with psycopg.connect(dsn) as locker, psycopg.connect(dsn, autocommit=True) as watcher:
        locker.execute(statement)  # type: ignore[arg-type]

        def release() -> None:
            for _ in range(20_000):  # a few seconds of polling the server, no sleeping
                row = watcher.execute(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                ).fetchone()
                if row is not None and row[0] >= waiters:
                    break
            else:
                pytest.fail(f"{waiters} sessions never waited for the lock")
            locker.commit()

        yield release
        locker.rollback()


def steps_at_once(pg_url: str, desks: Sequence[Desk], lock: str | None) -> list[list[Incident]]:
    """Both desks' automatic rules step together (with ``lock`` held until both wait on it)."""
    calls = [desk.automatic.step for desk in desks]
    if lock is None:
        return at_once(*calls)
    with held_lock(pg_url, lock, waiters=len(desks)) as release:
        return at_once(*calls, release)[: len(desks)]


def automatic_actions(service: IncidentService, case_id: int) -> list[str]:
    return [e.action for e in service.audit_trail(case_id) if e.actor == SYSTEM_ACTOR]


def problems(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_the_same_step_on_two_consoles_is_stored_once_and_the_loser_follows_the_winner(
    desks: tuple[Desk, Desk], pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    desk_a, desk_b = desks
    case = desk_a.service.report("road_accident", 117.37, 32.93, "两车追尾", "op-li")
    settle([desk_b], 1)
    desk_a.bus.drain()
    assert desk_a.automatic.scheduled == desk_b.automatic.scheduled == 1
    advance(desks, ACCEPT_LIMIT_S + 1)

    lock = f"SELECT id FROM incidents WHERE id = {case.id} FOR UPDATE"
    results = steps_at_once(pg_url, desks, lock)

    assert sorted(len(changed) for changed in results) == [0, 1]
    winner, loser = (desk_a, desk_b) if results[0] else (desk_b, desk_a)
    assert automatic_actions(desk_a.service, case.id) == ["supervisor_alerted"]
    assert (winner.automatic.applied, loser.automatic.applied) == (1, 0)
    assert (winner.automatic.conflicts, loser.automatic.conflicts) == (0, 1)
    # the loser follows the stored case at once: nothing more is due while it stays reported
    assert loser.automatic.scheduled == 0 and loser.automatic.due_at(case.id) is None
    conflicts = [r for r in caplog.records if "first" in r.getMessage()]
    assert [(r.levelno, r.name) for r in conflicts] == [
        (logging.INFO, "console.core.incidents.automatic")
    ]
    assert problems(caplog) == []

    settle([loser], 1)
    advance(desks, 3600)
    assert [desk.automatic.step() for desk in desks] == [[], []]
    assert automatic_actions(desk_b.service, case.id) == ["supervisor_alerted"]


def test_two_consoles_stepping_over_many_due_cases_store_each_step_once(
    desks: tuple[Desk, Desk], pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    desk_a, desk_b = desks
    service = desk_a.service
    reported = [
        service.report("road_accident", 117.37, 32.93, f"追尾 {n}", "op-li").id for n in range(6)
    ]
    dispatched = []
    for n in range(4):
        case_id = service.report("road_accident", 117.37, 32.93, f"积水 {n}", "op-li").id
        service.accept(case_id, "op-li")
        service.act(case_id, Verb.OPEN, "op-li")
        service.dispatch(case_id, UNIT, "op-li")
        dispatched.append(case_id)
    settle([desk_b], len(reported) + 4 * len(dispatched))
    desk_a.bus.drain()
    assert desk_a.automatic.scheduled == desk_b.automatic.scheduled == 10
    advance(desks, 3600)  # every case is due, all at the same time

    results = steps_at_once(pg_url, desks, lock="LOCK TABLE incidents IN SHARE MODE")

    assert sum(len(changed) for changed in results) == 10
    assert desk_a.automatic.applied + desk_b.automatic.applied == 10
    for case_id in reported:
        assert automatic_actions(service, case_id) == ["supervisor_alerted"]
    for case_id in dispatched:
        assert automatic_actions(service, case_id) == ["escalated"]
    assert problems(caplog) == []
    # each desk's schedule now agrees with the stored cases: a later step does nothing
    settle([desk_b], len(reported) + 4 * len(dispatched) + len(results[0]))
    settle([desk_a], len(results[1]))
    for desk in desks:
        for case in desk.service.list_open():
            due = next_check_at(case, desk.service.type_of(case), desk.service.rules.escalations)
            assert desk.automatic.due_at(case.id) == due
    advance(desks, 3600)
    assert at_once(desk_a.automatic.step, desk_b.automatic.step) == [[], []]


def test_the_same_alarm_on_two_consoles_opens_one_case(
    desks: tuple[Desk, Desk], pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    alarm = strain_alarm("A-1", ts=START, source_key="jiefang:S3")
    lock = "LOCK TABLE incidents IN SHARE MODE"  # both inserts wait; their look came first
    with held_lock(pg_url, lock, waiters=2) as release:
        at_once(*(lambda d=desk: d.intake.on_alarms([alarm]) for desk in desks), release)

    intakes = [desk.intake for desk in desks]
    assert sorted((i.opened, i.duplicates, i.failed) for i in intakes) == [(0, 1, 0), (1, 0, 0)]
    (case,) = desks[0].service.list_all()
    assert case.source_alarm_id == "A-1"
    assert [e.action for e in desks[0].service.audit_trail(case.id)] == ["reported"]
    assert problems(caplog) == []

    more = [strain_alarm(f"B-{n}", ts=START + n, source_key=f"jiefang:T{n}") for n in range(8)]
    at_once(*(lambda d=desk: d.intake.on_alarms(more) for desk in desks))
    assert sum(i.opened for i in intakes) == 1 + len(more)
    assert sum(i.failed for i in intakes) == 0
    stored = sorted(c.source_alarm_id or "" for c in desks[0].service.list_all())
    assert stored == ["A-1", *(f"B-{n}" for n in range(8))]


def test_repeats_folded_on_two_consoles_at_once_both_count_on_the_open_case(
    desks: tuple[Desk, Desk], pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    desk_a, desk_b = desks
    first, second, third = (strain_alarm(f"R-{n}", ts=START + n) for n in range(3))
    desk_a.intake.on_alarms([first])
    (case,) = desk_a.service.list_all()

    lock = f"SELECT id FROM incidents WHERE id = {case.id} FOR UPDATE"
    with held_lock(pg_url, lock, waiters=2) as release:
        at_once(
            lambda: desk_a.intake.on_alarms([second]),
            lambda: desk_b.intake.on_alarms([third]),
            release,
        )
    # each desk then takes the alarm the other took: already seen
    at_once(lambda: desk_a.intake.on_alarms([third]), lambda: desk_b.intake.on_alarms([second]))

    cases = desk_a.service.list_all()
    assert [c.id for c in cases] == [case.id]  # no repeat opened a case of its own
    assert cases[0].repeat_count == 2
    trail = [e.action for e in desk_a.service.audit_trail(case.id)]
    assert trail.count("reported") == 1 and len(trail) == 3
    assert desk_a.intake.folded + desk_b.intake.folded == 2
    assert desk_a.intake.duplicates + desk_b.intake.duplicates == 2
    assert desk_a.intake.failed + desk_b.intake.failed == 0
    assert problems(caplog) == []
