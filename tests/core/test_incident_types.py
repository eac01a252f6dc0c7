"""Case types and automatic rules from data: matching alarms, limits, checklists, refusals."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from console.core.city.model import Level
from console.core.events import (
    ALARM_TOPICS,
    CASE_TOPICS,
    BridgeAlarm,
    TheftAlarm,
    TrafficViolation,
    TwoWheelerKind,
    VehicleClass,
    ViolationKind,
)
from console.core.incidents import IncidentRules, RulesError, load_incident_rules
from console.core.incidents.rules import parse_incident_rules
from console.core.incidents.types import KIND_FIELD, REGIONAL_TYPE_ID, EscalationAction
from console.core.paths import city_dir


def theft() -> TheftAlarm:
    return TheftAlarm(
        ts=1.0,
        alarm_id="T-1",
        station_id=45,
        tag_id="123",
        two_wheeler=TwoWheelerKind.EBIKE,
        lon=117.38,
        lat=32.92,
    )


def _bengbu_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (city_dir("bengbu") / "incident_types.json").read_text(encoding="utf-8")
    )
    return data


def test_bengbu_types_cover_every_alarm_topic(rules: IncidentRules) -> None:
    assert set(KIND_FIELD) == set(CASE_TOPICS) > set(ALARM_TOPICS)
    assert rules.city_code == "340300"
    assert {t.topic for t in rules.types if t.kind == "*"} == set(CASE_TOPICS)


def test_every_platform_and_the_named_types_exist(rules: IncidentRules) -> None:
    ids = {t.type_id for t in rules.types}
    assert {
        "bridge_overweight_vehicle",
        "bridge_vessel",
        "traffic_overload",
        "traffic_speeding",
        "traffic_cross_line",
        "theft_ebike",
        "hotline_call",
        "lost_property",
        "road_accident",
        "flooding",
    } <= ids
    assert len({t.platform for t in rules.types}) == 5
    for incident_type in rules.types:
        assert incident_type.unit_kinds, incident_type.type_id
        assert len(incident_type.checklist) >= 3, incident_type.type_id


def test_alarm_matches_its_kind_then_the_catch_all(rules: IncidentRules) -> None:
    speeding = TrafficViolation(
        ts=1.0,
        alarm_id="S1",
        kind=ViolationKind.SPEEDING,
        plate="皖C12345",
        vehicle_class=VehicleClass.CARGO,
        value=92.4,
        limit=60.0,
        lon=117.3,
        lat=32.9,
    )
    speeding_type = rules.type_for(speeding)
    assert speeding_type.type_id == "traffic_speeding"
    assert speeding_type.start_level is Level.COUNTY
    assert speeding_type.titles(speeding)[1] == "Speeding: 皖C12345 92 km/h (limit 60 km/h)"
    odd_bridge = BridgeAlarm(
        ts=1.0, bridge_id="g104", kind="scour", value=2.0, threshold=1.0, lon=0, lat=0, alarm_id="B"
    )
    assert rules.type_for(odd_bridge).type_id == "bridge_alarm"
    assert rules.type_for(theft()).titles(theft())[1] == "Theft alarm: ebike tag 123 at station 45"


def test_limits_come_from_the_priority_and_a_type_overrides_them(rules: IncidentRules) -> None:
    strain = rules.by_id("bridge_strain")
    accident = rules.by_id("road_accident")
    assert strain.priority == accident.priority == 1
    assert accident.limits.resolve == 60
    assert strain.limits.resolve == 90
    assert strain.limits.sign == accident.limits.sign == 5
    assert rules.by_id("hotline_suggestion").limits.resolve == 2880
    assert rules.warn_fraction == 0.8


def test_hand_reported_types_match_no_alarm(rules: IncidentRules) -> None:
    reportable = rules.reportable()
    by_hand = {t.type_id for t in rules.types if t.topic is None} - {REGIONAL_TYPE_ID}
    assert {t.type_id for t in reportable} == by_hand  # hand-overs come from neighbours
    assert [t.priority for t in reportable] == sorted(t.priority for t in reportable)
    assert {"road_accident", "flooding", "lost_property"} <= {t.type_id for t in reportable}
    assert rules.by_id("flooding").kind is None


def test_escalation_rules_from_data(rules: IncidentRules) -> None:
    by_id = {rule.rule_id: rule for rule in rules.escalations}
    assert by_id["not_accepted"].action is EscalationAction.ALERT_SUPERVISOR
    assert by_id["not_accepted"].states == frozenset({"reported"})
    assert (by_id["not_signed"].since, by_id["not_signed"].limit) == ("dispatched_at", "sign")
    assert by_id["not_signed"].action is EscalationAction.ESCALATE


@pytest.mark.parametrize(
    ("index", "key", "value", "message"),
    [
        (0, "platform", "emergency", r"'platform' is 'emergency'; expected one of public_"),
        (0, "start_level", "province", r"'start_level' is 'province'; expected one of city"),
        (
            0,
            "priority",
            5,
            r"\(bridge_overweight_vehicle\): 'priority' must be a whole number 1..4",
        ),
        (5, "title_en", "Theft of {plate}", r"title_en: unknown field \{plate\}"),
        (9, "title_en", "{plate:.1f}", r"does not fit the alarm"),
        (0, "topic", "vehicle.position", r"is not an alarm topic"),
        (1, "id", "bridge_overweight_vehicle", r"duplicate type id 'bridge_overweight_vehicle'"),
        (0, "sla", 10, r"unknown key\(s\) sla"),
        (0, "units", ["police"], r"unit kind 'police' unknown"),
        (0, "units", [], r"'units' must list"),
        (0, "checklist", "nope", r"no checklist called 'nope'"),
        (0, "limits", {"resolve": 0}, r"'resolve' must be a whole number"),
        (0, "limits", {"resolve": 1}, r"'resolve' \(1\) is shorter than 'accept'"),
        (0, "limits", {"soon": 3}, r"unknown limit\(s\) soon"),
        (-1, "kind", "x", r"a type reported by hand \(topic null\) has no kind"),
        (-1, "title_en", "Fire at {plate}", r"unknown field \{plate\}"),
    ],
)
def test_malformed_types_are_refused_clearly(
    index: int, key: str, value: Any, message: str
) -> None:
    data = copy.deepcopy(_bengbu_data())
    data["types"][index][key] = value
    with pytest.raises(RulesError, match=message):
        parse_incident_rules(data)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("version", 1, r"version 1 not supported \(expected 2\)"),
        ("warn_fraction", 1.5, r"warn_fraction must lie between 0 and 1"),
        ("limits_by_priority", {"1": {}}, r"missing limit 'accept'"),
        ("escalations", [{"id": "x"}], r"'states' must be a non-empty list"),
        ("checklists", {"a": [["only zh"]]}, r"is not a \[zh, en\] pair"),
        ("colour", "red", r"unknown key\(s\) colour"),
    ],
)
def test_malformed_top_level_is_refused_clearly(key: str, value: Any, message: str) -> None:
    data = copy.deepcopy(_bengbu_data())
    data[key] = value
    with pytest.raises(RulesError, match=message):
        parse_incident_rules(data)


def test_escalation_rule_for_a_final_state_is_refused() -> None:
    data = copy.deepcopy(_bengbu_data())
    data["escalations"][0]["states"] = ["closed"]
    with pytest.raises(RulesError, match="'closed' is not an open case state"):
        parse_incident_rules(data)


def test_missing_catch_all_is_refused(tmp_path: Path) -> None:
    data = _bengbu_data()
    data["types"] = [t for t in data["types"] if t["topic"] != "hotline.call"]
    path = tmp_path / "incident_types.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(RulesError, match=r"no catch-all type .* hotline\.call"):
        load_incident_rules(path)


def test_unreadable_file_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "incident_types.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(RulesError, match="not valid JSON"):
        load_incident_rules(path)
