"""Benchmark: one batch of the whole fleet (52,611 vehicles) against 20 geofences.

Run from the repository root: ``python bench/geofence_check.py``. Prints
``RESULT geofence_batch_ms <median ms per batch> ms ratio=<baseline / ours>``.
The fences are Bengbu's nine bridge fences plus eleven user fences (circles and
polygons, mixed classes). The baseline, measured in the same run, is a plain
per-fence, per-vehicle Python loop with a dict of stays, run on a subset of the
vehicles and scaled to the whole fleet.
"""

from __future__ import annotations

import math
import statistics
import time

import numpy as np
import shapely

from console.core.city import default_city
from console.core.events import VehicleClass
from console.core.geofence import (
    Circle,
    Geofence,
    GeofenceEngine,
    Polygon,
    bridge_fences,
    load_bridge_fence_config,
)
from console.core.geofence.model import CLASS_NAMES, METRES_PER_DEGREE

FLEET = {"taxi": 2606, "liner_bus": 1025, "tourist_bus": 128, "cargo": 48852}
STEPS = 30
BASELINE_VEHICLES = 3000
SEED = 11


def user_fences(rng: np.random.Generator, centre: tuple[float, float]) -> list[Geofence]:
    """Eleven fences near the centre: circles and star-shaped polygons."""
    names = ["taxi", "liner_bus", "tourist_bus", "cargo"]
    fences = []
    for k in range(11):
        lon = centre[0] + rng.uniform(-0.15, 0.15)
        lat = centre[1] + rng.uniform(-0.1, 0.1)
        if k % 2:
            shape: Circle | Polygon = Circle(lon, lat, float(rng.uniform(300.0, 3000.0)))
        else:
            angles = (np.arange(12) + rng.uniform(0.0, 0.8, 12)) * (2 * np.pi / 12)
            radii = rng.uniform(0.005, 0.03, 12)
            ring = zip(lon + radii * np.cos(angles), lat + radii * np.sin(angles), strict=True)
            shape = Polygon(tuple(ring))
        classes = frozenset(rng.choice(names, size=int(rng.integers(1, 4)), replace=False))
        fences.append(Geofence(f"user:{k}", f"Fence {k}", shape, classes, 300.0, k % 3 == 0))
    return fences


def naive_step(
    fences: list[Geofence], stays: dict[tuple[str, int], float], ts: float, ids, classes, lon, lat
) -> int:
    """One batch through a per-fence, per-vehicle loop; the number of crossings."""
    crossings = 0
    for fence in fences:
        shape = fence.shape
        if isinstance(shape, Circle):
            kx = METRES_PER_DEGREE * math.cos(math.radians(shape.lat))
        for i in range(len(ids)):
            if CLASS_NAMES[int(classes[i])] not in fence.classes:
                continue
            x, y = float(lon[i]), float(lat[i])
            if isinstance(shape, Circle):
                dx, dy = (x - shape.lon) * kx, (y - shape.lat) * METRES_PER_DEGREE
                inside = dx * dx + dy * dy <= shape.radius_m * shape.radius_m
            else:
                inside = shape.geometry.contains(shapely.Point(x, y))
            key = (fence.fence_id, int(ids[i]))
            if inside != (key in stays):
                crossings += 1
                if inside:
                    stays[key] = ts
                else:
                    del stays[key]
    return crossings


def main() -> None:
    """Measure the engine and the baseline and print the result line."""
    city = default_city()
    rng = np.random.default_rng(SEED)
    fences = bridge_fences(city.bridges, load_bridge_fence_config())
    fences += user_fences(rng, city.center)
    counts = [FLEET[vc.name.lower()] for vc in VehicleClass]
    classes = np.repeat(np.arange(4, dtype=np.uint8), counts)
    n = classes.shape[0]
    ids = np.arange(n, dtype=np.int32)
    # Vehicles spread around the city centre and the bridges (so fences see traffic).
    anchors = np.array([city.center] + [(b.lon, b.lat) for b in city.bridges])
    pick = rng.integers(0, anchors.shape[0], n)
    lon = (anchors[pick, 0] + rng.normal(0, 0.08, n)).astype(np.float32)
    lat = (anchors[pick, 1] + rng.normal(0, 0.06, n)).astype(np.float32)

    engine = GeofenceEngine(fences)
    times = []
    crossings = 0
    for step in range(STEPS):
        lon += rng.normal(0, 0.001, n).astype(np.float32)
        lat += rng.normal(0, 0.001, n).astype(np.float32)
        start = time.perf_counter()
        crossings += len(engine.observe(10.0 * step, ids, classes, lon, lat, group="fleet"))
        times.append((time.perf_counter() - start) * 1000.0)
    ours_ms = statistics.median(times[1:])

    subset = rng.choice(n, BASELINE_VEHICLES, replace=False)
    stays: dict[tuple[str, int], float] = {}
    start = time.perf_counter()
    naive_step(fences, stays, 0.0, ids[subset], classes[subset], lon[subset], lat[subset])
    naive_ms = (time.perf_counter() - start) * 1000.0 * n / BASELINE_VEHICLES

    print(f"vehicles {n}, fences {len(fences)}, steps {STEPS}, crossings {crossings}")
    print(f"engine per batch: median {ours_ms:.2f} ms, max {max(times[1:]):.2f} ms")
    print(f"naive loop on {BASELINE_VEHICLES} vehicles scaled to {n}: {naive_ms:.0f} ms")
    print(f"RESULT geofence_batch_ms {ours_ms:.2f} ms ratio={naive_ms / ours_ms:.0f}")


if __name__ == "__main__":
    main()
