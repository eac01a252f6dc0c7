"""The bridge pane's model: channel values, warning levels, vessels and health from bus events."""

from __future__ import annotations

import math

import pytest

from console.core.bridges.config import BridgeMonitoring, load_bridge_monitoring
from console.core.bridges.state import BridgeStates, cross_track_m, local_offset_m
from console.core.bus import Delivery, EventBus
from console.core.clock import ManualClock
from console.core.events import BridgeChannels, BridgeWarning, VesselPosition
from console.core.geo import distance_km
from console.core.paths import city_dir

BRIDGES = ("jiefang_road", "chaoyang_road", "g104")
JIEFANG = (117.380, 32.965)
T0 = 1_795_000_000.0


@pytest.fixture(scope="module")
def monitoring() -> BridgeMonitoring:
    return load_bridge_monitoring(city_dir("bengbu"), BRIDGES)


@pytest.fixture
def bus() -> EventBus:
    return EventBus(ManualClock(start=T0))


@pytest.fixture
def states(monitoring: BridgeMonitoring, bus: EventBus) -> BridgeStates:
    model = BridgeStates(monitoring, {"jiefang_road": JIEFANG})
    bus.subscribe(BridgeChannels, model.on_channels, Delivery.LATEST)
    bus.subscribe(BridgeWarning, model.on_warnings, Delivery.BATCH)
    bus.subscribe(VesselPosition, model.on_vessels, Delivery.LATEST)
    return model


def sample(ts: float, bridge_id: str = "jiefang_road", **values: float) -> BridgeChannels:
    return BridgeChannels(ts, bridge_id, tuple(values), tuple(values.values()))


def warning(ts: float, sensor_id: str, level: int, value: float = 0.0) -> BridgeWarning:
    return BridgeWarning(ts, "jiefang_road", sensor_id, level, value, 0.0, "threshold", "")


def vessel_at(
    ts: float, vessel_id: str, along_m: float, across_m: float, bridge_id: str = "jiefang_road"
) -> VesselPosition:
    """A vessel ``along_m`` along the Jiefang Road channel (bearing 82°), ``across_m`` off it."""
    along, across = math.radians(82.0), math.radians(82.0 - 90.0)
    east = along_m * math.sin(along) + across_m * math.sin(across)
    north = along_m * math.cos(along) + across_m * math.cos(across)
    lon = JIEFANG[0] + east / (111_320.0 * math.cos(math.radians(JIEFANG[1])))
    lat = JIEFANG[1] + north / 111_320.0
    return VesselPosition(ts, vessel_id, f"Wan Bengbu {vessel_id}", lon, lat, 82.0, 6.5, bridge_id)


def post(bus: EventBus, *events: object) -> None:
    bus.post_many(events)  # type: ignore[arg-type]
    bus.drain()


def test_latest_values_corrected_deflection_and_not_answering(
    states: BridgeStates, bus: EventBus
) -> None:
    post(
        bus,
        sample(T0, count_up=14.0, count_down=9.0, deflection_s2_mid=50.0, temp_deck=30.0),
        sample(T0 + 1, count_up=16.0, count_down=11.0, deflection_s2_mid=52.0, temp_deck=30.0,
               strain_s1_mid=math.nan, unknown_channel=3.0),
    )  # fmt: skip
    bridge = states["jiefang_road"]
    assert bridge.last_sample_ts == T0 + 1
    assert bridge.traffic() == (16.0, 11.0)
    by_id = {s.sensor.sensor_id: s for s in bridge.sensors()}
    assert by_id["deflection_s2_mid"].value == 52.0
    assert by_id["deflection_s2_mid"].corrected == pytest.approx(52.0 - 0.9 * (30.0 - 20.0))
    assert by_id["count_up"].corrected is None
    assert not by_id["strain_s1_mid"].answering  # NaN: no answer
    assert not by_id["wim_up"].answering  # left out of the sample: no answer
    health = bridge.health()
    assert health.has_data and not health.stale
    assert "strain_s1_mid" in health.not_answering and "wim_up" in health.not_answering
    assert "count_up" not in health.not_answering
    assert states["g104"].health().not_answering == ()  # nothing heard yet: not "silent"
    assert not states["g104"].health().has_data


