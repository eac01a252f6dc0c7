"""Reading a recording: its time range, the events between two times, seeking by time.

The reader only ever opens files for reading. On open it rebuilds the time
index from the block headers of every segment; damaged or truncated blocks are
skipped and listed in :attr:`RecordingReader.problems` (also logged as
warnings), never raised.
"""

from __future__ import annotations

import bisect
import heapq
import logging
import zlib
from collections.abc import Collection, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

from console.core.events import Event
from console.core.recording.encoding import EncodingError, decode_event
from console.core.recording.format import (
    META_FILE,
    RECORD,
    BlockRef,
    RecordingProblem,
    read_meta,
    read_payload,
    scan_segment,
    segment_files,
)
from console.core.recording.streams import ALL_STREAMS, Stream

log = logging.getLogger(__name__)


class RecordingReader:
    """A read-only view of the recording in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise FileNotFoundError(f"no recording folder at {self.folder}")
        self.problems: list[RecordingProblem] = []
        """What was skipped and why, in the order found."""
        self._reported: set[RecordingProblem] = set()
        meta = read_meta(self.folder)
        if isinstance(meta, str):
            self._report(RecordingProblem(META_FILE, 0, meta))
            meta = {}
        self.meta: dict[str, Any] = meta
        """What ``recording.json`` says was recorded (the city, the seed...; {} if unknown)."""
        blocks: list[BlockRef] = []
        for _sequence, path in segment_files(self.folder):
            found, problems = scan_segment(path)
            blocks.extend(found)
            for problem in problems:
                self._report(problem)
        self.index: tuple[BlockRef, ...] = tuple(blocks)
        """The time index: every readable block, in recording order."""
        self._streams: dict[int, _StreamIndex] = {}
        for block in blocks:
            self._streams.setdefault(block.stream, _StreamIndex()).add(block)
        self._files: dict[Path, BinaryIO] = {}

    def _report(self, problem: RecordingProblem) -> None:
        if problem not in self._reported:
            self._reported.add(problem)
            self.problems.append(problem)
            log.warning("recording %s: skipped %s", self.folder, problem)

    def time_range(self) -> tuple[float, float] | None:
        """Times of the first and the last record (None for an empty recording)."""
        if not self.index:
            return None
        first = min(s.blocks[0].t_first for s in self._streams.values())
        return first, max(s.reach[-1] for s in self._streams.values())

    def events_between(
        self, t0: float, t1: float, streams: Collection[Stream] = ALL_STREAMS, stride: int = 1
    ) -> Iterator[tuple[float, Event]]:
        """Every ``(time, event)`` of ``streams`` with ``t0 <= time <= t1``, in time order.

        Records of the same time keep their recorded order within a stream, and
        come stream by stream (events, positions, readings) across streams.
        ``stride`` > 1 reads only every stride-th block of each stream (a thinned
        sample of a long stretch, e.g. to fill a chart's older past quickly).
        """
        runs = [
            self._stream_between(self._streams[stream], t0, t1, stride)
            for stream in sorted(streams)
            if stream in self._streams
        ]
        if len(runs) == 1:
            yield from runs[0]
        else:
            yield from heapq.merge(*runs, key=_time_of)

    def _stream_between(
        self, stream: _StreamIndex, t0: float, t1: float, stride: int = 1
    ) -> Iterator[tuple[float, Event]]:
        first = bisect.bisect_left(stream.reach, t0)
        for position in range(first, len(stream.blocks), max(stride, 1)):
            block = stream.blocks[position]
            if block.t_first > t1:
                break
            for at, event in self._records(block):
                if at > t1:
                    return
                if at >= t0:
                    yield at, event

    def _records(self, block: BlockRef) -> Iterator[tuple[float, Event]]:
        """The decoded records of one block; damage is reported and skipped."""
        name = block.segment.name
        payload = read_payload(self._file(block.segment), block)
        if isinstance(payload, str):
            self._report(RecordingProblem(name, block.offset, payload))
            return
        try:
            raw = zlib.decompress(payload)
        except zlib.error as exc:
            self._report(RecordingProblem(name, block.offset, f"cannot decompress: {exc}"))
            return
        if len(raw) != block.raw_length:
            self._report(RecordingProblem(name, block.offset, "block length does not match"))
            return
        offset = 0
        for number in range(block.count):
            if offset + RECORD.size > len(raw):
                reason = f"record {number} truncated"
                self._report(RecordingProblem(name, block.offset, reason))
                return
            length, crc, at = RECORD.unpack_from(raw, offset)
            start = offset + RECORD.size
            offset = start + length
            body = raw[start:offset]
            where = f"record {number} at {at:.3f}"
            if len(body) != length or zlib.crc32(body) != crc:
                self._report(RecordingProblem(name, block.offset, f"{where}: CRC mismatch"))
                return
            try:
                event = decode_event(body)
            except EncodingError as exc:
                self._report(RecordingProblem(name, block.offset, f"{where}: {exc.reason}"))
                continue
            yield at, event

    def _file(self, path: Path) -> BinaryIO:
        file = self._files.get(path)
        if file is None:
            file = self._files[path] = path.open("rb")
        return file

    def close(self) -> None:
        """Close the files opened for reading (the reader can be used again after)."""
        for file in self._files.values():
            file.close()
        self._files.clear()

    def __enter__(self) -> RecordingReader:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _time_of(record: tuple[float, Event]) -> float:
    return record[0]


class _StreamIndex:
    """The blocks of one stream in order, with the latest time reached by each."""

    __slots__ = ("blocks", "reach")

    def __init__(self) -> None:
        self.blocks: list[BlockRef] = []
        self.reach: list[float] = []

    def add(self, block: BlockRef) -> None:
        """Append the next block of the stream."""
        latest = max(self.reach[-1], block.t_last) if self.reach else block.t_last
        self.blocks.append(block)
        self.reach.append(latest)
