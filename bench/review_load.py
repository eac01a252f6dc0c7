"""A day of recording at full city load, and the review of it (used by bench/recording.py).

The recording is made of the real simulation's own events: ``capture`` runs the
real core (52,600 vehicles, bridges, IoT stations, hotline, colleagues working
cases) for ``CYCLE_S`` simulated seconds and keeps every event with its drain
time; ``write_day`` then records that cycle over and over, shifted in time,
until the recording spans the hours asked for (positions, sensor samples and
cases at the density the city produces, each case with an id of its own).

``measure_review`` opens the recording in the real console window (offscreen)
and measures, in the same run:

- ``seek_ms``: a jump of the cursor to a random moment until every pane has
  been brought up to date (the jump, one frame tick: the drain and the
  visible panes' refresh). Baseline: replaying every record (all streams)
  from the start of that hour's segment up to the moment, the way a recording
  without windows and streams would have to.
- ``replay60_tick_ms``: the frame tick (pump of the recording, drain, refresh of
  the visible panes) while playing at 60×. Baseline: decoding the same events
  from JSON lines (``describe`` text), per tick.
"""

from __future__ import annotations

import dataclasses
import json
import random
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from console.core.clock import CompressedClock, ManualClock
from console.core.codec import event_from_dict
from console.core.events import EVENT_TYPES, Event, IncidentChanged, describe
from console.core.incidents.snapshot import case_columns
from console.core.recording import Recorder, RecordingReader
from console.core.runtime import CoreOptions, build_core

CYCLE_S = 600
"""Simulated seconds captured from the real simulation and repeated."""
TIME_FIELDS = (
    "reported_at",
    "created_at",
    "updated_at",
    "due_at",
    "accepted_at",
    "opened_at",
    "dispatched_at",
    "signed_at",
    "handle_due_at",
    "handled_at",
    "verified_at",
    "closed_at",
)

Captured = list[tuple[float, list[Event]]]


def capture(tmp: Path, start: float) -> Captured:
    """``CYCLE_S`` simulated seconds of the real city, one drain per simulated second."""
    wall = ManualClock(0.0)  # the monotonic time the simulated clock runs on
    core = build_core(
        CoreOptions(
            database_url=f"sqlite:///{tmp / 'capture.db'}",
            history_dir=tmp / "capture_history",
            start=start,
            speed=1.0,
        ),
        clock=CompressedClock(start, 1.0, monotonic=wall.now),
    )
    drained: list[Event] = []
    core.bus.subscribe("*", drained.extend, name="capture")
    captured: Captured = []
    try:
        for second in range(CYCLE_S):
            wall.advance(1.0)
            core.simulation.step_once()
            if second % 5 == 0:
                core.step_automatic()
            while core.bus.drain():
                pass
            captured.append((core.clock.now() - start, drained[:]))
            drained.clear()
    finally:
        core.stop()
    return captured


def _shift(event: Event, dt: float, id_offset: int) -> Event:
    if isinstance(event, IncidentChanged) and event.case:
        columns = case_columns(event.case)
        columns["id"] += id_offset
        for name in TIME_FIELDS:
            if columns.get(name) is not None:
                columns[name] += dt
        if columns.get("merged_into") is not None:
            columns["merged_into"] += id_offset
        if columns.get("source_alarm_id") and id_offset:
            columns["source_alarm_id"] += f"~{id_offset}"  # each cycle's alarms are new ones
        text = json.dumps(columns, ensure_ascii=False, separators=(",", ":"))
        return dataclasses.replace(
            event, ts=event.ts + dt, incident_id=event.incident_id + id_offset, case=text
        )
    return dataclasses.replace(event, ts=event.ts + dt)


def write_day(folder: Path, captured: Captured, start: float, hours: float) -> Recorder:
    """Record the captured cycle again and again from ``start`` for ``hours``."""
    recorder = Recorder(folder, ManualClock(start), meta={"city": "bengbu", "seed": 552})
    cycles = int(hours * 3600 // CYCLE_S)
    for cycle in range(cycles):
        dt = cycle * CYCLE_S
        for offset, events in captured:
            at = start + dt + offset
            recorder.record([_shift(e, dt, cycle * 100_000) for e in events], at)
            recorder.flush()  # a block a second (the console flushes twice a second)
    recorder.close()
    return recorder


def baseline_seek_ms(folder: Path, targets: list[float], start: float) -> list[float]:
    """Replaying every record from the start of each target's hour up to it."""
    times = []
    with RecordingReader(folder) as reader:
        for target in targets:
            hour = start + (target - start) // 3600 * 3600
            began = time.perf_counter()
            for _record in reader.events_between(hour, target):
                pass
            times.append((time.perf_counter() - began) * 1000.0)
    return times


def json_decode_ms(folder: Path, t0: float, t1: float) -> float:
    """Decoding the events of ``[t0, t1]`` from JSON lines (the text made beforehand)."""
    with RecordingReader(folder) as reader:
        lines = [
            json.dumps(describe(e), ensure_ascii=False) for _, e in reader.events_between(t0, t1)
        ]
    began = time.perf_counter()
    for line in lines:
        plain: dict[str, Any] = json.loads(line)
        cls = EVENT_TYPES[plain["topic"]]
        event_from_dict(cls, plain)
    return (time.perf_counter() - began) * 1000.0


def summary(values: list[float]) -> str:
    """Median, 95th percentile and maximum of ``values`` (ms)."""
    return (
        f"n={len(values)} median={statistics.median(values):.1f} "
        f"p95={float(np.percentile(values, 95)):.1f} max={max(values):.1f} ms"
    )


def random_targets(start: float, end: float, count: int, seed: int = 5) -> list[float]:
    """``count`` moments spread over the recording (not in its first ten minutes)."""
    rng = random.Random(seed)
    return [rng.uniform(start + 600.0, end) for _ in range(count)]
