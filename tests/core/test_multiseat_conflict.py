"""Two real consoles (``build_core``) on one PostgreSQL database acting on the same case."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pytest

from console.core.events import Event, IncidentChanged
from console.core.incidents import ConcurrentUpdateError, IncidentStatus, Verb
from console.core.incidents.snapshot import case_from_snapshot
from console.core.runtime import ConsoleCore, CoreOptions, build_core
from console.core.storage.health import DatabaseHealth
from console.core.storage.notify import DatabaseChanges
from console.core.storage.presence import PresenceBoard
from tests.support.postgres import PostgresServer

pytest_plugins = ["tests.support.postgres"]

PROPAGATION_S = 1.0


@dataclass
class Console:
    """A headless console joined to the shared database, as the runtime wires it."""

    core: ConsoleCore
    changes: DatabaseChanges
    presence: PresenceBoard
    health: DatabaseHealth
    seen: list[IncidentChanged]

    def close(self) -> None:
        self.core.stop()


def join(core: ConsoleCore) -> Console:
    """Start ``core`` beside the other consoles (build_core wired it to them) and keep
    the case changes it hears of."""
    assert core.changes is not None and core.presence is not None and core.health is not None
    seen: list[IncidentChanged] = []

    def keep(events: Sequence[Event]) -> None:
        seen.extend(e for e in events if isinstance(e, IncidentChanged))

    core.bus.subscribe(IncidentChanged, keep, name="test-seen")
    core.start()
    return Console(core, core.changes, core.presence, core.health, seen)


@pytest.fixture(scope="module")
def consoles(
    postgres_server: PostgresServer, pg_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Console, Console]]:
    """Two consoles for the module (each test works on cases of its own)."""
    pg_url = postgres_server.create_database(template=pg_template)
    tmp_path = tmp_path_factory.mktemp("consoles")
    made = []
    for name in ("north", "south"):
        options = CoreOptions(
            database_url=pg_url,
            colleague_share=0.0,
            quiet_city=True,
            history_dir=tmp_path / name,
            console_id=f"console-{name}",
        )
        made.append(join(build_core(options)))
    for console in made:
        assert console.changes.listening.wait(5.0)
    yield made[0], made[1]
    for console in made:
        console.close()


def heard(console: Console, since: int, more: int) -> bool:
    """Wait until ``console`` heard ``more`` changes from others after ``since`` of them."""
    return console.changes.wait_posted(since + more, PROPAGATION_S)


def test_one_operator_wins_the_other_is_told_and_sees_the_new_state(
    consoles: tuple[Console, Console],
) -> None:
    north, south = consoles
    before_north, before_south = north.changes.posted, south.changes.posted
    case = north.core.incidents.report(
        "road_accident", 117.37, 32.93, "两车追尾", "op-wang", reporter="110"
    )
    assert south.changes.wait_posted(before_south + 1, PROPAGATION_S)
    south.core.bus.drain()
    on_south = case_from_snapshot(south.seen[-1].case)
    assert on_south == case  # both operators now look at version 1

    north.core.incidents.act(case.id, Verb.ACCEPT, "op-wang", expected_version=on_south.version)
    with pytest.raises(ConcurrentUpdateError, match="changed by someone else since version 1"):
        south.core.incidents.act(
            case.id, Verb.REJECT, "op-zhao", expected_version=on_south.version,
            grounds="invalid", reason="prank call",
        )  # fmt: skip

    assert south.changes.wait_posted(before_south + 2, PROPAGATION_S)
    south.core.bus.drain()
    news = south.seen[-1]
    assert (news.incident_id, news.action, news.actor) == (case.id, "accepted", "op-wang")
    now = south.core.incidents.get(case.id)
    assert now is not None
    assert case_from_snapshot(news.case) == now
    assert (now.status, now.handler, now.version) == (IncidentStatus.ACCEPTED, "op-wang", 2)
    trail = [entry.action for entry in south.core.incidents.audit_trail(case.id)]
    assert trail == ["reported", "accepted"]  # the loser's action left no trace
    # with the new version the loser's next action goes through, and north learns of it
    south.core.incidents.act(case.id, Verb.OPEN, "op-zhao", expected_version=now.version)
    assert north.changes.wait_posted(before_north + 1, PROPAGATION_S)
    north.core.bus.drain()
    assert [(e.incident_id, e.action) for e in north.seen if e.actor == "op-zhao"][-1] == (
        case.id,
        "opened",
    )


def test_each_console_sees_who_else_has_a_case_open(consoles: tuple[Console, Console]) -> None:
    north, south = consoles
    mark = south.changes.posted
    case = north.core.incidents.report("road_accident", 117.37, 32.93, "积水", "op-wang")
    north.presence.open_case(case.id, "op-wang")
    south.presence.open_case(case.id, "op-zhao")
    # presence and case changes come in commit order on one listener: a case change
    # committed after the presence announcements proves they were taken in
    north.core.incidents.act(case.id, Verb.ACCEPT, "op-wang")
    assert heard(south, mark, 2)
    south_view = [(v.operator, v.console_id) for v in south.presence.viewers(case.id)]
    assert south_view == [("op-wang", "console-north")]
    mark = north.changes.posted
    south.core.incidents.act(case.id, Verb.NOTE, "op-zhao", text="on it")
    assert heard(north, mark, 1)
    assert [v.operator for v in north.presence.viewers(case.id)] == ["op-zhao"]
    south.presence.close_case(case.id)
    mark = north.changes.posted
    south.core.incidents.act(case.id, Verb.NOTE, "op-zhao", text="handing over")
    assert heard(north, mark, 1)
    assert north.presence.viewers(case.id) == []
