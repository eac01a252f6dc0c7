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

Then a day of recording at full city load is written and reviewed in the real
console window (offscreen): see ``bench/review_load.py`` for ``seek_ms`` and
``replay60_tick_ms`` and their baselines.

    .venv/bin/python bench/recording.py [--seconds 20] [--hours 24]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
import review_load

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
    parser.add_argument(
        "--hours", type=float, default=24.0, help="length of the reviewed recording"
    )
    parser.add_argument("--seeks", type=int, default=12)
    parser.add_argument("--ticks", type=int, default=250, help="frame ticks played at 60×")
    parser.add_argument("--skip-record", action="store_true", help="only the review part")
    args = parser.parse_args()
    if not args.skip_record:
        bench_record(args)
    bench_review(args)


def bench_record(args: argparse.Namespace) -> None:
    """``record_cpu_pct``."""
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


def bench_review(args: argparse.Namespace) -> None:
    """``seek_ms`` and ``replay60_tick_ms`` in a recording of ``args.hours``."""
    tmp = Path(tempfile.mkdtemp(prefix="bench_review_"))
    try:
        began = time.perf_counter()
        captured = review_load.capture(tmp, START)
        print(
            f"captured {review_load.CYCLE_S} s of the city in {time.perf_counter() - began:.0f} s"
        )
        began = time.perf_counter()
        recorder = review_load.write_day(tmp / "day", captured, START, args.hours)
        del captured
        print(
            f"{args.hours:g} h recording written in {time.perf_counter() - began:.0f} s: "
            f"{recorder.records_written:,} records, {recorder.bytes_raw / 1e9:.2f} GB raw -> "
            f"{recorder.bytes_written / 1e9:.2f} GB in {recorder.segments_opened} segments"
        )
        review_window(tmp, args)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def review_window(tmp: Path, args: argparse.Namespace) -> None:
    """Open the recording in the console window and measure seeks and 60× ticks."""
    from console.qt.qt_env import prepare_qt_environment

    prepare_qt_environment(headless=True)
    from PySide6.QtWidgets import QApplication

    from console.core.review import build_review_core
    from console.qt.console_app import build_console
    from console.qt.theme import apply_theme

    app = QApplication.instance() or QApplication(["bench"])
    assert isinstance(app, QApplication)
    apply_theme(app)
    began = time.perf_counter()
    core = build_review_core(tmp / "day")
    source = core.review
    assert source is not None
    window, _flow = build_console(core, "bench", tmp / "profile")
    window.resize(1680, 1000)
    window.show()
    core.start()
    opened = time.perf_counter() - began
    map_pane = window.panes["map"]
    deadline = time.perf_counter() + 60.0
    while not map_pane.page_ready and time.perf_counter() < deadline:  # type: ignore[attr-defined]
        app.processEvents()
        time.sleep(0.01)
    print(
        f"review opened in {opened:.1f} s ({len(source.timeline.versions):,} cases, "
        f"{len(source.reader.index):,} blocks); map ready: {map_pane.page_ready}"  # type: ignore[attr-defined]
    )
    tick = _frame_tick(window)
    clock = source.clock
    targets = review_load.random_targets(clock.start, clock.end, args.seeks)
    seeks = []
    for target in targets:
        app.processEvents()
        started = time.perf_counter()
        source.jump(target)
        tick.tick()
        app.processEvents()
        seeks.append((time.perf_counter() - started) * 1000.0)
    baseline = review_load.baseline_seek_ms(tmp / "day", targets, clock.start)
    print(f"seek   ours     {review_load.summary(seeks)}")
    print(f"seek   baseline {review_load.summary(baseline)} (replay from the hour's start)")
    source.jump(clock.start + (clock.end - clock.start) / 2)
    clock.set_factor(60.0)
    clock.play()
    played_from = clock.now()
    ticks = []
    next_tick = time.perf_counter()
    for _ in range(args.ticks):
        next_tick += DRAIN_S
        tick.tick()
        ticks.append(tick.last_tick_ms)
        app.processEvents()
        time.sleep(max(0.0, next_tick - time.perf_counter()))
    clock.pause()
    played = clock.now() - played_from
    decode = review_load.json_decode_ms(tmp / "day", played_from, played_from + played)
    per_tick_baseline = decode / len(ticks)
    print(f"replay ×60 ours {review_load.summary(ticks)} ({played:.0f} s of recording played)")
    print(f"replay ×60 baseline: JSON-lines decode alone {per_tick_baseline:.1f} ms a tick")
    seek_ms = max(seeks)
    tick_ms = float(np.percentile(ticks, 95))
    print(f"RESULT seek_ms {seek_ms:.0f} ms ratio={statistics.median(baseline) / seek_ms:.1f}")
    print(f"RESULT replay60_tick_ms {tick_ms:.1f} ms ratio={per_tick_baseline / tick_ms:.1f}")
    window.close()
    core.stop()


def _frame_tick(window: object) -> Any:
    """The window's frame tick (the object that pumps, drains and refreshes)."""
    from console.qt.frame_tick import FrameTick

    found = window.findChild(FrameTick)  # type: ignore[attr-defined]
    if found is None:
        raise RuntimeError("the window has no frame tick")
    return found


if __name__ == "__main__":
    main()
