"""Recording cost at full city load: CPU of the recorder alone, in % of one core.

Builds the real core (``build_core``: the city simulation with its 52,600
vehicles, bridges, IoT stations, hotline, crews and case rules) on a temporary
SQLite file at the console's speed (×10), starts the simulation thread and, on
the main thread, drains the bus every 40 ms as the frame tick does (and runs
the automatic step once a second), for ``--seconds`` of wall time.

- ``record_cpu_pct``: a :class:`console.core.recording.Recorder` subscribed to
  ``*`` records every event with its drain time into a recording folder
  (compressed blocks, flushed twice a second, fsync once a second). Its cost is
  the CPU time of the drain thread spent inside its calls
  (``time.thread_time`` around each, so the simulation thread is not counted),
  over the wall time.
- Baseline, same run, same events: every event as a JSON line
  (``describe`` + ``json.dumps`` + ``write``), flushed once a second, measured
  the same way.

Prints ``RESULT record_cpu_pct <x> % ratio=<baseline/ours>``.

    .venv/bin/python bench/recording.py [--seconds 20]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from console.core.events import Event, VehicleBatch, describe
from console.core.recording import Recorder, RecordingReader
from console.core.runtime import CoreOptions, build_core

DRAIN_S = 0.04
START = 1_767_250_800.0
"""08:20 in Bengbu on 1 January 2026: a busy morning."""


class Meter:
    """Adds up the drain thread's CPU time spent in wrapped calls."""

    def __init__(self) -> None:
        self.cpu_s = 0.0

    def wrap(self, call: Callable[[Sequence[Event]], None]) -> Callable[[Sequence[Event]], None]:
        """``call``, measured."""

        def measured(events: Sequence[Event]) -> None:
            begin = time.thread_time()
            call(events)
            self.cpu_s += time.thread_time() - begin

        return measured


class JsonLines:
    """The baseline: every event as one JSON line in a text file."""

    def __init__(self, path: Path) -> None:
        self.file = path.open("w", encoding="utf-8")
        self.last_flush = time.monotonic()

    def on_events(self, events: Sequence[Event]) -> None:
        """Write each event's ``describe`` as a JSON line; flush once a second."""
        write = self.file.write
        for event in events:
            write(json.dumps(describe(event), ensure_ascii=False))
            write("\n")
        if time.monotonic() - self.last_flush >= 1.0:
            self.file.flush()
            self.last_flush = time.monotonic()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--speed", type=float, default=10.0)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench_recording_"))
    core = build_core(
        CoreOptions(
            database_url=f"sqlite:///{tmp / 'console.db'}",
            history_dir=tmp / "history",
            speed=args.speed,
            start=START,
        )
    )
    recorder = Recorder(tmp / "recording", core.clock)
    ours, baseline = Meter(), Meter()
    lines = JsonLines(tmp / "events.jsonl")
    counts = {"events": 0, "vehicle_rows": 0}

    def count(events: Sequence[Event]) -> None:
        counts["events"] += len(events)
        counts["vehicle_rows"] += sum(len(e) for e in events if isinstance(e, VehicleBatch))

    core.bus.subscribe("*", ours.wrap(recorder.on_events), name="recorder")
    core.bus.subscribe("*", baseline.wrap(lines.on_events), name="json-lines")
    core.bus.subscribe("*", count, name="count")
    poll = ours.wrap(lambda _events: recorder.poll())
    core.start()
    began = time.perf_counter()
    next_second = began + 1.0
    while (now := time.perf_counter()) - began < args.seconds:
        core.bus.drain()
        poll(())
        if now >= next_second:
            core.step_automatic()
            next_second += 1.0
        time.sleep(max(0.0, DRAIN_S - (time.perf_counter() - now)))
    wall = time.perf_counter() - began
    core.simulation.stop()
    core.bus.drain()
    close = ours.wrap(lambda _events: recorder.close())
    close(())
    lines.file.close()
    core.stop()

    with RecordingReader(tmp / "recording") as reader:
        first, last = reader.time_range() or (0.0, 0.0)
        recorded = sum(block.count for block in reader.index)
        problems = len(reader.problems)
    jsonl_mb = (tmp / "events.jsonl").stat().st_size / 1e6
    print(
        f"{wall:.1f} s wall ({last - first:.0f} s simulated at ×{args.speed:g}): "
        f"{counts['events'] / wall:,.0f} events/s, "
        f"{counts['vehicle_rows'] / wall:,.0f} vehicle rows/s"
    )
    print(
        f"ours: {recorder.records_written:,} records "
        f"({recorded:,} read back, {problems} problems), "
        f"{recorder.bytes_raw / 1e6:.1f} MB raw -> {recorder.bytes_written / 1e6:.1f} MB on disk "
        f"in {recorder.segments_opened} segment(s); CPU {ours.cpu_s:.2f} s"
    )
    print(f"baseline (JSON lines): {jsonl_mb:.1f} MB on disk; CPU {baseline.cpu_s:.2f} s")
    pct = 100.0 * ours.cpu_s / wall
    base_pct = 100.0 * baseline.cpu_s / wall
    print(f"ours {pct:.2f} % of a core, baseline {base_pct:.2f} %")
    print(f"RESULT record_cpu_pct {pct:.2f} % ratio={base_pct / pct:.1f}")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
