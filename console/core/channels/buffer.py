"""Channels sampled together: one time axis, one float32 row per channel, min/max pyramid.

A :class:`ChannelGroup` keeps the newest ``capacity`` samples of a few channels
that are sampled at the same moments (every sensor of one bridge, every city
figure of one kind). Memory is allocated once: a float64 time axis and a float32
matrix (channel × sample), with ``slack`` extra samples so that the window
stays contiguous; when the buffer is full the oldest ``slack`` samples are
dropped in one move (amortised O(1) per sample, never fewer than ``capacity``
kept).

Beside the samples the group keeps a min/max pyramid: level ``k`` holds the
minimum and maximum of every block of ``FACTOR**k`` samples, with blocks aligned
to the absolute sample count so that a panning view sees the same bins. A window
of any length is drawn from at most ``max_points`` points per channel: the
coarsest level with enough blocks is read and reduced once more on the fly, so
a spike is never lost (every bin shows its minimum and its maximum).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
ValueArray = npt.NDArray[np.float32]

FACTOR = 8
"""Samples per block at level 1, and blocks per block between levels."""
LEVELS = 3
"""Pyramid levels above the samples: blocks of 8, 64 and 512 samples."""
ALIGN = FACTOR**LEVELS


class ChannelGroup:
    """The newest ``capacity`` samples of ``columns`` channels sampled at the same moments."""

    def __init__(self, columns: int, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        # slack: a multiple of the largest block, about 1/16 of the capacity
        self.slack = max(ALIGN, math.ceil(capacity / 16 / ALIGN) * ALIGN)
        self._length = capacity + self.slack
        self._t: FloatArray = np.zeros(self._length, dtype=np.float64)
        self._v: ValueArray = np.full((max(columns, 0), self._length), np.nan, dtype=np.float32)
        self._mins: list[ValueArray] = []
        self._maxs: list[ValueArray] = []
        for level in range(1, LEVELS + 1):
            blocks = self._length // FACTOR**level
            self._mins.append(np.full((self.columns, blocks), np.nan, dtype=np.float32))
            self._maxs.append(np.full((self.columns, blocks), np.nan, dtype=np.float32))
        self._n = 0
        self._dropped = 0
        self.rejected = 0
        """Samples refused because they were not newer than the last one."""

    def clear(self) -> None:
        """Forget every sample (the channels stay defined)."""
        self._t.fill(0.0)
        self._v.fill(np.nan)
        for level in (*self._mins, *self._maxs):
            level.fill(np.nan)
        self._n = 0
        self._dropped = 0

    # ---- Shape

    @property
    def columns(self) -> int:
        """How many channels the group holds."""
        return int(self._v.shape[0])

    def __len__(self) -> int:
        return self._n

    @property
    def total(self) -> int:
        """Samples ever appended (kept ones and dropped ones)."""
        return self._dropped + self._n

    @property
    def nbytes(self) -> int:
        """Bytes held by the buffers (preallocated: the same empty or full)."""
        levels = sum(a.nbytes for a in self._mins) + sum(a.nbytes for a in self._maxs)
        return int(self._t.nbytes + self._v.nbytes + levels)

    def first_time(self) -> float | None:
        """Time of the oldest kept sample."""
        return float(self._t[0]) if self._n else None

    def last_time(self) -> float | None:
        """Time of the newest sample."""
        return float(self._t[self._n - 1]) if self._n else None

    def add_column(self) -> int:
        """Add a channel (NaN for every sample so far); returns its column."""
        self._v = np.vstack([self._v, np.full((1, self._length), np.nan, dtype=np.float32)])
        for level in range(LEVELS):
            blank = np.full((1, self._mins[level].shape[1]), np.nan, dtype=np.float32)
            self._mins[level] = np.vstack([self._mins[level], blank])
            self._maxs[level] = np.vstack([self._maxs[level], blank.copy()])
        return self.columns - 1

    # ---- Writing

    def append(self, ts: float, values: npt.ArrayLike) -> bool:
        """Add one sample of every column; False (and counted) if ``ts`` is not newer."""
        if self._n and ts <= self._t[self._n - 1]:
            self.rejected += 1
            return False
        if self._n == self._length:
            self._compact()
        self._t[self._n] = ts
        self._v[:, self._n] = values
        self._n += 1
        if self._n % FACTOR == 0:
            self._build_levels(self._n - 1)
        return True

    def extend(self, times: npt.ArrayLike, values: npt.ArrayLike) -> None:
        """Add many samples at once: ``times`` (n,) increasing, ``values`` (columns, n)."""
        t = np.asarray(times, dtype=np.float64)
        v = np.asarray(values, dtype=np.float32).reshape(self.columns, -1)
        if t.size != v.shape[1]:
            raise ValueError("times and values differ in length")
        if t.size and (np.any(np.diff(t) <= 0) or (self._n and t[0] <= self._t[self._n - 1])):
            raise ValueError("times must increase, after the newest sample")
        start = 0
        while start < t.size:
            if self._n == self._length:
                self._compact()
            take = min(t.size - start, self._length - self._n)
            first = self._n
            self._t[first : first + take] = t[start : start + take]
            self._v[:, first : first + take] = v[:, start : start + take]
            self._n += take
            start += take
            self._build_levels(first)

    def _build_levels(self, changed_from: int) -> None:
        """Recompute the complete blocks that contain samples from ``changed_from`` on."""
        lower_min: ValueArray = self._v
        lower_max: ValueArray = self._v
        lower_n = self._n
        first = changed_from
        for level in range(LEVELS):
            complete = lower_n // FACTOR
            lo = first // FACTOR
            if complete <= lo:
                return
            span = slice(lo * FACTOR, complete * FACTOR)
            shape = (self.columns, complete - lo, FACTOR)
            self._mins[level][:, lo:complete] = np.fmin.reduce(
                lower_min[:, span].reshape(shape), axis=2
            )
            self._maxs[level][:, lo:complete] = np.fmax.reduce(
                lower_max[:, span].reshape(shape), axis=2
            )
            lower_min, lower_max, lower_n, first = (
                self._mins[level],
                self._maxs[level],
                complete,
                lo,
            )

    def _compact(self) -> None:
        """Drop the oldest ``slack`` samples (blocks stay aligned: slack is a block multiple)."""
        keep = self._n - self.slack
        self._t[:keep] = self._t[self.slack : self._n]
        self._v[:, :keep] = self._v[:, self.slack : self._n]
        for level in range(LEVELS):
            size = FACTOR ** (level + 1)
            shift, kept = self.slack // size, keep // size
            self._mins[level][:, :kept] = self._mins[level][:, shift : shift + kept]
            self._maxs[level][:, :kept] = self._maxs[level][:, shift : shift + kept]
        self._n = keep
        self._dropped += self.slack

    # ---- Reading

    def samples(self, column: int) -> tuple[FloatArray, ValueArray]:
        """Every kept sample of one column, oldest first (copies)."""
        return self._t[: self._n].copy(), self._v[column, : self._n].copy()

    def window(
        self, column: int, t0: float, t1: float, max_points: int = 2000
    ) -> tuple[FloatArray, ValueArray]:
        """Samples of ``column`` covering ``[t0, t1]`` (one beyond each end, to draw the
        lines to the edges), as at most ``max_points`` points: raw when few enough,
        otherwise two points (minimum, maximum) per bin."""
        x, ys = self.window_columns([column], t0, t1, max_points)
        return x, ys[0]

    def window_columns(
        self, columns: Sequence[int], t0: float, t1: float, max_points: int = 2000
    ) -> tuple[FloatArray, ValueArray]:
        """:meth:`window` of several columns at once: one time axis, values by column
        (a chart's channels mostly share a group: one pass instead of one each)."""
        rows = np.asarray(columns, dtype=np.intp)
        n = self._n
        times = self._t[:n]
        i0 = max(int(np.searchsorted(times, t0, side="left")) - 1, 0)
        i1 = min(int(np.searchsorted(times, t1, side="right")) + 1, n)
        if i1 <= i0:
            return np.zeros(0, np.float64), np.zeros((rows.size, 0), np.float32)
        if i1 - i0 <= max_points:
            return times[i0:i1].copy(), self._v[rows, i0:i1]
        return self._decimated(rows, i0, i1, max(max_points // 2, 1))

    def _decimated(
        self, rows: npt.NDArray[np.intp], i0: int, i1: int, bins: int
    ) -> tuple[FloatArray, ValueArray]:
        count = i1 - i0
        level = 0
        while level < LEVELS and count / FACTOR ** (level + 1) >= bins:
            level += 1
        size = FACTOR**level
        # room for one more bin at each end, where the window is aligned outwards
        reduce = max(1, math.ceil(count / size / max(bins - 2, 1)))
        # bins aligned to the absolute sample count: a panning view keeps the same bins
        offset = self._dropped // size
        first_block = max((i0 // size + offset) // reduce * reduce - offset, 0)
        end_block = -(-(-(-i1 // size) + offset) // reduce) * reduce - offset
        complete = self._n // size
        stop = min(end_block, complete)
        if level == 0:
            mins = maxs = self._v[rows, first_block:stop]
        else:
            mins = self._mins[level - 1][rows, first_block:stop]
            maxs = self._maxs[level - 1][rows, first_block:stop]
        extra = [np.full((rows.size, 1), np.nan, dtype=np.float32)] * 2
        if end_block > complete:  # the newest samples, not yet a complete block
            tail = self._v[rows, complete * size : self._n]
            if tail.shape[1]:
                extra = [
                    np.fmin.reduce(tail, axis=1)[:, None],
                    np.fmax.reduce(tail, axis=1)[:, None],
                ]
            mins, maxs = np.hstack([mins, extra[0]]), np.hstack([maxs, extra[1]])
        pad = -mins.shape[1] % reduce
        if pad:
            blank = np.full((rows.size, pad), np.nan, dtype=np.float32)
            mins, maxs = np.hstack([mins, blank]), np.hstack([maxs, blank])
        mins, maxs = _fold(mins, reduce, np.fmin), _fold(maxs, reduce, np.fmax)
        starts = (first_block + np.arange(mins.shape[1]) * reduce) * size
        keep = starts < self._n
        x = np.repeat(self._t[starts[keep]], 2)
        ys = np.empty((rows.size, x.size), dtype=np.float32)
        ys[:, 0::2], ys[:, 1::2] = mins[:, keep], maxs[:, keep]
        return x, ys


def _fold(values: ValueArray, width: int, combine: np.ufunc) -> ValueArray:
    """Combine every ``width`` neighbours of each row (the row length is a multiple):
    ``width - 1`` passes over strided views, much faster than a reduction along a
    short last axis."""
    if width == 1:
        return values
    blocks = values.reshape(values.shape[0], -1, width)
    out = blocks[:, :, 0].copy()
    for k in range(1, width):
        combine(out, blocks[:, :, k], out=out)
    return out
