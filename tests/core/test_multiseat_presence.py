"""Presence: who else has a case open, heartbeats, expiry and a newcomer's hello."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from console.core.bus import EventBus
from console.core.clock import ManualClock
from console.core.incidents import IncidentRules, IncidentService
from console.core.storage import Database, open_database
from console.core.storage.announce import announce_changes
from console.core.storage.notify import DatabaseChanges
from console.core.storage.presence import PresenceBoard
from tests.support.cases import fixed_registry, locate

pytest_plugins = ["tests.support.postgres"]


def heard_from(board: PresenceBoard, origin: str, kind: str, case: int, operator: str) -> None:
    board.receive({"origin": origin, "kind": kind, "case": case, "operator": operator})


def test_viewers_are_the_others_and_expire_without_a_heartbeat(db: Database) -> None:
    clock = ManualClock(start=100.0)
    board = PresenceBoard(db, "desk-a", clock, heartbeat_s=10.0, expiry_s=30.0)
    board.open_case(7, "op-a")
    heard_from(board, "desk-a", "open", 7, "op-a")  # our own echo is not someone else
    heard_from(board, "desk-b", "open", 7, "op-b")
    clock.advance(5.0)
    heard_from(board, "desk-c", "open", 7, "op-c")
    heard_from(board, "desk-c", "open", 8, "op-c")
    assert [(v.operator, v.console_id, v.since) for v in board.viewers(7)] == [
        ("op-b", "desk-b", 100.0),
        ("op-c", "desk-c", 105.0),
    ]
    clock.advance(26.0)  # op-b last heard 31 s ago, op-c 26 s ago
    assert [v.operator for v in board.viewers(7)] == ["op-c"]
    heard_from(board, "desk-c", "open", 7, "op-c")  # a heartbeat keeps it, since unchanged
    clock.advance(20.0)
    board.tick()
    assert [(v.operator, v.since) for v in board.viewers(7)] == [("op-c", 105.0)]
    heard_from(board, "desk-c", "close", 7, "op-c")
    assert board.viewers(7) == []
    assert [v.operator for v in board.viewers(8)] == []  # expired at the tick's prune


def test_malformed_presence_is_ignored(db: Database) -> None:
    board = PresenceBoard(db, "desk-a", ManualClock())
    for payload in (
        {},
        {"origin": 3, "kind": "open", "case": 1, "operator": "x"},
        {"origin": "desk-b", "kind": "open", "case": "1", "operator": "x"},
        {"origin": "desk-b", "kind": "open", "case": 1, "operator": ""},
        {"origin": "desk-b", "kind": "teleport", "case": 1, "operator": "x"},
    ):
        board.receive(payload)
    assert board.viewers(1) == []


@pytest.fixture
def pair(
    pg_url: str, rules: IncidentRules
) -> Iterator[list[tuple[PresenceBoard, DatabaseChanges]]]:
    made = []
    clock = ManualClock(start=100.0)
    for console_id in ("desk-a", "desk-b"):
        db = open_database(pg_url)
        service = IncidentService(db, EventBus(clock), clock, locate, rules, fixed_registry())
        announce_changes(service, console_id)
        board = PresenceBoard(db, console_id, clock, heartbeat_s=10.0, expiry_s=30.0)
        changes = DatabaseChanges(service, service.bus, console_id, on_presence=board.receive)
        changes.start()
        assert changes.listening.wait(5.0)
        made.append((board, changes))
    yield made
    for board, changes in made:
        changes.close()
        board.database.close()


def settle(sender: tuple[PresenceBoard, DatabaseChanges], receiver: DatabaseChanges) -> None:
    """Wait until ``receiver`` took in everything ``sender`` committed so far.

    Announcements arrive in commit order on one thread, so a case change
    committed after them, once posted, proves they were handled.
    """
    before = receiver.posted
    sender[1].service.report("road_accident", 117.37, 32.93, "marker", "op")
    assert receiver.wait_posted(before + 1, 1.0)


def test_heartbeats_and_hello_over_postgres(
    pair: list[tuple[PresenceBoard, DatabaseChanges]],
) -> None:
    (board_a, changes_a), (board_b, changes_b) = pair
    clock = board_a.clock
    assert isinstance(clock, ManualClock)
    board_a.open_case(5, "op-a")
    settle(pair[0], changes_b)
    assert [v.operator for v in board_b.viewers(5)] == ["op-a"]
    clock.advance(25.0)
    board_a.tick()  # heartbeat due (10 s): op-a is announced again
    settle(pair[0], changes_b)
    clock.advance(25.0)  # 50 s after the open, 25 s after the heartbeat
    assert [v.operator for v in board_b.viewers(5)] == ["op-a"]
    board_b.close_all()
    # a console that forgot everything (restarted) asks, and hears op-a again
    fresh = PresenceBoard(board_b.database, "desk-b", clock)
    changes_b.on_presence = fresh.receive
    fresh.hello()
    settle(pair[1], changes_a)  # desk A took the hello and answered it
    settle(pair[0], changes_b)  # desk B took the answer
    assert [v.operator for v in fresh.viewers(5)] == ["op-a"]


def test_on_sqlite_nobody_else_is_seen(db: Database) -> None:
    board = PresenceBoard(db, "desk-a", ManualClock())
    board.open_case(1, "op-a")
    board.hello()
    board.tick()
    assert board.viewers(1) == []
    board.close_all()
