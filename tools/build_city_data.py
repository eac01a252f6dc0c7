"""Build Bengbu's five-level boundary layers from the shared source data (deterministic).

Run from the repository root::

    .venv/bin/python tools/build_city_data.py [--source resources/cities/bengbu]

Inputs: ``bengbu_divisions.csv`` and ``source/amap_gcj02/*.geojson`` (the AMap
boundaries as published, GCJ-02) under ``--source``.

What it writes into ``resources/cities/bengbu/``:

* ``boundaries/city.geojson`` and ``boundaries/county.geojson``: the AMap district
  polygons (GCJ-02) converted to WGS-84 with :mod:`console.core.city.datum`
  (``generated=false``). The two development zones (340371, 340372) have no published
  boundary; each gets an APPROXIMATE footprint carved out of a host district
  (``ZONE_FOOTPRINTS`` below, ``generated=true``), and the host loses that area.
* ``boundaries/street.geojson``, ``community.geojson``, ``grid.geojson``: a GENERATED
  partition (``generated=true``). Each parent is cut into one cell per child: seeds are
  placed by a few Lloyd (k-means) iterations over points sampled inside the parent with
  a density that peaks at the urban core and the county towns, so urban 街道 come out
  small and rural 镇/乡 large; the Voronoi cells of the seeds are clipped to the parent.
  Urban children (街道, 社区/居委会) get the densest cells, rural ones (镇, 乡, 村) the rest.
  Street and community polygons are written as the union of their grids, so every
  level tiles its parent exactly at the 1e-5 degree precision of the files.
* ``grids.csv``: the generated grid divisions (4-12 per community, by area).

All randomness comes from ``SEED`` mixed with each parent's code, so the output does
not depend on processing order and is identical on every run.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import mapping

from console.core.city.datum import gcj02_to_wgs84

SEED = 552
GRID_SIZE = 1e-5  # output precision in degrees (about 1 m), also the overlay precision
REPO = Path(__file__).resolve().parents[1]
OUT_DIR = REPO / "resources" / "cities" / "bengbu"
DEFAULT_SOURCE = OUT_DIR
"""Divisions CSV beside the output; AMap boundaries (GCJ-02, as published) in source/."""
AMAP_SUBDIR = Path("source") / "amap_gcj02"
CITY_CODE = "340300"
KM_PER_DEG_LAT = 110.57

# ---- Inputs that shape the generated layers (all approximate, all WGS-84)


@dataclass(frozen=True)
class ZoneFootprint:
    """An approximate footprint for a county-level zone that has no published boundary."""

    code: str
    host_code: str
    outline: tuple[tuple[float, float], ...]  # intersected with the host district
    note: str


ZONE_FOOTPRINTS = (
    ZoneFootprint(
        code="340371",
        host_code="340304",
        outline=(
            (117.16, 32.87),
            (117.22, 32.855),
            (117.29, 32.87),
            (117.31, 32.92),
            (117.285, 32.965),
            (117.20, 32.965),
            (117.15, 32.93),
        ),
        note="high-tech zone: APPROXIMATE, west of the urban area, carved out of 禹会区",
    ),
    ZoneFootprint(
        code="340372",
        host_code="340302",
        outline=(
            (117.455, 32.87),
            (117.50, 32.86),
            (117.545, 32.90),
            (117.545, 32.99),
            (117.47, 32.99),
            (117.445, 32.93),
        ),
        note="economic development zone: APPROXIMATE, east of the urban area in 龙子湖区",
    ),
)


@dataclass(frozen=True)
class DensityPeak:
    """A bump of the layout density: cells near it come out smaller."""

    lon: float
    lat: float
    height: float
    sigma_km: float


DENSITY_PEAKS = (
    DensityPeak(117.38, 32.93, 60.0, 5.0),  # Bengbu urban core
    DensityPeak(117.19, 32.96, 15.0, 2.5),  # Huaiyuan county town (approximate)
    DensityPeak(117.88, 33.14, 15.0, 2.5),  # Wuhe county town (approximate)
    DensityPeak(117.31, 33.32, 15.0, 2.5),  # Guzhen county town (approximate)
)
SAMPLES_PER_CHILD = 40
MIN_SAMPLES = 400
LLOYD_ITERATIONS = 12
TOWN_SEAT_BUMP = 6.0  # extra density at a mixed street's centre, for its 社区
MIN_GRIDS, MAX_GRIDS = 4, 12


# ---- Small helpers


def km2_per_deg2(lat: float) -> float:
    """Square kilometres in one square degree at latitude ``lat``."""
    return KM_PER_DEG_LAT * 111.32 * math.cos(math.radians(lat))


def density(lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Layout density at the given points (1 in the countryside, higher in towns)."""
    out = np.ones_like(lon)
    for peak in DENSITY_PEAKS:
        dx = (lon - peak.lon) * 111.32 * math.cos(math.radians(peak.lat))
        dy = (lat - peak.lat) * KM_PER_DEG_LAT
        out += peak.height * np.exp(-(dx * dx + dy * dy) / (2.0 * peak.sigma_km**2))
    return out


