"""The case index: every filter and sort on real cases from a real SQLite service."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from console.core.city.model import Level
from console.core.clock import ManualClock
from console.core.events import Platform
from console.core.incidents import Incident, IncidentService, IncidentStatus, Verb
from console.core.incidents.case_index import (
    ALL_STATES,
    FINAL_STATES,
    OPEN_STATES,
    CaseFilter,
    CaseIndex,
    SortKey,
)
from tests.support.cases import CENTRE, PATH

S = IncidentStatus
STREET_UNIT = "CM-340303001-01"
OUTSIDE = (10.0, 10.0)

STEPS: dict[S, tuple[Verb, dict[str, object]]] = {
    S.ACCEPTED: (Verb.ACCEPT, {}),
    S.OPENED: (Verb.OPEN, {}),
    S.DISPATCHED: (Verb.DISPATCH, {"unit_id": STREET_UNIT, "reason": "nearest"}),
    S.SIGNED: (Verb.SIGN, {}),
    S.IN_HAND: (Verb.START, {}),
    S.HANDLED: (Verb.HANDLE, {"note": "cleared"}),
    S.VERIFIED: (Verb.VERIFY, {"passed": True}),
    S.CLOSED: (Verb.CLOSE, {"note": "done"}),
}


def report(service: IncidentService, type_id: str, text: str, where=CENTRE) -> Incident:
    """A case reported by hand at ``where``."""
    return service.report(type_id, where[0], where[1], text, "operator-1")


def advance(service: IncidentService, case: Incident, to: S, actor: str = "operator-1") -> Incident:
    """Walk ``case`` along the loop until it reaches ``to``."""
    for state, (verb, params) in STEPS.items():
        if case.status is to:
            break
        if list(STEPS).index(state) < list(STEPS).index(to) + 1:
            case = service.act(case.id, verb, actor, **params)
    assert case.status is to
    return case


@pytest.fixture
def cases(service: IncidentService, clock: ManualClock) -> dict[str, Incident]:
    """Seven cases in different states, types, platforms and places."""
    made = {
        "flood": report(service, "flooding", "水漫路面"),  # P1 emergency, street
        "light": report(service, "street_light_fault", "路灯不亮"),  # P4 utilities
        "parking": report(service, "illegal_parking", "占道停车"),  # P3 management
    }
    clock.advance(60)
    made["lost"] = report(service, "lost_property", "钱包遗失", where=OUTSIDE)  # P4, outside
    made["obstruction"] = advance(
        service, report(service, "road_obstruction", "倒树挡路"), S.IN_HAND, "handler-b"
    )
    made["closed"] = advance(service, report(service, "manhole_cover", "井盖缺失"), S.CLOSED)
    returned = advance(service, report(service, "road_obstruction", "落石"), S.DISPATCHED)
    made["returned"] = service.act(returned.id, Verb.RETURN, "unit-1", reason="not ours")
    return made


def build(service: IncidentService) -> CaseIndex:
    index = CaseIndex()
    index.load(service.list_all())
    return index


def ids(index: CaseIndex, rows: np.ndarray) -> list[int]:
    return [index.case_at(int(row)).id for row in rows]


def shown(index: CaseIndex, now: float, **kw: object) -> set[int]:
    return set(ids(index, index.query(CaseFilter(**kw), now=now)))  # type: ignore[arg-type]


def test_state_presets_and_single_states(
    service: IncidentService, cases: dict[str, Incident], clock: ManualClock
) -> None:
    index = build(service)
    now = clock.now()
    everything = {c.id for c in cases.values()}
    assert shown(index, now) == everything - {cases["closed"].id}
    assert shown(index, now, states=ALL_STATES) == everything
    assert shown(index, now, states=frozenset()) == everything
    assert shown(index, now, states=FINAL_STATES) == {cases["closed"].id}
    assert shown(index, now, states=frozenset({S.IN_HAND})) == {cases["obstruction"].id}
    assert index.counts_by_state()[S.REPORTED] == 4
    assert index.counts_by_state()[S.OPENED] == 1
    assert len(index) == len(cases)


def test_platform_level_jurisdiction_and_text(
    service: IncidentService, cases: dict[str, Incident], clock: ManualClock
) -> None:
    index = build(service)
    now = clock.now()
    every = {"states": ALL_STATES}
    utilities = frozenset({Platform.PUBLIC_UTILITIES})
    assert shown(index, now, platforms=utilities, **every) == {
        cases["light"].id,
        cases["closed"].id,
    }
    assert shown(index, now, levels=frozenset({Level.CITY}), **every) == {cases["lost"].id}
    inside = {c.id for c in cases.values()} - {cases["lost"].id}
    for code in PATH.chain():
        if code != PATH.city:
            assert shown(index, now, jurisdiction=code, **every) == inside
    assert shown(index, now, jurisdiction="340302", **every) == set()  # a county with no cases
    assert index.divisions(Level.COUNTY) == [PATH.county]
    assert index.divisions(Level.STREET) == [PATH.street]
    assert shown(index, now, text="钱包") == {cases["lost"].id}
    assert shown(index, now, text="FLOODING") == {cases["flood"].id}  # English title, any case
    assert shown(index, now, text="HANDLER-B") == {cases["obstruction"].id}
    assert shown(index, now, text=f"#{cases['closed'].id}", **every) == {cases["closed"].id}
    unit = cases["obstruction"].responsible_unit
    assert cases["obstruction"].id in shown(index, now, text=unit[-6:])


def test_case_id_search_matches_digits_anywhere() -> None:
    index = CaseIndex()
    base = _bare_case()
    for case_id in (5, 15, 105, 1050, 2222):
        index.upsert(dataclasses.replace(base, id=case_id))
    assert shown(index, 0.0, text="05") == {105, 1050}
    assert shown(index, 0.0, text="5") == {5, 15, 105, 1050}
    assert shown(index, 0.0, text="222") == {2222}


def test_overdue_at_the_clock_boundary(
    service: IncidentService, cases: dict[str, Incident], clock: ManualClock
) -> None:
    index = build(service)
    flood = cases["flood"]  # P1: resolve limit 60 min
    assert shown(index, flood.due_at, overdue_only=True) == set()
    assert shown(index, flood.due_at + 0.001, overdue_only=True) == {flood.id}
    assert index.count_overdue(flood.due_at + 0.001) == 1
    # the department deadline counts while signed or in hand, not once handled
    held = cases["obstruction"]
    assert held.handle_due_at is not None and held.handle_due_at < held.due_at
    just_after = held.handle_due_at + 0.001
    assert held.id in shown(index, just_after, overdue_only=True)
    assert held.id not in shown(index, held.handle_due_at, overdue_only=True)
    handled = service.act(held.id, Verb.HANDLE, "handler-b", note="ok")
    index.upsert(handled)
    assert held.id not in shown(index, just_after, overdue_only=True)
    # finished cases are never overdue
    late = cases["closed"].due_at + 10_000
    assert cases["closed"].id not in shown(index, late, overdue_only=True, states=ALL_STATES)


def test_every_sort_key_orders_and_breaks_ties_by_id(
    service: IncidentService, cases: dict[str, Incident], clock: ManualClock
) -> None:
    index = build(service)
    now = clock.now() + 30
    open_cases = [index.get(c.id) for c in cases.values() if c.status.is_final is False]
    open_cases = [c for c in open_cases if c is not None]
    expected = {
        SortKey.PRIORITY: lambda c: (c.priority, c.reported_at, c.id),
        SortKey.STATE: lambda c: (_loop(c.status), c.reported_at, c.id),
        SortKey.CITIZEN_CLOCK: lambda c: (c.due_at - now, c.id),
        SortKey.TYPE: lambda c: (c.incident_type, c.reported_at, c.id),
        SortKey.TITLE: lambda c: (c.title.casefold(), c.id),
        SortKey.BOUNCES: lambda c: (c.bounce_count, c.id),
        SortKey.REPORTED: lambda c: (c.reported_at, c.id),
        SortKey.RESPONSIBLE: lambda c: (c.responsible_unit.casefold(), c.responsible_level, c.id),
    }
    for key, order in expected.items():
        got = ids(index, index.query(CaseFilter(), key, now=now))
        assert got == [c.id for c in sorted(open_cases, key=order)], key
        descending = ids(index, index.query(CaseFilter(), key, descending=True, now=now))
        assert descending == got[::-1], key


def test_sorts_with_missing_values_keep_them_last(
    service: IncidentService, cases: dict[str, Incident], clock: ManualClock
) -> None:
    index = build(service)
    for key in (SortKey.DEPARTMENT_CLOCK, SortKey.HANDLER, SortKey.LEVEL_PATH):
        up = ids(index, index.query(CaseFilter(), key, now=clock.now()))
        down = ids(index, index.query(CaseFilter(), key, descending=True, now=clock.now()))
        assert sorted(up) == sorted(down)
        assert up[-1] == down[-1] or key is SortKey.LEVEL_PATH
    by_path = ids(index, index.query(CaseFilter(), SortKey.LEVEL_PATH, now=clock.now()))
    assert by_path[-1] == cases["lost"].id  # outside the city: no path, last
    by_dept = ids(index, index.query(CaseFilter(), SortKey.DEPARTMENT_CLOCK, now=clock.now()))
    assert by_dept[0] == cases["obstruction"].id  # the only signed case comes first


def test_upsert_moves_a_case_between_filters(
    service: IncidentService, cases: dict[str, Incident], clock: ManualClock
) -> None:
    index = build(service)
    flood = cases["flood"]
    assert flood.id in shown(index, clock.now())
    rejected = service.act(flood.id, Verb.REJECT, "operator-1", grounds="invalid", reason="test")
    row = index.upsert(rejected)
    assert index.row_of(flood.id) == row and len(index) == len(cases)
    assert flood.id not in shown(index, clock.now())
    assert flood.id in shown(index, clock.now(), states=FINAL_STATES)
    new = report(service, "flooding", "又一处积水")
    index.upsert(new)
    assert new.id in shown(index, clock.now(), text="又一处")
    assert ids(index, index.query(CaseFilter(), SortKey.REPORTED, now=clock.now()))[-1] == new.id


def test_title_ranks_stay_right_as_new_titles_arrive() -> None:
    index = CaseIndex()
    base = _bare_case()
    titles = ["delta", "alpha", "charlie", "bravo", "echo", "Alpha"]
    for n, title in enumerate(titles[:3], start=1):
        index.upsert(dataclasses.replace(base, id=n, title=title))
    index.query(CaseFilter(), SortKey.TITLE)  # ranks computed
    for n, title in enumerate(titles[3:], start=4):
        index.upsert(dataclasses.replace(base, id=n, title=title))
    got = [index.case_at(int(r)).title for r in index.query(CaseFilter(), SortKey.TITLE)]
    assert got == ["alpha", "Alpha", "bravo", "charlie", "delta", "echo"]


def test_many_rows_grow_and_out_of_order_ids_still_sort_by_id() -> None:
    index = CaseIndex()
    base = _bare_case()
    for case_id in [*range(3000, 1000, -1), *range(3000, 5000)]:
        index.upsert(dataclasses.replace(base, id=case_id, priority=1 + case_id % 4))
    rows = index.query(CaseFilter(), SortKey.BOUNCES)
    assert ids(index, rows) == sorted(range(1001, 5000))
    rows = index.query(CaseFilter(), SortKey.PRIORITY)
    got = [(index.case_at(int(r)).priority, index.case_at(int(r)).id) for r in rows]
    assert got == sorted(got)


def test_malformed_cases_are_indexed_without_crashing() -> None:
    index = CaseIndex()
    odd = dataclasses.replace(
        _bare_case(),
        id=7,
        incident_type="no_such_type",
        platform="bogus",  # type: ignore[arg-type]
        status="weird",  # type: ignore[arg-type]
        priority=99,
        handler=None,
        title="",
        path=None,
    )
    index.upsert(odd)
    index.upsert(dataclasses.replace(_bare_case(), id=8))
    for key in SortKey:
        assert sorted(ids(index, index.query(CaseFilter(states=frozenset()), key))) == [7, 8]
    assert shown(index, 0.0, states=OPEN_STATES) == {8}
    assert shown(index, 0.0, text="no_such") == set()
    assert index.case_at(index.row_of(7) or 0).id == 7
    with pytest.raises(IndexError):
        index.case_at(5)


def test_a_bulk_load_matches_cases_added_one_by_one() -> None:
    base = _bare_case()
    paths = [PATH, None, dataclasses.replace(PATH, grid="340303001001002")]
    made = [
        dataclasses.replace(
            base,
            id=case_id,
            title=f"title {(case_id * 7) % 50:02d}",
            handler=None if case_id % 3 else f"handler-{case_id % 5}",
            priority=1 + case_id % 4,
            status=list(S)[case_id % len(S)],
            platform=list(Platform)[case_id % len(Platform)],
            responsible_level=Level(case_id % 5),
            path=paths[case_id % 3],
            reported_at=float(case_id % 17),
            due_at=float(case_id % 17) + 600,
            signed_at=60.0 if case_id % 4 == 0 else None,
            handle_due_at=360.0 if case_id % 4 == 0 else None,
            closed_at=900.0 if case_id % 5 == 0 else None,
            bounce_count=case_id % 3,
        )
        for case_id in range(200, 0, -1)
    ]
    bulk, single = CaseIndex(), CaseIndex()
    bulk.load(made[:120])
    bulk.load([dataclasses.replace(c, version=2, title=c.title + "!") for c in made[:10]])
    bulk.load(made[120:])  # more than a few new titles at once: re-ranked on use
    for case in made:
        single.upsert(case)
    for case in made[:10]:
        single.upsert(dataclasses.replace(case, version=2, title=case.title + "!"))
    filters = [
        CaseFilter(states=ALL_STATES),
        CaseFilter(),
        CaseFilter(states=ALL_STATES, jurisdiction="340303001001002"),
        CaseFilter(states=ALL_STATES, platforms=frozenset({Platform.PUBLIC_UTILITIES})),
        CaseFilter(states=ALL_STATES, levels=frozenset({Level.GRID, Level.CITY})),
        CaseFilter(states=ALL_STATES, text="handler-2"),
        CaseFilter(overdue_only=True),
    ]
    for case_filter in filters:
        for key in SortKey:
            for descending in (False, True):
                got = bulk.query(case_filter, key, descending, now=700.0)
                want = single.query(case_filter, key, descending, now=700.0)
                assert ids(bulk, got) == ids(single, want), (case_filter, key, descending)
    assert (
        bulk.divisions(Level.GRID)
        == single.divisions(Level.GRID)
        == sorted({PATH.grid, "340303001001002"})
    )
    assert bulk.get(3) == single.get(3) and len(bulk) == len(single) == 200
    assert shown(bulk, 700.0, jurisdiction="340303001001002", states=ALL_STATES) == {
        c.id for c in made if c.id % 3 == 2
    }


def _loop(status: S) -> int:
    from console.core.incidents.case_index import STATE_ORDER

    return STATE_ORDER.index(status)


def _bare_case() -> Incident:
    return Incident(
        id=1,
        incident_type="flooding",
        title="t",
        title_en="t",
        priority=1,
        platform=Platform.PUBLIC_EMERGENCY,
        status=S.REPORTED,
        lon=0.0,
        lat=0.0,
        path=PATH,
        outside_city=False,
        responsible_level=Level.STREET,
        responsible_unit_id="office:340303001",
        responsible_unit="天桥街道指挥中心",
        dispatcher_unit_id=None,
        handler=None,
        source_topic=None,
        source_alarm_id=None,
        reported_at=0.0,
        created_at=0.0,
        updated_at=0.0,
        due_at=3600.0,
    )
