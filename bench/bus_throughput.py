"""Bus throughput: position events from a source thread to GUI-thread subscribers.

Ours: a source thread posts ``VehiclePosition`` events (52,600 vehicles, one
key each) as fast as it can; the real frame tick drains the bus on the GUI
thread every 40 ms into a ``latest`` (conflated) subscriber that writes the
positions into arrays. Figure: events per second delivered, with the frame
tick's duration reported alongside.

Baseline, same run: one queued Qt signal per event from the same kind of
source thread to a GUI-thread slot doing the same array write.

Prints ``RESULT bus_events_per_s <value> events/s ratio=<ours/baseline>``.
"""

from __future__ import annotations

import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from console.qt.qt_env import prepare_qt_environment

prepare_qt_environment(headless=True)

import numpy as np  # noqa: E402
from PySide6.QtCore import QObject, QTimer, Signal  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from console.core.bus import Delivery, EventBus  # noqa: E402
from console.core.clock import ManualClock  # noqa: E402
from console.core.events import VehicleClass, VehiclePosition  # noqa: E402
from console.qt.frame_tick import FrameTick  # noqa: E402

VEHICLES = 52_600
BASELINE_EVENTS = 200_000
RATES = (250_000, 500_000, 1_000_000, 2_000_000)
SECONDS_PER_RATE = 3.0
CHUNK = 2_000
TICK_LIMIT_MS = 50.0


def make_events(count: int) -> list[VehiclePosition]:
    """Position events cycling over the whole fleet."""
    rng = np.random.default_rng(552)
    lon = rng.uniform(117.2, 117.5, VEHICLES)
    lat = rng.uniform(32.85, 33.0, VEHICLES)
    pool = [
        VehiclePosition(0.0, i, VehicleClass.CARGO, float(lon[i]), float(lat[i]), 40.0, 90.0)
        for i in range(VEHICLES)
    ]
    return [pool[i % VEHICLES] for i in range(count)]


class PositionSink:
    """What a map-like subscriber does with positions: write them into arrays."""

    def __init__(self) -> None:
        self.lon = np.zeros(VEHICLES, dtype=np.float32)
        self.lat = np.zeros(VEHICLES, dtype=np.float32)
        self.received = 0

    def write(self, events: object) -> None:
        for event in events:  # type: ignore[attr-defined]
            self.lon[event.vehicle_id] = event.lon
            self.lat[event.vehicle_id] = event.lat
        self.received += len(events)  # type: ignore[arg-type]


def run_ours(
    app: QApplication, events: list[VehiclePosition], rate: float
) -> tuple[float, list[float]]:
    """Events per second through the bus with the source paced at ``rate``, and tick times."""
    bus = EventBus(ManualClock())
    sink = PositionSink()
    bus.subscribe(VehiclePosition, sink.write, Delivery.LATEST)
    tick = FrameTick(bus)
    tick_ms: list[float] = []
    tick.sig_ticked.connect(lambda _n: tick_ms.append(tick.last_tick_ms))
    done = threading.Event()
    counted = {"events": 0}

    def count(n: int) -> None:
        counted["events"] += n
        if counted["events"] >= len(events):
            done.set()
            app.quit()

    tick.sig_ticked.connect(count)

    def source() -> None:
        post = bus.post
        begin = time.perf_counter()
        for start in range(0, len(events), CHUNK):
            for event in events[start : start + CHUNK]:
                post(event)
            ahead = (start + CHUNK) / rate - (time.perf_counter() - begin)
            if ahead > 0:
                time.sleep(ahead)

    thread = threading.Thread(target=source, daemon=True)
    started = time.perf_counter()
    thread.start()
    tick.start()
    app.exec()
    elapsed = time.perf_counter() - started
    tick.stop()
    thread.join()
    return len(events) / elapsed, tick_ms


class Emitter(QObject):
    """Source-thread side of the baseline: one signal per event."""

    sig_position = Signal(object)
    """One position event."""


class Receiver(QObject):
    """GUI-thread side of the baseline."""

    def __init__(self, total: int, app: QApplication) -> None:
        super().__init__()
        self.sink = PositionSink()
        self.total = total
        self.app = app
        self.count = 0

    def on_position(self, event: VehiclePosition) -> None:
        self.sink.write((event,))
        self.count += 1
        if self.count == self.total:
            self.app.quit()


def run_baseline(app: QApplication, events: list[VehiclePosition]) -> float:
    """Events per second with one queued Qt signal per event."""
    receiver = Receiver(len(events), app)
    emitter = Emitter()
    emitter.sig_position.connect(receiver.on_position)

    def source() -> None:
        for event in events:
            emitter.sig_position.emit(event)

    worker = threading.Thread(target=source, daemon=True)
    started = time.perf_counter()
    QTimer.singleShot(0, worker.start)
    app.exec()
    elapsed = time.perf_counter() - started
    worker.join()
    return len(events) / elapsed


def main() -> None:
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    baseline = run_baseline(app, make_events(BASELINE_EVENTS))
    print(f"baseline (queued signal per event): {baseline:,.0f} events/s")
    sustained, sustained_p95 = 0.0, 0.0
    for rate in RATES:
        ours, tick_ms = run_ours(app, make_events(int(rate * SECONDS_PER_RATE)), rate)
        ticks = sorted(tick_ms)
        p95 = ticks[int(0.95 * (len(ticks) - 1))]
        print(
            f"ours at {rate:,} offered: {ours:,.0f} events/s delivered over {len(ticks)} ticks; "
            f"frame tick median {statistics.median(ticks):.1f} ms, p95 {p95:.1f} ms, "
            f"max {ticks[-1]:.1f} ms"
        )
        if p95 > TICK_LIMIT_MS:
            break
        sustained, sustained_p95 = ours, p95
    print(f"RESULT frame_tick_p95_ms {sustained_p95:.1f} ms")
    print(f"RESULT bus_events_per_s {sustained:.0f} events/s ratio={sustained / baseline:.1f}")


if __name__ == "__main__":
    main()
