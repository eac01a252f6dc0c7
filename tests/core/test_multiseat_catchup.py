"""Catch-up: changes made while a console's listener was away are posted once it is back.

Console B's listening connection is cut (``pg_terminate_backend``) while the
database refuses new connections (``ALLOW_CONNECTIONS false``), so B cannot
listen again until the test lets it: whatever console A writes meanwhile is
certainly not notified to B, and only the catch-up can bring it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import psycopg
import pytest
from sqlalchemy import make_url
from sqlalchemy.engine import Connection

from console.core.incidents import Incident, IncidentRules, Verb
from console.core.incidents.snapshot import case_from_snapshot
from tests.support.postgres import PostgresServer
from tests.support.seats import Seat, two_seats

pytest_plugins = ["tests.support.postgres"]

PROPAGATION_S = 1.0
RECOVERY_S = 5.0
"""Upper bound for B to listen again once connections are allowed (it retries every 50 ms)."""


@pytest.fixture
def seats(pg_url: str, rules: IncidentRules) -> Iterator[tuple[Seat, Seat]]:
    yield from two_seats(pg_url, rules, reconnect_delays=(0.05,))


def admin(server: PostgresServer) -> psycopg.Connection[tuple[object, ...]]:
    """A superuser connection to the server's maintenance database."""
    dsn = f"host=127.0.0.1 port={server.port} user=postgres dbname=postgres"
    return psycopg.connect(dsn, autocommit=True)


def cut_listener(server: PostgresServer, seat: Seat) -> None:
    """End the seat's listening connection on the server side."""
    with admin(server) as connection:
        row = connection.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name = %s",
            (seat.changes.application_name,),
        ).fetchone()
    assert row is not None and row[0] == 1


@contextmanager
def connections_refused(
    server: PostgresServer, pg_url: str, *seats: Seat, pooled: int = 3
) -> Iterator[None]:
    """The database refuses new connections; open ones go on, and each of ``seats`` keeps
    ``pooled`` of them in its pool, so its writes and reads are not refused."""
    name = make_url(pg_url).database
    for seat in seats:
        with ExitStack() as stack:
            for _ in range(pooled):
                stack.enter_context(seat.db.engine.connect())
    with admin(server) as connection:
        connection.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')  # type: ignore[arg-type]
    try:
        yield
    finally:
        with admin(server) as connection:
            connection.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')  # type: ignore[arg-type]


def report(seat: Seat, description: str = "两车追尾") -> int:
    seat.clock.advance(1.0)
    return seat.service.report("road_accident", 117.37, 32.93, description, "op-li").id


def act(seat: Seat, case_id: int, verb: Verb, actor: str = "op-li", **params: object) -> None:
    seat.clock.advance(1.0)
    seat.service.act(case_id, verb, actor, **params)


def test_changes_made_while_away_are_posted_once_back_and_none_twice(
    seats: tuple[Seat, Seat], postgres_server: PostgresServer, pg_url: str
) -> None:
    desk_a, desk_b = seats
    first = report(desk_a)
    act(desk_a, first, Verb.ACCEPT)
    assert desk_b.changes.wait_posted(2, PROPAGATION_S)
    assert [e.action for e in desk_b.seen()] == ["reported", "accepted"]

    with connections_refused(postgres_server, pg_url, desk_a, desk_b):
        cut_listener(postgres_server, desk_b)
        assert desk_b.changes.wait_losses(1, RECOVERY_S)
        act(desk_a, first, Verb.OPEN)
        second = report(desk_a, "路面积水")
        act(desk_b, second, Verb.ACCEPT, actor="op-zhao")  # B's own change while away
        act(desk_a, second, Verb.NOTE, text="caller rang again")
        act(desk_a, first, Verb.NOTE, text="crew on the way")
        assert desk_b.changes.posted == 2  # nothing of it was notified to B
        assert not desk_b.changes.listening.is_set()

    assert desk_b.changes.wait_connects(2, RECOVERY_S)
    assert (desk_b.changes.posted, desk_b.changes.caught_up) == (6, 4)
    seen = desk_b.seen()
    assert [(e.incident_id, e.action, e.actor) for e in seen] == [
        (second, "accepted", "op-zhao"),  # posted by B's own service when it was stored
        (first, "opened", "op-li"),
        (second, "reported", "op-li"),
        (second, "noted", "op-li"),
        (first, "noted", "op-li"),
    ]
    assert seen[3].reason == "caller rang again"
    assert case_from_snapshot(seen[-1].case) == desk_b.service.get(first)
    # A heard B's change once (live, or caught up if reading it needed a refused connection)
    assert desk_a.changes.wait_posted(1, RECOVERY_S)
    from_b = [e for e in desk_a.seen() if e.actor == "op-zhao"]
    assert [(e.incident_id, e.action) for e in from_b] == [(second, "accepted")]

    # notifications flow again, and nothing caught up is posted a second time
    act(desk_a, second, Verb.OPEN)
    assert desk_b.changes.wait_posted(7, PROPAGATION_S)
    assert [(e.incident_id, e.action) for e in desk_b.seen()] == [(second, "opened")]
    assert desk_b.changes.posted == 7


class HeldWrite:
    """A stored hook that keeps one write of a case uncommitted until released."""

    def __init__(self, case_id: int) -> None:
        self.case_id = case_id
        self.entered = threading.Event()
        self.released = threading.Event()

    def __call__(
        self, connection: Connection, case: Incident, action: str, actor: str, reason: str
    ) -> None:
        if case.id == self.case_id and not self.entered.is_set():
            self.entered.set()
            assert self.released.wait(10.0)


def test_a_write_still_committing_at_a_catch_up_is_not_lost(
    seats: tuple[Seat, Seat], postgres_server: PostgresServer, pg_url: str
) -> None:
    desk_a, desk_b = seats
    first, second = report(desk_a), report(desk_a)
    assert desk_b.changes.wait_posted(2, PROPAGATION_S)
    held = HeldWrite(first)
    desk_a.service.stored_hooks.append(held)
    errors: list[BaseException] = []

    def note_first() -> None:
        try:
            act(desk_a, first, Verb.NOTE, text="held back")
        except BaseException as exc:  # reported by the test below
            errors.append(exc)

    writer = threading.Thread(target=note_first)
    writer.start()
    try:
        assert held.entered.wait(5.0)  # its audit row has an id, not yet committed
        act(desk_a, second, Verb.NOTE, text="a later id, committed")
        assert desk_b.changes.wait_posted(3, PROPAGATION_S)
        cut_listener(postgres_server, desk_b)  # B catches up past the uncommitted id
        assert desk_b.changes.wait_connects(2, RECOVERY_S)
        assert desk_b.changes.posted == 3
        with connections_refused(postgres_server, pg_url, desk_a, desk_b):
            cut_listener(postgres_server, desk_b)
            assert desk_b.changes.wait_losses(2, RECOVERY_S)
            held.released.set()  # it commits while B is away: its notification is lost
            writer.join(5.0)
            assert not writer.is_alive() and errors == []
            assert desk_b.changes.posted == 3
    finally:
        held.released.set()
        writer.join(5.0)
    assert desk_b.changes.wait_connects(3, RECOVERY_S)
    assert (desk_b.changes.posted, desk_b.changes.caught_up) == (4, 1)
    latest = desk_b.seen()[-1]
    assert (latest.incident_id, latest.action, latest.reason) == (first, "noted", "held back")
