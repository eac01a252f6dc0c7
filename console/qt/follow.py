"""Following a vehicle: the map keeps it centred and draws its trail of the last minutes.

Once a second the follower reads where the vehicle was last reported (the live
vehicle table) and its trail from the position history, draws the trail as a
track without moving the view to fit it, puts the cursor on the vehicle and
centres the map there. Following ends when asked, or when the vehicle has not
reported for a while (it is then said why).
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from console.core.clock import Clock
from console.core.history import HistoryStore, Trajectory, TrajectorySummary, summarise, trajectory

TRAIL_S = 10 * 60.0
"""How much of the vehicle's recent path is drawn behind it."""
FOLLOW_ZOOM = 15


class FollowMap(Protocol):
    """What following needs of the map pane."""

    def vehicle_position(self, vehicle_id: int) -> tuple[float, float] | None:
        """Where the vehicle was last reported (lon, lat)."""

    def show_track(
        self, track: Trajectory, summary: TrajectorySummary, *, fit: bool = True
    ) -> None:
        """Draw a trail."""

    def move_track_cursor(self, index: int, label: str = "") -> None:
        """Put the cursor on a sample of the trail."""

    def clear_track(self) -> None:
        """Remove the trail."""

    def center_on(self, lon: float, lat: float, min_zoom: int = ...) -> None:
        """Centre the map on a point."""


class VehicleFollower(QObject):
    """Keeps one vehicle centred on the map with its recent trail."""

    # ---- Signals

    sig_status = Signal(str)
    """A line for the status bar: who is followed, or why following stopped."""

    def __init__(
        self,
        map_pane: FollowMap,
        history: HistoryStore,
        clock: Clock,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._map = map_pane
        self._history = history
        self._clock = clock
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self.update)
        self.vehicle_id: int | None = None
        self.label = ""

    # ---- Public API

    def follow(self, vehicle_id: int, label: str) -> None:
        """Start following ``vehicle_id`` (shown as ``label``, e.g. its plate)."""
        self.vehicle_id = vehicle_id
        self.label = label
        self._timer.start()
        self.update()

    def stop(self, why: str = "") -> None:
        """Stop following and remove the trail."""
        if self.vehicle_id is None:
            return
        self.vehicle_id = None
        self._timer.stop()
        self._map.clear_track()
        self.sig_status.emit(why or f"Stopped following {self.label}")

    def update(self) -> None:
        """Centre on the vehicle and redraw its trail (once a second while following)."""
        vehicle_id = self.vehicle_id
        if vehicle_id is None:
            return
        where = self._map.vehicle_position(vehicle_id)
        if where is None:
            self.stop(f"{self.label} is not reporting its position; following stopped")
            return
        now = self._clock.now()
        trail = trajectory(self._history, vehicle_id, now - TRAIL_S, now)
        if len(trail) > 1:
            self._map.show_track(trail, summarise(trail, self._history.config), fit=False)
            self._map.move_track_cursor(len(trail) - 1, self.label)
        self._map.center_on(where[0], where[1], FOLLOW_ZOOM)
        self.sig_status.emit(f"Following {self.label} · trail of the last {TRAIL_S / 60:.0f} min")
