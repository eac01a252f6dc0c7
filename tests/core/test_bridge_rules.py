"""Bridge warning rules, pure: thresholds, hysteresis, rate, temperature, deck, vessels."""

from __future__ import annotations

import math

import pytest

from console.core.bridges.config import (
    Channel,
    DeckAccidentRule,
    RateRule,
    Sensor,
    SensorKind,
    TemperatureCorrection,
    Thresholds,
)
from console.core.bridges.deck import DeckAccidentDetector, is_overloaded, legal_gross_t
from console.core.bridges.evaluate import (
    CLEAR_SAMPLES,
    Hysteresis,
    RateWindow,
    SensorEvaluator,
    worse,
    worst,
)
from console.core.bridges.samples import RecentSamples
from console.core.bridges.vessels import VesselWatch, channel_offset_m
from console.core.events import BridgeChannels, VesselPosition, WarningLevel

STRAIN = Thresholds(mild=100.0, serious=130.0, severe=160.0)
DEFLECTION = Thresholds(mild=40.0, serious=60.0, severe=80.0, absolute=True)
SEVERE, SERIOUS, MILD = (int(level) for level in WarningLevel)


def strain_gauge(rate: RateRule | None = None) -> Sensor:
    return Sensor(
        "strain_s1_mid", SensorKind.STRAIN, "Girder strain", "με", 1, 0.5, "", STRAIN, rate
    )


def deflection_sensor() -> Sensor:
    return Sensor(
        "deflection_s2_mid",
        SensorKind.DEFLECTION,
        "Deflection",
        "mm",
        2,
        0.5,
        thresholds=DEFLECTION,
        rate=RateRule(25.0, 60.0, WarningLevel.SERIOUS),
        temperature=TemperatureCorrection("temp_deck", reference_c=20.0, per_degree=0.9),
    )


def levels(rule: Hysteresis, values: list[float]) -> list[int]:
    return [rule.step(v) for v in values]


# ---- Levels and hysteresis


def test_worse_and_worst_rank_level_1_as_the_worst() -> None:
    assert worse(SEVERE, SERIOUS) and worse(MILD, 0) and not worse(0, MILD)
    assert not worse(MILD, SERIOUS)
    assert worst(0, MILD, SERIOUS) == SERIOUS and worst(0, 0) == 0


def test_levels_rise_at_once_including_absolute_thresholds() -> None:
    assert levels(Hysteresis(STRAIN), [99.0, 100.0, 130.0, 175.0]) == [0, MILD, SERIOUS, SEVERE]
    assert levels(Hysteresis(DEFLECTION), [-39.0, -41.0, 61.0, -81.0]) == [0, MILD, SERIOUS, SEVERE]
    assert levels(Hysteresis(STRAIN), [-500.0]) == [
        0
    ]  # not absolute: compression is no strain alarm


def test_a_value_hovering_at_a_threshold_does_not_flap() -> None:
    hovering = [131.0, 129.0] * 10
    steps = levels(Hysteresis(STRAIN), hovering)
    assert steps == [SERIOUS] * len(hovering)


def test_a_level_clears_below_the_deadband_at_once_or_after_the_off_delay() -> None:
    rule = Hysteresis(STRAIN)
    rule.step(135.0)
    assert rule.step(123.0) == MILD  # below 95 % of 130: serious is left at once
    rule = Hysteresis(STRAIN)
    rule.step(135.0)
    just_below = levels(rule, [127.0] * CLEAR_SAMPLES)
    assert just_below == [SERIOUS] * (CLEAR_SAMPLES - 1) + [MILD]
    rule = Hysteresis(STRAIN)
    rule.step(165.0)
    assert rule.step(50.0) == 0  # far below every level: straight back to normal


def test_missing_values_neither_raise_nor_clear_nor_count() -> None:
    rule = Hysteresis(STRAIN)
    assert levels(rule, [math.nan, 140.0, math.nan, math.nan]) == [0, SERIOUS, SERIOUS, SERIOUS]
    gaps = [127.0, math.nan] * (CLEAR_SAMPLES - 1)
    assert set(levels(rule, gaps)) == {SERIOUS}  # NaN does not count towards the off-delay
    assert rule.step(127.0) == MILD


# ---- Rate of change


def test_rate_window_measures_the_change_within_its_window() -> None:
    window = RateWindow(10.0)
    assert window.change(0.0, 50.0) == 0.0
    assert window.change(5.0, 70.0) == pytest.approx(20.0)
    assert window.change(9.0, 45.0) == pytest.approx(25.0)
    assert window.change(14.0, 46.0) == pytest.approx(24.0)  # 0 s left the window, 5 s not
    assert window.change(20.0, 47.0) == pytest.approx(1.0)  # the jump at 5 s left it too
    assert math.isnan(window.change(21.0, math.nan))


