"""The core assembles and runs without Qt: city, bus, storage, incidents, simulation."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from console.core.events import Event, IncidentChanged, VehicleBatch
from console.core.history import fleet_snapshot
from console.core.recording import RecordingReader
from console.core.runtime import CoreOptions, build_core


def _options(tmp_path: Path, colleague_share: float = 0.7) -> CoreOptions:
    """A core on its own SQLite file and history folder, from a fixed simulated start."""
    return CoreOptions(
        database_url=f"sqlite:///{tmp_path / 'c.db'}",
        history_dir=tmp_path / "history",
        start=1_795_000_000.0,
        colleague_share=colleague_share,
    )


def test_core_runs_the_simulation_into_the_bus_and_stops(tmp_path: Path) -> None:
    core = build_core(_options(tmp_path))
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


def test_crews_and_automatic_rules_run_in_the_assembled_core(tmp_path: Path) -> None:
    """A dispatched case is signed for by its simulated crew; a late one is alerted."""
    core = build_core(_options(tmp_path, colleague_share=0.0))
    try:
        service = core.incidents
        lon, lat = 117.3655, 32.9390  # central Bengbu
        path = core.city.lookup(lon, lat)
        assert path is not None
        case = service.report("road_accident", lon, lat, "两车追尾", "op-li")
        late = service.report("flooding", lon, lat, "地下通道积水", "op-li")
        assert len(core.units) > 9_000
        service.accept(case.id, "op-li")
        service.act(case.id, "open", "op-li")
        (police, *_) = [u for u in core.units.based_in(path.county) if u.kind == "traffic_police"]
        service.dispatch(case.id, police.unit_id, "op-li")
        core.bus.drain()
        assert core.board.status_of(police.unit_id) == "assigned"
        for _ in range(40):
            core.clock.skip(30.0)
            core.step_automatic()
            core.bus.drain()
            current = service.get(case.id)
            assert current is not None
            if current.signed_at is not None:
                break
        assert current.signed_at is not None, "the crew signs for its case"
        core.clock.skip(3 * 60.0)
        core.step_automatic()
        alerted = service.get(late.id)
        assert alerted is not None and alerted.alert_count == 1
        assert core.colleagues is None
    finally:
        core.stop()


def test_colleague_desks_work_cases_in_the_assembled_core(tmp_path: Path) -> None:
    core = build_core(_options(tmp_path, colleague_share=1.0))
    try:
        case = core.incidents.report("road_accident", 117.3655, 32.9390, "追尾", "hotline")
        core.bus.drain()
        assert core.colleagues is not None and core.colleagues.planned == 1
        for _ in range(30):
            core.clock.skip(60.0)
            core.step_automatic()
            core.bus.drain()
        current = core.incidents.get(case.id)
        assert current is not None and current.dispatch_count >= 1
        assert current.handler == core.colleagues.desk
    finally:
        core.stop()


def test_a_message_to_a_taxi_is_answered_by_its_simulated_terminal(tmp_path: Path) -> None:
    core = build_core(_options(tmp_path, colleague_share=0.0))
    try:
        assert core.messages is not None
        sent = core.messages.send(7, "taxi", "乘客遗失手机，请联系 12328", "op-li")
        core.bus.drain()
        for _ in range(20):
            core.clock.skip(15.0)
            core.step_automatic()
            core.bus.drain()
        answered = core.messages.get(sent.message_id)
        assert answered is not None and answered.state != "sent"
        actors = [row.actor for row in core.messages.history(sent.message_id)]
        assert actors[0] == "op-li"
        assert {"terminal:7", "system"} & set(actors[1:])  # answered, or timed out by the rule
    finally:
        core.stop()


def test_positions_are_recorded_into_the_history_folder(tmp_path: Path) -> None:
    core = build_core(_options(tmp_path, colleague_share=0.0))
    try:
        for _ in range(3):
            core.simulation.step_once()
            core.bus.drain()
        assert core.history is not None
        snapshot = fleet_snapshot(core.history, core.clock.now())
        assert len(snapshot.ids) > 1_000  # the slices of the fleet reported so far
    finally:
        core.stop()
    assert (tmp_path / "history").is_dir()


def test_a_core_with_a_recording_folder_records_every_bus_event(tmp_path: Path) -> None:
    """Simulation batches and the operator's actions alike, readable after the core stops."""
    core = build_core(
        replace(_options(tmp_path, colleague_share=0.0), recording_dir=tmp_path / "rec")
    )
    try:
        core.simulation.step_once()
        case = core.incidents.report("road_accident", 117.3655, 32.9390, "两车追尾", "op-li")
        core.incidents.accept(case.id, "op-li")
        core.bus.drain()
    finally:
        core.stop()
    assert core.recorder is None  # closed with the core
    with RecordingReader(tmp_path / "rec") as reader:
        recorded = [event for _at, event in reader.events_between(-math.inf, math.inf)]
        assert reader.problems == []
    assert any(isinstance(e, VehicleBatch) for e in recorded)
    changes = [(e.action, e.actor) for e in recorded if isinstance(e, IncidentChanged)]
    assert ("reported", "op-li") in changes and ("accepted", "op-li") in changes
