"""The recording file format: segments of CRC-checked, zlib-compressed blocks of records.

A recording is a folder of segment files named ``<sequence>-<UTC start>.ccrec``
(``000001-20260101T000000Z.ccrec``); the sequence orders them. Every segment is
append-only, and every integer or float is little-endian:

* **Segment header** (28 bytes): ``b"CCREC01\\n"``, format version (u32),
  sequence (u32), start time (f64, epoch seconds of the first record), CRC32 of
  the 24 bytes before it (u32).
* **Blocks**, one per stream per flush, each a 44-byte header then its payload.
  Header: sync marker ``b"\\xabBLK"``, payload length (u32), uncompressed length
  (u32), record count (u32), stream (u32, :class:`~.streams.Stream`), time of the
  first and the last record (f64, f64), CRC32 of the payload (u32), CRC32 of the
  40 header bytes before it (u32). The payload is the block's records compressed
  with stdlib :mod:`zlib`.
* **Records**, inside a block once decompressed: length of the event payload
  (u32), its CRC32 (u32), time (f64: the bus drain time) then the payload (see
  :mod:`console.core.recording.encoding`).

Record times never go backwards within a stream. Beside the segments,
``recording.json`` says what was recorded (the city, the simulation's seed...),
written once when the recording starts. A segment holds the records
of one clock hour at most and rotates when it would grow past its size limit.
The time index (block start/end times and offsets) is rebuilt on open by reading
only the block headers; the sync marker and header CRC let a reader find the
next good block after a damaged one. A truncated or damaged block is reported as
a :class:`RecordingProblem` and skipped; everything else stays readable.
"""

from __future__ import annotations

import json
import re
import struct
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

FORMAT_VERSION = 2
META_FILE = "recording.json"
SEGMENT_MAGIC = b"CCREC01\n"
SEGMENT_SUFFIX = ".ccrec"
BLOCK_SYNC = b"\xabBLK"

_SEGMENT = struct.Struct("<8sIId")
_BLOCK = struct.Struct("<4sIIIIddI")
_CRC = struct.Struct("<I")
RECORD = struct.Struct("<IId")
"""A record's header: payload length, payload CRC32, time."""

SEGMENT_HEADER_SIZE = _SEGMENT.size + _CRC.size
BLOCK_HEADER_SIZE = _BLOCK.size + _CRC.size
_NAME = re.compile(r"^(\d{6,})-[0-9TZ]+\.ccrec$")


@dataclass(frozen=True, slots=True)
class RecordingProblem:
    """Something skipped while reading: which segment, where in it, and why."""

    segment: str
    offset: int
    reason: str

    def __str__(self) -> str:
        return f"{self.segment} @ {self.offset}: {self.reason}"


@dataclass(frozen=True, slots=True)
class BlockRef:
    """One entry of the time index: where a block is and which times it covers."""

    segment: Path
    offset: int
    length: int
    raw_length: int
    count: int
    stream: int
    t_first: float
    t_last: float
    crc: int


