"""Position history of the tracked fleet: hourly columnar chunks, a recorder, queries.

Typical use::

    store = HistoryStore(user_data_dir() / "history", load_history_config(city_dir))
    recorder = HistoryRecorder(store); recorder.attach(bus)
    track = trajectory(store, vehicle_id, start, end)      # draw with a time slider
    summary = summarise(track, store.config)                # mileage, stops, speeding
    snap = fleet_snapshot(store, at)                        # snap.as_batch() for the map
"""

from console.core.geo import great_circle_km
from console.core.history.analysis import (
    SpeedingSegment,
    Stop,
    TrajectorySummary,
    cumulative_km,
    find_speeding,
    find_stops,
    mileage_km,
    summarise,
)
from console.core.history.config import Grid, HistoryConfig, load_history_config
from console.core.history.query import fleet_snapshot, trajectory
from console.core.history.recorder import HistoryRecorder
from console.core.history.store import HistoryStore
from console.core.history.trajectory import FleetSnapshot, Trajectory

__all__ = [
    "FleetSnapshot",
    "Grid",
    "HistoryConfig",
    "HistoryRecorder",
    "HistoryStore",
    "SpeedingSegment",
    "Stop",
    "Trajectory",
    "TrajectorySummary",
    "cumulative_km",
    "find_speeding",
    "find_stops",
    "fleet_snapshot",
    "great_circle_km",
    "load_history_config",
    "mileage_km",
    "summarise",
    "trajectory",
]
