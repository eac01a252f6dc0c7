"""The operator's alarm rate: a sliding 10-minute window against EEMUA 191's targets."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.core.alarms import (
    AlarmFlood,
    AlarmFloodConfig,
    AlarmFloodConfigError,
    AlarmRateMeter,
    RateState,
    RateTargets,
    load_alarm_flood_config,
)
from console.core.alarms.config import parse_alarm_flood_config
from console.core.alarms.rate import OPENING_ACTOR
from console.core.bus import EventBus
from console.core.clock import ManualClock
from console.core.events import IncidentChanged, TheftAlarm, TwoWheelerKind
from console.core.incidents import SYSTEM_ACTOR, IncidentIntake, IncidentService
from console.core.paths import city_dir
from console.core.storage import Database


def changed(ts: float, action: str, actor: str = "system", case_id: int = 1) -> IncidentChanged:
    return IncidentChanged(
        ts=ts, incident_id=case_id, status="reported", action=action, actor=actor
    )


def theft(alarm_id: str, ts: float, station: int) -> TheftAlarm:
    return TheftAlarm(
        ts=ts,
        alarm_id=alarm_id,
        station_id=station,
        tag_id="TAG",
        two_wheeler=TwoWheelerKind.EBIKE,
        lon=117.38,
        lat=32.92,
    )


def test_targets_steady_busy_flood() -> None:
    targets = RateTargets()
    assert [targets.state_of(n) for n in (0, 1, 2, 9, 10, 40)] == [
        RateState.STEADY,
        RateState.STEADY,
        RateState.BUSY,
        RateState.BUSY,
        RateState.FLOOD,
        RateState.FLOOD,
    ]


def test_the_window_slides_with_the_clock() -> None:
    clock = ManualClock(start=10_000.0)
    meter = AlarmRateMeter(clock)
    meter.record_presented(10_000.0)
    assert (meter.presented_last(), meter.state()) == (1, RateState.STEADY)
    clock.advance(300.0)
    meter.record_presented(clock.now())
    assert (meter.presented_last(), meter.state()) == (2, RateState.BUSY)
    clock.advance(300.0)  # the first alarm is now exactly 10 minutes old: out of the window
    assert (meter.presented_last(), meter.state()) == (1, RateState.STEADY)
    clock.advance(300.0)
    assert meter.presented_last() == 0
    assert meter.presented_last(3600.0) == 2


def test_ten_alarms_in_ten_minutes_is_a_flood() -> None:
    clock = ManualClock(start=0.0)
    meter = AlarmRateMeter(clock)
    for _ in range(9):
        meter.record_presented(clock.now())
        clock.advance(60.0)
    assert (meter.presented_last(), meter.state()) == (9, RateState.BUSY)
    meter.record_presented(clock.now())  # the tenth, 9 minutes after the first
    assert (meter.presented_last(), meter.state()) == (10, RateState.FLOOD)
    clock.advance(1.0)  # the first is 9 min 1 s old: still ten
    assert meter.state() is RateState.FLOOD
    clock.advance(60.0)
    assert (meter.presented_last(), meter.state()) == (9, RateState.BUSY)


def test_repeats_are_counted_apart_and_do_not_make_a_flood() -> None:
    clock = ManualClock(start=0.0)
    meter = AlarmRateMeter(clock)
    meter.record_presented(0.0)
    for _ in range(30):
        clock.advance(10.0)
        meter.record_repeat(clock.now())
    reading = meter.reading()
    assert (reading.presented_10_min, reading.repeats_10_min) == (1, 30)
    assert reading.state is RateState.STEADY


def test_a_reading_splits_the_last_hour_into_ten_minute_slices() -> None:
    clock = ManualClock(start=100_000.0)
    meter = AlarmRateMeter(clock, RateTargets(steady=1, flood=3))
    meter.load(
        presented=[100_000.0 - 3000.0, 100_000.0 - 150.0, 100_000.0 - 100.0, 100_000.0 - 50.0],
        repeats=[100_000.0 - 1300.0, 100_000.0 - 4000.0],
    )
    reading = meter.reading()
    assert [s.presented for s in reading.slices] == [1, 0, 0, 0, 0, 3]
    assert [s.repeats for s in reading.slices] == [0, 0, 0, 1, 0, 0]
    assert [s.state for s in reading.slices][-1] is RateState.FLOOD
    assert reading.slices[-1].end == 100_000.0
    assert reading.slices[0].start == 100_000.0 - 3600.0
    assert (reading.presented_hour, reading.repeats_hour) == (4, 1)  # older than an hour: gone
    assert reading.state is RateState.FLOOD


def test_out_of_order_times_are_kept_sorted() -> None:
    clock = ManualClock(start=1000.0)
    meter = AlarmRateMeter(clock)
    for at in (990.0, 100.0, 995.0, 500.0):
        meter.record_presented(at)
    assert meter.presented_last() == 3  # 100.0 is older than 10 minutes
    assert meter.presented_last(100.0) == 2
    assert meter.presented_last(3600.0) == 4


def test_the_meter_counts_from_the_bus() -> None:
    clock = ManualClock(start=5000.0)
    bus = EventBus(clock)
    meter = AlarmRateMeter(clock)
    meter.attach(bus)
    bus.post_many(
        [
            changed(4990.0, "reported"),  # opened from an alarm
            changed(4991.0, "reported", actor="op-li"),  # reported by hand: not an alarm
            changed(4992.0, "repeated"),
            changed(4993.0, "accepted", actor="op-li"),
        ]
    )
    bus.drain()
    assert (meter.presented_last(), meter.repeats_last()) == (1, 1)
    meter.close()
    assert bus.subscription_count == 0
    assert OPENING_ACTOR == SYSTEM_ACTOR


def test_the_intake_feeds_the_meter_and_a_restart_reloads_the_last_hour(
    service: IncidentService, bus: EventBus, db: Database, clock: ManualClock
) -> None:
    flood = AlarmFlood.build(db, clock, bus, AlarmFloodConfig(fold_window_s=1800.0))
    intake = IncidentIntake(service, flood)
    intake.attach(bus)
    bus.post_many([theft("T-1", 2000.0, 1), theft("T-2", 2001.0, 2), theft("T-3", 2002.0, 1)])
    bus.drain()
    bus.drain()
    assert (flood.meter.presented_last(), flood.meter.repeats_last()) == (2, 1)
    service.report("road_accident", 117.37, 32.93, "by hand", "op-li")
    bus.drain()
    assert flood.meter.presented_last() == 2
    intake.close()

    clock.advance(300.0)
    restarted = AlarmFlood.build(db, clock, EventBus(clock))
    assert (restarted.meter.presented_last(), restarted.meter.repeats_last()) == (2, 1)
    clock.advance(3600.0)
    assert restarted.meter.reading().presented_hour == 0
    restarted.close()


def test_the_city_file_and_its_checks(tmp_path: Path) -> None:
    config = load_alarm_flood_config(city_dir("bengbu"))
    assert config.fold_window_s == 1800.0
    assert (config.steady_per_10_min, config.flood_per_10_min) == (1, 10)
    assert config.max_shelf_s == 12 * 3600.0
    assert config.shelf_choices_s == (900.0, 3600.0, 4 * 3600.0, 8 * 3600.0)
    assert load_alarm_flood_config(tmp_path) == AlarmFloodConfig()  # no file: the defaults
    with pytest.raises(AlarmFloodConfigError, match="unknown key"):
        parse_alarm_flood_config({"version": 1, "flood_per_hour": 3})
    with pytest.raises(AlarmFloodConfigError, match="steady rate must be below"):
        parse_alarm_flood_config({"version": 1, "steady_per_10_min": 10})
    with pytest.raises(AlarmFloodConfigError, match="within the longest"):
        parse_alarm_flood_config({"version": 1, "max_shelf_min": 60})
    with pytest.raises(AlarmFloodConfigError, match="expected a number"):
        parse_alarm_flood_config({"version": 1, "fold_window_min": "30"})
