"""Crashes and damage: torn tails, flipped bytes, an unclosed recorder, a read-only reader."""

from __future__ import annotations

from pathlib import Path

from console.core.clock import ManualClock
from console.core.events import HotlineCall
from console.core.recording import Recorder, RecordingReader
from console.core.recording.format import BLOCK_HEADER_SIZE

NOW = 1_767_225_600.0


def _call(n: int) -> HotlineCall:
    return HotlineCall(NOW + n, f"c{n}", "lost_property", "wallet left in taxi", 117.38, 32.93)


def _write(folder: Path, blocks: int = 5, per_block: int = 3) -> Path:
    """A one-segment recording of ``blocks`` blocks; returns the segment file."""
    recorder = Recorder(folder, ManualClock(NOW))
    for b in range(blocks):
        recorder.record([_call(b * per_block + k) for k in range(per_block)], NOW + b)
        recorder.flush()
    recorder.close()
    (segment,) = folder.glob("*.ccrec")
    return segment


def _ids(folder: Path) -> list[str]:
    with RecordingReader(folder) as reader:
        return [e.call_id for _, e in reader.events_between(0, 2e9) if isinstance(e, HotlineCall)]


def _block_offsets(folder: Path) -> list[int]:
    with RecordingReader(folder) as reader:
        return [block.offset for block in reader.index]


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x5A
    path.write_bytes(bytes(data))


def test_a_tail_cut_mid_block_is_skipped_with_a_warning(tmp_path: Path) -> None:
    segment = _write(tmp_path)
    last = _block_offsets(tmp_path)[-1]
    segment.write_bytes(segment.read_bytes()[: last + BLOCK_HEADER_SIZE + 7])
    with RecordingReader(tmp_path) as reader:
        assert len(reader.index) == 4
        (problem,) = reader.problems
        assert problem.offset == last and "past the end" in problem.reason
    assert _ids(tmp_path) == [f"c{n}" for n in range(12)]


def test_a_tail_cut_inside_a_block_header_is_skipped(tmp_path: Path) -> None:
    segment = _write(tmp_path)
    last = _block_offsets(tmp_path)[-1]
    segment.write_bytes(segment.read_bytes()[: last + 10])
    with RecordingReader(tmp_path) as reader:
        assert [p.reason for p in reader.problems] == ["truncated block header at the end"]
    assert len(_ids(tmp_path)) == 12


def test_a_flipped_byte_in_the_last_block_fails_its_crc(tmp_path: Path) -> None:
    segment = _write(tmp_path)
    last = _block_offsets(tmp_path)[-1]
    _flip(segment, last + BLOCK_HEADER_SIZE + 3)
    with RecordingReader(tmp_path) as reader:
        assert [p.reason for p in reader.problems] == ["CRC mismatch in block payload"]
        assert reader.time_range() == (NOW, NOW + 3)
    assert len(_ids(tmp_path)) == 12


def test_a_damaged_middle_block_is_reported_and_the_rest_stays_readable(tmp_path: Path) -> None:
    segment = _write(tmp_path)
    offsets = _block_offsets(tmp_path)
    _flip(segment, offsets[1] + BLOCK_HEADER_SIZE + 2)  # payload of block 1
    _flip(segment, offsets[3] + 5)  # header of block 3: found again by its sync marker
    with RecordingReader(tmp_path) as reader:
        ids = [e.call_id for _, e in reader.events_between(0, 2e9) if isinstance(e, HotlineCall)]
        reasons = [p.reason for p in reader.problems]
    assert ids == ["c0", "c1", "c2", "c6", "c7", "c8", "c12", "c13", "c14"]
    assert len(reasons) == 2
    assert reasons[0].startswith("damaged block header; skipped")
    assert reasons[1] == "CRC mismatch in block payload"


def test_a_crash_loses_only_what_was_not_yet_flushed(tmp_path: Path) -> None:
    wall = [0.0]
    recorder = Recorder(tmp_path, ManualClock(NOW), wall=lambda: wall[0], flush_interval_s=0.5)
    for n in range(8):  # a drain every 0.25 s of wall time
        wall[0] = n * 0.25
        recorder.record([_call(n)], NOW + n)
    # the console dies at 1.75 s: no close(), no final flush
    assert _ids(tmp_path) == [f"c{n}" for n in range(7)]  # c7 (the last 0.25 s) is lost
    with RecordingReader(tmp_path) as reader:
        assert reader.problems == []
    del recorder


def test_a_recorder_reopening_after_a_crash_reports_the_torn_tail(tmp_path: Path) -> None:
    segment = _write(tmp_path)
    segment.write_bytes(segment.read_bytes()[:-9])
    recorder = Recorder(tmp_path, ManualClock(NOW + 10))
    assert [p.segment for p in recorder.problems] == [segment.name]
    assert "past the end" in recorder.problems[0].reason
    recorder.record([_call(100)], NOW + 10)
    recorder.close()
    assert len(list(tmp_path.glob("*.ccrec"))) == 2
    assert _ids(tmp_path) == [f"c{n}" for n in range(12)] + ["c100"]


def test_the_reader_never_writes(tmp_path: Path) -> None:
    segment = _write(tmp_path)
    offsets = _block_offsets(tmp_path)
    _flip(segment, offsets[2] + BLOCK_HEADER_SIZE + 1)
    segment.write_bytes(segment.read_bytes()[:-4])
    (tmp_path / "notes.txt").write_text("not a segment")
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.iterdir()}
    with RecordingReader(tmp_path) as reader:
        list(reader.events_between(0, 2e9))
        assert len(reader.problems) == 2
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.iterdir()}
    assert after == before
