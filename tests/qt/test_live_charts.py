"""Live charts follow the bus: moving vehicles by class, deck load, alarms per minute."""

from __future__ import annotations

import numpy as np
from pytestqt.qtbot import QtBot

from console.core.bus import EventBus
from console.core.clock import ManualClock
from console.core.events import (
    BridgeReading,
    HotlineCall,
    VehicleBatch,
    VehicleClass,
)
from console.qt.panes.live_charts import LiveChartsPane


def batch(ts: float, batch_id: str, classes: list[int], speeds: list[float]) -> VehicleBatch:
    n = len(classes)
    zeros = np.zeros(n, dtype=np.float32)
    return VehicleBatch(
        ts,
        batch_id,
        np.arange(n, dtype=np.int32),
        np.array(classes, dtype=np.uint8),
        zeros + 117.38,
        zeros + 32.93,
        np.array(speeds, dtype=np.float32),
        zeros,
    )


def test_moving_vehicles_bridge_load_and_alarm_rate(
    qtbot: QtBot, bus: EventBus, clock: ManualClock
) -> None:
    pane = LiveChartsPane({"jiefang": "Jiefang Road bridge"})
    qtbot.addWidget(pane)
    pane.attach(bus)
    pane.show()
    t0 = clock.now() - clock.now() % 60
    bus.post(batch(t0, "taxi", [0, 0, 0], [30.0, 0.0, 12.0]))
    bus.post(batch(t0, "cargo", [3, 3], [60.0, 70.0]))
    bus.post(BridgeReading(t0, "jiefang", 10, 12, 310.5, 80.0, 1))
    bus.post(HotlineCall(t0 + 1, "c1", "lost_property", "wallet", 117.38, 32.93))
    bus.post(HotlineCall(t0 + 2, "c2", "lost_property", "phone", 117.38, 32.93))
    bus.drain()
    pane.refresh()
    assert pane.vehicle_series(VehicleClass.TAXI).last() == (t0, 2.0)
    assert pane.vehicle_series(VehicleClass.CARGO).last() == (t0, 2.0)
    assert pane.vehicle_series(VehicleClass.LINER_BUS).last() == (t0, 0.0)
    series = pane.bridge_series("jiefang")
    assert series is not None and series.last() == (t0, 310.5)

    # a newer batch for the same slice replaces the older one (conflated)
    bus.post(batch(t0 + 60, "taxi", [0, 0, 0], [0.0, 0.0, 0.0]))
    bus.drain()
    pane.refresh()
    assert pane.vehicle_series(VehicleClass.TAXI).last() == (t0 + 60, 0.0)
    minutes, counts = pane.alarm_counts()
    assert minutes.tolist() == [t0] and counts.tolist() == [2.0]
    pane.detach()


def test_hidden_pane_does_not_redraw(qtbot: QtBot, bus: EventBus, clock: ManualClock) -> None:
    pane = LiveChartsPane({})
    qtbot.addWidget(pane)
    pane.attach(bus)
    bus.post(BridgeReading(clock.now(), "b", 1, 1, 100.0, 10.0, 0))
    bus.drain()
    assert not pane.isVisible()
    # the frame tick only refreshes visible panes; the data is kept for later
    assert pane.bridge_series("b") is not None
    pane.detach()
