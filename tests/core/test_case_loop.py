"""The case loop as pure decisions: every transition, every refusal, with clear messages."""

from __future__ import annotations

from typing import Any

import pytest

from console.core.city.model import Level
from console.core.incidents import Incident, IncidentError, IncidentRules, IncidentStatus
from console.core.incidents.lifecycle import ALLOWED_FROM, Context, Verb, apply_change, decide
from console.core.units.model import office_id
from tests.support.cases import PATH, PEER, UNIT, case, fixed_registry, held_by_unit

S = IncidentStatus
NOW = 5000.0
REGISTRY = fixed_registry()
COUNTY_OFFICE = REGISTRY.office("340303")


def run(rules: IncidentRules, c: Incident, verb: Verb, target: Incident | None = None, **p: Any):
    ctx = Context(REGISTRY, rules.by_id(c.incident_type), "340300", target)
    change = decide(c, verb, p, NOW, "op-li", ctx)
    return change, apply_change(c, change, NOW)


# ---- The main road, step by step


def test_the_whole_loop_from_report_to_closure(rules: IncidentRules) -> None:
    c = case()
    steps: list[tuple[Verb, dict[str, Any], S]] = [
        (Verb.ACCEPT, {}, S.ACCEPTED),
        (Verb.OPEN, {}, S.OPENED),
        (Verb.DISPATCH, {"unit_id": UNIT}, S.DISPATCHED),
        (Verb.SIGN, {}, S.SIGNED),
        (Verb.START, {}, S.IN_HAND),
        (Verb.HANDLE, {"note": "cleared, towed"}, S.HANDLED),
        (Verb.VERIFY, {"passed": True}, S.VERIFIED),
        (Verb.CLOSE, {"note": "confirmed by camera"}, S.CLOSED),
    ]
    for verb, params, expected in steps:
        _, c = run(rules, c, verb, **params)
        assert c.status is expected, verb
    assert c.version == 1 + len(steps)
    assert (c.accepted_at, c.opened_at, c.signed_at, c.handled_at, c.closed_at) == (NOW,) * 5
    assert c.responsible_unit_id == UNIT
    assert c.handle_due_at == NOW + 30 * 60
    assert c.resolution == "confirmed by camera"
    assert not c.is_open


def test_accept_makes_the_operator_the_handler(rules: IncidentRules) -> None:
    change, c = run(rules, case(), Verb.ACCEPT)
    assert (change.action, c.handler, c.accepted_at) == ("accepted", "op-li", NOW)


@pytest.mark.parametrize("grounds", ["invalid", "duplicate"])
def test_reject_with_grounds_and_reason(rules: IncidentRules, grounds: str) -> None:
    change, c = run(rules, case(), Verb.REJECT, grounds=grounds, reason="prank call")
    assert c.status is S.REJECTED and not c.is_open
    assert c.resolution == f"{grounds}: prank call"
    assert change.params == {"grounds": grounds, "reason": "prank call"}


def test_reject_needs_a_reason_and_known_grounds(rules: IncidentRules) -> None:
    with pytest.raises(IncidentError, match="a rejection needs a reason"):
        run(rules, case(), Verb.REJECT, grounds="invalid", reason=" ")
    with pytest.raises(IncidentError, match="grounds must be 'invalid' or 'duplicate'"):
        run(rules, case(), Verb.REJECT, grounds="boring", reason="x")


# ---- Routing: down, up, sideways, back


def test_dispatch_down_to_an_office_hands_the_case_over(rules: IncidentRules) -> None:
    street = REGISTRY.office("340303001")
    change, c = run(rules, case(S.OPENED), Verb.DISPATCH, unit_id=street.unit_id)
    assert change.action == "handed_down"
    assert (c.status, c.responsible_unit_id, c.responsible_level) == (
        S.OPENED,
        street.unit_id,
        Level.STREET,
    )
    assert c.dispatcher_unit_id == COUNTY_OFFICE.unit_id


