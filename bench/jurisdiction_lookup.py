"""Benchmark: point -> jurisdiction lookup against a naive polygon scan.

Run from the repository root: ``python bench/jurisdiction_lookup.py``. Prints
``RESULT lookup_us <us per point> us ratio=<baseline / ours>``, where the baseline,
measured in the same run on a smaller sample, tests the grid polygons one by one
with shapely ``contains`` until one holds the point.
"""

from __future__ import annotations

import time

import numpy as np
import shapely

from console.core.city import default_city

POINTS = 20_000
BASELINE_POINTS = 200
SEED = 7


def main() -> None:
    """Measure both lookups and print the result line."""
    city = default_city()
    rng = np.random.default_rng(SEED)
    x0, y0, x1, y1 = city.bbox
    lon = rng.uniform(x0, x1, POINTS).tolist()
    lat = rng.uniform(y0, y1, POINTS).tolist()

    lookup = city.lookup
    start = time.perf_counter()
    ours = [lookup(x, y) for x, y in zip(lon, lat, strict=True)]
    ours_us = (time.perf_counter() - start) / POINTS * 1e6

    polygons = [(code, city.geometry(code)) for code in city.grid_codes]
    start = time.perf_counter()
    naive: list[str | None] = []
    for x, y in zip(lon[:BASELINE_POINTS], lat[:BASELINE_POINTS], strict=True):
        point = shapely.Point(x, y)
        naive.append(next((code for code, poly in polygons if poly.contains(point)), None))
    naive_us = (time.perf_counter() - start) / BASELINE_POINTS * 1e6

    agree = sum(
        (path.grid if path else None) == code
        for path, code in zip(ours[:BASELINE_POINTS], naive, strict=True)
    )
    inside = sum(path is not None for path in ours) / POINTS
    print(f"points {POINTS}, inside the city {inside:.1%}, baseline sample {BASELINE_POINTS}")
    print(f"naive scan {naive_us:.1f} us/point; agreement on the sample {agree}/{BASELINE_POINTS}")
    print(f"RESULT lookup_us {ours_us:.2f} us ratio={naive_us / ours_us:.0f}")


if __name__ == "__main__":
    main()
