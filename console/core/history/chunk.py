"""Closed hourly chunks on disk: one folder of plain ``.npy`` columns per hour (and part).

Why this format: numpy only (no new dependency), append-free once written, and
memory-mapped for reads, so a query touches only the bytes it needs. When an
hour closes its rows are sorted by (vehicle, time) and indexed:

* ``vehicles.npy`` (int32, sorted), ``classes.npy`` (uint8) and ``offsets.npy``
  (uint32, len+1): vehicle ``vehicles[i]`` owns rows ``offsets[i]:offsets[i+1]``;
* ``times.npy`` (float64): the hour's distinct timestamps, sorted;
* ``tix.npy`` (uint16): per row, its index in ``times``;
* ``packed.npy`` (uint64): per row, position, speed and heading (:mod:`.packing`);
* ``meta.json``: format version, hour, part, row count and the grid used.

A trajectory reads one vehicle's slice of ``tix`` and ``packed`` per hour; a
fleet snapshot reads ``tix`` once and one row per vehicle.

A chunk is written into ``<name>.tmp`` and renamed to ``<name>`` after fsync, so
a folder without ``.tmp`` is always complete; leftovers are removed on start.
Restarting in the middle of an hour gives that hour a second part
(``20260101T08Z.1``); queries merge parts.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from console.core.history.config import HISTORY_FORMAT_VERSION, Grid
from console.core.history.packing import Decoded, unpack

RECORD_DTYPE = np.dtype([("ts", "<f8"), ("packed", "<u8"), ("id", "<i4"), ("cls", "u1")])
"""One sample as kept in the open hour and its journal (21 bytes, no padding)."""

Records = npt.NDArray[np.void]
HOUR_S = 3600
_MAX_TIMES = 65_535
_NAME = re.compile(r"^(\d{8}T\d{2})Z\.(\d+)$")


def empty_records() -> Records:
    """No samples."""
    return np.empty(0, dtype=RECORD_DTYPE)


def chunk_name(hour: int, part: int) -> str:
    """Folder name of hour ``hour`` (epoch hours, UTC) and ``part``, e.g. ``20260101T08Z.0``."""
    stamp = datetime.fromtimestamp(hour * HOUR_S, UTC).strftime("%Y%m%dT%H")
    return f"{stamp}Z.{part}"


def parse_chunk_name(name: str) -> tuple[int, int] | None:
    """(hour, part) of a chunk folder name, or None if it is not one."""
    match = _NAME.match(name)
    if match is None:
        return None
    when = datetime.strptime(match.group(1), "%Y%m%dT%H").replace(tzinfo=UTC)
    return int(when.timestamp()) // HOUR_S, int(match.group(2))


@dataclass(frozen=True, slots=True)
class VehicleRows:
    """One vehicle's samples in one part, in time order."""

    vehicle_class: int
    times: npt.NDArray[np.float64]
    samples: Decoded


@dataclass(frozen=True, slots=True)
class LatestRows:
    """Per vehicle, its last sample at or before some moment."""

    ids: npt.NDArray[np.int32]
    classes: npt.NDArray[np.uint8]
    times: npt.NDArray[np.float64]
    samples: Decoded


def empty_latest() -> LatestRows:
    """No vehicles."""
    none = np.empty(0, dtype=np.uint64)
    return LatestRows(
        np.empty(0, np.int32), np.empty(0, np.uint8), np.empty(0), unpack(Grid(), none)
    )


class Part(Protocol):
    """A queryable piece of one hour: a closed chunk or the open hour in memory."""

    hour: int

    def rows_of(self, vehicle_id: int) -> VehicleRows | None:
        """The vehicle's samples in this part (None if it has none)."""
        ...

    def latest(self, at: float, since: float) -> LatestRows:
        """Each vehicle's last sample at or before ``at`` (parts may skip rows before ``since``)."""
        ...


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _save(directory: Path, column: str, values: npt.NDArray[Any]) -> None:
    path = directory / f"{column}.npy"
    with path.open("wb") as handle:
        np.save(handle, values)
        handle.flush()
        os.fsync(handle.fileno())


def _time_table(ts: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.float64], npt.NDArray[Any]]:
    """Distinct timestamps of time-ordered ``ts`` and each row's index among them."""
    change = np.empty(ts.shape[0], dtype=bool)
    change[0] = True
    np.not_equal(ts[1:], ts[:-1], out=change[1:])
    return ts[change], np.cumsum(change) - 1


