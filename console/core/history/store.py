"""The history store: closed hourly chunks on disk plus the open hour in memory.

Layout under ``root``::

    chunks/20260101T08Z.0/   closed chunks (see :mod:`.chunk`)
    journal/20260101T09Z.0.journal   the open hour, append-only 21-byte records

Threads: :meth:`HistoryStore.append` runs on the recording thread (the GUI
thread's bus drain) and only copies rows into memory (well under a millisecond
for a 2,606-taxi batch). Every ``journal_flush_s`` of event time the new rows are
handed to one worker thread (plain ``threading``) that appends them to the
journal; when an hour ends the worker sorts it, writes the chunk and deletes
the journal. Until its chunk exists, a closing hour stays queryable in memory.

Crash safety: a partly written hour is **recovered, not discarded**. On start,
``*.tmp`` chunk folders (an interrupted write) are removed and every journal
without its chunk is read back (a torn last record is dropped, rows outside the
hour are ignored) and written as a chunk. Closed chunks are never rewritten, so
earlier hours cannot be damaged. A crash loses at most the last
``journal_flush_s`` of samples. Restarting within an hour opens a new part of it.

Retention: after each hour is sealed, chunks older than ``retention_days``
before that hour's end are deleted. All times come from the events.
"""

from __future__ import annotations

import json
import logging
import math
import os
import queue
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt

from console.core.history.chunk import (
    HOUR_S,
    RECORD_DTYPE,
    Chunk,
    LatestRows,
    Part,
    Records,
    VehicleRows,
    chunk_name,
    empty_latest,
    empty_records,
    parse_chunk_name,
    write_chunk,
)
from console.core.history.config import Grid, HistoryConfig
from console.core.history.packing import unpack

log = logging.getLogger(__name__)

Key = tuple[int, int]


class OpenHour:
    """The hour being recorded, in memory: journalled segments plus pending rows."""

    def __init__(self, hour: int, part: int, grid: Grid, flushed_at: float) -> None:
        self.hour = hour
        self.part = part
        self.grid = grid
        self.flushed_at = flushed_at
        self.segments: list[Records] = []
        self.pending: list[Records] = []

    @property
    def name(self) -> str:
        """Its chunk name."""
        return chunk_name(self.hour, self.part)

    def take_pending(self) -> Records:
        """Move the pending rows into one segment and return it."""
        if not self.pending:
            return empty_records()
        block = self.pending[0] if len(self.pending) == 1 else np.concatenate(self.pending)
        self.pending = []
        self.segments.append(block)
        return block

    def _blocks(self) -> list[Records]:
        return [*self.segments, *self.pending]

    def records(self) -> Records:
        """Every row of the hour so far."""
        blocks = self._blocks()
        return np.concatenate(blocks) if blocks else empty_records()

    def rows_of(self, vehicle_id: int) -> VehicleRows | None:
        """The vehicle's samples so far this hour."""
        picked = [b[b["id"] == vehicle_id] for b in self._blocks()]
        rows = np.concatenate(picked) if picked else empty_records()
        if rows.shape[0] == 0:
            return None
        rows = rows[np.argsort(rows["ts"], kind="stable")]
        return VehicleRows(int(rows["cls"][-1]), rows["ts"], unpack(self.grid, rows["packed"]))

    def latest(self, at: float, since: float) -> LatestRows:
        """Each vehicle's last sample in ``[since, at]`` this hour."""
        picked = []
        for block in self._blocks():
            ts = block["ts"]
            if ts.shape[0] and (ts.min() > at or ts.max() < since):
                continue
            picked.append(block[(ts >= since) & (ts <= at)])
        rows = np.concatenate(picked) if picked else empty_records()
        if rows.shape[0] == 0:
            return empty_latest()
        rows = rows[np.lexsort((rows["ts"], rows["id"]))]
        ids = rows["id"]
        last = np.ones(ids.shape[0], dtype=bool)
        np.not_equal(ids[1:], ids[:-1], out=last[:-1])
        rows = rows[last]
        return LatestRows(
            rows["id"].copy(),
            rows["cls"].copy(),
            rows["ts"].copy(),
            unpack(self.grid, rows["packed"]),
        )


