"""Shelving a noisy alarm source: stored, audited, expiring by the clock, never losing an alarm."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from console.core.alarms import AlarmFlood, AlarmFloodConfig, Disposition, ShelfBook, ShelvingError
from console.core.bus import EventBus
from console.core.clock import ManualClock
from console.core.events import BridgeAlarm, TheftAlarm, TwoWheelerKind
from console.core.incidents import IncidentIntake, IncidentService, Verb
from console.core.storage import Database
from tests.support.cases import strain_alarm

KEY = "bridge:jiefang:S3"


def strain(alarm_id: str, ts: float, source_key: str = "jiefang:S3") -> BridgeAlarm:
    return strain_alarm(alarm_id, ts, source_key, value=171.5)


@pytest.fixture
def flood(db: Database, clock: ManualClock, bus: EventBus) -> AlarmFlood:
    return AlarmFlood.build(db, clock, bus, AlarmFloodConfig(fold_window_s=1800.0))


@pytest.fixture
def intake(service: IncidentService, bus: EventBus, flood: AlarmFlood) -> Iterator[IncidentIntake]:
    book = IncidentIntake(service, flood)
    book.attach(bus)
    yield book
    book.close()


def test_shelving_is_stored_listed_and_audited(flood: AlarmFlood, clock: ManualClock) -> None:
    shelves = flood.shelves
    shelf = shelves.shelve(KEY, 3600.0, "  strain gauge S3 drifting; crew booked  ", "op-li")
    assert (shelf.source_key, shelf.reason, shelf.shelved_by) == (
        KEY,
        "strain gauge S3 drifting; crew booked",
        "op-li",
    )
    assert (shelf.shelved_at, shelf.until) == (2000.0, 5600.0)
    assert shelf.label == "Bridge sensor jiefang:S3"
    assert shelves.active() == [shelf]
    assert shelves.shelf_for(KEY) == shelf
    assert shelves.shelf_for("bridge:jiefang:S4") is None
    (event,) = shelves.trail(shelf.id)
    assert (event.at, event.actor, event.action) == (2000.0, "op-li", "shelved")
    assert event.detail == {
        "source_key": KEY,
        "reason": "strain gauge S3 drifting; crew booked",
        "until": 5600.0,
    }
    again = ShelfBook(flood.shelves.db, clock)  # another reader of the same database
    assert again.active() == [shelf]


def test_shelving_is_refused_without_reason_beyond_the_maximum_or_twice(
    flood: AlarmFlood,
) -> None:
    shelves = flood.shelves
    with pytest.raises(ShelvingError, match="say why"):
        shelves.shelve(KEY, 900.0, "   ", "op-li")
    with pytest.raises(ShelvingError, match="at most 12 h"):
        shelves.shelve(KEY, 12 * 3600.0 + 1.0, "noisy", "op-li")
    with pytest.raises(ShelvingError, match="at most"):
        shelves.shelve(KEY, 0.0, "noisy", "op-li")
    with pytest.raises(ShelvingError, match="named actor"):
        shelves.shelve(KEY, 900.0, "noisy", " ")
    assert shelves.active() == []
    shelves.shelve(KEY, 12 * 3600.0, "noisy", "op-li")
    with pytest.raises(ShelvingError, match="already shelved by op-li"):
        shelves.shelve(KEY, 900.0, "noisy too", "op-wang")
    assert len(shelves.active()) == 1


def test_alarms_from_a_shelved_source_are_kept_but_open_no_case(
    intake: IncidentIntake, flood: AlarmFlood, service: IncidentService, bus: EventBus
) -> None:
    shelf = flood.shelves.shelve(KEY, 3600.0, "drifting gauge", "op-li")
    bus.post_many([strain("B-1", 2010.0), strain("B-2", 2020.0), strain("B-1", 2010.0)])
    bus.post(strain("B-9", 2030.0, source_key="jiefang:S4"))  # another sensor: not shelved
    bus.drain()
    bus.drain()
    assert (intake.shelved, intake.duplicates, intake.opened) == (2, 1, 1)
    (case,) = service.list_open()
    assert case.source_alarm_id == "B-9"
    kept = flood.shelves.held_back(shelf.id)
    assert [(k.alarm_id, k.disposition, k.source_key) for k in kept] == [
        ("B-1", Disposition.SHELVED, KEY),
        ("B-2", Disposition.SHELVED, KEY),
    ]
    assert kept[0].payload["value"] == 171.5 and kept[0].payload["channel"] == "S3"
    assert flood.shelves.held_back_counts([shelf.id]) == {shelf.id: 2}
    assert flood.meter.presented_last() == 1  # the shelved alarms do not count


def test_shelved_alarms_do_not_fold_into_an_open_case(
    intake: IncidentIntake, flood: AlarmFlood, service: IncidentService, bus: EventBus
) -> None:
    bus.post(strain("B-1", 2000.0))
    bus.drain()
    (case,) = service.list_open()
    flood.shelves.shelve(KEY, 900.0, "being handled on the case", "op-li")
    bus.post(strain("B-2", 2060.0))
    bus.drain()
    bus.drain()
    assert service.get(case.id) == case
    assert flood.meter.repeats_last() == 0


def test_a_shelf_expires_by_the_clock_and_the_next_alarm_opens_a_case(
    intake: IncidentIntake,
    flood: AlarmFlood,
    service: IncidentService,
    bus: EventBus,
    clock: ManualClock,
) -> None:
    shelf = flood.shelves.shelve(KEY, 900.0, "drifting gauge", "op-li")
    clock.advance(899.0)
    bus.post(strain("B-1", clock.now()))
    bus.drain()
    assert (intake.shelved, intake.opened) == (1, 0)
    clock.advance(1.0)
    assert flood.shelves.shelf_for(KEY) is None
    bus.post(strain("B-2", clock.now()))
    bus.drain()
    assert (intake.shelved, intake.opened) == (1, 1)
    (case,) = service.list_open()
    assert case.source_alarm_id == "B-2"
    assert flood.shelves.active() == []
    ended = flood.shelves.recent()[0]
    assert (ended.ended_at, ended.ended_by, ended.end_reason) == (2900.0, "system", "expired")
    assert [(e.action, e.actor, e.at) for e in flood.shelves.trail(shelf.id)] == [
        ("shelved", "op-li", 2000.0),
        ("expired", "system", 2900.0),
    ]
    assert flood.shelves.expire_due() == []  # written once


def test_unshelving_early_is_audited_and_alarms_open_cases_again(
    intake: IncidentIntake,
    flood: AlarmFlood,
    service: IncidentService,
    bus: EventBus,
    clock: ManualClock,
) -> None:
    shelf = flood.shelves.shelve(KEY, 4 * 3600.0, "drifting gauge", "op-li")
    clock.advance(600.0)
    ended = flood.shelves.unshelve(shelf.id, "op-wang", "crew recalibrated S3")
    assert (ended.ended_at, ended.ended_by, ended.end_reason) == (
        2600.0,
        "op-wang",
        "crew recalibrated S3",
    )
    assert not ended.is_active(clock.now())
    (_, unshelved) = flood.shelves.trail(shelf.id)
    assert (unshelved.action, unshelved.actor, unshelved.at) == ("unshelved", "op-wang", 2600.0)
    assert unshelved.detail["reason"] == "crew recalibrated S3"
    with pytest.raises(ShelvingError, match="no longer shelved"):
        flood.shelves.unshelve(shelf.id, "op-wang")
    bus.post(strain("B-1", clock.now()))
    bus.drain()
    assert intake.opened == 1
    assert flood.shelves.shelve(KEY, 900.0, "again", "op-li").id != shelf.id


def test_shelving_a_theft_station(
    intake: IncidentIntake, flood: AlarmFlood, service: IncidentService, bus: EventBus
) -> None:
    flood.shelves.shelve("theft:station:45", 900.0, "station reporting a parked tag", "op-li")
    theft = TheftAlarm(
        ts=2001.0,
        alarm_id="T-1",
        station_id=45,
        tag_id="TAG-1",
        two_wheeler=TwoWheelerKind.EBIKE,
        lon=117.38,
        lat=32.92,
    )
    bus.post(theft)
    bus.drain()
    assert intake.shelved == 1
    assert service.count() == 0


def test_a_closed_case_does_not_lift_a_shelf(
    intake: IncidentIntake, flood: AlarmFlood, service: IncidentService, bus: EventBus
) -> None:
    bus.post(strain("B-1", 2000.0))
    bus.drain()
    (case,) = service.list_open()
    flood.shelves.shelve(KEY, 900.0, "handled on the case", "op-li")
    service.act(case.id, Verb.REJECT, "op-li", grounds="invalid", reason="gauge fault")
    bus.post(strain("B-2", 2100.0))
    bus.drain()
    assert service.list_open() == []
    assert intake.shelved == 1


def test_shelf_trail_is_append_only(flood: AlarmFlood, db: Database) -> None:
    flood.shelves.shelve(KEY, 900.0, "noisy", "op-li")
    for statement in ("DELETE FROM shelf_events", "UPDATE shelf_events SET actor = 'x'"):
        with pytest.raises(DatabaseError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(statement))
