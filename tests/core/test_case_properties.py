"""Random action sequences on real storage: one responsible unit, a whole trail, no lost case."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from console.core.bus import EventBus
from console.core.city.model import Level
from console.core.clock import ManualClock
from console.core.incidents import (
    Incident,
    IncidentError,
    IncidentRules,
    IncidentService,
    IncidentStatus,
    Verb,
    store,
)
from console.core.incidents.lifecycle import ALLOWED_FROM
from console.core.incidents.model import WITH_UNIT_STATUSES
from console.core.incidents.replay import replay
from console.core.storage import Database, open_database
from console.core.units.model import office_id
from tests.support.cases import FIELD_UNITS, PATH, fixed_registry, locate, name_of

UNIT_CHOICES = [u.unit_id for u in FIELD_UNITS] + [office_id(c) for c in PATH.chain()] + ["ghost"]
ACTORS = ["op-li", "op-wang", "TP-340303-01"]
TYPES = ["road_accident", "flooding", "lost_property", "illegal_parking"]

PARAMS = st.fixed_dictionaries(
    {
        "unit_id": st.sampled_from(UNIT_CHOICES),
        "reason": st.sampled_from(["", "needs doing", "needs doing"]),
        "note": st.sampled_from(["", "done on site", "done on site"]),
        "text": st.sampled_from(["", "caller rang"]),
        "grounds": st.sampled_from(["invalid", "duplicate"]),
        "passed": st.booleans(),
        "item": st.integers(min_value=0, max_value=4),
        "done": st.booleans(),
        "level": st.integers(min_value=0, max_value=4),
        "into": st.integers(min_value=0, max_value=3),
    }
)


FORWARD = {
    IncidentStatus.REPORTED: Verb.ACCEPT,
    IncidentStatus.ACCEPTED: Verb.OPEN,
    IncidentStatus.OPENED: Verb.DISPATCH,
    IncidentStatus.DISPATCHED: Verb.SIGN,
    IncidentStatus.SIGNED: Verb.START,
    IncidentStatus.IN_HAND: Verb.HANDLE,
    IncidentStatus.HANDLED: Verb.VERIFY,
    IncidentStatus.VERIFIED: Verb.CLOSE,
    IncidentStatus.PENDING: Verb.RESUME,
}
"""The next step on the main road from each open state."""


def _verb_for(data: st.DataObject, status: IncidentStatus) -> Verb:
    """Mostly the next step on the main road, often another allowed verb, sometimes any."""
    roll = data.draw(st.integers(min_value=0, max_value=9), label="kind of verb")
    if roll < 6 and status in FORWARD:
        return FORWARD[status]
    if roll < 9:
        allowed = [verb for verb in Verb if status in ALLOWED_FROM[verb]]
        return data.draw(st.sampled_from(allowed), label="allowed verb")
    return data.draw(st.sampled_from(list(Verb)), label="any verb")


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    path: Path = tmp_path_factory.mktemp("props") / "console.db"
    db = open_database(f"sqlite:///{path}")
    yield db
    db.close()


def _check_one_responsible(case: Incident) -> None:
    unit = fixed_registry().get(case.responsible_unit_id)
    assert unit.level is case.responsible_level
    assert unit.name == case.responsible_unit
    if case.status in WITH_UNIT_STATUSES:
        assert not unit.is_office, case
    if case.status is IncidentStatus.OPENED:
        assert unit.is_office, case


def _check_replays(service: IncidentService, case: Incident) -> None:
    rebuilt = replay(service.audit_trail(case.id))
    names = set(rebuilt) - {"version"}
    stored = store.json_values({name: getattr(case, name) for name in names})
    assert {name: rebuilt[name] for name in names} == stored
    assert rebuilt["version"] == case.version


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    kinds=st.lists(st.sampled_from(TYPES), min_size=2, max_size=4),
    steps=st.integers(min_value=1, max_value=40),
    data=st.data(),
)
def test_random_actions_keep_the_case_loop_whole(
    database: Database, rules: IncidentRules, kinds: list[str], steps: int, data: st.DataObject
) -> None:
    clock = ManualClock(start=10_000.0)
    service = IncidentService(
        database, EventBus(clock), clock, locate, rules, fixed_registry(), name_of
    )
    cases = [service.report(kind, 117.37, 32.93, "test case", "op-li") for kind in kinds]
    ids = [c.id for c in cases]
    for _ in range(steps):
        clock.advance(data.draw(st.sampled_from([0.0, 30.0, 400.0, 4000.0]), label="wait"))
        incident_id = data.draw(st.sampled_from(ids), label="case")
        before = service.get(incident_id)
        assert before is not None
        verb = _verb_for(data, before.status)
        params: dict[str, Any] = data.draw(PARAMS, label="params")
        actor = data.draw(st.sampled_from(ACTORS), label="actor")
        chosen = dict(params, into=ids[params["into"] % len(ids)], level=Level(params["level"]))
        try:
            after = service.act(incident_id, verb, actor, **chosen)
        except IncidentError:
            assert service.get(incident_id) == before, "a refusal must change nothing"
            continue
        event(f"reached {after.status}")
        assert after.version == before.version + 1
        assert service.get(incident_id) == after
        if data.draw(st.booleans(), label="run automatic rules"):
            service.run_automatic()
    for incident_id in ids:
        case = service.get(incident_id)
        assert case is not None, "no case is ever lost"
        _check_one_responsible(case)
        _check_replays(service, case)
        if not case.is_open:
            assert case.closed_at is not None
        if case.status is IncidentStatus.MERGED:
            assert case.merged_into in ids
