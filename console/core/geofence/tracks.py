"""Dense slots for tracks (vehicles, vessels), so fence state can live in numpy arrays.

A track is keyed by its class code and id together (a vessel and a vehicle may
share an id). Each key gets a slot, an index into the engine's arrays, the first
time it is seen. Sources that report the same slice of the fleet again and
again (a ``group``, e.g. a batch id) get their slots from a cache checked with
one array comparison.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True, eq=False)
class BatchSlots:
    """The slots of one batch's tracks, and what is cheap to know about them once."""

    slots: IntArray
    span: slice | None
    """The slots as one contiguous range, if they are (then they are also unique)."""
    present: npt.NDArray[np.bool_]
    """Which of the 256 class codes occur in the batch."""


def track_keys(classes: npt.NDArray[np.uint8], ids: npt.NDArray[np.int64]) -> IntArray:
    """One int64 key per track: the class code in the high bits, the id in the low 32."""
    keys: IntArray = (classes.astype(np.int64) << 32) | (ids.astype(np.int64) & 0xFFFFFFFF)
    return keys


class TrackIndex:
    """Assigns and remembers a dense slot per (class, id) key."""

    def __init__(self) -> None:
        self._sorted_keys: IntArray = np.empty(0, dtype=np.int64)
        self._sorted_slots: IntArray = np.empty(0, dtype=np.int64)
        self.slot_class: npt.NDArray[np.uint8] = np.empty(0, dtype=np.uint8)
        self.slot_id: IntArray = np.empty(0, dtype=np.int64)
        self._groups: dict[str, tuple[IntArray, npt.NDArray[np.uint8], BatchSlots]] = {}

    def __len__(self) -> int:
        return int(self.slot_id.shape[0])

    def slots(
        self,
        classes: npt.NDArray[np.uint8],
        ids: npt.NDArray[np.int64],
        group: str | None = None,
    ) -> BatchSlots:
        """The slot of each (class, id), new ones assigned in order of appearance."""
        if group is not None:
            cached = self._groups.get(group)
            if (
                cached is not None
                and np.array_equal(cached[0], ids)
                and np.array_equal(cached[1], classes)
            ):
                return cached[2]
        keys = track_keys(classes, ids)
        slots = self._lookup(keys)
        missing = slots < 0
        if missing.any():
            new_keys, first = np.unique(keys[missing], return_index=True)
            new_keys = new_keys[np.argsort(first)]
            self._add(new_keys)
            slots = self._lookup(keys)
        n = slots.shape[0]
        start = int(slots[0]) if n else 0
        contiguous = n > 0 and bool(np.array_equal(slots, np.arange(start, start + n)))
        result = BatchSlots(
            slots,
            slice(start, start + n) if contiguous else None,
            np.bincount(classes, minlength=256).astype(bool),
        )
        if group is not None:
            self._groups[group] = (ids.copy(), classes.copy(), result)
        return result

    def _lookup(self, keys: IntArray) -> IntArray:
        """Slots of ``keys`` (-1 where unknown)."""
        known = self._sorted_keys
        if known.shape[0] == 0:
            return np.full(keys.shape[0], -1, dtype=np.int64)
        pos = np.searchsorted(known, keys)
        pos_ok = np.minimum(pos, known.shape[0] - 1)
        found = known[pos_ok] == keys
        result: IntArray = np.where(found, self._sorted_slots[pos_ok], -1)
        return result

    def _add(self, new_keys: IntArray) -> None:
        start = len(self)
        new_slots = np.arange(start, start + new_keys.shape[0], dtype=np.int64)
        keys = np.concatenate([self._sorted_keys, new_keys])
        slots = np.concatenate([self._sorted_slots, new_slots])
        order = np.argsort(keys, kind="stable")
        self._sorted_keys = keys[order]
        self._sorted_slots = slots[order]
        self.slot_class = np.concatenate([self.slot_class, (new_keys >> 32).astype(np.uint8)])
        low = new_keys & 0xFFFFFFFF
        self.slot_id = np.concatenate([self.slot_id, np.where(low >= 2**31, low - 2**32, low)])
