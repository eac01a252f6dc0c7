"""The bridge safety monitor on a real bus: warnings, alarms → cases through the intake, enrichment.

Bengbu's real monitoring configuration and sites; the real case service on a
SQLite file (tests/core/conftest.py); the incident intake and the case enricher
attached to the same bus, as in the running console.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from console.core.bridges.config import BridgeMonitoring, load_bridge_monitoring
from console.core.bridges.enrich import CaseEnricher, chart_window
from console.core.bridges.monitor import BridgeSafetyMonitor, install_bridge_monitoring
from console.core.bus import EventBus
from console.core.city.city import City
from console.core.city.model import Level
from console.core.events import (
    AxleWeighing,
    BridgeAlarm,
    BridgeChannels,
    BridgeWarning,
    Event,
    TrafficViolation,
    VehicleClass,
    VesselPosition,
)
from console.core.incidents import IncidentService
from console.core.incidents.book import IncidentIntake
from console.core.incidents.model import Incident
from console.core.paths import city_dir
from console.core.runtime import CoreOptions, build_core
from console.core.sites import SiteRegistry, load_sites

BRIDGE = "jiefang_road"
T0 = 10_000.0
QUIET = {
    "count_up": 20.0,
    "count_down": 18.0,
    "wim_up": 30.0,
    "wim_down": 28.0,
    "strain_s1_mid": 50.0,
    "strain_s2_mid": 55.0,
    "strain_s2_pier": 45.0,
    "deflection_s2_mid": 10.0,
    "deflection_s3_mid": 8.0,
    "accel_s2_mid": 0.05,
    "temp_deck": 20.0,
    "temp_air": 18.0,
    "water_level": 17.0,
    "vessels": 1.0,
}


@pytest.fixture(scope="module")
def monitoring() -> BridgeMonitoring:
    return load_bridge_monitoring(city_dir("bengbu"), ("jiefang_road", "chaoyang_road", "g104"))


@pytest.fixture(scope="module")
def sites(city: City) -> SiteRegistry:
    return load_sites(city_dir("bengbu"), city)


class Rig:
    """The monitor, intake and enricher on one bus, with what the bus carried."""

    def __init__(self, bus: EventBus, monitor: BridgeSafetyMonitor, service: IncidentService):
        self.bus = bus
        self.monitor = monitor
        self.service = service
        self.seen: list[Event] = []
        bus.subscribe("bridge.*", self.seen.extend, name="test bridge events")
        bus.subscribe("alarm.*", self.seen.extend, name="test alarms")

    def post(self, *events: Event) -> None:
        for event in events:
            self.bus.post(event)
        for _ in range(10):
            if not self.bus.drain():
                return
        raise AssertionError("the bus never settled")

    def samples(self, start: float, seconds: int, **values: float) -> None:
        for second in range(seconds):
            self.post(sample(start + second, **values))

    def of(self, kind: type[Event]) -> list[Event]:
        return [e for e in self.seen if isinstance(e, kind)]

    def warnings(self, sensor_id: str) -> list[int]:
        return [
            e.level for e in self.seen if isinstance(e, BridgeWarning) and e.sensor_id == sensor_id
        ]

    def cases(self) -> list[Incident]:
        return self.service.list_all()


@pytest.fixture
def rig(
    bus: EventBus, service: IncidentService, monitoring: BridgeMonitoring, sites: SiteRegistry
) -> Iterator[Rig]:
    intake = IncidentIntake(service)
    intake.attach(bus)
    weigh = [s.station_id for s in sites.weigh_stations]
    monitor = BridgeSafetyMonitor(bus, monitoring, weigh)
    monitor.attach()
    enricher = CaseEnricher(service, monitor, sites)
    enricher.attach(bus)
    yield Rig(bus, monitor, service)
    enricher.close()
    monitor.close()
    intake.close()


def sample(ts: float, bridge_id: str = BRIDGE, **values: float) -> BridgeChannels:
    channels = {**QUIET, **values}
    return BridgeChannels(ts, bridge_id, tuple(channels), tuple(channels.values()))


def weighing(
    site: str, gross: float, axles: Sequence[float], plate: str = "皖C12345"
) -> AxleWeighing:
    return AxleWeighing(
        T0,
        f"R-{site}-{gross}",
        site,
        "up",
        plate,
        VehicleClass.CARGO,
        gross,
        tuple(axles),
        62.0,
        117.3801,
        32.9652,
    )


# ---- Levels and warnings


def test_every_level_change_is_announced_back_to_normal_included(rig: Rig) -> None:
    rig.samples(T0, 3)
    rig.samples(T0 + 3, 2, water_level=18.7)
    rig.samples(T0 + 5, 3, accel_s2_mid=-0.45)  # absolute: a swing down counts
    rig.samples(T0 + 8, 1, water_level=17.2, accel_s2_mid=0.01)
    assert rig.warnings("water_level") == [3, 0]
    assert rig.warnings("accel_s2_mid") == [2, 0]
    assert rig.warnings("strain_s2_mid") == []
    back = [e for e in rig.of(BridgeWarning) if e.sensor_id == "accel_s2_mid"][-1]
    assert (back.rule, back.threshold, back.value) == ("threshold", 0.4, 0.01)
    assert rig.cases() == []  # vibration and mild strain warn only


def test_state_shows_level_value_and_corrected_value(rig: Rig) -> None:
    rig.post(sample(T0, temp_deck=40.0, deflection_s2_mid=50.0, strain_s2_mid=140.0))
    state = rig.monitor.state(BRIDGE)
    level, value, corrected = state["deflection_s2_mid"]
    assert (level, value) == (0, 50.0) and corrected == pytest.approx(32.0)
    assert state["strain_s2_mid"] == (2, 140.0, 140.0)
    assert rig.monitor.rule_of(BRIDGE, "strain_s2_mid") == "threshold"
    with pytest.raises(KeyError, match="not monitored"):
        rig.monitor.state("tower_bridge")


def test_missing_readings_neither_raise_nor_clear_a_level(rig: Rig) -> None:
    rig.post(sample(T0, strain_s2_mid=140.0))
    rig.samples(T0 + 1, 20, strain_s2_mid=math.nan, strain_s1_mid=math.nan)
    assert rig.warnings("strain_s2_mid") == [2]
    assert rig.warnings("strain_s1_mid") == []
    level, value, _ = rig.monitor.state(BRIDGE)["strain_s2_mid"]
    assert level == 2 and math.isnan(value)
    assert len(rig.cases()) == 1


# ---- Structural alarms → cases


def test_strain_at_level_2_opens_one_case_per_episode(rig: Rig) -> None:
    rig.samples(T0, 5)
    rig.samples(T0 + 5, 10, strain_s1_mid=135.0)
    rig.post(sample(T0 + 15, strain_s1_mid=165.0))  # worse, same episode: no second case
    (case,) = rig.cases()
    assert (case.incident_type, case.priority, case.source_topic) == (
        "bridge_strain",
        1,
        "alarm.bridge",
    )
    assert case.title_en == (
        "Bridge strain level 2: jiefang_road strain_s1_mid 135 με (threshold 130 με)"
    )
    (alarm,) = rig.of(BridgeAlarm)
    assert isinstance(alarm, BridgeAlarm)
    assert (alarm.level, alarm.channel, alarm.source_key) == (
        2,
        "strain_s1_mid",
        "bridge:jiefang_road:strain_s1_mid",
    )
    assert alarm.alarm_id == f"BRG-jiefang_road-strain_s1_mid-{round((T0 + 5) * 1000)}"
    rig.samples(T0 + 16, 20, strain_s1_mid=110.0)  # the fall holds level 2 by the rate rule
    assert rig.warnings("strain_s1_mid") == [2, 1, 2, 3]  # ... until it leaves the window
    assert len(rig.cases()) == 1
    rig.post(sample(T0 + 36, strain_s1_mid=131.0))  # a new episode
    assert len(rig.cases()) == 2
    assert rig.warnings("strain_s1_mid") == [2, 1, 2, 3, 2]


def test_a_sudden_strain_change_opens_a_rate_case(rig: Rig) -> None:
    rig.samples(T0, 10, strain_s2_pier=45.0)
    rig.post(sample(T0 + 10, strain_s2_pier=92.0))
    (case,) = rig.cases()
    assert (case.incident_type, case.priority) == ("bridge_strain_rate", 2)
    assert "47 με (limit 40 με)" in case.title_en
    assert [e.rule for e in rig.of(BridgeWarning)] == ["rate"]


def test_deflection_is_judged_temperature_corrected(rig: Rig) -> None:
    rig.samples(T0, 30, temp_deck=41.0, deflection_s2_mid=52.0)  # a hot afternoon
    assert rig.warnings("deflection_s2_mid") == [] and rig.cases() == []
    rig.samples(T0 + 30, 2, temp_deck=41.0, deflection_s2_mid=math.nan)
    rig.samples(
        T0 + 32, 2, temp_deck=math.nan, deflection_s2_mid=52.0
    )  # the last temperature holds
    assert rig.warnings("deflection_s2_mid") == []
    rig.post(sample(T0 + 34, temp_deck=41.0, deflection_s2_mid=82.0))  # a real one
    (case,) = rig.cases()
    assert (case.incident_type, case.priority) == ("bridge_deflection", 1)
    assert "63.1 mm temperature-corrected (threshold 60 mm)" in case.title_en


# ---- Deck traffic, vessels and weighings


def test_an_overloaded_truck_on_the_deck_opens_a_case_with_its_plate(rig: Rig) -> None:
    rig.post(weighing(BRIDGE, 52.0, [7.0, 9.0, 9.0, 9.0, 9.0, 9.0], plate="皖C00001"))
    assert rig.cases() == []  # over the legal 49 t but under the level-2 start (55 t)
    rig.post(weighing(BRIDGE, 72.5, [8.0, 12.0, 13.0, 13.0, 13.0, 13.5], plate="苏A7Q881"))
    (case,) = rig.cases()
    assert (case.incident_type, case.priority) == ("bridge_overweight_vehicle", 1)
    assert (
        case.title_en == "Overweight truck 苏A7Q881 on bridge jiefang_road: 72.5 t (alarm at 55 t)"
    )
    (alarm,) = rig.of(BridgeAlarm)
    assert isinstance(alarm, BridgeAlarm)
    assert (alarm.plate, alarm.level, alarm.channel) == ("苏A7Q881", 1, "wim_up")
    assert alarm.source_key == "bridge:jiefang_road:wim_up:苏A7Q881"


def test_an_overload_at_a_checkpoint_opens_the_overload_case_with_cameras(rig: Rig) -> None:
    rig.post(weighing("ws-g3-north", 17.0, [7.0, 10.0]))  # two axles, legal
    rig.post(weighing("unknown-site", 90.0, [9.0] * 6))
    assert rig.cases() == [] and rig.monitor.unknown_sites == 1
    rig.post(weighing("ws-g3-north", 58.4, [7.0, 10.0, 10.0, 10.0, 10.0, 11.4], plate="皖C88888"))
    (case,) = rig.cases()
    assert (case.incident_type, case.priority) == ("traffic_overload", 2)
    assert case.title_en == "Overloaded truck: 皖C88888 58.4 t (limit 49.0 t)"
    (violation,) = rig.of(TrafficViolation)
    assert isinstance(violation, TrafficViolation)
    assert violation.alarm_id == "WIM-ws-g3-north-R-ws-g3-north-58.4"
    (note,) = rig.service.notes(case.id)
    assert note.actor == "system"
    assert note.text.splitlines()[1].startswith("cam-0046 G3 北入口治超站")


def test_a_vessel_off_the_channel_in_the_alarm_zone_opens_a_case(rig: Rig) -> None:
    channel = rig.monitor.monitoring.bridge(BRIDGE).channel
    on_course = VesselPosition(
        T0, "413000001", "皖蚌埠货1", channel.lon + 0.004, channel.lat, 262.0, 7.0
    )
    off_course = VesselPosition(
        T0, "413000002", "皖蚌埠货2", channel.lon, channel.lat + 0.003, 190.0, 5.5
    )
    rig.post(on_course)
    assert rig.cases() == []
    rig.post(off_course)
    rig.post(
        VesselPosition(
            T0 + 10, "413000002", "皖蚌埠货2", channel.lon, channel.lat + 0.0028, 190.0, 5.5
        )
    )
    (case,) = rig.cases()
    assert (case.incident_type, case.priority) == ("bridge_vessel", 1)
    assert (
        case.title_en == "Vessel off the channel 334 m from bridge jiefang_road (alarm zone 500 m)"
    )
    tracks = {t.vessel_id: t for t in rig.monitor.vessels(BRIDGE)}
    assert set(tracks) == {"413000001", "413000002"}
    assert tracks["413000002"].alarming and not tracks["413000001"].off_channel
    assert tracks["413000002"].course_deg == 190.0 and tracks["413000002"].speed_kn == 5.5
    assert rig.warnings("vessels") == [2]
    rig.post(
        VesselPosition(
            T0 + 200, "413000002", "皖蚌埠货2", channel.lon, channel.lat + 0.01, 190.0, 5.5
        )
    )
    assert rig.warnings("vessels") == [2, 0]


def test_a_sudden_stop_of_deck_traffic_opens_an_accident_case(rig: Rig) -> None:
    rig.samples(T0, 600, count_up=22.0)
    rig.samples(T0 + 600, 119, count_up=1.0)
    assert rig.cases() == []
    rig.samples(T0 + 719, 2, count_up=0.0)
    (case,) = rig.cases()
    assert (case.incident_type, case.priority) == ("bridge_deck_accident", 1)
    assert "traffic stopped on count_up (0 veh/min, under 4.4)" in case.title_en
    rig.samples(T0 + 721, 1, count_up=15.0)
    assert rig.warnings("count_up") == [2, 0]
    assert rig.warnings("count_down") == []


# ---- Enrichment, and alarms that stay the same alarm


def test_a_bridge_case_gets_its_cameras_and_chart_window(rig: Rig) -> None:
    rig.samples(T0, 700, strain_s2_mid=60.0, temp_deck=24.0)
    rig.post(sample(T0 + 700, strain_s2_mid=133.0, temp_deck=24.5))
    (case,) = rig.cases()
    notes = rig.service.notes(case.id)
    assert notes[0].actor == "system"
    lines = notes[0].text.splitlines()
    assert lines[0] == (
        "Cameras for 解放路淮河公路大桥 (Jiefang Road Huaihe River Bridge) (nearest first):"
    )
    listed = [line.split()[0] for line in lines[1:]]
    assert set(listed[:5]) == {"cam-0001", "cam-0002", "cam-0003", "cam-0004", "cam-0005"}
    (attachment,) = rig.service.attachments(case.id)
    assert (attachment.name, attachment.actor) == (
        "chart-jiefang_road-strain_s2_mid.json",
        "system",
    )
    chart = json.loads(rig.service.attachment_data(attachment.id))
    assert (chart["format"], chart["alarm_ts"], chart["start"]) == (
        "bridge-chart-window",
        T0 + 700,
        T0 + 100,
    )
    strain, temperature = chart["series"]
    assert strain["channel"] == "strain_s2_mid" and temperature["channel"] == "temp_deck"
    assert strain["thresholds"] == {
        "level_3": 100.0,
        "level_2": 130.0,
        "level_1": 160.0,
        "absolute": False,
    }
    assert len(strain["t"]) == 601 and strain["t"][0] == T0 + 100
    assert strain["v"][-1] == 133.0 and set(strain["v"][:-1]) == {60.0}
    assert temperature["v"][-1] == 24.5


def test_alarm_ids_are_stable_so_a_replay_opens_no_second_case(
    rig: Rig, bus: EventBus, monitoring: BridgeMonitoring
) -> None:
    replay = BridgeSafetyMonitor(bus, monitoring)
    replay.attach()
    rig.samples(T0, 3)
    rig.post(sample(T0 + 3, strain_s1_mid=150.0))  # both monitors see it
    first, second = rig.of(BridgeAlarm)
    assert isinstance(first, BridgeAlarm) and first == second
    assert len(rig.cases()) == 1
    replay.close()


def test_installed_in_an_assembled_core_a_crossing_becomes_an_enriched_case(
    tmp_path: Path,
) -> None:
    core = build_core(
        CoreOptions(
            database_url=f"sqlite:///{tmp_path / 'c.db'}",
            history_dir=tmp_path / "history",
            start=1_795_000_000.0,
            colleague_share=0.0,
        )
    )
    safety = install_bridge_monitoring(core)
    try:
        assert set(safety.monitor.bridge_ids()) == {"jiefang_road", "chaoyang_road", "g104"}
        subscriptions = core.bus.subscription_count
        ts = core.clock.now()
        core.bus.post(sample(ts, strain_s2_mid=60.0))
        core.bus.post(sample(ts + 1.0, strain_s2_mid=135.0))
        for _ in range(5):
            core.bus.drain()
        (case,) = [c for c in core.incidents.list_all() if c.source_topic == "alarm.bridge"]
        assert case.incident_type == "bridge_strain" and case.responsible_level is Level.CITY
        assert core.incidents.attachments(case.id)[0].name.startswith("chart-jiefang_road")
        safety.close()
        assert core.bus.subscription_count == subscriptions - 4
    finally:
        safety.close()
        core.stop()


def test_only_bridge_and_checkpoint_cases_are_enriched(rig: Rig, sites: SiteRegistry) -> None:
    enricher = CaseEnricher(rig.service, rig.monitor, sites)
    by_hand = rig.service.report("road_accident", 117.37, 32.93, "追尾", "op-li")
    assert not enricher.enrich(by_hand.id) and not enricher.enrich(9999)
    assert rig.service.notes(by_hand.id) == []
    unknown = {"bridge_id": "tower_bridge", "channel": "strain", "ts": T0, "alarm_id": "X"}
    assert chart_window(rig.monitor, unknown) is None
    quiet = {"bridge_id": BRIDGE, "channel": "strain_s1_mid", "ts": T0, "alarm_id": "Y"}
    assert chart_window(rig.monitor, quiet) is None  # no samples yet: nothing to attach
    rig.post(BridgeAlarm(T0, "g104", "scour", 2.0, 1.0, 117.895, 33.12, "B-9", channel="pier_3"))
    (case,) = [c for c in rig.cases() if c.source_topic == "alarm.bridge"]
    assert case.incident_type == "bridge_alarm"
    assert rig.service.attachments(case.id) == []  # an alarm from elsewhere: cameras only
    assert "cam-" in rig.service.notes(case.id)[0].text
