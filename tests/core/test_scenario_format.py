"""Scenario files: the shipped ones load; broken ones say what is wrong, and on which line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from console.core.city.city import City
from console.core.city.model import Level
from console.core.paths import city_dir
from console.core.scenarios import (
    Check,
    PlaceBook,
    ScenarioError,
    load_scenario,
    parse_scenario,
    place_book_for_city,
    shipped_scenarios,
    training_database_path,
    training_database_url,
)
from console.core.scenarios.model import PlaceKind
from console.core.sites import load_sites


@pytest.fixture(scope="module")
def book(city: City) -> PlaceBook:
    return place_book_for_city(city, load_sites(city_dir(), city))


def _errors(source: str, book: PlaceBook) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(source, book, source_name="bad.yaml")
    return caught.value.errors


def _lines(errors: list[str]) -> list[int]:
    return [int(re.match(r"bad\.yaml:(\d+): ", e).group(1)) for e in errors]  # type: ignore[union-attr]


GOOD = """\
format: 1
name: tiny
title: A tiny scenario
start: "08:30"
timeline:
  - id: a1
    at: 0
    post:
      topic: alarm.bridge
      place: {bridge: jiefang_road, north_m: 50}
      kind: deck_accident
      value: 0
      threshold: 4.2
  - id: a2
    at: 1:30
    post:
      topic: hotline.call
      category: traffic_accident
      summary: 桥上追尾
      place: {lon: 117.38, lat: 32.966}
conditions:
  - when: {case: a1, status: dispatched}
    after: "0:20"
    times: 2
    then: {act: {verb: return, reason: not ours}}
expectations:
  - case: a1
    accepted_within: 60
  - case: a1
    dispatched_within: 180
    dispatched_to_kind: traffic_police
  - case: a2
    merged_within: 120
    merged_into: a1
  - case: a1
    escalated_within: 600
    escalated_to_level: county
"""


def test_every_shipped_scenario_loads_and_covers_a_different_part_of_the_city(
    book: PlaceBook,
) -> None:
    paths = shipped_scenarios()
    assert len(paths) >= 6
    scenarios = [load_scenario(path, book) for path in paths]
    assert len({s.name for s in scenarios}) == len(scenarios)
    assert len({s.area for s in scenarios}) == len(scenarios)
    for scenario in scenarios:
        assert scenario.title and scenario.description and scenario.expectations
        assert scenario.steps
    checks = {e.check for s in scenarios for e in s.expectations}
    assert {Check.ACCEPTED, Check.DISPATCHED, Check.MERGED, Check.ESCALATED} <= checks
    assert Check.MESSAGED in checks
    places = {s.post.place.kind for sc in scenarios for s in sc.steps if s.post.place}
    assert {PlaceKind.BRIDGE, PlaceKind.WEIGH_STATION, PlaceKind.IOT_STATION} <= places
    assert PlaceKind.VEHICLE in places


def test_a_good_file_reads_into_plain_values(book: PlaceBook) -> None:
    scenario = parse_scenario(GOOD, book)
    assert scenario.start == "08:30"
    assert [s.at_s for s in scenario.steps] == [0.0, 90.0]  # unquoted 1:30 is 90 s
    first = scenario.steps[0].post
    assert first.topic == "alarm.bridge" and first.place is not None
    assert first.place.kind is PlaceKind.BRIDGE and first.place.north_m == 50
    condition = scenario.conditions[0]
    assert (condition.case_step, condition.after_s, condition.times) == ("a1", 20.0, 2)
    assert condition.act is not None and condition.act.params == {"reason": "not ours"}
    expected = [(e.check, e.within_s) for e in scenario.expectations]
    assert expected == [
        (Check.ACCEPTED, 60.0),
        (Check.DISPATCHED, 180.0),
        (Check.MERGED, 120.0),
        (Check.ESCALATED, 600.0),
    ]
    assert scenario.expectations[1].unit_kind == "traffic_police"
    assert scenario.expectations[2].into_step == "a1"
    assert scenario.expectations[3].level is Level.COUNTY
    assert scenario.expectations[3].describe() == (
        "case of a1 escalated to the county level within 10:00"
    )


def test_every_problem_is_reported_with_its_line(book: PlaceBook) -> None:
    source = """\