def write_chunk(root: Path, hour: int, part: int, records: Records, grid: Grid) -> Path | None:
    """Sort, index and write ``records`` (packed with ``grid``) as a closed chunk.

    Returns the chunk folder (None when there is nothing to write). Rows must
    lie in ``hour``; more than 65,535 distinct times in an hour (a feed faster
    than 18 Hz) are rounded to 1/16 s.
    """
    if records.shape[0] == 0:
        return None
    ts = records["ts"]
    if ts.shape[0] > 1 and bool(np.any(ts[1:] < ts[:-1])):
        records = records[np.argsort(ts, kind="stable")]
        ts = records["ts"]
    times, tix = _time_table(ts)
    if times.shape[0] > _MAX_TIMES:
        times, tix = _time_table(np.floor(ts * 16.0) / 16.0)
    ids = records["id"]
    order = np.argsort(ids, kind="stable")
    ids_sorted = ids[order]
    first = np.empty(ids_sorted.shape[0], dtype=bool)
    first[0] = True
    np.not_equal(ids_sorted[1:], ids_sorted[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    name = chunk_name(hour, part)
    final = root / name
    tmp = root / f"{name}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    _save(tmp, "times", times.astype(np.float64))
    _save(tmp, "vehicles", ids_sorted[starts].astype(np.int32))
    _save(tmp, "classes", records["cls"][order[starts]].astype(np.uint8))
    _save(tmp, "offsets", np.append(starts, ids_sorted.shape[0]).astype(np.uint32))
    _save(tmp, "tix", tix[order].astype(np.uint16))
    _save(tmp, "packed", records["packed"][order].astype(np.uint64))
    meta = {
        "format_version": HISTORY_FORMAT_VERSION,
        "hour": hour,
        "part": part,
        "rows": int(ids_sorted.shape[0]),
        "vehicles": int(starts.shape[0]),
        "grid": {"lon_min": grid.lon_min, "lat_min": grid.lat_min, "span_deg": grid.span_deg},
    }
    (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    _fsync_path(tmp / "meta.json")
    os.replace(tmp, final)
    _fsync_path(root)
    return final


class Chunk:
    """A closed chunk, memory-mapped on first use."""

    def __init__(self, directory: Path) -> None:
        meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
        if int(meta["format_version"]) != HISTORY_FORMAT_VERSION:
            raise ValueError(f"{directory}: unsupported chunk format {meta['format_version']}")
        self.directory = directory
        self.hour = int(meta["hour"])
        self.part = int(meta["part"])
        self.rows = int(meta["rows"])
        g = meta["grid"]
        self.grid = Grid(float(g["lon_min"]), float(g["lat_min"]), float(g["span_deg"]))
        self._opened = False

    def _open(self) -> None:
        d = self.directory
        self.vehicles: npt.NDArray[np.int32] = np.load(d / "vehicles.npy")
        self.classes: npt.NDArray[np.uint8] = np.load(d / "classes.npy")
        self.offsets: npt.NDArray[np.int64] = np.load(d / "offsets.npy").astype(np.int64)
        self.times: npt.NDArray[np.float64] = np.load(d / "times.npy")
        self.tix: npt.NDArray[np.uint16] = np.load(d / "tix.npy", mmap_mode="r")
        self.packed: npt.NDArray[np.uint64] = np.load(d / "packed.npy", mmap_mode="r")
        self._opened = True

    def rows_of(self, vehicle_id: int) -> VehicleRows | None:
        """The vehicle's samples in this chunk (None if it has none)."""
        if not self._opened:
            self._open()
        i = int(np.searchsorted(self.vehicles, vehicle_id))
        if i >= self.vehicles.shape[0] or int(self.vehicles[i]) != vehicle_id:
            return None
        a, b = int(self.offsets[i]), int(self.offsets[i + 1])
        times = self.times[self.tix[a:b]]
        return VehicleRows(int(self.classes[i]), times, unpack(self.grid, self.packed[a:b]))

    def latest(self, at: float, since: float = -np.inf) -> LatestRows:
        """Each vehicle's last sample at or before ``at`` in this chunk (``since`` unused)."""
        if not self._opened:
            self._open()
        k = int(np.searchsorted(self.times, at, side="right"))
        if k == 0:
            return empty_latest()
        starts = self.offsets[:-1]
        if k >= self.times.shape[0]:
            keep = np.ones(self.vehicles.shape[0], dtype=bool)
            last = self.offsets[1:] - 1
        else:
            # rows are time-ordered within a vehicle: those at or before `at` are a prefix
            early = (np.asarray(self.tix) < k).view(np.uint8)
            counts = np.add.reduceat(early, starts, dtype=np.int64)
            keep = counts > 0
            last = starts[keep] + counts[keep] - 1
        times = self.times[self.tix[last]]
        return LatestRows(
            self.vehicles[keep], self.classes[keep], times, unpack(self.grid, self.packed[last])
        )

    def release(self) -> None:
        """Drop the memory maps (they reopen on the next query)."""
        if self._opened:
            del self.tix, self.packed
            self._opened = False
