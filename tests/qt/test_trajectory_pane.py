"""The Trajectory pane reads a recorded taxi track from a real history store, summarises it,
drives the map's cursor with its slider, and the real map page draws the track layer."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from console.core.city.loader import default_city
from console.core.clock import ManualClock
from console.core.events import VehicleBatch, VehicleClass
from console.core.history import (
    FleetSnapshot,
    HistoryConfig,
    HistoryRecorder,
    HistoryStore,
    Trajectory,
    TrajectorySummary,
    fleet_snapshot,
    summarise,
    trajectory,
)
from console.core.search import SearchIndex, build_search_index
from console.core.sim.plates import plate_for
from console.qt.map.layers import MapLayers
from console.qt.panes.map_pane import MapPane, track_payload
from console.qt.panes.trajectory import NO_POSITIONS, TrajectoryPane
from tests.support.map_page import page_value

pytestmark = pytest.mark.qt

TZ = ZoneInfo("Asia/Shanghai")
T0 = 1_767_226_200.0  # 2026-01-01 08:10:00 in Bengbu (00:10 UTC)
NOW = T0 + 3600.0
TAXI = 42
IDLE_TAXI = 7  # has a plate but never reported
STEP_S = 5.0
TIMEOUT_MS = 20_000


def speed_at(t: float) -> float:
    """Drive 10 min at 36 km/h, stand 5 min, race 5 min at 90 km/h, drive 5 min at 36 km/h."""
    dt = t - T0
    if dt < 600:
        return 36.0
    if dt < 900:
        return 0.0
    if dt < 1200:
        return 90.0
    return 36.0


def record_known_track(store: HistoryStore) -> None:
    """Record the taxi heading east from 117.30 E, 32.92 N, one report every 5 s for 25 min."""
    recorder = HistoryRecorder(store)
    km_per_deg = 111.195 * math.cos(math.radians(32.92))
    lon = 117.30
    for t in np.arange(T0, T0 + 1500.0 + 1.0, STEP_S):
        speed = speed_at(float(t))
        one = np.ones(1, np.float32)
        recorder.record(
            VehicleBatch(
                float(t),
                "taxi",
                np.array([TAXI], np.int32),
                np.array([int(VehicleClass.TAXI)], np.uint8),
                one * lon,
                one * 32.92,
                one * speed,
                one * 90.0,
            )
        )
        lon += speed * STEP_S / 3600.0 / km_per_deg  # the distance to the next report


class RecordingDrawer:
    """Test scaffolding: records what the pane asks the map to draw."""

    def __init__(self) -> None:
        self.calls: list[tuple[object, ...]] = []

    def show_track(self, track: Trajectory, summary: TrajectorySummary) -> None:
        self.calls.append(("show", len(track), len(summary.stops), len(summary.speeding)))

    def move_track_cursor(self, index: int, label: str = "") -> None:
        self.calls.append(("cursor", index, label))

    def show_snapshot(self, snapshot: FleetSnapshot, banner: str) -> None:
        self.calls.append(("snapshot", len(snapshot), banner))

    def show_live(self) -> None:
        self.calls.append(("live",))

    def clear_track(self) -> None:
        self.calls.append(("clear",))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    history = HistoryStore(tmp_path / "history", HistoryConfig())
    record_known_track(history)
    yield history
    history.close()


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    plates = [plate_for("皖C", vehicle_id) for vehicle_id in range(100)]
    return build_search_index(default_city(), [], plates)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=NOW)


@pytest.fixture
def drawer() -> RecordingDrawer:
    return RecordingDrawer()


@pytest.fixture
def pane(
    qtbot: QtBot,
    store: HistoryStore,
    index: SearchIndex,
    clock: ManualClock,
    drawer: RecordingDrawer,
) -> TrajectoryPane:
    widget = TrajectoryPane(store, index, clock, drawer, TZ)
    qtbot.addWidget(widget)
    widget.resize(900, 360)
    widget.show()
    return widget


def type_plate(qtbot: QtBot, pane: TrajectoryPane, vehicle_id: int) -> None:
    """Type the plate without its 皖C prefix and press Enter on the best suggestion."""
    qtbot.keyClicks(pane.vehicle_box, plate_for("皖C", vehicle_id)[2:])
    pane.vehicle_box.completer().popup().hide()
    qtbot.keyClick(pane.vehicle_box, Qt.Key.Key_Return)


# ---- The pane (recording drawer)


def test_a_typed_plate_shows_mileage_stops_and_speeding(
    qtbot: QtBot, pane: TrajectoryPane, drawer: RecordingDrawer
) -> None:
    with qtbot.waitSignal(pane.sig_track_shown) as shown:
        type_plate(qtbot, pane, TAXI)
    assert shown.args == [301]
    assert pane.vehicle_id == TAXI
    assert drawer.calls[0] == ("show", 301, 1, 1)
    text = pane.summary_label.text()
    assert plate_for("皖C", TAXI) in text
    assert "16.5 km" in text  # 6 + 0 + 7.5 + 3 km
    assert "1 stop ·" in text
    assert "1 speeding segment (max 90 km/h, limit 60)" in text
    assert "08:10:00–08:35:00" in text
    assert pane.stops_list.count() == 1 and pane.speeding_list.count() == 1
    assert pane.stops_list.item(0).text() == "1.  08:20:00–08:24:55 · 5 min"
    assert pane.slider.isEnabled() and pane.slider.maximum() == 300
    assert drawer.calls[-1] == ("cursor", 0, "08:10:00 · 36 km/h")


def test_the_slider_moves_the_cursor_with_the_time_odometer_and_speed(
    qtbot: QtBot, pane: TrajectoryPane, drawer: RecordingDrawer
) -> None:
    type_plate(qtbot, pane, TAXI)
    pane.slider.setValue(200)  # 08:26:40, racing
    assert drawer.calls[-1] == ("cursor", 200, "08:26:40 · 90 km/h")
    label = pane.cursor_label.text()
    assert "08:26:40" in label and "90 km/h" in label
    assert "8.50 km" in label  # 6 km driven, then 100 s at 90 km/h = 2.5 km
    qtbot.keyClick(pane.slider, Qt.Key.Key_End)
    assert drawer.calls[-1] == ("cursor", 300, "08:35:00 · 36 km/h")


def test_clicking_a_stop_or_a_speeding_segment_moves_the_slider(
    qtbot: QtBot, pane: TrajectoryPane, drawer: RecordingDrawer
) -> None:
    type_plate(qtbot, pane, TAXI)
    stops = pane.stops_list
    qtbot.mouseClick(
        stops.viewport(),
        Qt.MouseButton.LeftButton,
        pos=stops.visualItemRect(stops.item(0)).center(),
    )
    assert pane.slider.value() == 120
    assert drawer.calls[-1] == ("cursor", 120, "08:20:00 · 0 km/h")
    speeding = pane.speeding_list
    qtbot.mouseClick(
        speeding.viewport(),
        Qt.MouseButton.LeftButton,
        pos=speeding.visualItemRect(speeding.item(0)).center(),
    )
    assert pane.slider.value() == 180
    assert "08:25:00" in pane.cursor_label.text()


def test_an_empty_window_says_so_and_clears_the_map(
    qtbot: QtBot, pane: TrajectoryPane, drawer: RecordingDrawer, clock: ManualClock
) -> None:
    type_plate(qtbot, pane, IDLE_TAXI)
    assert NO_POSITIONS in pane.summary_label.text()
    assert drawer.calls == [("clear",)]
    assert pane.track is None and not pane.slider.isEnabled()

    pane.vehicle_box.clear()
    type_plate(qtbot, pane, TAXI)
    assert pane.track is not None
    clock.advance(2 * 3600.0)  # the last hour now holds nothing
    assert not pane.show_track()
    assert NO_POSITIONS in pane.summary_label.text()
    assert drawer.calls[-1] == ("clear",)
    assert pane.stops_list.count() == 0
    pane.window_choice.setCurrentIndex(pane.window_choice.findData(6))
    assert pane.show_track()
    assert len(pane.track or []) == 301


def test_the_window_ends_at_the_clocks_now(
    qtbot: QtBot, store: HistoryStore, index: SearchIndex
) -> None:
    clock = ManualClock(start=T0 + 1200.0)  # 08:30: only the first 20 minutes were recorded
    pane = TrajectoryPane(store, index, clock, RecordingDrawer(), TZ)
    qtbot.addWidget(pane)
    pane.show()
    type_plate(qtbot, pane, TAXI)
    track = pane.track
    assert track is not None and len(track) == 241  # 08:10:00 .. 08:30:00
    clock.advance(3000.0)  # now 09:20: the 1 h window starts at 08:20:00
    assert pane.show_track()
    assert len(pane.track or []) == 181  # 08:20:00 .. 08:35:00
    assert "08:20:00–08:35:00" in pane.summary_label.text()


def test_state_round_trips_the_window_and_the_vehicle(
    qtbot: QtBot,
    pane: TrajectoryPane,
    store: HistoryStore,
    index: SearchIndex,
    clock: ManualClock,
) -> None:
    type_plate(qtbot, pane, TAXI)
    pane.set_window_hours(24)
    state = json.loads(json.dumps(pane.save_state()))
    other = TrajectoryPane(store, index, clock, RecordingDrawer(), TZ)
    qtbot.addWidget(other)
    other.restore_state(state)
    assert other.window_hours == 24 and other.vehicle_id == TAXI
    assert other.vehicle_box.text() == plate_for("皖C", TAXI)
    assert other.show_track()
    other.restore_state({"window_hours": "x", "vehicle_id": -3})  # ignored
    assert other.window_hours == 24 and other.vehicle_id == TAXI


# ---- The map's track layer


def test_a_long_track_is_thinned_keeping_stops_and_speeding_in_place() -> None:
    n = 20_000
    t = T0 + np.arange(n) * 5.0
    speed = np.full(n, 40.0, np.float32)
    speed[7_001:7_004] = 95.0  # a short burst between two kept samples
    speed[12_000:12_100] = 0.0
    track = Trajectory(
        TAXI,
        VehicleClass.TAXI,
        t,
        117.3 + np.arange(n) * 1e-5,
        32.9 + np.sin(np.arange(n) / 500.0) * 0.01,
        speed,
        np.zeros(n, np.float32),
    )
    summary = summarise(track, HistoryConfig())
    payload = track_payload(track, summary)
    assert len(payload["line"]) <= 5_100
    [[first, last]] = payload["speeding"]
    assert payload["line"][first] == [round(track.lat[7_001], 6), round(track.lon[7_001], 6)]
    assert payload["line"][last] == [round(track.lat[7_003], 6), round(track.lon[7_003], 6)]
    [[lat, lon, label]] = payload["stops"]
    assert (lat, lon) == pytest.approx((summary.stops[0].lat, summary.stops[0].lon), abs=1e-6)
    assert label == "stop 1 · 8 min"  # 99 samples, 495 s
    assert payload["line"][-1] == [round(track.lat[-1], 6), round(track.lon[-1], 6)]


def test_the_real_map_draws_the_track_its_stops_and_cursor(
    qtbot: QtBot, store: HistoryStore, tmp_path: Path
) -> None:
    track = trajectory(store, TAXI, T0, NOW)
    summary = summarise(track, store.config)
    pane = MapPane(MapLayers(center=(117.38, 32.93)), page_root=tmp_path)
    qtbot.addWidget(pane)
    pane.resize(800, 600)
    pane.show_track(track, summary)  # before the page is ready: kept and sent when it is
    with qtbot.waitSignal(pane.sig_page_ready, timeout=TIMEOUT_MS):
        pane.show()

    def state() -> dict[str, object]:
        return dict(json.loads(str(page_value(qtbot, pane, "CityConsole.trackState()"))))

    qtbot.waitUntil(lambda: state()["points"] == 301, timeout=TIMEOUT_MS)
    drawn = state()
    assert drawn["speeding"] == 1 and drawn["stops"] == ["stop 1 · 5 min"]
    bounds = page_value(qtbot, pane, "CityConsole.map.getBounds().contains([32.92, 117.35])")
    assert bounds is True  # the map was fitted to the track

    pane.move_track_cursor(120, "08:20:00 · 0 km/h")
    qtbot.waitUntil(lambda: state()["cursor"] is not None, timeout=TIMEOUT_MS)
    lat, lon, label = state()["cursor"]  # type: ignore[misc]
    assert (lat, lon) == pytest.approx((track.lat[120], track.lon[120]), abs=1e-6)
    assert label == "08:20:00 · 0 km/h"

    pane.clear_track()
    qtbot.waitUntil(lambda: state()["points"] == 0, timeout=TIMEOUT_MS)
    assert state()["cursor"] is None and state()["stops"] == []


def test_any_window_can_be_chosen_by_its_end(
    qtbot: QtBot, pane: TrajectoryPane, clock: ManualClock
) -> None:
    type_plate(qtbot, pane, TAXI)
    assert len(pane.track or []) == 301  # 1 h ending now (09:10): 08:10:00 .. 08:35:00
    pane.set_window_end(T0 + 900.0)  # 1 h ending 08:25: 08:10:00 .. 08:25:00
    assert pane.end_edit.text() == "2026-01-01 08:25"
    assert pane.show_track()
    assert len(pane.track or []) == 181
    assert "08:10:00–08:25:00" in pane.summary_label.text()
    pane.now_button.click()
    assert pane.end_edit.text() == "now"
    assert pane.window_end() == clock.now()


def test_the_fleet_bar_draws_the_fleet_at_a_past_moment_and_goes_back_to_live(
    qtbot: QtBot, pane: TrajectoryPane, drawer: RecordingDrawer
) -> None:
    bar = pane.fleet_bar
    bar.set_moment(T0 + 600.0)
    with qtbot.waitSignal(bar.sig_shown) as shown:
        bar.live_button.setEnabled(False)
        bar.show_button.click()
    assert shown.args == [1]
    kind, count, banner = drawer.calls[-1]
    assert (kind, count) == ("snapshot", 1)
    assert "fleet at 2026-01-01 08:20:00" in str(banner)
    assert bar.live_button.isEnabled()
    bar.live_button.click()
    assert drawer.calls[-1] == ("live",)
    bar.set_moment(T0 - 86_400.0)  # nothing was recorded a day before
    bar.show_fleet()
    assert drawer.calls[-1][:2] == ("snapshot", 0)
    assert bar.outcome.text() == "No positions recorded at that moment."


def test_the_real_map_draws_a_past_fleet_under_a_banner(
    qtbot: QtBot, store: HistoryStore, tmp_path: Path
) -> None:
    pane = MapPane(MapLayers(center=(117.38, 32.93)), page_root=tmp_path)
    qtbot.addWidget(pane)
    pane.resize(800, 600)
    with qtbot.waitSignal(pane.sig_page_ready, timeout=TIMEOUT_MS):
        pane.show()
    snapshot = fleet_snapshot(store, T0 + 600.0)
    with qtbot.waitSignal(pane.sig_frame_drawn, timeout=TIMEOUT_MS) as drawn:
        pane.show_snapshot(snapshot, "HISTORY · fleet at 08:20")
    assert drawn.args == [1]
    banner = "(document.querySelector('.cc-banner') || {textContent: ''}).textContent"
    qtbot.waitUntil(lambda: page_value(qtbot, pane, banner) == "HISTORY · fleet at 08:20")
    state = pane.vehicle_state(TAXI)
    assert state is not None and state.ts == T0 + 600.0
    assert [int(k) for k in pane.vehicle_points().keys] == [TAXI]
    pane.show_live()
    qtbot.waitUntil(lambda: page_value(qtbot, pane, banner) == "")
    assert pane.snapshot is None and pane.vehicle_state(TAXI) is None  # nothing live yet
