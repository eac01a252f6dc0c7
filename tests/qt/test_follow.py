"""Following a vehicle keeps it centred with its recent trail, and stops when it goes quiet."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pytestqt.qtbot import QtBot

from console.core.clock import ManualClock
from console.core.events import VehicleBatch, VehicleClass
from console.core.history import HistoryRecorder, HistoryStore, Trajectory, TrajectorySummary
from console.qt.follow import FOLLOW_ZOOM, TRAIL_S, VehicleFollower

T0 = 1_767_226_200.0
TAXI = 42


class RecordingMap:
    """Stands where the map pane would: keeps what following asked of it (test scaffolding)."""

    def __init__(self) -> None:
        self.positions: dict[int, tuple[float, float]] = {}
        self.tracks: list[tuple[Trajectory, bool]] = []
        self.cursors: list[tuple[int, str]] = []
        self.centres: list[tuple[float, float, int]] = []
        self.cleared = 0

    def vehicle_position(self, vehicle_id: int) -> tuple[float, float] | None:
        return self.positions.get(vehicle_id)

    def show_track(
        self, track: Trajectory, summary: TrajectorySummary, *, fit: bool = True
    ) -> None:
        self.tracks.append((track, fit))

    def move_track_cursor(self, index: int, label: str = "") -> None:
        self.cursors.append((index, label))

    def clear_track(self) -> None:
        self.cleared += 1

    def center_on(self, lon: float, lat: float, min_zoom: int = 13) -> None:
        self.centres.append((lon, lat, min_zoom))


def drive(store: HistoryStore, minutes: int) -> None:
    """The taxi heads east, reporting every 5 s."""
    recorder = HistoryRecorder(store)
    for step, t in enumerate(np.arange(T0, T0 + minutes * 60.0 + 1, 5.0)):
        one = np.ones(1, np.float32)
        recorder.record(
            VehicleBatch(
                float(t),
                "taxi",
                np.array([TAXI], np.int32),
                np.array([int(VehicleClass.TAXI)], np.uint8),
                one * (117.30 + step * 0.0005),
                one * 32.92,
                one * 36.0,
                one * 90.0,
            )
        )


def test_the_followed_taxi_is_centred_with_its_last_ten_minutes(
    qtbot: QtBot, tmp_path: Path
) -> None:
    store = HistoryStore(tmp_path / "history")
    drive(store, 30)
    clock = ManualClock(start=T0 + 30 * 60.0)
    world = RecordingMap()
    world.positions[TAXI] = (117.40, 32.92)
    follower = VehicleFollower(world, store, clock)
    said: list[str] = []
    follower.sig_status.connect(said.append)
    follower.follow(TAXI, "皖CA12B3")
    (track, fit), *_ = world.tracks
    assert not fit  # the view follows the taxi, not the trail
    assert track.times[0] >= clock.now() - TRAIL_S - 5.0
    assert len(track) >= (TRAIL_S / 5.0) - 1
    assert world.cursors[-1] == (len(track) - 1, "皖CA12B3")
    assert world.centres[-1] == (117.40, 32.92, FOLLOW_ZOOM)
    assert said[-1].startswith("Following 皖CA12B3")
    world.positions.pop(TAXI)
    follower.update()
    assert follower.vehicle_id is None and world.cleared == 1
    assert "not reporting" in said[-1]
    store.close()


def test_stop_following_clears_the_trail(qtbot: QtBot, tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "history")
    world = RecordingMap()
    world.positions[TAXI] = (117.40, 32.92)
    follower = VehicleFollower(world, store, ManualClock(start=T0))
    follower.follow(TAXI, "taxi")
    assert world.tracks == []  # no history yet: centred, nothing to draw
    follower.stop()
    follower.stop()  # twice is harmless
    assert world.cleared == 1
    store.close()
