"""The event bus: topics, latest/batch delivery, handles, threads, quarantine."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest

from console.core.bus import Delivery, EventBus
from console.core.clock import ManualClock
from console.core.events import (
    Event,
    HotlineCall,
    IncidentChanged,
    PayloadQuarantined,
    VehicleClass,
    VehiclePosition,
)


def _position(vehicle_id: int, ts: float, lon: float = 117.38) -> VehiclePosition:
    return VehiclePosition(ts, vehicle_id, VehicleClass.TAXI, lon, 32.93, 30.0, 90.0)


def _call(n: int) -> HotlineCall:
    return HotlineCall(float(n), f"c{n}", "lost_property", "wallet left in taxi", 117.38, 32.93)


@pytest.fixture
def bus() -> EventBus:
    return EventBus(ManualClock())


def test_batch_delivers_every_event_in_order(bus: EventBus) -> None:
    got: list[Event] = []
    bus.subscribe(HotlineCall, got.extend)
    for n in range(5):
        bus.post(_call(n))
    assert bus.drain() == 5
    assert [e.call_id for e in got if isinstance(e, HotlineCall)] == [f"c{n}" for n in range(5)]


def test_latest_keeps_only_the_newest_per_key(bus: EventBus) -> None:
    got: list[Sequence[Event]] = []
    bus.subscribe(VehiclePosition, got.append, Delivery.LATEST)
    for ts in range(10):
        bus.post(_position(1, float(ts), lon=117.0 + ts / 100))
        bus.post(_position(2, float(ts)))
    bus.drain()
    assert len(got) == 1
    newest = {e.vehicle_id: e for e in got[0] if isinstance(e, VehiclePosition)}
    assert set(newest) == {1, 2}
    assert newest[1].ts == 9.0 and newest[1].lon == pytest.approx(117.09)


def test_batch_and_latest_subscribers_of_one_topic(bus: EventBus) -> None:
    every: list[Event] = []
    latest: list[Event] = []
    bus.subscribe(VehiclePosition, every.extend, Delivery.BATCH)
    bus.subscribe(VehiclePosition, latest.extend, Delivery.LATEST)
    for ts in range(4):
        bus.post(_position(7, float(ts)))
    bus.drain()
    assert len(every) == 4 and len(latest) == 1


def test_wildcard_topic_and_other_topics_not_delivered(bus: EventBus) -> None:
    got: list[Event] = []
    bus.subscribe("alarm.*", got.extend)
    bus.post(_position(1, 0.0))
    bus.post(IncidentChanged(0.0, 1, "new", "opened", "system"))
    bus.drain()
    assert got == []


def test_closing_a_handle_stops_delivery_and_is_idempotent(bus: EventBus) -> None:
    got: list[Event] = []
    handle = bus.subscribe(HotlineCall, got.extend)
    assert bus.subscription_count == 1
    handle.close()
    handle.close()
    assert bus.subscription_count == 0
    bus.post(_call(1))
    bus.drain()
    assert got == []


def test_a_failing_subscriber_does_not_stop_the_others(
    bus: EventBus, caplog: pytest.LogCaptureFixture
) -> None:
    got: list[Event] = []

    def broken(_events: Sequence[Event]) -> None:
        raise ValueError("pane bug")

    bus.subscribe(HotlineCall, broken, name="broken")
    bus.subscribe(HotlineCall, got.extend)
    bus.post(_call(1))
    bus.drain()
    assert len(got) == 1
    assert bus.subscriber_errors == 1
    assert "broken" in caplog.text


def test_posting_from_many_threads_loses_nothing(bus: EventBus) -> None:
    got: list[Event] = []
    bus.subscribe(HotlineCall, got.extend)
    per_thread = 5_000

    def source(offset: int) -> None:
        for n in range(per_thread):
            bus.post(_call(offset + n))

    threads = [threading.Thread(target=source, args=(k * per_thread,)) for k in range(4)]
    for thread in threads:
        thread.start()
    drained = 0
    while any(t.is_alive() for t in threads) or bus.pending:
        drained += bus.drain()
    for thread in threads:
        thread.join()
    drained += bus.drain()
    assert drained == len(got) == 4 * per_thread
    assert len({e.call_id for e in got if isinstance(e, HotlineCall)}) == 4 * per_thread


def test_reject_quarantines_counts_and_posts(bus: EventBus) -> None:
    got: list[Event] = []
    bus.subscribe(PayloadQuarantined, got.extend)
    bus.reject("hotline", "missing field 'lat'", '{"call_id": "x"}')
    bus.drain()
    assert bus.quarantine.count == 1
    assert bus.quarantine.recent()[0].reason == "missing field 'lat'"
    assert isinstance(got[0], PayloadQuarantined) and got[0].source == "hotline"


def test_subscribe_needs_a_topic(bus: EventBus) -> None:
    with pytest.raises(ValueError, match="topic"):
        bus.subscribe("", list)


def test_star_topic_receives_every_topic(bus: EventBus) -> None:
    every: list[Event] = []
    bus.subscribe("*", every.extend)
    bus.post(_position(1, 0.0))
    bus.post(_call(1))
    bus.post(IncidentChanged(0.0, 1, "new", "opened", "system"))
    assert bus.drain() == 3
    assert sorted(e.TOPIC for e in every) == [
        "hotline.call",
        "incident.changed",
        "vehicle.position",
    ]
