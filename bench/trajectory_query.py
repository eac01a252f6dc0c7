"""Benchmark: a taxi's 24-hour trajectory and a whole-fleet snapshot from 24 h of history.

Run from the repo root: ``python bench/trajectory_query.py``. Generates 24 hours
of full-city history (52,611 vehicles at the intervals of Bengbu's
``history.json``) straight into the store's format through the store's own
chunk writer (``write_chunk``, the code path that seals a recorded hour), in a
temporary folder, and checks its size on disk against the 2 GB budget. Then:

* ``trajectory_ms``: ``trajectory()`` plus ``summarise()`` (mileage, stops,
  speeding) of one taxi over the whole 24 h, median over 40 random taxis;
  baseline: a naive scan that loads every hour's columns fully and filters by
  vehicle (median of 3);
* ``snapshot_ms``: ``fleet_snapshot()`` at random past moments, median of 20;
  baseline: load the hour(s) fully, keep rows at or before the moment and pick
  each vehicle's newest by sorting (median of 3).

Prints ``RESULT trajectory_ms <median> ms ratio=<baseline/ours>``, the same for
``snapshot_ms``, and ``RESULT history_disk_gb <size> GB``. The files were just
written, so reads come from the page cache (as for recent hours in the console).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from console.core.events import VehicleClass  # noqa: E402
from console.core.history import (  # noqa: E402
    HistoryConfig,
    HistoryStore,
    fleet_snapshot,
    load_history_config,
    summarise,
    trajectory,
)
from console.core.history.chunk import HOUR_S, RECORD_DTYPE, Chunk, write_chunk  # noqa: E402
from console.core.history.packing import pack, unpack  # noqa: E402

FLEET = {
    VehicleClass.TAXI: 2_606,
    VehicleClass.LINER_BUS: 1_025,
    VehicleClass.TOURIST_BUS: 128,
    VehicleClass.CARGO: 48_852,
}
"""52,611 tracked vehicles, as the city's own figures."""
START = 1_767_196_800.0  # 2026-01-01 00:00 Beijing time (16:00 UTC the day before)
HOURS = 24
BUDGET_BYTES = 2_000_000_000
BBOX = (116.73, 32.718, 118.07, 33.504)