def urban_rank(name: str, level: str) -> int:
    """0 for urban children, 1 for management bodies and the like, 2-3 for rural ones."""
    if level == "street":
        if name.endswith("街道"):
            return 0
        if name.endswith("镇"):
            return 2
        if name.endswith("乡"):
            return 3
        return 1
    if "居民委员会" in name or "居委会" in name or name.endswith("社区"):
        return 0
    if "村民委员会" in name:
        return 2
    return 1


def rng_for(code: str, purpose: int) -> np.random.Generator:
    """A generator that depends only on the seed, the parent's code and the purpose."""
    return np.random.default_rng([SEED, int(code), purpose])


def largest_first(geom: shapely.Geometry) -> list[shapely.Geometry]:
    """The polygon parts of ``geom``, largest area first."""
    parts = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon" and not g.is_empty]
    return sorted(parts, key=lambda g: -g.area)


# ---- Source data


def read_divisions(path: Path) -> list[dict[str, str]]:
    """The division rows of the NBS CSV (code, name, level, parent_code, name_en)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def read_amap_boundary(path: Path) -> shapely.Geometry:
    """One AMap boundary file (GCJ-02), converted to WGS-84 and snapped to GRID_SIZE."""
    geom = shapely.from_geojson(path.read_text(encoding="utf-8"))

    def to_wgs(coords: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        lon, lat = gcj02_to_wgs84(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    return shapely.set_precision(shapely.transform(geom, to_wgs), GRID_SIZE)


def carve_zones(counties: dict[str, shapely.Geometry]) -> None:
    """Give each development zone its footprint and remove that area from the host."""
    for zone in ZONE_FOOTPRINTS:
        host = counties[zone.host_code]
        outline = shapely.Polygon(zone.outline)
        footprint = shapely.intersection(host, outline, grid_size=GRID_SIZE)
        remainder = shapely.difference(host, footprint, grid_size=GRID_SIZE)
        parts = largest_first(remainder)
        # crumbs of the host cut off by the footprint's edge go to the zone
        for crumb in parts[1:]:
            footprint = shapely.union(footprint, crumb, grid_size=GRID_SIZE)
        counties[zone.code] = footprint
        counties[zone.host_code] = parts[0]


# ---- Partition of one parent into one cell per child


def sample_points(
    parent: shapely.Geometry,
    count: int,
    rng: np.random.Generator,
    weight: Callable[[npt.NDArray[np.float64], npt.NDArray[np.float64]], npt.NDArray[np.float64]],
) -> npt.NDArray[np.float64]:
    """``count`` points inside ``parent``, drawn with probability proportional to ``weight``."""
    x0, y0, x1, y1 = parent.bounds
    shapely.prepare(parent)
    chunks: list[npt.NDArray[np.float64]] = []
    have = 0
    while have < count:
        lon = rng.uniform(x0, x1, 4 * count)
        lat = rng.uniform(y0, y1, 4 * count)
        inside = shapely.contains_xy(parent, lon, lat)
        lon, lat = lon[inside], lat[inside]
        w = weight(lon, lat)
        keep = rng.uniform(0.0, 1.0, lon.shape[0]) * float(w.max(initial=1.0)) < w
        chunk = np.column_stack([lon[keep], lat[keep]])
        chunks.append(chunk)
        have += chunk.shape[0]
    return np.concatenate(chunks)[:count]


def lloyd_seeds(
    points: npt.NDArray[np.float64], n: int, rng: np.random.Generator, scale: float
) -> npt.NDArray[np.float64]:
    """``n`` seeds from k-means (Lloyd) over weighted samples; ``scale`` squares lon."""
    pts = points * np.array([scale, 1.0])
    seeds = pts[rng.choice(pts.shape[0], size=1)]
    for _ in range(1, n):  # k-means++ start
        d2 = ((pts[:, None, :] - seeds[None, :, :]) ** 2).sum(axis=2).min(axis=1)
        seeds = np.vstack([seeds, pts[rng.choice(pts.shape[0], p=d2 / d2.sum())]])
    for _ in range(LLOYD_ITERATIONS):
        d2 = ((pts[:, None, :] - seeds[None, :, :]) ** 2).sum(axis=2)
        owner = d2.argmin(axis=1)
        for k in range(n):
            members = pts[owner == k]
            if members.shape[0]:
                seeds[k] = members.mean(axis=0)
            else:  # empty cluster: restart it at the worst-served sample
                seeds[k] = pts[d2.min(axis=1).argmax()]
    return seeds / np.array([scale, 1.0])


def voronoi_cells(
    parent: shapely.Geometry, seeds: npt.NDArray[np.float64]
) -> list[shapely.Geometry]:
    """Voronoi cells of ``seeds`` clipped to ``parent``, in seed order."""
    frame = shapely.box(*parent.bounds).buffer(0.05)
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=frame, ordered=True)
    )
    return [shapely.intersection(cell, parent) for cell in cells]


def tidy_fragments(cells: list[shapely.Geometry]) -> list[shapely.Geometry]:
    """Give every detached fragment of a cell to the neighbour it shares most border with."""
    mains = [largest_first(c)[0] if not c.is_empty else c for c in cells]
    extras: list[tuple[int, shapely.Geometry]] = []
    for i, cell in enumerate(cells):
        extras.extend((i, frag) for frag in largest_first(cell)[1:])
    result = list(mains)
    for owner, frag in extras:
        best, best_len = owner, 0.0
        for j, other in enumerate(mains):
            if j != owner and not other.is_empty and frag.intersects(other):
                shared = shapely.intersection(frag.boundary, other.boundary).length
                if shared > best_len:
                    best, best_len = j, shared
        result[best] = shapely.union(result[best], frag)
    return result


def partition(
    parent: shapely.Geometry, children: Sequence[dict[str, str]], level: str, parent_code: str
) -> dict[str, shapely.Geometry]:
    """Cut ``parent`` into one cell per child (codes to polygons), deterministically."""
    if len(children) == 1:
        return {children[0]["code"]: parent}
    n = len(children)
    ranks = [urban_rank(c["name"], level) for c in children]
    lat0 = shapely.centroid(parent).y
    scale = math.cos(math.radians(lat0))
    weight = density
    mixed = min(ranks) == 0 and max(ranks) >= 2
    if mixed and level == "community":  # a town with a seat: make its 社区 small, central
        focus = shapely.point_on_surface(parent)
        spread_deg = 0.15 * math.sqrt(parent.area)

        def weight(
            lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]
        ) -> npt.NDArray[np.float64]:
            d2 = ((lon - focus.x) * scale) ** 2 + (lat - focus.y) ** 2
            return density(lon, lat) * (1.0 + TOWN_SEAT_BUMP * np.exp(-d2 / (2 * spread_deg**2)))

    rng = rng_for(parent_code, 1)
    points = sample_points(parent, max(MIN_SAMPLES, SAMPLES_PER_CHILD * n), rng, weight)
    seeds = lloyd_seeds(points, n, rng, scale)
    cells = tidy_fragments(voronoi_cells(parent, seeds))
    # densest cells to the most urban children
    seed_weight = weight(seeds[:, 0], seeds[:, 1])
    cell_order = sorted(range(n), key=lambda i: (-seed_weight[i], i))
    child_order = sorted(range(n), key=lambda i: (ranks[i], children[i]["code"]))
    return {children[c]["code"]: cells[k] for c, k in zip(child_order, cell_order, strict=True)}


def grid_count(area_km2: float) -> int:
    """How many grids a community of ``area_km2`` gets (4-12, more for larger areas)."""
    n = math.floor(4.0 + 1.2 * math.log2(1.0 + area_km2 / 0.5))
    return max(MIN_GRIDS, min(MAX_GRIDS, n))


def grid_rows(community: dict[str, str], area_km2: float) -> list[dict[str, str]]:
    """The generated grid divisions of one community."""
    return [
        {
            "code": f"{community['code']}{i:03d}",
            "name": f"第{i}网格",
            "level": "grid",
            "parent_code": community["code"],
            "name_en": f"Grid {i}",
        }
        for i in range(1, grid_count(area_km2) + 1)
    ]


# ---- One consistent coverage


def snap_coverage(cells: dict[str, shapely.Geometry]) -> dict[str, shapely.Geometry]:
    """Snap-round every cell's edges together, so neighbours share identical vertices.

    All boundaries are noded in one snap-rounding pass at ``GRID_SIZE``, polygonised
    into faces, and each face goes back to the cell that holds it. Rounding cells one by
    one would leave slivers wherever one cell has a vertex on its neighbour's edge.
    """
    codes = list(cells)
    geoms = [cells[c] for c in codes]
    linework = shapely.union_all(shapely.boundary(geoms), grid_size=GRID_SIZE)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(linework)))
    tree = shapely.STRtree(geoms)
    owner = np.full(len(faces), -1)
    face_idx, cell_idx = tree.query(shapely.point_on_surface(faces), predicate="intersects")
    owner[face_idx] = cell_idx
    for i in np.flatnonzero(owner < 0):  # a snapping crumb: give it to the biggest overlap
        near = tree.query(faces[i])
        if near.size:
            areas = shapely.area(shapely.intersection(faces[i], np.asarray(geoms)[near]))
            owner[i] = near[int(np.argmax(areas))]
    out: dict[str, shapely.Geometry] = {}
    for k, code in enumerate(codes):
        mine = faces[owner == k]
        if not mine.size:
            raise SystemExit(f"{code}: cell vanished when snapped to the output grid")
        out[code] = shapely.coverage_union_all(mine)
    return out


def children_geoms(
    kids: dict[str, list[dict[str, str]]],
    parents: dict[str, shapely.Geometry],
    children: dict[str, shapely.Geometry],
) -> dict[str, list[shapely.Geometry]]:
    """For each parent code, the geometries of its children."""
    return {code: [children[k["code"]] for k in kids[code]] for code in parents}


def rebuild_parents(
    parents: dict[str, shapely.Geometry], parts: dict[str, list[shapely.Geometry]]
) -> dict[str, shapely.Geometry]:
    """Check each parent is tiled by its parts, then replace it by their exact union."""
    out: dict[str, shapely.Geometry] = {}
    for code, parent in parents.items():
        check_tiling(code, parent, parts[code])
        out[code] = shapely.coverage_union_all(parts[code])
    return out


# ---- Output


def round_coords(obj: Any) -> Any:
    """GeoJSON coordinates rounded to 5 decimals (about 1 m)."""
    if isinstance(obj, float):
        return round(obj, 5)
    if isinstance(obj, list | tuple):
        return [round_coords(o) for o in obj]
    return obj


def write_layer(
    path: Path,
    rows: Iterable[dict[str, str]],
    geoms: dict[str, shapely.Geometry],
    generated: Callable[[str], bool],
) -> None:
    """Write one level as a compact FeatureCollection sorted by code."""
    features = []
    for row in sorted(rows, key=lambda r: r["code"]):
        geom = mapping(geoms[row["code"]])
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "code": row["code"],
                    "name": row["name"],
                    "name_en": row["name_en"],
                    "level": row["level"],
                    "parent_code": row["parent_code"],
                    "generated": generated(row["code"]),
                },
                "geometry": {
                    "type": geom["type"],
                    "coordinates": round_coords(geom["coordinates"]),
                },
            }
        )
    collection = {"type": "FeatureCollection", "features": features}
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    path.write_text(text + "\n", encoding="utf-8")


def write_grids_csv(path: Path, rows: Sequence[dict[str, str]]) -> None:
    """Write the generated grid divisions in the same columns as the divisions CSV."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(
            handle, ["code", "name", "level", "parent_code", "name_en"], lineterminator="\n"
        )
        writer.writeheader()
        writer.writerows(rows)


