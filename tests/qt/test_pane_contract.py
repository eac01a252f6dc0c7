"""Every pane keeps the same contract: subscriptions closed on detach, nothing left
after close, saved state round-trips, an empty city and odd events handled."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from console.core.bus import EventBus
from console.core.clock import ManualClock
from console.core.events import (
    BridgeChannels,
    BridgeReading,
    BridgeWarning,
    VehicleBatch,
    VesselPosition,
)
from console.core.history import HistoryStore
from console.core.incidents import IncidentService
from console.core.search import SearchIndex
from console.core.sites import SiteRegistry
from console.qt.map.layers import MapLayers
from console.qt.panes.base import Pane
from console.qt.panes.case_detail import CaseDetailPane
from console.qt.panes.incident_queue import IncidentQueuePane
from console.qt.panes.kpi import KpiPane
from console.qt.panes.live_charts import LiveChartsPane
from console.qt.panes.map_pane import MapPane
from console.qt.panes.quarantine import QuarantinePane
from console.qt.panes.trajectory import TrajectoryPane
from console.qt.panes.video_wall import VideoWallPane
from tests.support.cases import name_of

PaneFactory = Callable[[IncidentService, ManualClock, Path], Pane]


def _trajectory(service: IncidentService, clock: ManualClock, folder: Path) -> Pane:
    store = HistoryStore(folder / "history")
    drawer = MapPane(MapLayers(center=(117.38, 32.93)))
    return TrajectoryPane(store, SearchIndex([], []), clock, drawer, ZoneInfo("Asia/Shanghai"))


FACTORIES: dict[str, PaneFactory] = {
    "incident_queue": lambda service, clock, _: IncidentQueuePane(service, clock, name_of),
    "kpi": lambda service, clock, _: KpiPane(service.db, clock, "Asia/Shanghai"),
    "case_detail": lambda service, clock, _: CaseDetailPane(service, "op"),
    "live_charts": lambda service, clock, _: LiveChartsPane({"b1": "Bridge one"}),
    "quarantine": lambda service, clock, _: QuarantinePane(),
    "map": lambda service, clock, _: MapPane(MapLayers(center=(117.38, 32.93))),
    "trajectory": _trajectory,
    "video_wall": lambda service, clock, _: VideoWallPane(
        SiteRegistry(), clock.now, ZoneInfo("Asia/Shanghai")
    ),
}


@pytest.fixture(params=sorted(FACTORIES))
def make_pane(
    request: pytest.FixtureRequest,
    service: IncidentService,
    clock: ManualClock,
    tmp_path: Path,
) -> Callable[[], Pane]:
    factory = FACTORIES[request.param]
    return lambda: factory(service, clock, tmp_path)


def _odd_events(clock: ManualClock) -> list[object]:
    empty = np.zeros(0, dtype=np.float32)
    return [
        VehicleBatch(
            clock.now(),
            "empty",
            np.zeros(0, np.int32),
            np.zeros(0, np.uint8),
            empty,
            empty,
            empty,
            empty,
        ),
        BridgeReading(clock.now(), "unknown-bridge", 0, 0, math.nan, math.nan, 0),
        BridgeChannels(clock.now(), "unknown-bridge", ("strain_s2_mid", "nope"), (math.nan, 1e30)),
        BridgeChannels(clock.now(), "jiefang_road", ("strain_s2_mid",), (math.nan,)),
        BridgeWarning(clock.now(), "unknown-bridge", "nope", 7, math.nan, math.nan, "?", ""),
        VesselPosition(clock.now(), "413", "", math.nan, math.nan, 0.0, 0.0, "unknown-bridge"),
    ]


def test_pane_declares_id_title_and_area(make_pane: Callable[[], Pane], qtbot: QtBot) -> None:
    pane = make_pane()
    qtbot.addWidget(pane)
    assert pane.PANE_ID and pane.TITLE and pane.objectName() == pane.PANE_ID


def test_attach_detach_leaves_no_subscription(
    make_pane: Callable[[], Pane], qtbot: QtBot, bus: EventBus
) -> None:
    pane = make_pane()
    qtbot.addWidget(pane)
    before = bus.subscription_count
    pane.attach(bus)
    pane.attach(bus)  # attaching twice does not double the subscriptions
    attached = bus.subscription_count
    pane.detach()
    assert bus.subscription_count == before
    pane.attach(bus)
    assert bus.subscription_count == attached
    pane.close()
    assert bus.subscription_count == before


def test_close_leaves_no_widget(make_pane: Callable[[], Pane], bus: EventBus) -> None:
    pane = make_pane()
    kind = type(pane)
    pane.attach(bus)
    pane.show()
    pane.close()
    pane.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QApplication.processEvents()
    assert not [w for w in QApplication.allWidgets() if isinstance(w, kind)]
    assert bus.subscription_count == 0


def test_saved_state_round_trips(make_pane: Callable[[], Pane], qtbot: QtBot) -> None:
    pane = make_pane()
    qtbot.addWidget(pane)
    state = json.loads(json.dumps(pane.save_state()))
    other = make_pane()
    qtbot.addWidget(other)
    other.restore_state(state)
    assert other.save_state() == state
    other.restore_state({"unknown": 1, "columns": "garbage"})  # tolerated


def test_empty_city_and_odd_events_are_handled(
    make_pane: Callable[[], Pane], qtbot: QtBot, bus: EventBus, clock: ManualClock
) -> None:
    pane = make_pane()
    qtbot.addWidget(pane)
    pane.attach(bus)
    pane.show()
    pane.refresh()  # nothing arrived yet
    bus.post_many(_odd_events(clock))  # type: ignore[arg-type]
    bus.drain()
    pane.refresh()
    assert bus.subscriber_errors == 0
    pane.detach()