format: 2
name: bad
title: Broken
colour: red
timeline:
  - id: s1
    at: 30
    post:
      topic: alarm.bridge
      place: {bridge: nowhere}
      kind: vessel_zone
      value: 600
      threshold: 500
  - id: s2
    at: 10
    post:
      topic: alarm.fire
  - id: s3
    at: 40
    post:
      topic: hotline.call
      category: lost_property
      summry: typo
      lon: 117.3
      lat: 32.9
conditions:
  - when: {case: s9, status: dispatched}
    then: {act: {verb: return, reason: x}}
expectations:
  - case: s3
    dispatched_within: 60
    dispatched_to_kind: wizard
  - case: s3
    accepted_within: soon
"""
    errors = _errors(source, book)
    assert _lines(errors) == [1, 4, 10, 15, 17, 23, 27, 32, 34]
    text = "\n".join(errors)
    assert "bad.yaml:1: format 2 is not known; this console reads format 1" in text
    assert "unknown key 'colour' (expected one of: format, name," in text
    assert "unknown bridge 'nowhere' (known: chaoyang_road, g104, jiefang_road)" in text
    assert "time goes backwards" in text
    assert "unknown topic 'alarm.fire'" in text
    assert "unknown field(s): 'summry' for hotline.call (its fields: call_id," in text
    assert "unknown step 's9'" in text
    assert "unknown unit kind 'wizard'" in text
    assert "must be seconds (e.g. 90) or mm:ss" in text


def test_references_and_values_are_checked(book: PlaceBook) -> None:
    source = """\
format: 1
name: refs
title: References
timeline:
  - id: v1
    at: 0
    post:
      topic: bridge.reading
      bridge_id: g104
      deck_vehicles_up: 1
      deck_vehicles_down: 1
      deck_load_t: 10
      strain_ue: 20
      vessels_below: 0
  - id: t1
    at: 5
    post:
      topic: alarm.theft
      place: {iot_station: 99999}
      tag_id: X
      two_wheeler: ebike
  - id: t2
    at: 6
    post:
      topic: alarm.theft
      place: {iot_station: 12}
      tag_id: X
      two_wheeler: unicycle
  - id: w1
    at: 7
    post:
      topic: wim.record
      site_id: ws-nowhere
      direction: up
      plate: 皖CZ4ZL0
      vehicle_class: cargo
      gross_t: 60
      axle_loads_t: [10, 10, 10, 10, 10, 10]
      speed_kmh: 50
      lon: 117.4
      lat: 32.9
      ts: 5
expectations:
  - case: v1
    accepted_within: 60
  - case: w1
    messaged_within: 60
    messaged_vehicle: 皖C00000
  - case: w1
    merged_within: 60
"""
    errors = _errors(source, book)
    text = "\n".join(errors)
    assert "bad.yaml:19: step t1 post place: unknown IoT base station '99999'" in text
    assert "bad.yaml:28: step t2 post: field 'two_wheeler': unknown value 'unicycle'" in text
    assert "bad.yaml:42: step w1 post: 'ts' is set by the player; leave it out" in text
    assert "bad.yaml:33: step w1 post: site_id 'ws-nowhere' is neither a bridge nor" in text
    assert "bad.yaml:44: expectation 1 case: step 'v1' posts bridge.reading, which opens" in text
    assert "bad.yaml:48: expectation 2: no vehicle has the plate '皖C00000'" in text
    assert "bad.yaml:49: expectation 3: merged_within needs merged_into" in text


def test_broken_yaml_and_wrong_shapes(book: PlaceBook) -> None:
    assert _errors("name: [unclosed\n", book)[0].startswith("bad.yaml:2: not valid YAML")
    assert _errors("", book) == ["bad.yaml:1: the file is empty; expected a scenario"]
    errors = _errors("format: 1\nname: x\ntitle: y\ntimeline: 5\n", book)
    assert errors == [
        "bad.yaml:4: timeline must be a list (lines starting with '-'), not the number 5"
    ]
    errors = _errors("- a\n- b\n", book)
    assert errors == ["bad.yaml:1: the scenario must be a mapping (key: value lines), not a list"]


def test_a_missing_file_is_a_scenario_error(tmp_path: Path, book: PlaceBook) -> None:
    with pytest.raises(ScenarioError, match="cannot read the file"):
        load_scenario(tmp_path / "none.yaml", book)


def test_training_database_is_its_own_file(tmp_path: Path) -> None:
    assert training_database_path(tmp_path) == tmp_path / "training.sqlite"
    assert training_database_url(tmp_path) == f"sqlite:///{tmp_path / 'training.sqlite'}"
