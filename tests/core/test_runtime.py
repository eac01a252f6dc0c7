"""The core assembles and runs without Qt: city, bus, storage, incidents, simulation."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from console.core.events import Event, VehicleBatch
from console.core.runtime import CoreOptions, build_core


def test_core_runs_the_simulation_into_the_bus_and_stops(tmp_path: Path) -> None:
    options = CoreOptions(database_url=f"sqlite:///{tmp_path / 'c.db'}", start=1_795_000_000.0)
    core = build_core(options)
    vehicles: list[Event] = []

    def collect(events: Sequence[Event]) -> None:
        vehicles.extend(events)

    handle = core.bus.subscribe(VehicleBatch, collect)
    try:
        core.simulation.step_once()
        core.bus.drain()
        batches = [e for e in vehicles if isinstance(e, VehicleBatch)]
        assert batches, "the first step reports vehicle positions"
        fleet = sum(core.city.fleet_counts.values())
        assert fleet == 52_611
        assert all(int(b.ids.min()) >= 0 and int(b.ids.max()) < fleet for b in batches)
        assert core.name_of("340303") == "蚌山区"
        assert core.name_of("no-such-code") == "no-such-code"
        assert core.database.describe().startswith("SQLite")
    finally:
        handle.close()
        core.stop()
        core.stop()  # idempotent
