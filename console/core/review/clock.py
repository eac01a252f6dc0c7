"""The review clock: a cursor over a recording that plays, pauses, changes speed and jumps."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

REVIEW_SPEEDS: tuple[float, ...] = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
"""The replay speeds a reviewer picks from (recorded seconds per real second)."""


class ReplayClock:
    """Recorded time between ``start`` and ``end``, moved by play, pause and seek.

    While playing, the cursor runs ``factor`` recorded seconds per real second
    (``wall``: monotonic seconds, injectable for tests) and stops at ``end``.
    """

    def __init__(
        self,
        start: float,
        end: float,
        factor: float = 1.0,
        wall: Callable[[], float] = time.monotonic,
    ) -> None:
        if end < start:
            raise ValueError("a recording cannot end before it starts")
        self.start = start
        self.end = end
        self._wall = wall
        self._lock = threading.Lock()
        self._cursor = start
        self._anchor_wall = wall()
        self._factor = _checked(factor)
        self._playing = False

    # ---- Reading

    def now(self) -> float:
        """The cursor: the recorded moment shown."""
        with self._lock:
            return self._now_locked()

    def _now_locked(self) -> float:
        if not self._playing:
            return self._cursor
        moved = self._cursor + (self._wall() - self._anchor_wall) * self._factor
        return min(moved, self.end)

    @property
    def factor(self) -> float:
        """Recorded seconds per real second while playing."""
        return self._factor

    @property
    def playing(self) -> bool:
        """Whether the cursor moves (False once it reaches the end)."""
        with self._lock:
            if self._playing and self._now_locked() >= self.end:
                self._hold(self.end)
            return self._playing

    # ---- Moving

    def play(self) -> None:
        """Run from where the cursor is (from the start again when at the end)."""
        with self._lock:
            if self._now_locked() >= self.end:
                self._cursor = self.start
            self._anchor_wall = self._wall()
            self._playing = True

    def pause(self) -> None:
        """Hold the cursor where it is."""
        with self._lock:
            self._hold(self._now_locked())

    def set_factor(self, factor: float) -> None:
        """Change the speed without a jump of the cursor."""
        factor = _checked(factor)
        with self._lock:
            self._cursor = self._now_locked()
            self._anchor_wall = self._wall()
            self._factor = factor

    def seek(self, at: float) -> float:
        """Put the cursor at ``at`` (clamped to the recording); returns where it is."""
        with self._lock:
            self._cursor = min(max(at, self.start), self.end)
            self._anchor_wall = self._wall()
            return self._cursor

    def _hold(self, at: float) -> None:
        self._cursor = at
        self._playing = False


def _checked(factor: float) -> float:
    if not factor > 0:
        raise ValueError("a replay speed must be positive")
    return float(factor)