def test_dispatch_to_a_field_unit(rules: IncidentRules) -> None:
    change, c = run(rules, case(S.OPENED), Verb.DISPATCH, unit_id=UNIT)
    assert change.action == "dispatched"
    assert (c.responsible_unit_id, c.dispatcher_unit_id, c.dispatch_count) == (
        UNIT,
        COUNTY_OFFICE.unit_id,
        1,
    )
    assert (c.dispatched_at, c.signed_at) == (NOW, None)


def test_dispatch_outside_the_jurisdiction_needs_a_reason(rules: IncidentRules) -> None:
    with pytest.raises(IncidentError, match="outside the case's jurisdiction; give a reason"):
        run(rules, case(S.OPENED), Verb.DISPATCH, unit_id="TP-340302-01")
    _, c = run(rules, case(S.OPENED), Verb.DISPATCH, unit_id="TP-340302-01", reason="mutual aid")
    assert c.responsible_unit_id == "TP-340302-01"


@pytest.mark.parametrize(
    ("unit_id", "message"),
    [
        ("BC-340300-01", "cannot dispatch case 7 up to the City level; escalate it"),
        ("office:340300", "cannot dispatch case 7 up to the City level"),
        ("office:340303", "already with 蚌山区指挥中心"),
        ("office:340302", "not an office below it on its jurisdiction chain"),
        ("nobody", "there is no unit 'nobody'"),
    ],
)
def test_dispatch_refusals(rules: IncidentRules, unit_id: str, message: str) -> None:
    with pytest.raises(IncidentError, match=message):
        run(rules, case(S.OPENED), Verb.DISPATCH, unit_id=unit_id)


def test_escalate_goes_one_level_up_to_the_office(rules: IncidentRules) -> None:
    change, c = run(rules, held_by_unit(S.SIGNED, signed_at=4500.0), Verb.ESCALATE, reason="fire")
    assert change.action == "escalated"
    assert (c.status, c.responsible_unit_id, c.responsible_level) == (
        S.OPENED,
        office_id("340300"),
        Level.CITY,
    )
    assert (c.escalation_count, c.signed_at, c.dispatched_at) == (1, None, None)


def test_escalate_to_a_chosen_level_and_refusals(rules: IncidentRules) -> None:
    grid_case = case(
        S.OPENED,
        responsible_level=Level.GRID,
        responsible_unit_id=office_id(PATH.grid),
        responsible_unit="grid office",
    )
    _, c = run(rules, grid_case, Verb.ESCALATE, reason="too big", level=int(Level.COUNTY))
    assert c.responsible_unit_id == office_id(PATH.county)
    top = case(S.OPENED, responsible_level=Level.CITY, responsible_unit_id=office_id("340300"))
    with pytest.raises(IncidentError, match="already at the City level, the top"):
        run(rules, top, Verb.ESCALATE, reason="x")
    with pytest.raises(IncidentError, match="an escalation needs a reason"):
        run(rules, grid_case, Verb.ESCALATE)


def test_transfer_sideways_to_a_peer(rules: IncidentRules) -> None:
    change, c = run(
        rules,
        held_by_unit(S.SIGNED, signed_at=4500.0),
        Verb.TRANSFER,
        unit_id=PEER,
        reason="closer",
    )
    assert (change.action, c.status, c.responsible_unit_id) == ("transferred", S.DISPATCHED, PEER)
    assert (c.signed_at, c.dispatch_count, c.dispatcher_unit_id) == (None, 2, COUNTY_OFFICE.unit_id)


@pytest.mark.parametrize(
    ("unit_id", "reason", "message"),
    [
        (PEER, "", "a transfer needs a reason"),
        ("CM-340303001-01", "x", "a transfer goes to a peer unit at the County / district level"),
        ("office:340303", "x", "a transfer goes to a peer unit"),
        (UNIT, "x", "already with"),
    ],
)
def test_transfer_refusals(rules: IncidentRules, unit_id: str, reason: str, message: str) -> None:
    with pytest.raises(IncidentError, match=message):
        run(rules, held_by_unit(S.DISPATCHED), Verb.TRANSFER, unit_id=unit_id, reason=reason)