def test_an_older_sample_does_not_overwrite_a_newer_one(
    states: BridgeStates, bus: EventBus
) -> None:
    post(bus, sample(T0 + 5, count_up=20.0))
    post(bus, sample(T0 + 2, count_up=3.0))
    assert states["jiefang_road"].value("count_up") == 20.0


def test_warning_levels_set_worsen_and_clear(states: BridgeStates, bus: EventBus) -> None:
    bridge = states["jiefang_road"]
    assert bridge.health().label == "Normal"
    post(bus, warning(T0, "deflection_s2_mid", 3, 45.0))
    assert bridge.health().label == "Level 3 mild"
    post(bus, warning(T0 + 1, "deflection_s2_mid", 2, 63.0), warning(T0 + 1, "strain_s1_mid", 3))
    health = bridge.health()
    assert (health.worst_level, health.label) == (2, "Level 2 serious")
    assert (health.counts[1], health.counts[2], health.counts[3]) == (0, 1, 1)
    assert bridge.level("deflection_s2_mid") == 2
    states_by_id = {s.sensor.sensor_id: s for s in bridge.sensors()}
    assert states_by_id["deflection_s2_mid"].warning is not None
    assert states_by_id["deflection_s2_mid"].warning.value == 63.0
    post(bus, warning(T0 + 2, "accel_s2_mid", 1, 0.7))
    assert bridge.health().label == "Level 1 severe"
    assert [w.sensor_id for w in bridge.warnings()] == [
        "accel_s2_mid",
        "deflection_s2_mid",
        "strain_s1_mid",
    ]
    post(bus, warning(T0 + 3, "accel_s2_mid", 0), warning(T0 + 3, "deflection_s2_mid", 0))
    assert bridge.health().worst_level == 3 and bridge.level("accel_s2_mid") == 0
    post(bus, warning(T0 + 4, "strain_s1_mid", 0))
    assert bridge.health().label == "Normal" and bridge.warnings() == []


def test_every_change_in_one_tick_counts_in_order(states: BridgeStates, bus: EventBus) -> None:
    bridge = states["jiefang_road"]
    post(bus, warning(T0, "strain_s2_mid", 2), warning(T0, "strain_s2_mid", 0))
    assert bridge.level("strain_s2_mid") == 0
    post(bus, warning(T0 + 1, "strain_s2_mid", 0), warning(T0 + 1, "strain_s2_mid", 1))
    assert bridge.level("strain_s2_mid") == 1


def test_vessels_placed_with_distance_zones_and_channel(
    states: BridgeStates, bus: EventBus
) -> None:
    post(
        bus,
        vessel_at(T0, "413000001", along_m=300.0, across_m=20.0),  # in channel, alarm zone
        vessel_at(T0, "413000002", along_m=200.0, across_m=250.0),  # off channel, alarm zone
        vessel_at(T0, "413000003", along_m=-1200.0, across_m=300.0),  # off channel, far
        vessel_at(T0, "413000004", along_m=2600.0, across_m=0.0),  # outside the tracking zone
    )
    tracks = {t.vessel_id: t for t in states["jiefang_road"].vessel_tracks()}
    assert set(tracks) == {"413000001", "413000002", "413000003"}
    first, second, third = tracks["413000001"], tracks["413000002"], tracks["413000003"]
    assert first.in_alarm_zone and not first.off_channel and not first.alarming
    assert second.in_alarm_zone and second.off_channel and second.alarming
    assert not third.in_alarm_zone and third.off_channel and not third.alarming
    expected = distance_km(JIEFANG[0], JIEFANG[1], second.lon, second.lat) * 1000.0
    assert second.distance_m == pytest.approx(expected, rel=0.01)
    assert second.distance_m == pytest.approx(math.hypot(200.0, 250.0), rel=0.01)
    assert (second.course_deg, second.speed_kn) == (82.0, 6.5)
    nearest = [t.vessel_id for t in states["jiefang_road"].vessel_tracks()]
    assert nearest == ["413000001", "413000002", "413000003"]


