"""A case opened by an alarm near a camera pauses the running patrol on that camera (through the
real bus and case service); a hand-reported case, or an alarm far from every camera, does not."""

from __future__ import annotations

import pytest

from console.core.bus import EventBus
from console.core.city import City
from console.core.clock import ManualClock
from console.core.events import TheftAlarm, TwoWheelerKind
from console.core.incidents import IncidentService
from console.core.paths import city_dir
from console.core.patrol import (
    AlarmPause,
    PatrolBook,
    PatrolLog,
    Shift,
    Tour,
    TourRunner,
    TourStep,
    camera_for_case,
)
from console.core.sites import SiteRegistry, load_sites
from console.core.storage import Database

SHIFTS = (Shift("all", "全天", "All day", "00:00", "24:00"),)
TOUR = Tour(
    "bridges",
    "桥梁",
    "Bridges",
    (TourStep("cam-0001", 30.0), TourStep("cam-0006", 30.0)),
    ("all",),
    60,
)


@pytest.fixture(scope="module")
def sites(city: City) -> SiteRegistry:
    return load_sites(city_dir("bengbu"), city)


def theft(alarm_id: str, lon: float, lat: float, ts: float) -> TheftAlarm:
    return TheftAlarm(
        ts=ts,
        alarm_id=alarm_id,
        station_id=12,
        tag_id=f"TAG-{alarm_id}",
        two_wheeler=TwoWheelerKind.EBIKE,
        lon=lon,
        lat=lat,
    )


def test_an_alarm_case_near_a_camera_pauses_the_running_tour_on_it(
    db: Database,
    bus: EventBus,
    clock: ManualClock,
    city_service: IncidentService,
    sites: SiteRegistry,
) -> None:
    pause = AlarmPause(city_service.get, sites)
    handle = pause.attach(bus)
    runner = TourRunner(
        TOUR, "王敏", clock, PatrolLog(db), book=PatrolBook(SHIFTS, (TOUR,)), tz="Asia/Shanghai"
    )
    runner.start()
    hotspot = sites.camera("cam-0164")  # railway station theft watch 01

    city_service.open_from_alarm(theft("T-1", hotspot.lon + 0.0005, hotspot.lat, clock.now()))
    bus.drain()
    assert not runner.paused  # no tour handed to the follower yet

    pause.runner = runner
    city_service.report("road_accident", hotspot.lon, hotspot.lat, "追尾", "王敏")
    bus.drain()
    assert not runner.paused  # reported by hand: no alarm

    far = city_service.open_from_alarm(theft("T-2", 117.60, 33.30, clock.now()))
    assert far is not None and camera_for_case(sites, far) is None
    bus.drain()
    assert not runner.paused

    case = city_service.open_from_alarm(
        theft("T-3", hotspot.lon + 0.0005, hotspot.lat, clock.now())
    )
    assert case is not None and camera_for_case(sites, case) == hotspot
    bus.drain()
    current = runner.current
    assert runner.paused and current is not None
    assert (current.camera_id, current.paused_by) == ("cam-0164", case.title_en)
    assert runner.upcoming == ("cam-0001", "cam-0006")

    city_service.accept(case.id, "王敏")  # later changes of the case do not pause again
    runner.acknowledge()
    bus.drain()
    assert not runner.paused

    pause.close()
    assert handle.closed and bus.subscription_count == 0
