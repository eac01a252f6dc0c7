"""A PostgreSQL server that goes away and comes back: refused actions, a clear state, recovery."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from console.core.bus import EventBus
from console.core.clock import ManualClock
from console.core.incidents import IncidentRules, IncidentService, StorageError, Verb
from console.core.storage import Database, open_database
from console.core.storage.announce import announce_changes
from console.core.storage.health import DatabaseHealth
from console.core.storage.notify import DatabaseChanges
from console.core.storage.presence import PresenceBoard
from tests.support.cases import fixed_registry, locate
from tests.support.postgres import PostgresServer

pytest_plugins = ["tests.support.postgres"]

RECOVERY_S = 15.0
"""Upper bound for the listener to be back after the server is (its back-off tops at 5 s)."""


@pytest.fixture
def desk(pg_url: str, rules: IncidentRules) -> Iterator[tuple[Database, IncidentService]]:
    db = open_database(pg_url)
    clock = ManualClock(start=8000.0)
    service = IncidentService(db, EventBus(clock), clock, locate, rules, fixed_registry())
    yield db, service
    db.close()


def test_down_database_refuses_actions_clearly_and_recovers(
    postgres_server: PostgresServer,
    desk: tuple[Database, IncidentService],
    pg_url: str,
    rules: IncidentRules,
) -> None:

    db, service = desk
    clock = service.clock
    assert isinstance(clock, ManualClock)
    health = DatabaseHealth(db, clock)
    announce_changes(service, "desk-a")
    changes = DatabaseChanges(service, service.bus, "desk-a", health=health)
    changes.start()
    other_db = open_database(pg_url)
    other = IncidentService(other_db, EventBus(clock), clock, locate, rules, fixed_registry())
    announce_changes(other, "desk-b")
    try:
        assert changes.listening.wait(5.0)
        case = service.report("road_accident", 117.37, 32.93, "两车追尾", "op-li")
        assert health.check().ok and health.state.describe() == "database ok"

        clock.advance(3.0)
        postgres_server.stop()
        with pytest.raises(
            StorageError, match=r"the database is unreachable: .*nothing was changed"
        ):
            service.act(case.id, Verb.ACCEPT, "op-li")
        with pytest.raises(StorageError, match="the database is unreachable"):
            service.report("road_accident", 117.37, 32.93, "again", "op-li")
        state = health.state
        assert not state.ok and state.down_since == 8003.0 and state.reason
        assert state.describe().startswith("database unreachable: ")
        with pytest.raises(StorageError, match="unreachable"):
            health.refuse_if_down()
        presence = PresenceBoard(db, "desk-a", clock)
        presence.open_case(case.id, "op-li")  # best effort: no error while down
        clock.advance(5.0)
        assert not health.check().ok
        assert health.state.down_since == 8003.0  # down since the first failure

        postgres_server.start()
        assert changes.listening.wait(RECOVERY_S)
        assert health.state.ok  # the listener noticed the way back by itself
        accepted = service.act(case.id, Verb.ACCEPT, "op-li")
        assert accepted.version == 2
        other.act(case.id, Verb.OPEN, "op-b")
        assert changes.wait_posted(1, 1.0)  # changes from the others flow again
    finally:
        if not postgres_server.running:
            postgres_server.start()
        changes.close()
        health.close()
        other_db.close()