def test_return_goes_back_to_the_dispatcher_and_counts_a_bounce(rules: IncidentRules) -> None:
    change, c = run(rules, held_by_unit(S.DISPATCHED), Verb.RETURN, reason="not our road")
    assert (change.action, c.status, c.responsible_unit_id) == (
        "returned",
        S.OPENED,
        COUNTY_OFFICE.unit_id,
    )
    assert c.bounce_count == 1
    _, again = run(rules, held_by_unit(S.SIGNED, bounce_count=1), Verb.RETURN, reason="again")
    assert again.bounce_count == 2
    with pytest.raises(IncidentError, match="a return needs a reason"):
        run(rules, held_by_unit(S.DISPATCHED), Verb.RETURN)


# ---- Handling, verification, rework


def test_handle_needs_feedback_and_keeps_the_photo_name(rules: IncidentRules) -> None:
    with pytest.raises(IncidentError, match="handling feedback needs a note"):
        run(rules, held_by_unit(S.IN_HAND), Verb.HANDLE)
    change, c = run(rules, held_by_unit(S.IN_HAND), Verb.HANDLE, note="done", photo="scene.jpg")
    assert change.params == {"note": "done", "photo": "scene.jpg"}
    assert (c.status, c.handled_at, c.resolution) == (S.HANDLED, NOW, "done")


def test_failed_verification_sends_the_case_back_as_rework(rules: IncidentRules) -> None:
    handled = held_by_unit(S.HANDLED, signed_at=4100.0, handled_at=4200.0, resolution="done")
    with pytest.raises(IncidentError, match="a failed verification needs a note"):
        run(rules, handled, Verb.VERIFY, passed=False)
    change, c = run(rules, handled, Verb.VERIFY, passed=False, note="still blocked")
    assert (change.action, c.status, c.rework_count) == ("verification_failed", S.DISPATCHED, 1)
    assert (c.responsible_unit_id, c.signed_at, c.handled_at, c.resolution) == (
        UNIT,
        None,
        None,
        None,
    )
    _, other = run(rules, handled, Verb.VERIFY, passed=False, note="x", unit_id=PEER)
    assert other.responsible_unit_id == PEER
    with pytest.raises(IncidentError, match="rework goes to a field unit"):
        run(rules, handled, Verb.VERIFY, passed=False, note="x", unit_id="office:340303")


# ---- Extension, pending register, merge


def test_one_extension_moves_both_deadlines(rules: IncidentRules) -> None:
    c = held_by_unit(S.SIGNED, signed_at=4100.0, handle_due_at=4100.0 + 1800.0)
    change, extended = run(rules, c, Verb.EXTEND, reason="waiting for the tow truck")
    assert extended.status is S.SIGNED
    assert (extended.due_at, extended.handle_due_at) == (
        c.due_at + 1800.0,
        c.handle_due_at + 1800.0,
    )
    assert change.params["minutes"] == 30
    with pytest.raises(IncidentError, match="already extended once; book it into the pending"):
        run(rules, extended, Verb.EXTEND, reason="again")
    with pytest.raises(IncidentError, match="an extension needs a reason"):
        run(rules, c, Verb.EXTEND)


def test_extension_before_signing_lengthens_the_department_clock_later(
    rules: IncidentRules,
) -> None:
    _, extended = run(rules, held_by_unit(S.DISPATCHED), Verb.EXTEND, reason="night")
    assert extended.handle_due_at is None
    _, signed = run(rules, extended, Verb.SIGN)
    assert signed.handle_due_at == NOW + (30 + 30) * 60