def segment_name(sequence: int, start: float) -> str:
    """The file name of segment ``sequence`` whose first record is at ``start``."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(start))  # converts; reads no clock
    return f"{sequence:06d}-{stamp}{SEGMENT_SUFFIX}"


def segment_files(folder: Path) -> list[tuple[int, Path]]:
    """The segment files of ``folder`` with their sequence numbers, in order."""
    found = []
    for path in folder.iterdir():
        match = _NAME.match(path.name)
        if match and path.is_file():
            found.append((int(match.group(1)), path))
    return sorted(found)


def pack_segment_header(sequence: int, start: float) -> bytes:
    """The header that opens a segment."""
    head = _SEGMENT.pack(SEGMENT_MAGIC, FORMAT_VERSION, sequence, start)
    return head + _CRC.pack(zlib.crc32(head))


def pack_block(
    payload: bytes, raw_length: int, count: int, stream: int, t_first: float, t_last: float
) -> bytes:
    """A block: header (with CRCs of itself and of the payload) followed by the payload."""
    head = _BLOCK.pack(
        BLOCK_SYNC, len(payload), raw_length, count, stream, t_first, t_last, zlib.crc32(payload)
    )
    return head + _CRC.pack(zlib.crc32(head)) + payload


def _unpack_block_header(data: bytes, segment: Path, offset: int) -> BlockRef | None:
    """The block header in ``data`` (exactly one header's bytes), or None if damaged."""
    head = data[: _BLOCK.size]
    (crc,) = _CRC.unpack_from(data, _BLOCK.size)
    if zlib.crc32(head) != crc:
        return None
    sync, length, raw_length, count, stream, t_first, t_last, payload_crc = _BLOCK.unpack(head)
    if sync != BLOCK_SYNC:
        return None
    return BlockRef(
        segment, offset, length, raw_length, count, stream, t_first, t_last, payload_crc
    )


def read_payload(file: BinaryIO, block: BlockRef) -> bytes | str:
    """The block's compressed payload, or the reason it cannot be used."""
    file.seek(block.offset + BLOCK_HEADER_SIZE)
    payload = file.read(block.length)
    if len(payload) < block.length:
        return "truncated block: its length runs past the end of the file"
    if zlib.crc32(payload) != block.crc:
        return "CRC mismatch in block payload"
    return payload


def scan_segment(path: Path) -> tuple[list[BlockRef], list[RecordingProblem]]:
    """The index of one segment (block headers only) and what was skipped in it.

    The last block's payload CRC is checked too, since a crash tears the tail;
    other blocks are checked when read.
    """
    problems: list[RecordingProblem] = []
    blocks: list[BlockRef] = []
    with path.open("rb") as file:
        size = file.seek(0, 2)
        file.seek(0)
        header = file.read(SEGMENT_HEADER_SIZE)
        if len(header) < SEGMENT_HEADER_SIZE:
            problems.append(RecordingProblem(path.name, 0, "truncated segment header"))
            return blocks, problems
        (crc,) = _CRC.unpack_from(header, _SEGMENT.size)
        magic, version, _seq, _start = _SEGMENT.unpack_from(header)
        if magic != SEGMENT_MAGIC or zlib.crc32(header[: _SEGMENT.size]) != crc:
            problems.append(RecordingProblem(path.name, 0, "not a segment (bad header)"))
            return blocks, problems
        if version != FORMAT_VERSION:
            problems.append(RecordingProblem(path.name, 0, f"unknown format version {version}"))
            return blocks, problems
        offset = SEGMENT_HEADER_SIZE
        while offset < size:
            file.seek(offset)
            data = file.read(BLOCK_HEADER_SIZE)
            if len(data) < BLOCK_HEADER_SIZE:
                problems.append(
                    RecordingProblem(path.name, offset, "truncated block header at the end")
                )
                break
            block = _unpack_block_header(data, path, offset)
            if block is None:
                found = _resync(file, offset + 1, path)
                skipped = "to the end" if found is None else f"{found - offset} bytes"
                problems.append(
                    RecordingProblem(path.name, offset, f"damaged block header; skipped {skipped}")
                )
                if found is None:
                    break
                offset = found
                continue
            end = offset + BLOCK_HEADER_SIZE + block.length
            if end > size:
                problems.append(
                    RecordingProblem(
                        path.name, offset, "truncated block: its length runs past the end"
                    )
                )
                break
            blocks.append(block)
            offset = end
        if blocks:
            reason = read_payload(file, blocks[-1])
            if isinstance(reason, str):
                problems.append(RecordingProblem(path.name, blocks[-1].offset, reason))
                blocks.pop()
    return blocks, problems


def _resync(file: BinaryIO, start: int, path: Path) -> int | None:
    """Offset of the next block header with a good CRC at or after ``start`` (rare path)."""
    file.seek(start)
    rest = file.read()
    at = rest.find(BLOCK_SYNC)
    while at >= 0:
        data = rest[at : at + BLOCK_HEADER_SIZE]
        if len(data) == BLOCK_HEADER_SIZE and _unpack_block_header(data, path, 0) is not None:
            return start + at
        at = rest.find(BLOCK_SYNC, at + 1)
    return None


def write_meta(folder: Path, meta: Mapping[str, Any]) -> None:
    """Write ``recording.json`` unless the folder already has one (a resumed recording)."""
    path = folder / META_FILE
    if not path.exists():
        text = json.dumps({"format": FORMAT_VERSION, **meta}, ensure_ascii=False, indent=1)
        path.write_text(text, encoding="utf-8")


def read_meta(folder: Path) -> dict[str, Any] | str:
    """What ``recording.json`` says, or why it cannot be read ({} when there is none)."""
    path = folder / META_FILE
    if not path.exists():
        return {}
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return f"unreadable {META_FILE}: {exc}"
    return meta if isinstance(meta, dict) else f"{META_FILE} is not a JSON object"
