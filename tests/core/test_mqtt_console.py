"""A whole console core fed by a real Mosquitto: an alarm from the broker becomes a case."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from console.core.events import (
    Event,
    IncidentChanged,
    PayloadQuarantined,
    TheftAlarm,
    TwoWheelerKind,
    VehiclePosition,
)
from console.core.feeds import (
    LinkState,
    LinkStatus,
    MqttPublisher,
    link_text,
    parse_broker_url,
)
from console.core.runtime import CoreOptions, build_core
from tests.support.mosquitto import Mosquitto, running_broker, wait_until

T0 = 1_795_000_000.0
LON, LAT = 117.3655, 32.9390  # central Bengbu


@pytest.fixture
def mosquitto_broker(tmp_path: Path) -> Iterator[Mosquitto]:
    """A real Mosquitto on loopback for this test."""
    yield from running_broker(tmp_path)


def test_an_alarm_from_the_broker_opens_a_case_and_bad_input_is_quarantined(
    tmp_path: Path, mosquitto_broker: Mosquitto
) -> None:
    options = CoreOptions(
        database_url=f"sqlite:///{tmp_path / 'c.db'}",
        history_dir=tmp_path / "history",
        start=T0,
        speed=1.0,
        colleague_share=0.0,
        bus_url=mosquitto_broker.url,
        bus_options=(("client_id", "test-console"),),
    )
    core = build_core(options)
    seen: list[Event] = []

    def collect(events: Sequence[Event]) -> None:
        seen.extend(events)

    core.bus.subscribe("*", collect)
    try:
        source = core.feed
        assert source is not None and core.simulation is source
        assert core.responders is None and core.terminals is None  # the field is not simulated
        core.start()
        assert source.wait_connected(5)
        alarm = TheftAlarm(T0, "th-e2e", 17, "tag-1", TwoWheelerKind.EBIKE, LON, LAT)
        far = VehiclePosition(T0, 1, 0, 121.47, 31.23, 10.0, 0.0)  # type: ignore[arg-type]  # Shanghai
        with MqttPublisher(parse_broker_url(mosquitto_broker.url)) as publisher:
            publisher.publish(alarm)
            publisher.publish(far)

        def case_opened() -> bool:
            core.bus.drain()
            return any(isinstance(e, IncidentChanged) for e in seen) and any(
                isinstance(e, PayloadQuarantined) for e in seen
            )

        assert wait_until(case_opened, 10.0)
        assert any(e == alarm for e in seen)
        (bad,) = [e for e in seen if isinstance(e, PayloadQuarantined)]
        assert "outside the area" in bad.reason and bad.source.startswith("mqtt:")
        (case,) = core.incidents.list_open()
        assert case.status.value == "reported"
    finally:
        core.stop()
    assert source.status().state is LinkState.STOPPED


def test_link_text_for_the_status_bar() -> None:
    def hhmm(ts: float) -> str:
        return f"t{ts:.0f}"

    down = LinkStatus(LinkState.DOWN, 5.0, "mqtt://b:1883", "broker unreachable")
    assert link_text(down, [], hhmm) == "MQTT down since t5: broker unreachable"
    back = LinkStatus(LinkState.CONNECTED, 9.0, "mqtt://b:1883", connects=2)
    assert link_text(back, ["bridge.channels"], hhmm) == (
        "MQTT connected (reconnected at t9) · stale: bridge.channels"
    )
    assert link_text(LinkStatus(LinkState.CONNECTING, 0.0, "b"), []) == "MQTT connecting"
