"""The simulation as a source: a thread that steps the city by its clock and posts to the bus.

The thread wakes every ``tick_s`` real seconds (an ``Event.wait``, so ``stop``
is prompt), reads the injected clock, steps the simulation to that time, posts
the events and decodes the external records at the edge; a record that fails
validation is quarantined with ``bus.reject``. If a step raises, the error is
logged and the source stops.
"""

from __future__ import annotations

import logging
import threading
from typing import Protocol

from console.core.bus import EventBus
from console.core.clock import Clock
from console.core.codec import Bbox, PayloadError, decode_payload, raw_text
from console.core.events import Event
from console.core.sim.simulation import SimStep

log = logging.getLogger(__name__)


class Stepper(Protocol):
    """Anything advanced by simulated time that reports what happened."""

    def step(self, now: float) -> SimStep:
        """Advance to ``now`` and return the events and raw records produced."""
        ...


class SimulationSource:
    """Runs a :class:`Stepper` in its own thread, posting what it produces to a bus."""

    def __init__(
        self,
        stepper: Stepper,
        bus: EventBus,
        clock: Clock,
        *,
        name: str = "simulation",
        tick_s: float = 0.1,
        bbox: Bbox | None = None,
    ) -> None:
        self.stepper = stepper
        self.bus = bus
        self.clock = clock
        self.name = name
        self.tick_s = tick_s
        self.bbox = bbox
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._steps = 0
        self._stepped = threading.Condition()

    @property
    def running(self) -> bool:
        """Whether the source thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def steps(self) -> int:
        """Steps completed since start."""
        with self._stepped:
            return self._steps

    def start(self) -> None:
        """Start the source thread (no effect if already running)."""
        if self.running:
            return
        self._stop.clear()
        self.error = None
        self._thread = threading.Thread(target=self._run, name=f"source-{self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the thread to stop and wait for it (idempotent)."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
            if thread.is_alive():
                log.warning("source %s did not stop within %.1f s", self.name, timeout)
                return
        self._thread = None

    def wait_for_steps(self, count: int, timeout: float) -> bool:
        """Block until ``count`` steps have completed in total (False on timeout or stop)."""
        with self._stepped:
            return (
                self._stepped.wait_for(lambda: self._steps >= count or self._stop.is_set(), timeout)
                and self._steps >= count
            )

    def _run(self) -> None:
        try:
            while True:
                self.step_once()
                if self._stop.wait(self.tick_s):
                    break
        except Exception as exc:
            self.error = exc
            log.exception("source %s failed and stopped", self.name)
        finally:
            self._stop.set()
            with self._stepped:
                self._stepped.notify_all()

    def step_once(self) -> None:
        """Step to the clock's time and post the results (the thread's unit of work)."""
        now = self.clock.now()
        result = self.stepper.step(now)
        events: list[Event] = list(result.events)
        for record in result.external:
            try:
                events.append(decode_payload(record.topic, record.payload, now=now, bbox=self.bbox))
            except PayloadError as exc:
                self.bus.reject(record.source, exc.reason, raw_text(record.payload))
        if events:
            self.bus.post_many(events)
        with self._stepped:
            self._steps += 1
            self._stepped.notify_all()
