"""The recorder: every bus event, with its drain time, appended to a folder of segments.

Subscribed to the topic ``*`` (every topic), it encodes each batch it is handed
on the drain thread and keeps the records in memory until a flush, which writes
them as one compressed block per stream (format: :mod:`console.core.recording.format`,
streams: :mod:`console.core.recording.streams`).
A flush happens when ``flush_interval_s`` of wall time has passed since the
last one (checked on every record and by :meth:`Recorder.poll`, which the
console calls about once a second), when the pending records pass
``block_bytes``, before the recorded time crosses into a new hour, and on
close. ``os.fsync`` runs at most once per ``fsync_interval_s``, and on close. A
crash of the console therefore loses at most the last flush interval.

Opening a folder that a crash left behind starts a new segment and reports a
torn tail of the previous one in :attr:`Recorder.problems` (the old file is
left as it is; readers skip the torn block).
"""

from __future__ import annotations

import logging
import os
import time
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from console.core.bus import ALL_TOPICS, Delivery, EventBus, Subscription
from console.core.clock import Clock
from console.core.events import Event
from console.core.recording.encoding import encode_event
from console.core.recording.format import (
    RECORD,
    RecordingProblem,
    pack_block,
    pack_segment_header,
    scan_segment,
    segment_files,
    segment_name,
    write_meta,
)
from console.core.recording.streams import Stream, stream_of

log = logging.getLogger(__name__)

DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024
HOUR_S = 3600.0


