"""Case changes between consoles on one PostgreSQL database: announced at commit, within 1 s."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from console.core.bus import EventBus
from console.core.incidents import IncidentRules, IncidentService, Verb
from console.core.incidents.snapshot import case_from_snapshot
from console.core.storage import Database
from console.core.storage.announce import CASE_CHANNEL, CaseAnnouncement, announce_changes, notify
from console.core.storage.notify import DatabaseChanges
from tests.support.seats import Seat, two_seats

pytest_plugins = ["tests.support.postgres"]

PROPAGATION_S = 1.0
"""The promise: another console knows of a change within a second."""


@pytest.fixture
def seats(pg_url: str, rules: IncidentRules) -> Iterator[tuple[Seat, Seat]]:
    yield from two_seats(pg_url, rules)


def report(service: IncidentService) -> int:
    case = service.report("road_accident", 117.37, 32.93, "两车追尾", "op-li", reporter="110")
    return case.id


def test_a_change_shows_on_the_other_console_with_its_case(seats: tuple[Seat, Seat]) -> None:
    desk_a, desk_b = seats
    case_id = report(desk_a.service)
    desk_a.service.act(case_id, Verb.ACCEPT, "op-li")
    assert desk_b.changes.wait_posted(2, PROPAGATION_S)
    seen = desk_b.seen()
    assert [(e.incident_id, e.action, e.actor) for e in seen] == [
        (case_id, "reported", "op-li"),
        (case_id, "accepted", "op-li"),
    ]
    latest = case_from_snapshot(seen[-1].case)
    assert latest == desk_b.service.get(case_id)
    assert latest.version == 2
    # desk A hears nothing of its own (its service posted its own two changes)
    assert [e.action for e in desk_a.seen()] == ["reported", "accepted"]
    assert desk_a.changes.posted == 0


def test_reasons_and_both_cases_of_a_merge_are_announced(seats: tuple[Seat, Seat]) -> None:
    desk_a, desk_b = seats
    first, duplicate = report(desk_a.service), report(desk_a.service)
    desk_a.service.act(duplicate, Verb.MERGE, "op-li", into=first, reason="same crash")
    assert desk_b.changes.wait_posted(4, PROPAGATION_S)
    merged = desk_b.seen()[-2:]
    assert [(e.incident_id, e.action) for e in merged] == [
        (duplicate, "merged"),
        (first, "merged_in"),
    ]
    assert merged[0].reason == "same crash"
    assert case_from_snapshot(merged[1].case).merged_count == 1


def test_a_rolled_back_change_is_never_announced(seats: tuple[Seat, Seat]) -> None:
    desk_a, desk_b = seats
    case_id = report(desk_a.service)
    assert desk_b.changes.wait_posted(1, PROPAGATION_S)
    case = desk_a.service.get(case_id)
    assert case is not None
    (hook,) = desk_a.service.stored_hooks
    with pytest.raises(RuntimeError, match="undo"), desk_a.db.engine.begin() as connection:
        hook(connection, case, "ghost", "op-li", "")
        raise RuntimeError("undo")
    desk_a.service.act(case_id, Verb.ACCEPT, "op-li")
    assert desk_b.changes.wait_posted(2, PROPAGATION_S)
    assert [e.action for e in desk_b.seen()] == ["reported", "accepted"]
    assert desk_b.changes.posted == 2


def test_malformed_announcements_are_ignored(seats: tuple[Seat, Seat]) -> None:
    desk_a, desk_b = seats
    with desk_a.db.engine.begin() as connection:
        notify(connection, CASE_CHANNEL, {"case": "x"})
        notify(
            connection,
            CASE_CHANNEL,
            {"case": 999, "version": 1, "action": "a", "actor": "b", "at": 1.0, "origin": "desk-z"},
        )
    case_id = report(desk_a.service)
    assert desk_b.changes.wait_posted(1, PROPAGATION_S)
    assert [e.incident_id for e in desk_b.seen()] == [case_id]  # case 999 does not exist


def test_announcement_parse_refuses_missing_fields() -> None:
    with pytest.raises(KeyError):
        CaseAnnouncement.parse('{"case": 1}')
    parsed = CaseAnnouncement.parse(
        '{"case": 3, "version": 2, "action": "accepted", "actor": "op", "at": 7, "origin": "x"}'
    )
    assert (parsed.case_id, parsed.version, parsed.reason, parsed.at) == (3, 2, "", 7.0)


def test_sqlite_consoles_neither_announce_nor_listen(
    db: Database, service: IncidentService, bus: EventBus
) -> None:
    announce_changes(service, "desk-a")
    assert service.stored_hooks == []
    changes = DatabaseChanges(service, bus, "desk-a")
    changes.start()
    assert not changes.shared and not changes.listening.is_set()
    changes.close()
    report(service)