def test_a_sudden_change_below_the_thresholds_warns_by_the_rate_rule() -> None:
    gauge = SensorEvaluator(strain_gauge(RateRule(40.0, 10.0, WarningLevel.SERIOUS)))
    for second in range(10):
        assert gauge.update(float(second), 50.0).level == 0
    jump = gauge.update(10.0, 95.0)  # +45 in a second, still under level 3 (100)
    assert (jump.level, jump.rule, jump.threshold) == (SERIOUS, "rate", 40.0)
    assert jump.change == pytest.approx(45.0)
    slow = SensorEvaluator(strain_gauge(RateRule(40.0, 10.0, WarningLevel.SERIOUS)))
    for second in range(60):  # the same rise over a minute is no sudden change
        assert slow.update(float(second), 50.0 + 0.75 * second).level == 0


def test_a_change_of_exactly_the_limit_is_not_more_than_it() -> None:
    gauge = SensorEvaluator(strain_gauge(RateRule(40.0, 10.0, WarningLevel.SERIOUS)))
    gauge.update(0.0, 50.0)
    assert gauge.update(1.0, 90.0).level == 0
    assert gauge.update(2.0, 90.5).level == SERIOUS


def test_the_threshold_level_wins_when_it_is_worse_than_the_rate_level() -> None:
    gauge = SensorEvaluator(strain_gauge(RateRule(40.0, 10.0, WarningLevel.SERIOUS)))
    gauge.update(0.0, 120.0)
    found = gauge.update(1.0, 170.0)
    assert (found.level, found.rule, found.threshold) == (SEVERE, "threshold", 160.0)


# ---- Temperature-corrected deflection


def test_a_hot_afternoons_deflection_does_not_warn_once_corrected() -> None:
    sensor = SensorEvaluator(deflection_sensor())
    found = sensor.update(0.0, 50.0, temperature_c=40.0)  # 18 mm of it is the heat
    assert found.corrected == pytest.approx(32.0)
    assert found.level == 0
    assert Hysteresis(DEFLECTION).step(50.0) == MILD  # uncorrected it would have warned


def test_a_real_deflection_on_a_hot_afternoon_still_warns() -> None:
    sensor = SensorEvaluator(deflection_sensor())
    found = sensor.update(0.0, 80.0, temperature_c=40.0)
    assert found.corrected == pytest.approx(62.0)
    assert (found.level, found.rule, found.threshold) == (SERIOUS, "threshold", 60.0)


def test_a_cold_night_corrects_the_other_way() -> None:
    sensor = SensorEvaluator(deflection_sensor())
    found = sensor.update(0.0, 30.0, temperature_c=0.0)  # contraction hides 18 mm
    assert found.corrected == pytest.approx(48.0)
    assert found.level == MILD


def test_a_missing_deflection_keeps_the_level_and_a_missing_temperature_leaves_it_raw() -> None:
    sensor = SensorEvaluator(deflection_sensor())
    sensor.update(0.0, 80.0, temperature_c=40.0)
    gap = sensor.update(1.0, math.nan, temperature_c=40.0)
    assert (gap.level, math.isnan(gap.value), math.isnan(gap.corrected)) == (SERIOUS, True, True)
    raw = SensorEvaluator(deflection_sensor()).update(0.0, 50.0, temperature_c=math.nan)
    assert (raw.corrected, raw.level) == (50.0, MILD)


# ---- Deck traffic


RULE = DeckAccidentRule(drop_to=0.2, baseline_s=600.0, hold_s=120.0, min_flow_per_min=8.0)


def feed(detector: DeckAccidentDetector, start: float, seconds: int, flow: float) -> list[bool]:
    return [detector.update(start + s, flow).started for s in range(seconds)]


def test_a_sudden_stop_of_traffic_held_for_hold_s_is_an_accident() -> None:
    detector = DeckAccidentDetector(RULE)
    assert not any(feed(detector, 0.0, 600, 20.0))
    stopped = feed(detector, 600.0, 121, 1.0)
    assert stopped.index(True) == 120 and stopped.count(True) == 1  # once, after 120 s
    assert detector.active
    back = detector.update(721.0, 18.0)
    assert back.ended and not back.active


def test_a_short_stop_or_a_quiet_night_is_no_accident() -> None:
    detector = DeckAccidentDetector(RULE)
    feed(detector, 0.0, 600, 20.0)
    assert not any(feed(detector, 600.0, 60, 1.0))  # a red light, a minute
    assert not any(feed(detector, 660.0, 60, 20.0))
    night = DeckAccidentDetector(RULE)
    feed(night, 0.0, 600, 6.0)  # below min_flow_per_min: a drop to 0 means nothing
    assert not any(feed(night, 600.0, 300, 0.0))
    new = DeckAccidentDetector(RULE)  # no baseline yet
    assert not any(feed(new, 0.0, 200, 0.0))


def test_missing_counts_are_skipped_by_the_accident_rule() -> None:
    detector = DeckAccidentDetector(RULE)
    feed(detector, 0.0, 600, 20.0)
    assert not any(feed(detector, 600.0, 200, math.nan))
    assert not detector.active