def test_vessels_leave_when_silent_for_a_minute_of_event_time(
    states: BridgeStates, bus: EventBus
) -> None:
    post(bus, vessel_at(T0, "413000001", 300.0, 0.0), vessel_at(T0 + 30, "413000002", 0.0, 0.0))
    post(bus, sample(T0 + 59, count_up=10.0))
    assert len(states["jiefang_road"].vessel_tracks()) == 2
    version = states.version
    post(bus, sample(T0 + 61, count_up=10.0))
    assert [t.vessel_id for t in states["jiefang_road"].vessel_tracks()] == ["413000002"]
    assert states.version > version
    post(bus, vessel_at(T0 + 95, "413000002", 10.0, 0.0))  # heard again: stays
    post(bus, sample(T0 + 120, count_up=10.0))
    assert [t.vessel_id for t in states["jiefang_road"].vessel_tracks()] == ["413000002"]
    post(bus, sample(T0 + 156, count_up=10.0))
    assert states["jiefang_road"].vessel_tracks() == []


def test_a_vessel_moving_to_another_bridge_or_out_of_every_zone_leaves(
    states: BridgeStates, bus: EventBus
) -> None:
    post(bus, vessel_at(T0, "413000009", 100.0, 0.0))
    assert len(states["jiefang_road"].vessel_tracks()) == 1
    chaoyang = VesselPosition(
        T0 + 5, "413000009", "Wan", 117.336, 32.951, 250.0, 5.0, "chaoyang_road"
    )
    post(bus, chaoyang)
    assert states["jiefang_road"].vessel_tracks() == []
    assert [t.vessel_id for t in states["chaoyang_road"].vessel_tracks()] == ["413000009"]
    post(bus, VesselPosition(T0 + 9, "413000009", "Wan", 117.2, 32.9, 250.0, 5.0, ""))
    assert states["chaoyang_road"].vessel_tracks() == []


def test_a_bridge_that_stops_sampling_goes_stale(states: BridgeStates, bus: EventBus) -> None:
    post(bus, sample(T0, count_up=12.0, count_down=8.0))
    post(bus, sample(T0 + 12, "g104", count_up=5.0))  # other events keep time moving
    health = states["jiefang_road"].health()
    assert health.stale
    assert len(health.not_answering) == len(states["jiefang_road"].instruments.sensors)
    assert all(math.isnan(f) for f in states["jiefang_road"].traffic())
    post(bus, sample(T0 + 13, count_up=12.0, count_down=8.0))
    assert not states["jiefang_road"].health().stale
    assert states["jiefang_road"].traffic() == (12.0, 8.0)


def test_version_moves_only_on_change(states: BridgeStates, bus: EventBus) -> None:
    start = states.version
    post(bus, warning(T0, "strain_s2_mid", 0))  # already normal
    post(bus, sample(T0, "not-a-bridge", count_up=1.0))
    assert states.version == start
    post(bus, sample(T0, count_up=1.0))
    assert states.version == start + 1


def test_odd_events_are_ignored(states: BridgeStates, bus: EventBus) -> None:
    post(
        bus,
        BridgeChannels(T0, "jiefang_road", ("count_up", "count_down"), (5.0,)),  # short values
        BridgeWarning(T0, "jiefang_road", "strain_s2_mid", 7, 1.0, 1.0, "threshold", ""),
        BridgeWarning(T0, "unknown", "strain_s2_mid", 1, 1.0, 1.0, "threshold", ""),
        VesselPosition(T0, "x", "x", math.nan, 32.9, 0.0, 0.0, "jiefang_road"),
        VesselPosition(T0, "y", "y", 117.38, 32.965, 0.0, 0.0, "unknown"),
    )
    bridge = states["jiefang_road"]
    assert bridge.value("count_up") == 5.0 and math.isnan(bridge.value("count_down"))
    assert bridge.health().worst_level == 0 and bridge.vessel_tracks() == []
    assert bus.subscriber_errors == 0


def test_local_geometry() -> None:
    east, north = local_offset_m(117.38, 32.965, 117.39, 32.975)
    assert math.hypot(east, north) / 1000.0 == pytest.approx(
        distance_km(117.38, 32.965, 117.39, 32.975), rel=0.005
    )
    assert cross_track_m(0.0, 100.0, 90.0) == pytest.approx(-100.0)  # north of an east line
    assert cross_track_m(100.0, 0.0, 90.0) == pytest.approx(0.0, abs=1e-9)  # on the line