class Recorder:
    """Appends events to the recording in ``folder`` (created if missing).

    ``clock`` gives the time of each record (the bus drain time) and decides the
    hour a segment belongs to; ``wall`` (monotonic seconds, injectable for tests)
    paces flushes and fsyncs. Use from one thread (the bus consumer).
    """

    def __init__(
        self,
        folder: Path,
        clock: Clock,
        *,
        segment_bytes: int = DEFAULT_SEGMENT_BYTES,
        block_bytes: int = 8 * 1024 * 1024,
        flush_interval_s: float = 0.5,
        fsync_interval_s: float = 1.0,
        level: int = 1,
        wall: Callable[[], float] = time.monotonic,
        meta: Mapping[str, Any] | None = None,
    ) -> None:
        self.folder = Path(folder)
        self.clock = clock
        self.segment_bytes = segment_bytes
        self.block_bytes = block_bytes
        self.flush_interval_s = flush_interval_s
        self.fsync_interval_s = fsync_interval_s
        self.level = level
        self._wall = wall
        self.folder.mkdir(parents=True, exist_ok=True)
        if meta is not None:
            write_meta(self.folder, meta)
        existing = segment_files(self.folder)
        self._sequence = existing[-1][0] if existing else 0
        self.problems: list[RecordingProblem] = []
        """What a previous crash left torn in the last segment (reported, not repaired)."""
        if existing:
            self.problems = scan_segment(existing[-1][1])[1]
            for problem in self.problems:
                log.warning("recording %s: %s (skipped by readers)", self.folder, problem)
        self._pending = {stream: _Pending() for stream in Stream}
        self._pending_bytes = 0
        self._pending_count = 0
        self._t_first = 0.0
        self._t_last = -float("inf")
        self._file: BinaryIO | None = None
        self._segment_hour = -1
        self._segment_size = 0
        self._last_flush = wall()
        self._last_fsync = self._last_flush
        self._dirty = False
        self._subscription: Subscription | None = None
        self.closed = False
        self.records_written = 0
        self.bytes_raw = 0
        self.bytes_written = 0
        self.segments_opened = 0
        self.clamped = 0
        """Records whose time came before the previous record's (recorded at that time)."""

    # ---- Feeding

    def attach(self, bus: EventBus) -> Subscription:
        """Record every event ``bus`` delivers, stamped with the drain time."""
        self._subscription = bus.subscribe(
            ALL_TOPICS, self.on_events, Delivery.BATCH, name="recorder"
        )
        return self._subscription

    def on_events(self, events: Sequence[Event]) -> None:
        """Bus callback: record ``events`` at the clock's time now."""
        self.record(events, self.clock.now())

    def record(self, events: Iterable[Event], at: float) -> None:
        """Append ``events`` recorded at time ``at``; flushes when one is due."""
        if self.closed:
            raise ValueError("the recorder is closed")
        if at < self._t_last:
            self.clamped += 1
            at = self._t_last
        if self._pending_count and int(at // HOUR_S) != int(self._t_first // HOUR_S):
            self.flush()
        if not self._pending_count:
            self._t_first = at
        self._t_last = at
        pack, crc32, pending = RECORD.pack, zlib.crc32, self._pending
        size = 0
        count = 0
        for event in events:
            payload = encode_event(event)
            chunks = pending[stream_of(event.TOPIC)].add(at)
            chunks.append(pack(len(payload), crc32(payload), at))
            chunks.append(payload)
            size += len(payload)
            count += 1
        self._pending_count += count
        self._pending_bytes += size + count * RECORD.size
        if self._pending_bytes >= self.block_bytes:
            self.flush()
        else:
            self.poll()

    def poll(self) -> None:
        """Flush if the flush interval has passed (call about once a second when idle)."""
        if not self.closed and self._wall() - self._last_flush >= self.flush_interval_s:
            self.flush()

    # ---- Writing

    def flush(self) -> None:
        """Write the pending records as one block; fsync if the last was a second ago."""
        now = self._wall()
        self._last_flush = now
        if self._pending_count:
            blocks = [self._block(stream, p) for stream, p in self._pending.items() if p.count]
            file = self._segment_for(sum(len(block) for block in blocks))
            for block in blocks:
                file.write(block)
                self._segment_size += len(block)
                self.bytes_written += len(block)
            file.flush()
            self.records_written += self._pending_count
            self._dirty = True
            self._pending_bytes = 0
            self._pending_count = 0
        if self._dirty and now - self._last_fsync >= self.fsync_interval_s:
            self._sync(now)

    def _block(self, stream: Stream, pending: _Pending) -> bytes:
        """The block of one stream's pending records (which are then cleared)."""
        raw = b"".join(pending.chunks)
        self.bytes_raw += len(raw)
        block = pack_block(
            zlib.compress(raw, self.level),
            len(raw),
            pending.count,
            stream,
            pending.t_first,
            pending.t_last,
        )
        pending.clear()
        return block

    def _sync(self, now: float) -> None:
        if self._file is not None and self._dirty:
            os.fsync(self._file.fileno())
        self._dirty = False
        self._last_fsync = now

    def _segment_for(self, block_size: int) -> BinaryIO:
        """The open segment for a block starting at ``_t_first``, rotating when due."""
        hour = int(self._t_first // HOUR_S)
        file = self._file
        too_big = self._segment_size + block_size > self.segment_bytes
        if file is not None and (hour != self._segment_hour or too_big):
            self._close_segment()
            file = None
        if file is None:
            self._sequence += 1
            path = self.folder / segment_name(self._sequence, self._t_first)
            file = path.open("xb")
            header = pack_segment_header(self._sequence, self._t_first)
            file.write(header)
            self._file = file
            self._segment_hour = hour
            self._segment_size = len(header)
            self.segments_opened += 1
            self.bytes_written += len(header)
        return file

    def _close_segment(self) -> None:
        if self._file is not None:
            self._file.flush()
            if self._dirty:
                os.fsync(self._file.fileno())
                self._dirty = False
            self._file.close()
            self._file = None

    def close(self) -> None:
        """Stop recording: unsubscribe, write what is pending, fsync and close (idempotent)."""
        if self.closed:
            return
        if self._subscription is not None:
            self._subscription.close()
            self._subscription = None
        self.flush()
        self._close_segment()
        self.closed = True


class _Pending:
    """One stream's records waiting for the next flush."""

    __slots__ = ("chunks", "count", "t_first", "t_last")

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.count = 0
        self.t_first = 0.0
        self.t_last = 0.0

    def add(self, at: float) -> list[bytes]:
        """Count one more record at ``at``; the list its header and payload go into."""
        if not self.count:
            self.t_first = at
        self.t_last = at
        self.count += 1
        return self.chunks

    def clear(self) -> None:
        """Forget the records (written)."""
        self.chunks = []
        self.count = 0