def test_pending_register_and_resume_to_where_it_was(rules: IncidentRules) -> None:
    _, pended = run(rules, held_by_unit(S.IN_HAND), Verb.PEND, reason="needs budget")
    assert (pended.status, pended.paused_status) == (S.PENDING, S.IN_HAND)
    assert pended.is_open
    _, resumed = run(rules, pended, Verb.RESUME)
    assert (resumed.status, resumed.paused_status) == (S.IN_HAND, None)
    with pytest.raises(IncidentError, match="booking into the pending register needs a reason"):
        run(rules, held_by_unit(S.IN_HAND), Verb.PEND)


def test_merge_a_duplicate_into_an_open_case(rules: IncidentRules) -> None:
    original = case(S.OPENED, id=3)
    change, merged = run(rules, case(), Verb.MERGE, original, into=3, reason="same crash")
    assert (merged.status, merged.merged_into, merged.is_open) == (S.MERGED, 3, False)
    assert change.params == {"into": 3, "reason": "same crash"}


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (None, "merge needs the case to merge into"),
        (case(S.OPENED, id=7), "cannot be merged into itself"),
        (case(S.CLOSED, id=3), "cannot merge case 7 into case 3: it is closed"),
    ],
)
def test_merge_refusals(rules: IncidentRules, target: Incident | None, message: str) -> None:
    into = target.id if target is not None else 3
    with pytest.raises(IncidentError, match=message):
        run(rules, case(), Verb.MERGE, target, into=into, reason="dup")


# ---- Notes, checklist, alerts


def test_note_checklist_and_alert_keep_the_state(rules: IncidentRules) -> None:
    c = held_by_unit(S.IN_HAND)
    change, noted = run(rules, c, Verb.NOTE, text="caller rang again")
    assert (change.action, noted.status) == ("noted", S.IN_HAND)
    _, checked = run(rules, c, Verb.CHECK, item=1, done=True)
    assert checked.checklist_done == (1,)
    with pytest.raises(IncidentError, match="checklist item 2 is already done"):
        run(rules, checked, Verb.CHECK, item=1, done=True)
    _, unchecked = run(rules, checked, Verb.CHECK, item=1, done=False)
    assert unchecked.checklist_done == ()
    with pytest.raises(IncidentError, match=r"checklist item 9 is not 0..3"):
        run(rules, c, Verb.CHECK, item=9)
    _, alerted = run(rules, c, Verb.ALERT, reason="late")
    assert (alerted.status, alerted.alert_count) == (S.IN_HAND, 1)


def test_notes_are_allowed_on_a_closed_case(rules: IncidentRules) -> None:
    _, noted = run(rules, case(S.CLOSED), Verb.NOTE, text="caller thanked us")
    assert noted.status is S.CLOSED


# ---- Every refusal of an illegal transition


ILLEGAL = [(verb, status) for verb in Verb for status in S if status not in ALLOWED_FROM[verb]]


@pytest.mark.parametrize(("verb", "status"), ILLEGAL, ids=[f"{v}-{s}" for v, s in ILLEGAL])
def test_every_illegal_transition_is_refused_clearly(
    rules: IncidentRules, verb: Verb, status: S
) -> None:
    c = held_by_unit(status) if status in (S.DISPATCHED, S.SIGNED, S.IN_HAND) else case(status)
    with pytest.raises(IncidentError, match=f"cannot {verb} case 7: it is {status.label.lower()}"):
        run(rules, c, verb, reason="r", note="n", text="t", unit_id=PEER, into=3, item=0)


def test_refusal_names_the_next_step(rules: IncidentRules) -> None:
    with pytest.raises(IncidentError, match="it is reported; next, accept or reject it"):
        run(rules, case(), Verb.DISPATCH, unit_id=UNIT)
    with pytest.raises(IncidentError, match="it is closed; nothing more happens"):
        run(rules, case(S.CLOSED), Verb.ACCEPT)