class HistoryStore:
    """Positions of every vehicle over time: write by hour, query by vehicle or moment."""

    def __init__(self, root: Path, config: HistoryConfig | None = None) -> None:
        self.root = root
        self.config = config or HistoryConfig()
        self.chunks_dir = root / "chunks"
        self.journal_dir = root / "journal"
        self.chunks_dir.mkdir(parents=True, exist_ok=True)
        self.journal_dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._chunks: dict[Key, Chunk] = {}
        self._sealing: dict[Key, OpenHour] = {}
        self._open: OpenHour | None = None
        self._jobs: queue.Queue[Callable[[], None] | None] = queue.Queue()
        self._worker: threading.Thread | None = None
        self.late_rows = 0
        """Rows dropped because they belong to an hour already closed."""
        self.worker_errors = 0
        self.recovered: list[str] = self._recover()
        self._load_catalogue()

    # ---- Recording (the recording thread)

    def append(
        self,
        ts: float,
        ids: npt.NDArray[np.int32],
        classes: npt.NDArray[np.uint8],
        packed: npt.NDArray[np.uint64],
    ) -> None:
        """Add samples taken at ``ts`` (rows for an hour already closed are dropped)."""
        n = int(ids.shape[0])
        if n == 0 or not math.isfinite(ts):
            return
        hour = math.floor(ts / HOUR_S)
        current = self._open
        if current is None or hour > current.hour:
            if current is not None:
                self._seal(current)
            current = self._open = OpenHour(hour, self._next_part(hour), self.config.grid, ts)
            self._write_grid(current)
        elif hour < current.hour:
            self.late_rows += n
            return
        block = np.empty(n, dtype=RECORD_DTYPE)
        block["ts"] = ts
        block["id"] = ids
        block["cls"] = classes
        block["packed"] = packed
        current.pending.append(block)
        if ts - current.flushed_at >= self.config.journal_flush_s:
            self._flush(current, ts)

    def flush(self) -> None:
        """Hand the rows recorded so far to the journal (on the worker thread)."""
        if self._open is not None:
            self._flush(self._open, self._open.flushed_at)

    def seal_open_hour(self) -> None:
        """Close the open hour now (its chunk is written on the worker thread)."""
        if self._open is not None:
            self._seal(self._open)
            self._open = None

    def wait_idle(self) -> None:
        """Block until the worker has written everything handed to it."""
        if self._worker is not None:
            self._jobs.join()

    def close(self) -> None:
        """Seal the open hour, finish writing and stop the worker (idempotent)."""
        self.seal_open_hour()
        worker = self._worker
        if worker is not None:
            self._jobs.put(None)
            worker.join()
            self._worker = None

    # ---- Reading (any thread)

    def parts(self, start: float, end: float) -> list[Part]:
        """Every part holding samples between ``start`` and ``end``, oldest first."""
        first, last = math.floor(start / HOUR_S), math.floor(end / HOUR_S)
        with self._lock:
            found: dict[Key, Part] = {
                k: c for k, c in self._chunks.items() if first <= k[0] <= last
            }
            for key, hour in self._sealing.items():
                if first <= key[0] <= last:
                    found[key] = hour
        current = self._open
        if current is not None and first <= current.hour <= last:
            found[(current.hour, current.part)] = current
        return [found[k] for k in sorted(found)]

    def hours(self) -> list[int]:
        """Hours (epoch hours) with any samples, oldest first."""
        with self._lock:
            keys = {k[0] for k in self._chunks} | {k[0] for k in self._sealing}
        if self._open is not None:
            keys.add(self._open.hour)
        return sorted(keys)

    def disk_bytes(self) -> int:
        """Bytes the store takes on disk (chunks and journals)."""
        return sum(p.stat().st_size for p in self.root.rglob("*") if p.is_file())

    # ---- Retention

    def apply_retention(self, now: float) -> list[str]:
        """Delete chunks that ended more than ``retention_days`` before ``now``; their names."""
        cutoff = now - self.config.retention_days * 86_400.0
        with self._lock:
            old = [k for k in self._chunks if (k[0] + 1) * HOUR_S <= cutoff]
            gone = [self._chunks.pop(k) for k in old]
        for chunk in gone:
            chunk.release()
            shutil.rmtree(chunk.directory, ignore_errors=True)
        return [c.directory.name for c in gone]

    # ---- Internals

    def _journal(self, name: str) -> Path:
        return self.journal_dir / f"{name}.journal"

    def _write_grid(self, hour: OpenHour) -> None:
        g = hour.grid
        grid = {"lon_min": g.lon_min, "lat_min": g.lat_min, "span_deg": g.span_deg}
        (self.journal_dir / f"{hour.name}.grid.json").write_text(json.dumps(grid), "utf-8")

    def _next_part(self, hour: int) -> int:
        with self._lock:
            parts = [k[1] for k in (*self._chunks, *self._sealing) if k[0] == hour]
        return max(parts, default=-1) + 1

    def _submit(self, job: Callable[[], None]) -> None:
        if self._worker is None:
            self._worker = threading.Thread(target=self._run, name="history-writer", daemon=True)
            self._worker.start()
        self._jobs.put(job)

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            try:
                if job is None:
                    return
                job()
            except Exception:
                self.worker_errors += 1
                log.exception("history writer job failed")
            finally:
                self._jobs.task_done()

    def _flush(self, hour: OpenHour, ts: float) -> None:
        hour.flushed_at = ts
        block = hour.take_pending()
        if block.shape[0]:
            path = self._journal(hour.name)
            self._submit(lambda: _append_journal(path, block))

    def _seal(self, hour: OpenHour) -> None:
        self._flush(hour, hour.flushed_at)
        with self._lock:
            self._sealing[(hour.hour, hour.part)] = hour
        self._submit(lambda: self._finalise(hour))

    def _finalise(self, hour: OpenHour) -> None:
        """Write a closed hour as a chunk, drop its journal, apply retention (worker thread)."""
        key = (hour.hour, hour.part)
        folder = write_chunk(self.chunks_dir, hour.hour, hour.part, hour.records(), hour.grid)
        with self._lock:
            if folder is not None:
                self._chunks[key] = Chunk(folder)
            del self._sealing[key]
        self._journal(hour.name).unlink(missing_ok=True)
        (self.journal_dir / f"{hour.name}.grid.json").unlink(missing_ok=True)
        self.apply_retention((hour.hour + 1) * HOUR_S)

    def _recover(self) -> list[str]:
        """Remove interrupted chunk writes and turn leftover journals into chunks."""
        for tmp in self.chunks_dir.glob("*.tmp"):
            shutil.rmtree(tmp, ignore_errors=True)
        recovered: list[str] = []
        for path in sorted(self.journal_dir.glob("*.journal")):
            name = path.name.removesuffix(".journal")
            key = parse_chunk_name(name)
            grid_path = self.journal_dir / f"{name}.grid.json"
            if key is not None and not (self.chunks_dir / name).exists():
                records = read_journal(path, key[0])
                grid = self.config.grid
                if grid_path.exists():
                    g = json.loads(grid_path.read_text("utf-8"))
                    grid = Grid(float(g["lon_min"]), float(g["lat_min"]), float(g["span_deg"]))
                if write_chunk(self.chunks_dir, key[0], key[1], records, grid) is not None:
                    recovered.append(name)
                log.info("history: recovered %d rows of %s", records.shape[0], name)
            path.unlink()
            grid_path.unlink(missing_ok=True)
        return recovered

    def _load_catalogue(self) -> None:
        for folder in sorted(self.chunks_dir.iterdir()):
            key = parse_chunk_name(folder.name)
            if key is None or not folder.is_dir():
                continue
            try:
                self._chunks[key] = Chunk(folder)
            except (OSError, ValueError, KeyError) as exc:
                log.warning("history: skipping unreadable chunk %s: %s", folder.name, exc)


def _append_journal(path: Path, block: Records) -> None:
    with path.open("ab") as handle:
        handle.write(block.tobytes())
        handle.flush()
        os.fsync(handle.fileno())


def read_journal(path: Path, hour: int) -> Records:
    """A journal's whole records that lie in ``hour`` (a torn last record is dropped)."""
    count = path.stat().st_size // RECORD_DTYPE.itemsize
    records = np.fromfile(path, dtype=RECORD_DTYPE, count=count)
    ts = records["ts"]
    valid = np.isfinite(ts) & (ts >= hour * HOUR_S) & (ts < (hour + 1) * HOUR_S)
    out: Records = records[valid]
    return out