def test_legal_gross_weight_follows_the_axle_count() -> None:
    assert legal_gross_t([6.0, 12.0]) == 18.0
    assert legal_gross_t([7.0] * 6) == legal_gross_t([7.0] * 7) == legal_gross_t([]) == 49.0
    assert is_overloaded(20.0, [8.0, 12.0]) and not is_overloaded(17.5, [7.0, 10.5])
    assert not is_overloaded(math.nan, [8.0, 12.0])


# ---- Vessels


CHANNEL = Channel(lon=117.38, lat=32.965, bearing_deg=90.0, width_m=180.0)
METRES_PER_DEG_LAT = 111_195.0


def vessel(vessel_id: str, north_m: float, east_m: float = 0.0, ts: float = 0.0) -> VesselPosition:
    lat = CHANNEL.lat + north_m / METRES_PER_DEG_LAT
    lon = CHANNEL.lon + east_m / (METRES_PER_DEG_LAT * math.cos(math.radians(CHANNEL.lat)))
    return VesselPosition(ts, vessel_id, "皖蚌埠货1234", lon, lat, 270.0, 6.5, "")


def test_channel_offset_is_the_distance_from_the_axis_line() -> None:
    east_axis = CHANNEL
    assert channel_offset_m(east_axis, vessel("a", 0.0, 800.0).lon, CHANNEL.lat) < 1.0
    on_side = vessel("a", 120.0, -300.0)
    assert channel_offset_m(east_axis, on_side.lon, on_side.lat) == pytest.approx(120.0, abs=0.5)


def test_a_vessel_off_the_channel_in_the_alarm_zone_starts_one_episode() -> None:
    watch = VesselWatch(CHANNEL, 2000.0, 500.0)
    assert not watch.update(vessel("m1", 50.0, 400.0)).episode_started  # in the channel
    far = watch.update(vessel("m2", 150.0, 900.0))  # off the channel, outside the zone
    assert far.track is not None and far.track.off_channel and not far.track.in_alarm_zone
    first = watch.update(vessel("m2", 150.0, 400.0, ts=60.0))
    assert first.episode_started and first.track is not None and first.track.alarming
    assert not watch.update(vessel("m2", 140.0, 300.0, ts=120.0)).episode_started
    edge = watch.update(vessel("m2", 150.0, 480.0, ts=130.0))  # 503 m: just out, at the edge
    assert edge.track is not None and not edge.track.in_alarm_zone and not edge.episode_started
    assert not watch.update(vessel("m2", 150.0, 450.0, ts=135.0)).episode_started
    assert watch.in_episode == 1
    watch.update(vessel("m2", 150.0, 700.0, ts=180.0))  # well out: the passage is over
    assert watch.in_episode == 0
    assert watch.update(vessel("m2", 150.0, 300.0, ts=240.0)).episode_started
    assert [t.vessel_id for t in watch.tracks()] == ["m2", "m1"]


def test_vessels_leave_the_zone_by_distance_or_silence() -> None:
    watch = VesselWatch(CHANNEL, 2000.0, 500.0)
    watch.update(vessel("m1", 0.0, 1500.0))
    assert watch.update(vessel("m1", 0.0, 2500.0, ts=10.0)).track is None
    watch.update(vessel("m3", 0.0, 1000.0, ts=10.0))
    assert watch.prune(10.0 + 301.0) == ["m3"] and watch.tracks() == ()


# ---- Recent samples


def test_recent_samples_keep_fifteen_minutes_and_cut_a_window() -> None:
    ring = RecentSamples()
    for second in range(1200):
        value = math.nan if second == 1100 else float(second)
        ring.add(BridgeChannels(float(second), "b", ("x", "t"), (value, 20.0)))
    assert len(ring) == 901
    window = ring.window("x", 1090.0, 1105.0)
    assert [ts for ts, _ in window] == [float(s) for s in range(1090, 1106)]
    assert math.isnan(dict(window)[1100.0])
    assert ring.window("nothing", 0.0, 2000.0) == []
    ring.add(BridgeChannels(1105.5, "b", ("x",), (7.0,)))  # late: kept in its place in time
    assert ring.window("x", 1105.0, 1106.0) == [(1105.0, 1105.0), (1105.5, 7.0), (1106.0, 1106.0)]
    assert ring.latest("t") == 20.0 and math.isnan(ring.latest("nothing"))


def test_the_rate_window_goes_by_timestamps_when_samples_arrive_out_of_order() -> None:
    window = RateWindow(10.0)
    for second in (20.0, 21.0, 22.0):  # one source posted ahead of the others
        window.change(second, 5.0)
    assert window.change(10.0, 140.0) == pytest.approx(135.0)  # 20 s is 10 s from it
    assert window.change(12.0, 6.0) == pytest.approx(134.0)
    assert window.change(21.0, 5.0) == pytest.approx(1.0)  # the 140 at 10 s is out of reach
