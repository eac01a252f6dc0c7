"""The bridge monitoring configuration: the Bengbu file, warning levels and bad definitions."""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import pytest

from console.core.bridges.config import (
    BridgeConfigError,
    SensorKind,
    TemperatureCorrection,
    Thresholds,
    load_bridge_monitoring,
    parse_bridge_monitoring,
)
from console.core.events import WarningLevel
from console.core.paths import city_dir

BRIDGES = ("jiefang_road", "chaoyang_road", "g104")


def _data() -> dict[str, Any]:
    text = (city_dir("bengbu") / "bridge_monitoring.json").read_text(encoding="utf-8")
    return dict(json.loads(text))


def test_every_bengbu_bridge_is_instrumented() -> None:
    monitoring = load_bridge_monitoring(city_dir("bengbu"), BRIDGES)
    assert set(monitoring.bridges) == set(BRIDGES)
    assert (monitoring.tracking_radius_m, monitoring.alarm_radius_m) == (2000.0, 500.0)
    for bridge in monitoring.bridges.values():
        kinds = {s.kind for s in bridge.sensors}
        assert kinds == set(SensorKind)
        assert {s.direction for s in bridge.of_kind(SensorKind.VEHICLE_COUNTER)} == {"up", "down"}
        for sensor in bridge.of_kind(SensorKind.DEFLECTION):
            assert sensor.temperature is not None and sensor.rate is not None


def test_levels_run_from_mild_to_severe() -> None:
    rule = Thresholds(mild=40.0, serious=60.0, severe=80.0, absolute=True)
    assert rule.level_of(39.9) is None
    assert rule.level_of(-45.0) is WarningLevel.MILD
    assert rule.level_of(60.0) is WarningLevel.SERIOUS
    assert rule.level_of(95.0) is WarningLevel.SEVERE
    assert rule.level_of(math.nan) is None
    assert Thresholds(serious=10.0).level_of(-20.0) is None  # not absolute: a drop is fine


def test_temperature_correction_removes_thermal_deflection() -> None:
    fix = TemperatureCorrection("temp_deck", reference_c=20.0, per_degree=0.9)
    assert fix.correct(47.0, 40.0) == pytest.approx(29.0)  # 18 mm of it was the heat
    assert fix.correct(47.0, math.nan) == 47.0  # no temperature: uncorrected


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["bridges"][0].update(bridge_id="nowhere"), "not a city bridge"),
        (lambda d: d["bridges"].append(d["bridges"][0]), "listed twice"),
        (lambda d: d["bridges"][0]["sensors"][0].update(kind="laser"), "unknown kind"),
        (lambda d: d["bridges"][0]["sensors"][0].update(span=9), "span 9 does not exist"),
        (
            lambda d: d["bridges"][0]["sensors"][4]["thresholds"].update(level_1=10.0),
            "level 3 < level 2 < level 1",
        ),
        (
            lambda d: d["bridges"][0]["sensors"][7]["temperature"].update(sensor="count_up"),
            "not a temperature sensor",
        ),
        (lambda d: d["bridges"][0]["sensors"].append(d["bridges"][0]["sensors"][0]), "unique"),
        (lambda d: d["zones"].update(alarm_radius_m=3000.0), "inside the tracking zone"),
        (lambda d: d["bridges"][0]["spans"][0].update(length_m="long"), "length_m"),
    ],
)
def test_a_bad_definition_says_what_is_wrong(change: Any, message: str) -> None:
    data = copy.deepcopy(_data())
    change(data)
    with pytest.raises(BridgeConfigError, match=message):
        parse_bridge_monitoring(data, BRIDGES)
