"""Injected clocks: the only place in the core that reads the machine's time.

Live operation uses :class:`WallClock`; the simulation uses
:class:`CompressedClock` (simulated time running ``factor`` times faster than
real time from a chosen start); tests use :class:`ManualClock`, which moves only
when told to.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol


class Clock(Protocol):
    """Anything that tells the current time in epoch seconds."""

    def now(self) -> float:
        """Current time, seconds since the Unix epoch."""
        ...


class SpeedClock(Clock, Protocol):
    """A clock whose pace the operator sets: the simulation's, or a replay's."""

    @property
    def factor(self) -> float:
        """How many seconds of the clock pass per real second."""
        ...

    def set_factor(self, factor: float) -> None:
        """Change the pace without a jump in time."""
        ...


class WallClock:
    """The real time of day."""

    def now(self) -> float:
        """Current wall-clock time."""
        return time.time()


class ManualClock:
    """A clock that stands still until advanced; for tests and stepping."""

    def __init__(self, start: float = 1_767_225_600.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> float:
        """Current simulated time."""
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds``."""
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        with self._lock:
            self._now += seconds


class CompressedClock:
    """Simulated time that runs ``factor`` times faster than real time.

    The factor can change while running (to make quiet hours watchable);
    simulated time stays continuous across the change.
    """

    def __init__(
        self, start: float, factor: float = 1.0, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        if factor <= 0:
            raise ValueError("time-compression factor must be positive")
        self._lock = threading.Lock()
        self._monotonic = monotonic
        self._anchor_sim = start
        self._anchor_real = monotonic()
        self._factor = factor

    @property
    def factor(self) -> float:
        """How many simulated seconds pass per real second."""
        return self._factor

    def set_factor(self, factor: float) -> None:
        """Change the compression factor without a jump in simulated time."""
        if factor <= 0:
            raise ValueError("time-compression factor must be positive")
        with self._lock:
            real = self._monotonic()
            self._anchor_sim += (real - self._anchor_real) * self._factor
            self._anchor_real = real
            self._factor = factor

    def skip(self, seconds: float) -> None:
        """Move simulated time forward by ``seconds`` at once (skipping a quiet stretch)."""
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        with self._lock:
            self._anchor_sim += seconds

    def now(self) -> float:
        """Current simulated time."""
        with self._lock:
            return self._anchor_sim + (self._monotonic() - self._anchor_real) * self._factor