def generate(root: Path, config: HistoryConfig, rng: np.random.Generator) -> int:
    """Write 24 h of random-walk history for the whole fleet; returns the rows written."""
    classes = np.repeat(np.arange(4, dtype=np.uint8), [FLEET[vc] for vc in VehicleClass])
    ids = np.arange(classes.shape[0], dtype=np.int32)
    lon = rng.uniform(BBOX[0], BBOX[2], ids.shape[0])
    lat = rng.uniform(BBOX[1], BBOX[3], ids.shape[0])
    heading = rng.uniform(0.0, 360.0, ids.shape[0])
    first_hour = int(START // HOUR_S)
    total = 0
    for h in range(HOURS):
        blocks = []
        for vc in VehicleClass:
            sel = np.flatnonzero(classes == vc)
            iv = float(config.interval_s[vc])
            per_hour = int(HOUR_S / iv)
            t = (first_hour + h) * HOUR_S + iv * np.arange(per_hour)
            shape = (per_hour, sel.shape[0])  # time-major, as the recorder appends
            moving = rng.random(shape) < 0.7
            speed = np.where(moving, rng.uniform(5.0, 90.0, shape), 0.0)
            turn = np.cumsum(rng.normal(0.0, 15.0, shape), axis=0) + heading[sel]
            km = speed * iv / 3600.0
            rad = np.radians(turn)
            track_lon = lon[sel] + np.cumsum(km * np.sin(rad) / 93.4, axis=0)
            track_lat = lat[sel] + np.cumsum(km * np.cos(rad) / 110.6, axis=0)
            track_lon = np.clip(track_lon, BBOX[0], BBOX[2])
            track_lat = np.clip(track_lat, BBOX[1], BBOX[3])
            lon[sel], lat[sel], heading[sel] = track_lon[-1], track_lat[-1], turn[-1] % 360
            block = np.empty(shape[0] * shape[1], dtype=RECORD_DTYPE)
            block["ts"] = np.repeat(t, shape[1])
            block["id"] = np.tile(ids[sel], shape[0])
            block["cls"] = int(vc)
            block["packed"] = pack(config.grid, track_lon, track_lat, speed, turn).ravel()
            blocks.append(block)
        records = np.concatenate(blocks)
        write_chunk(root / "chunks", first_hour + h, 0, records, config.grid)
        total += records.shape[0]
        print(f"  hour {h + 1:2d}/{HOURS}: {records.shape[0]:,} rows", flush=True)
    return total


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    """Wall times of ``repeat`` calls, in ms."""
    out = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        out.append((time.perf_counter() - began) * 1000.0)
    return out


def naive_trajectory(chunks: list[Chunk], vehicle_id: int) -> int:
    """Baseline: load every hour's columns fully, rebuild row ids and filter."""
    rows = 0
    for chunk in chunks:
        d = chunk.directory
        vehicles, offsets = np.load(d / "vehicles.npy"), np.load(d / "offsets.npy")
        times, tix, packed = (
            np.load(d / "times.npy"),
            np.load(d / "tix.npy"),
            np.load(d / "packed.npy"),
        )
        row_ids = np.repeat(vehicles, np.diff(offsets.astype(np.int64)))
        mine = row_ids == vehicle_id
        t = times[tix[mine]]
        decoded = unpack(chunk.grid, packed[mine])
        rows += int(t.shape[0]) + int(decoded.lon.shape[0] > 0)
    return rows


def naive_snapshot(chunks: list[Chunk], at: float, stale_s: float) -> int:
    """Baseline: load the hours around ``at`` fully; newest row per vehicle by sorting."""
    ids_parts, t_parts, p_parts = [], [], []
    for chunk in chunks:
        if not (at - stale_s) // HOUR_S <= chunk.hour <= at // HOUR_S:
            continue
        d = chunk.directory
        vehicles, offsets = np.load(d / "vehicles.npy"), np.load(d / "offsets.npy")
        times, tix, packed = (
            np.load(d / "times.npy"),
            np.load(d / "tix.npy"),
            np.load(d / "packed.npy"),
        )
        t = times[tix]
        keep = (t <= at) & (t >= at - stale_s)
        ids_parts.append(np.repeat(vehicles, np.diff(offsets.astype(np.int64)))[keep])
        t_parts.append(t[keep])
        p_parts.append(packed[keep])
    ids, t, packed = np.concatenate(ids_parts), np.concatenate(t_parts), np.concatenate(p_parts)
    order = np.lexsort((t, ids))
    last = np.ones(order.shape[0], dtype=bool)
    last[:-1] = ids[order][1:] != ids[order][:-1]
    return int(unpack(chunks[0].grid, packed[order[last]]).lon.shape[0])


def main() -> None:
    config = load_history_config()
    rng = np.random.default_rng(552)
    with tempfile.TemporaryDirectory(prefix="history-bench-") as tmp:
        root = Path(tmp)
        (root / "chunks").mkdir()
        began = time.perf_counter()
        rows = generate(root, config, rng)
        print(f"generated {rows:,} samples in {time.perf_counter() - began:.0f} s")
        store = HistoryStore(root, config)
        size = store.disk_bytes()
        verdict = "under" if size < BUDGET_BYTES else "OVER"
        print(
            f"disk: {size:,} bytes = {size / 1e9:.3f} GB ({size / 2**30:.3f} GiB), "
            f"{size / rows:.2f} bytes/sample, {verdict} the 2 GB budget"
        )
        end = START + HOURS * HOUR_S
        taxis = rng.integers(0, FLEET[VehicleClass.TAXI], 40)
        ours_traj = []
        for vid in taxis:
            began = time.perf_counter()
            track = trajectory(store, int(vid), START, end)
            summary = summarise(track, config)
            ours_traj.append((time.perf_counter() - began) * 1000.0)
            assert len(track) == HOURS * HOUR_S / config.interval_s[VehicleClass.TAXI]
            assert summary.mileage_km > 0
        chunks = [Chunk(p) for p in sorted((root / "chunks").iterdir())]
        base_traj = [timed(lambda v=int(v): naive_trajectory(chunks, v), 1)[0] for v in taxis[:3]]

        moments = rng.uniform(START + 600.0, end - 60.0, 20)
        ours_snap = []
        for at in moments:
            began = time.perf_counter()
            snap = fleet_snapshot(store, float(at))
            ours_snap.append((time.perf_counter() - began) * 1000.0)
            assert len(snap) == sum(FLEET.values()), len(snap)
        stale = float(config.stale_after_s().max())
        base_snap = [
            timed(lambda a=float(a): naive_snapshot(chunks, a, stale), 1)[0] for a in moments[:3]
        ]

        traj_ms, snap_ms = statistics.median(ours_traj), statistics.median(ours_snap)
        base_traj_ms, base_snap_ms = statistics.median(base_traj), statistics.median(base_snap)
        print(f"trajectory: ours {traj_ms:.1f} ms, naive scan {base_traj_ms:.0f} ms")
        print(f"snapshot: ours {snap_ms:.1f} ms, naive scan {base_snap_ms:.0f} ms")
        print(f"RESULT history_disk_gb {size / 1e9:.3f} GB limit=2.000")
        print(f"RESULT trajectory_ms {traj_ms:.1f} ms ratio={base_traj_ms / traj_ms:.1f}")
        print(f"RESULT snapshot_ms {snap_ms:.1f} ms ratio={base_snap_ms / snap_ms:.1f}")


if __name__ == "__main__":
    main()