# ---- Checks


def check_tiling(label: str, parent: shapely.Geometry, cells: Sequence[shapely.Geometry]) -> None:
    """Fail unless ``cells`` are valid, non-empty and tile ``parent`` within tolerance."""
    if any(
        c.is_empty or not c.is_valid or c.geom_type not in ("Polygon", "MultiPolygon")
        for c in cells
    ):
        raise SystemExit(f"{label}: empty, invalid or non-polygonal cell")
    total = sum(c.area for c in cells)
    union = shapely.union_all(list(cells), grid_size=GRID_SIZE)
    gap = shapely.symmetric_difference(union, parent, grid_size=GRID_SIZE).area
    overlap = total - union.area
    # rounding to GRID_SIZE may move an edge by up to half a unit; overlaps must be ~0
    if gap > 0.25 * GRID_SIZE * parent.length or overlap > 0.01 * GRID_SIZE * parent.length:
        raise SystemExit(f"{label}: cells do not tile the parent (gap {gap}, overlap {overlap})")


# ---- Main


def build(source: Path, out_dir: Path) -> None:
    """Build every layer from ``source`` into ``out_dir``."""
    rows = read_divisions(source / "bengbu_divisions.csv")
    by_level: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_level.setdefault(row["level"], []).append(row)
    kids: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        kids.setdefault(row["parent_code"], []).append(row)

    amap = source / AMAP_SUBDIR
    city = read_amap_boundary(amap / f"{CITY_CODE}.geojson")
    counties = {
        row["code"]: read_amap_boundary(amap / f"{row['code']}.geojson")
        for row in by_level["county"]
        if (amap / f"{row['code']}.geojson").exists()
    }
    carve_zones(counties)
    check_tiling("city", city, list(counties.values()))

    streets: dict[str, shapely.Geometry] = {}
    for code in sorted(counties):
        streets.update(partition(counties[code], kids[code], "street", code))
    communities: dict[str, shapely.Geometry] = {}
    for code in sorted(streets):
        communities.update(partition(streets[code], kids[code], "community", code))
    grids: dict[str, shapely.Geometry] = {}
    grid_list: list[dict[str, str]] = []
    for row in sorted(by_level["community"], key=lambda r: r["code"]):
        geom = communities[row["code"]]
        area_km2 = geom.area * km2_per_deg2(shapely.centroid(geom).y)
        mine = grid_rows(row, area_km2)
        grid_list.extend(mine)
        grids.update(partition(geom, mine, "grid", row["code"]))

    grids = snap_coverage(grids)
    grid_kids: dict[str, list[shapely.Geometry]] = {}
    for row in grid_list:
        grid_kids.setdefault(row["parent_code"], []).append(grids[row["code"]])
    communities = rebuild_parents(communities, grid_kids)
    streets = rebuild_parents(streets, children_geoms(kids, streets, communities))
    counties = rebuild_parents(counties, children_geoms(kids, counties, streets))
    city = rebuild_parents({CITY_CODE: city}, children_geoms(kids, {CITY_CODE: city}, counties))[
        CITY_CODE
    ]

    zone_codes = {z.code for z in ZONE_FOOTPRINTS}
    bdir = out_dir / "boundaries"
    write_layer(bdir / "city.geojson", by_level["city"], {CITY_CODE: city}, lambda _c: False)
    write_layer(bdir / "county.geojson", by_level["county"], counties, lambda c: c in zone_codes)
    write_layer(bdir / "street.geojson", by_level["street"], streets, lambda _c: True)
    write_layer(bdir / "community.geojson", by_level["community"], communities, lambda _c: True)
    write_layer(bdir / "grid.geojson", grid_list, grids, lambda _c: True)
    write_grids_csv(out_dir / "grids.csv", grid_list)

    print(f"city area {city.area * km2_per_deg2(33.0):.1f} km2, bounds {city.bounds}")
    print(f"streets {len(streets)}, communities {len(communities)}, grids {len(grid_list)}")
    for path in sorted(bdir.glob("*.geojson")):
        print(f"{path.name}: {path.stat().st_size / 1e6:.2f} MB")


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    args = parser.parse_args()
    build(args.source, args.out)


if __name__ == "__main__":
    main()
