"""Channel history: ring buffers with a min/max pyramid, 24 h retention, city figures."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console.core.bridges.config import load_bridge_monitoring
from console.core.bus import EventBus
from console.core.channels import (
    ALARMS_CHANNEL,
    HOTLINE_CHANNEL,
    AlarmMoment,
    ChannelGroup,
    ChannelHistory,
    ChannelRecorder,
    bridge_channel_id,
    case_platforms,
    cases_channel_id,
    moving_channel_id,
)
from console.core.channels.catalogue import ChannelInfo
from console.core.channels.recorder import RATES_GROUP
from console.core.clock import ManualClock
from console.core.events import (
    BridgeAlarm,
    BridgeChannels,
    BridgeWarning,
    HotlineCall,
    Platform,
    VehicleBatch,
    VehicleClass,
    WarningLevel,
)
from console.core.incidents import IncidentService
from console.core.paths import city_dir

T0 = 1_795_000_000.0
BRIDGES = ("jiefang_road", "chaoyang_road", "g104")
NAMES = {"jiefang_road": "Jiefang Road bridge"}


def brute_bins(
    x: np.ndarray, y: np.ndarray, t: np.ndarray, v: np.ndarray, last_end: float = math.inf
) -> None:
    """Each min/max bin holds exactly the extremes of the raw samples it covers."""
    starts = x[0::2]
    assert np.all(np.diff(starts) > 0)
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < starts.size else last_end
        inside = v[(t >= start) & (t < end)]
        assert y[2 * i] == np.nanmin(inside) and y[2 * i + 1] == np.nanmax(inside)


# ---- The buffer


def test_samples_round_trip_and_small_windows_are_raw() -> None:
    group = ChannelGroup(2, 100)
    for i in range(50):
        assert group.append(T0 + i, [float(i), -float(i)])
    t, v = group.samples(1)
    assert t.tolist() == [T0 + i for i in range(50)] and v.tolist() == [-i for i in range(50)]
    x, y = group.window(0, T0 + 10, T0 + 20)
    # one sample beyond each end so that lines reach the edges of the view
    assert x.tolist() == [T0 + i for i in range(9, 22)] and y.tolist() == list(range(9, 22))
    assert group.first_time() == T0 and group.last_time() == T0 + 49


def test_a_sample_not_newer_is_refused() -> None:
    group = ChannelGroup(1, 10)
    assert group.append(T0, [1.0])
    assert not group.append(T0, [2.0]) and not group.append(T0 - 1, [3.0])
    assert len(group) == 1 and group.rejected == 2
    with pytest.raises(ValueError, match="increase"):
        group.extend([T0 - 5, T0 - 4], [[1.0, 2.0]])


def test_ring_wrap_keeps_the_newest_capacity_and_the_pyramid_stays_right() -> None:
    capacity = 1000
    group = ChannelGroup(1, capacity)
    rng = np.random.default_rng(3)
    values = rng.normal(size=7000).astype(np.float32)
    for i, value in enumerate(values[:3500]):  # one by one, through several compactions
        group.append(T0 + i, [value])
    group.extend(T0 + np.arange(3500, 7000), values[3500:].reshape(1, -1))  # and in bulk
    assert capacity <= len(group) <= capacity + group.slack and group.total == 7000
    t, v = group.samples(0)
    assert t[-1] == T0 + 6999 and np.array_equal(v, values[-len(group) :])
    x, y = group.window(0, t[0], t[-1], max_points=100)
    assert 0 < x.size <= 100
    brute_bins(x, y, t, v)


@settings(max_examples=40, deadline=None)
@given(
    spike_at=st.integers(0, 20_000 - 1),
    start=st.integers(0, 19_000),
    length=st.integers(300, 20_000),
    max_points=st.sampled_from([64, 500, 2000]),
)
def test_downsampling_never_loses_a_spike(
    spike_at: int, start: int, length: int, max_points: int
) -> None:
    group = ChannelGroup(1, 20_000)
    values = np.sin(np.arange(20_000) / 50.0).astype(np.float32)
    values[spike_at] = 1000.0
    values[(spike_at + 7) % 20_000] = -1000.0
    group.extend(T0 + np.arange(20_000.0), values.reshape(1, -1))
    t0, t1 = T0 + start, T0 + min(start + length, 19_999)
    x, y = group.window(0, t0, t1, max_points)
    assert 0 < x.size <= max_points and x[0] <= t0
    t, v = group.samples(0)
    if x[0] == x[1]:  # decimated: every bin but the newest is exact, the newest reaches t1
        brute_bins(x[:-2], y[:-2], t, v, last_end=x[-1])
        last = v[(t >= x[-1]) & (t <= t1)]  # empty when the window ends before the last bin
        assert not last.size or (y[-2] <= last.min() and y[-1] >= last.max())
    if t0 <= T0 + spike_at <= t1:
        assert y.max() == 1000.0
    if t0 <= T0 + (spike_at + 7) % 20_000 <= t1:
        assert y.min() == -1000.0


def test_decimated_bins_are_exact_and_missing_readings_stay_gaps() -> None:
    group = ChannelGroup(1, 10_000)
    values = np.arange(10_000, dtype=np.float32) % 97
    values[4000:4600] = np.nan  # the sensor did not answer for 10 minutes
    group.extend(T0 + np.arange(10_000.0), values.reshape(1, -1))
    x, y = group.window(0, T0, T0 + 9999, max_points=400)
    assert x.size <= 400
    brute_bins(x[np.isfinite(y)], y[np.isfinite(y)], *group.samples(0))
    assert np.isnan(y[(x > T0 + 4100) & (x < T0 + 4500)]).all()


def test_bins_do_not_move_while_the_view_pans() -> None:
    group = ChannelGroup(1, 90_000)
    group.extend(T0 + np.arange(86_400.0), np.random.default_rng(1).random((1, 86_400)))
    a = group.window(0, T0 + 20_000, T0 + 50_000, 1000)
    b = group.window(0, T0 + 20_100, T0 + 50_100, 1000)
    shared = np.intersect1d(a[0], b[0])
    assert shared.size > 0.9 * np.unique(a[0]).size
    assert np.array_equal(a[1][np.isin(a[0], shared)], b[1][np.isin(b[0], shared)])


# ---- The history


def test_24_hours_are_kept_at_one_sample_per_second() -> None:
    history = ChannelHistory()
    info = ChannelInfo(bridge_channel_id("b", "strain"), "Strain", "με", "b", "Bridge")
    history.define_group("bridge:b", [info], 1.0)
    hours = 26
    for hour in range(hours):
        times = T0 + hour * 3600 + np.arange(3600.0)
        history.record_many("bridge:b", times, np.full((1, 3600), hour, np.float32))
    t, v = history.samples(info.channel_id)
    assert t[-1] - t[0] >= 24 * 3600 and v[-1] == hours - 1
    history.add_alarm(AlarmMoment(T0, info.channel_id, 2, "old"))
    history.add_alarm(AlarmMoment(T0 + hours * 3600, info.channel_id, 1, "new"))
    assert [a.message for a in history.alarms([info.channel_id])] == ["new"]


def test_memory_of_a_day_of_every_channel() -> None:
    monitoring = load_bridge_monitoring(city_dir("bengbu"), BRIDGES)
    history = ChannelHistory()
    ChannelRecorder(history, monitoring, NAMES)
    assert sum(len(b.sensors) for b in monitoring.bridges.values()) == 42
    # 42 bridge channels at 1 Hz and 11 city figures for 24 hours, preallocated
    assert 15e6 < history.nbytes < 30e6


# ---- From real events


def test_bridge_channels_and_warnings_from_events(bus: EventBus, clock: ManualClock) -> None:
    monitoring = load_bridge_monitoring(city_dir("bengbu"), BRIDGES)
    history = ChannelHistory()
    recorder = ChannelRecorder(history, monitoring, NAMES)
    handles = recorder.subscribe(bus)
    strain = bridge_channel_id("jiefang_road", "strain_s1_mid")
    info = history.info(strain)
    assert info is not None and info.unit == "με" and info.source_label == "Jiefang Road bridge"
    assert (WarningLevel.SERIOUS, 130.0) in info.threshold_lines()
    deflection = history.info(bridge_channel_id("g104", "deflection_s2_mid"))
    assert deflection is not None and (WarningLevel.MILD, -40.0) in deflection.threshold_lines()
    now = clock.now()
    # channels in another order than configured, one unknown, one not answering
    bus.post(BridgeChannels(now, "jiefang_road", ("new_gauge", "strain_s1_mid"), (1.5, 80.0)))
    bus.post(
        BridgeChannels(now + 1, "jiefang_road", ("strain_s1_mid", "temp_deck"), (math.nan, 21.0))
    )
    bus.post(
        BridgeWarning(
            now + 1, "jiefang_road", "strain_s1_mid", 2, 131.0, 130.0, "threshold", "strain level 2"
        )
    )
    bus.drain()
    t, v = history.samples(strain)
    assert t.tolist() == [now, now + 1] and v[0] == 80.0 and math.isnan(v[1])
    unknown = history.info(bridge_channel_id("jiefang_road", "new_gauge"))
    assert unknown is not None and unknown.label == "new_gauge"
    assert history.samples(unknown.channel_id)[1][0] == 1.5
    [moment] = history.alarms([strain])
    assert (moment.ts, moment.level, moment.message) == (now + 1, 2, "strain level 2")
    for handle in handles:
        handle.close()
    assert bus.subscription_count == 0


def fleet(ts: float, batch_id: str, classes: list[int], speeds: list[float]) -> VehicleBatch:
    n = len(classes)
    zeros = np.zeros(n, dtype=np.float32)
    return VehicleBatch(
        ts,
        batch_id,
        np.arange(n, dtype=np.int32),
        np.array(classes, np.uint8),
        zeros + 117.38,
        zeros + 32.93,
        np.array(speeds, np.float32),
        zeros,
    )


def test_moving_vehicles_by_class_every_ten_seconds(bus: EventBus) -> None:
    history = ChannelHistory()
    handles = ChannelRecorder(history).subscribe(bus)
    taxi, cargo = moving_channel_id(VehicleClass.TAXI), moving_channel_id(VehicleClass.CARGO)
    t = T0 - T0 % 10
    bus.post(fleet(t, "taxi", [0, 0, 0], [30.0, 4.0, 12.0]))  # 4 km/h is not moving
    bus.post(fleet(t + 1, "cargo", [3, 3], [60.0, 70.0]))
    bus.drain()
    # the first slot gives no sample: other slices of the fleet may not have reported yet
    assert history.samples(taxi)[0].size == 0
    bus.post(fleet(t + 4, "taxi", [0, 0, 0], [0.0, 0.0, 0.0]))  # the same slot
    bus.post(fleet(t + 11, "taxi", [0, 0, 0], [0.0, 0.0, 50.0]))
    bus.drain()
    bus.post(fleet(t + 25, "cargo", [3, 3], [0.0, 0.0]))
    bus.drain()
    assert history.samples(taxi)[0].tolist() == [t + 10, t + 20]
    assert history.samples(taxi)[1].tolist() == [1.0, 1.0]
    assert history.samples(cargo)[1].tolist() == [2.0, 0.0]
    for handle in handles:
        handle.close()


def test_cases_per_hour_by_platform_calls_and_alarms(
    bus: EventBus, clock: ManualClock, service: IncidentService
) -> None:
    history = ChannelHistory()
    recorder = ChannelRecorder(history, platform_of=case_platforms(service))
    handles = recorder.subscribe(bus)
    clock.advance(60 - clock.now() % 60 + 1)
    start = clock.now()
    service.report("road_accident", 117.37, 32.93, "two cars", "op")  # public emergency
    service.report("illegal_parking", 117.37, 32.93, "on the bridge", "op")  # management
    service.report("flooding", 117.37, 32.93, "underpass", "op")  # public emergency
    bus.post(HotlineCall(start + 5, "c1", "lost_property", "wallet", 117.38, 32.93))
    bus.post(BridgeAlarm(start + 6, "g104", "strain", 140.0, 130.0, 117.4, 32.9, "a1", 2))
    bus.drain()
    recorder.advance(start + 2 * 60)
    emergency = history.samples(cases_channel_id(Platform.PUBLIC_EMERGENCY))
    management = history.samples(cases_channel_id(Platform.PUBLIC_MANAGEMENT))
    services = history.samples(cases_channel_id(Platform.PUBLIC_SERVICES))
    calls = history.samples(HOTLINE_CHANNEL)
    # the minute the cases came in shows none yet; every minute after counts the last hour
    assert emergency[1].tolist() == [0.0, 2.0, 2.0]
    assert management[1].tolist() == [0.0, 1.0, 1.0] and services[1].tolist() == [0.0] * 3
    assert calls[1].tolist() == [0.0, 1.0, 1.0]
    assert history.samples(ALARMS_CHANNEL)[1].tolist() == [0.0, 2.0, 2.0]  # call and bridge
    # an hour later they have left the rolling hour
    recorder.advance(start + 2 * 60 + 3600)
    assert history.samples(HOTLINE_CHANNEL)[1][-1] == 0.0
    assert len(history.members(RATES_GROUP)) == len(Platform) + 2
    for handle in handles:
        handle.close()
