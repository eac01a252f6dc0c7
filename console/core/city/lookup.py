"""Point -> grid lookup through a uniform cell raster over the city's bounding box.

Why a raster and not an STRtree: at Bengbu's scale (about 8,500 grid polygons) a
single-point STRtree query costs a tree walk plus a Python-level call per candidate
whose *bounding box* holds the point, and bounding boxes of Voronoi-like cells
overlap a lot. A raster answers most points with one array read: a cell that no
polygon edge crosses lies wholly inside one grid (or wholly outside the city), so
its answer is stored directly. Only cells that an edge may cross keep a short
candidate list (the grids whose edges pass nearby, the grid at the cell centre
first), tested with shapely's prepared ``intersects_xy``. Building it is one
vectorised pass over the edges plus one ``intersects_xy`` per grid over the cell
centres in its bounding box, a few hundred milliseconds.

Points on an edge shared by two grids go to the first candidate that touches them,
the same in :meth:`GridIndex.locate` and :meth:`GridIndex.locate_many`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import shapely

IntArray = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]

DEFAULT_CELL_DEG = 0.002
"""Raster cell size in degrees (about 190 m x 220 m at Bengbu)."""

_OUTSIDE = -1


class GridIndex:
    """Finds which of a set of non-overlapping polygons holds a point (index or -1)."""

    def __init__(
        self,
        polygons: Sequence[shapely.Geometry] | npt.NDArray[np.object_],
        cell_deg: float = DEFAULT_CELL_DEG,
    ) -> None:
        geoms = np.asarray(polygons, dtype=object)
        if geoms.ndim != 1 or geoms.size == 0:
            raise ValueError("a grid index needs at least one polygon")
        shapely.prepare(geoms)
        self._geoms = geoms
        self._geom_list: list[shapely.Geometry] = list(geoms)
        x0, y0, x1, y1 = (float(v) for v in shapely.total_bounds(geoms))
        self.cell_deg = cell_deg
        self.x0, self.y0 = x0, y0
        self.nx = max(1, math.ceil((x1 - x0) / cell_deg) + 1)
        self.ny = max(1, math.ceil((y1 - y0) / cell_deg) + 1)
        self._inv = 1.0 / cell_deg
        centre_owner = self._centre_owners()
        cell_keys, cell_geoms = self._edge_cells()
        self._state, self._cand_start, self._cand_ids = self._assemble(
            centre_owner, cell_keys, cell_geoms
        )
        # plain lists: indexing them is several times cheaper than numpy scalars
        self._state_list: list[int] = self._state.tolist()
        self._start_list: list[int] = self._cand_start.tolist()
        self._ids_list: list[int] = self._cand_ids.tolist()

    # ---- Building

    def _centre_owners(self) -> IntArray:
        """For every raster cell, the polygon holding its centre (or -1).

        Every polygon is tested against the cell centres inside its bounding box, all
        in one vectorised ``intersects_xy`` call.
        """
        owner = np.full(self.nx * self.ny, _OUTSIDE, dtype=np.int32)
        bounds = shapely.bounds(self._geoms)
        lo_x = np.ceil((bounds[:, 0] - self.x0) * self._inv - 0.5).astype(np.int64)
        hi_x = np.floor((bounds[:, 2] - self.x0) * self._inv - 0.5).astype(np.int64)
        lo_y = np.ceil((bounds[:, 1] - self.y0) * self._inv - 0.5).astype(np.int64)
        hi_y = np.floor((bounds[:, 3] - self.y0) * self._inv - 0.5).astype(np.int64)
        width = np.maximum(hi_x - lo_x + 1, 0)
        count = width * np.maximum(hi_y - lo_y + 1, 0)
        poly = np.repeat(np.arange(count.size), count)
        local = np.arange(poly.size) - np.repeat(np.cumsum(count) - count, count)
        ix = lo_x[poly] + local % width[poly]
        iy = lo_y[poly] + local // width[poly]
        xs = self.x0 + (ix + 0.5) * self.cell_deg
        ys = self.y0 + (iy + 0.5) * self.cell_deg
        hit = shapely.intersects_xy(self._geoms[poly], xs, ys)
        owner[(iy * self.nx + ix)[hit]] = poly[hit]
        return owner

    def _edge_cells(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """(cell, polygon) pairs for every cell within one cell of a polygon's edge.

        Edges are sampled at most half a cell apart; every cell an edge touches is
        then a neighbour of a cell holding a sample, so marking the 3 x 3
        neighbourhood of each sample's cell is conservative.
        """
        parts, part_owner = shapely.get_parts(self._geoms, return_index=True)
        rings, ring_part = shapely.get_rings(parts, return_index=True)
        coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
        same_ring = coord_ring[:-1] == coord_ring[1:]
        start = coords[:-1][same_ring]
        end = coords[1:][same_ring]
        seg_owner = part_owner[ring_part[coord_ring[:-1][same_ring]]]
        length = np.hypot(*(end - start).T)
        steps = np.ceil(length * self._inv * 2.0).astype(np.int64) + 1
        seg_of_sample = np.repeat(np.arange(steps.size), steps)
        first = np.cumsum(steps) - steps
        frac = (np.arange(seg_of_sample.size) - first[seg_of_sample]) / np.maximum(
            steps[seg_of_sample] - 1, 1
        )
        pts = start[seg_of_sample] + (end - start)[seg_of_sample] * frac[:, None]
        ix = np.clip(np.floor((pts[:, 0] - self.x0) * self._inv).astype(np.int64), 0, self.nx - 1)
        iy = np.clip(np.floor((pts[:, 1] - self.y0) * self._inv).astype(np.int64), 0, self.ny - 1)
        owners = seg_owner[seg_of_sample].astype(np.int64)
        packed = _sorted_unique(((iy * self.nx + ix) << 32) | owners)
        cy, cx = np.divmod(packed >> 32, self.nx)
        poly = packed & 0xFFFFFFFF
        keys: list[npt.NDArray[np.int64]] = []
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                ny, nx = cy + dy, cx + dx
                ok = (nx >= 0) & (nx < self.nx) & (ny >= 0) & (ny < self.ny)
                keys.append(((ny[ok] * self.nx + nx[ok]) << 32) | poly[ok])
        pairs = _sorted_unique(np.concatenate(keys))
        return pairs >> 32, pairs & 0xFFFFFFFF

    def _assemble(
        self,
        centre_owner: IntArray,
        pair_cell: npt.NDArray[np.int64],
        pair_poly: npt.NDArray[np.int64],
    ) -> tuple[IntArray, IntArray, IntArray]:
        """The cell table plus candidate lists (CSR) of the cells near an edge.

        Each list starts with the polygon holding the cell's centre (the likeliest
        answer, and the one a dilated cell that no edge really crosses needs).
        """
        edge_cells = _sorted_unique(pair_cell)
        owner = centre_owner[edge_cells].astype(np.int64)
        has_owner = owner >= 0
        cell = np.concatenate([pair_cell, edge_cells[has_owner]])
        poly = np.concatenate([pair_poly, owner[has_owner]])
        priority = np.concatenate([np.ones(pair_cell.size), np.zeros(int(has_owner.sum()))])
        order = np.lexsort((poly, priority, cell))
        cell, poly = cell[order], poly[order]
        # the centre's polygon may also be listed later: keep its first appearance
        key = (cell << 32) | poly
        by_key = np.argsort(key, kind="stable")
        repeat = np.zeros(cell.size, dtype=bool)
        repeat[by_key[1:]] = key[by_key[1:]] == key[by_key[:-1]]
        cell, poly = cell[~repeat], poly[~repeat]
        cand_start = np.append(np.searchsorted(cell, edge_cells), cell.size).astype(np.int32)
        state = centre_owner.copy()
        state[edge_cells] = -2 - np.arange(edge_cells.size, dtype=np.int32)
        return state, cand_start, poly.astype(np.int32)

    # ---- Queries

    @property
    def edge_cell_share(self) -> float:
        """Fraction of raster cells that need a polygon test (for tuning)."""
        return float(np.count_nonzero(self._state <= -2)) / self._state.size

    def locate(self, lon: float, lat: float) -> int:
        """Index of the polygon holding (lon, lat), or -1 if none does."""
        fx = (lon - self.x0) * self._inv
        fy = (lat - self.y0) * self._inv
        if not (0.0 <= fx < self.nx and 0.0 <= fy < self.ny):
            return _OUTSIDE
        value = self._state_list[int(fy) * self.nx + int(fx)]
        if value >= _OUTSIDE:
            return value
        geoms = self._geom_list
        slot = -2 - value
        for k in self._ids_list[self._start_list[slot] : self._start_list[slot + 1]]:
            if shapely.intersects_xy(geoms[k], lon, lat):
                return k
        return _OUTSIDE

    def locate_many(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> IntArray:
        """Vectorised :meth:`locate`: polygon index per point, -1 where none holds it."""
        x = np.asarray(lon, dtype=np.float64).ravel()
        y = np.asarray(lat, dtype=np.float64).ravel()
        if x.shape != y.shape:
            raise ValueError("lon and lat must have the same length")
        out = np.full(x.size, _OUTSIDE, dtype=np.int32)
        fx = (x - self.x0) * self._inv
        fy = (y - self.y0) * self._inv
        inside = (fx >= 0) & (fx < self.nx) & (fy >= 0) & (fy < self.ny)
        where = np.flatnonzero(inside)
        value = self._state[fy[where].astype(np.int64) * self.nx + fx[where].astype(np.int64)]
        direct = value >= _OUTSIDE
        out[where[direct]] = value[direct]
        pending = where[~direct]
        slot = -2 - value[~direct].astype(np.int64)
        start = self._cand_start[slot].astype(np.int64)
        stop = self._cand_start[slot + 1].astype(np.int64)
        rank = 0
        while pending.size:
            live = start + rank < stop
            pending, start, stop = pending[live], start[live], stop[live]
            if not pending.size:
                break
            cand = self._cand_ids[start + rank]
            hit = shapely.intersects_xy(self._geoms[cand], x[pending], y[pending])
            out[pending[hit]] = cand[hit]
            miss = ~hit
            pending, start, stop = pending[miss], start[miss], stop[miss]
            rank += 1
        return out


def _sorted_unique(values: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Sorted distinct values (a plain sort: faster than ``np.unique`` on large int arrays)."""
    if values.size == 0:
        return values
    ordered = np.sort(values)
    distinct = np.empty(ordered.size, dtype=bool)
    distinct[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=distinct[1:])
    return ordered[distinct]
