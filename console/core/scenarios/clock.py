"""Scenario time: seconds since the scenario started, paused and sped up by the trainer.

:class:`ScenarioClock` runs over an injected base clock (a monotonic clock in
the app, a :class:`~console.core.clock.ManualClock` in tests); it never reads
the machine's time itself.
"""

from __future__ import annotations

from console.core.clock import Clock

MIN_SPEED = 1.0
MAX_SPEED = 60.0


class ScenarioClock:
    """Elapsed scenario seconds: stands still until started, pausable, 1 to 60 times real time."""

    def __init__(self, base: Clock, speed: float = 1.0) -> None:
        self._base = base
        self._speed = _checked(speed)
        self._elapsed = 0.0
        self._anchor: float | None = None
        """Base time when the clock last started running (None while paused)."""

    @property
    def running(self) -> bool:
        """Whether scenario time is moving."""
        return self._anchor is not None

    @property
    def speed(self) -> float:
        """Scenario seconds per base-clock second."""
        return self._speed

    def elapsed(self) -> float:
        """Scenario seconds since the start (paused stretches not counted)."""
        if self._anchor is None:
            return self._elapsed
        return self._elapsed + (self._base.now() - self._anchor) * self._speed

    def now(self) -> float:
        """The same as :meth:`elapsed` (so the clock can be handed where a Clock is wanted)."""
        return self.elapsed()

    def resume(self) -> None:
        """Start or resume the clock (no effect while running)."""
        if self._anchor is None:
            self._anchor = self._base.now()

    def pause(self) -> None:
        """Stop the clock where it is (no effect while paused)."""
        if self._anchor is not None:
            self._elapsed = self.elapsed()
            self._anchor = None

    def set_speed(self, speed: float) -> None:
        """Run ``speed`` times faster than the base clock from now on (1 to 60)."""
        speed = _checked(speed)
        if self._anchor is not None:
            self._elapsed = self.elapsed()
            self._anchor = self._base.now()
        self._speed = speed


def _checked(speed: float) -> float:
    if not MIN_SPEED <= speed <= MAX_SPEED:
        raise ValueError(f"scenario speed must be {MIN_SPEED:g} to {MAX_SPEED:g}, not {speed:g}")
    return float(speed)
