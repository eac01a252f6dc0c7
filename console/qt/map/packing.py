"""Vehicle positions packed for the page: pre-projected, quantised, binary, base64.

The page's vehicle layer reads one base64 string: ``n`` pairs of uint16
(x, y) followed by ``n`` uint8 vehicle classes, plus a :class:`FrameExtent`
sent as plain numbers. x and y are Web-Mercator pixels at zoom 0 (a 256 px
world, as Leaflet's ``map.project(latlng, 0)``), quantised over the frame's
own extent, so a redraw only scales and shifts them. Over a city (about
100 km) a step is about 2 m, finer than a pixel up to zoom 16.

Over GCJ-02 tiles (see ``basemap_crs.js``) the page's pixels are Web Mercator of
the GCJ-02-shifted point, so the packer adds that shift, read from a grid
computed once over its window (bilinear, within centimetres of the formula and
several times faster than evaluating it for every vehicle on every frame).

Positions outside the packer's window (the city with a wide margin; bad GPS
fixes, NaN) are left off the frame and counted as ``off_map``, so one stray
point cannot coarsen everyone's precision. Rows are ordered so the most
numerous class (cargo) is drawn first and the rarest (taxis) stay on top.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from console.core.city.datum import wgs84_to_gcj02
from console.core.events import VehicleClass
from console.qt.map.layers import TileCrs

WORLD_PX = 256.0
"""Width of the Web-Mercator world in pixels at zoom 0 (Leaflet's EPSG:3857)."""

MAX_LATITUDE = 85.0511287798
"""Leaflet's Web-Mercator latitude limit."""

CLASS_COUNT = len(VehicleClass)
_STEPS = 65535.0

BBox = tuple[float, float, float, float]
"""west, south, east, north in degrees."""


def mercator_px(
    lon: npt.ArrayLike, lat: npt.ArrayLike
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Web-Mercator pixel coordinates at zoom 0 (as ``map.project(latlng, 0)``).

    y is computed in float32 (twice as fast; within about 1 m at mid latitudes).
    """
    x = (np.asarray(lon, dtype=np.float64) + 180.0) * (WORLD_PX / 360.0)
    lat32 = np.clip(np.asarray(lat, dtype=np.float32), -MAX_LATITUDE, MAX_LATITUDE)
    stretch = np.arctanh(np.sin(np.radians(lat32)))
    y = (0.5 - stretch.astype(np.float64) / (2.0 * np.pi)) * WORLD_PX
    return x, y


def mercator_px_exact(
    lon: npt.ArrayLike, lat: npt.ArrayLike
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Web-Mercator pixels at zoom 0 in float64 throughout (Leaflet's own arithmetic)."""
    x = (np.asarray(lon, dtype=np.float64) + 180.0) * (WORLD_PX / 360.0)
    lat64 = np.clip(np.asarray(lat, dtype=np.float64), -MAX_LATITUDE, MAX_LATITUDE)
    y = (0.5 - np.arctanh(np.sin(np.radians(lat64))) / (2.0 * np.pi)) * WORLD_PX
    return x, y


class Gcj02Shift:
    """The GCJ-02 shift in zoom-0 Web-Mercator pixels, tabulated over a window.

    ``shift(lon, lat)`` interpolates bilinearly between grid nodes ``spacing_deg``
    apart; the offset's shortest wave is 1/3 degree long, so at 0.01 degree the
    error stays under about 0.1 m. Outside the window the edge cells extrapolate.
    Tables and arithmetic are float32 (the shift is under 0.01 px at zoom 0).
    """

    def __init__(self, window: BBox, spacing_deg: float = 0.01, max_nodes: int = 400) -> None:
        west, south, east, north = window
        step = max(spacing_deg, (east - west) / max_nodes, (north - south) / max_nodes)
        self._nx = max(2, int(np.ceil((east - west) / step)) + 1)
        self._ny = max(2, int(np.ceil((north - south) / step)) + 1)
        grid_lon, grid_lat = np.meshgrid(
            west + step * np.arange(self._nx), south + step * np.arange(self._ny)
        )
        wgs_x, wgs_y = mercator_px_exact(grid_lon, grid_lat)
        gcj_x, gcj_y = mercator_px_exact(*wgs84_to_gcj02(grid_lon, grid_lat))
        self._dx = (gcj_x - wgs_x).astype(np.float32).ravel()
        self._dy = (gcj_y - wgs_y).astype(np.float32).ravel()
        self._west = np.float32(west)
        self._south = np.float32(south)
        self._per_deg = np.float32(1.0 / step)

    def shift(
        self, lon: npt.NDArray[np.floating], lat: npt.NDArray[np.floating]
    ) -> tuple[npt.NDArray[np.floating], npt.NDArray[np.floating]]:
        """GCJ-02 minus WGS-84 position (dx, dy) in zoom-0 pixels at each point."""
        tx = np.subtract(lon, self._west, dtype=np.float32)
        ty = np.subtract(lat, self._south, dtype=np.float32)
        tx *= self._per_deg
        ty *= self._per_deg
        ix = tx.astype(np.int32)
        corner = ty.astype(np.int32)
        np.clip(ix, 0, self._nx - 2, out=ix)
        np.clip(corner, 0, self._ny - 2, out=corner)
        tx -= ix  # the fractions inside each cell
        ty -= corner
        corner *= self._nx
        corner += ix
        right = ix  # reused: the node right of the corner
        np.add(corner, 1, out=right)
        dx = _bilinear(self._dx, corner, right, self._nx, tx, ty)
        dy = _bilinear(self._dy, corner, right, self._nx, tx, ty)
        return dx, dy


def _bilinear(
    table: npt.NDArray[np.float32],
    corner: npt.NDArray[np.int32],
    right: npt.NDArray[np.int32],
    row: int,
    tx: npt.NDArray[np.float32],
    ty: npt.NDArray[np.float32],
) -> npt.NDArray[np.float32]:
    """Bilinear interpolation in a row-major grid (``row`` nodes a row) from lower-left nodes."""
    low = table.take(corner)
    high = table.take(right)
    high -= low
    high *= tx
    low += high  # along the lower edge
    top = table[row:].take(corner)
    high = table[row:].take(right)
    high -= top
    high *= tx
    top += high  # along the upper edge
    top -= low
    top *= ty
    low += top
    return low


@dataclass(frozen=True, slots=True)
class FrameExtent:
    """Where quantised step 0 lies and how long a step is (zoom-0 pixels)."""

    x0: float
    y0: float
    step_x: float
    step_y: float


@dataclass(frozen=True, slots=True)
class PackedVehicles:
    """One full vehicle frame ready to send to the page."""

    payload: str
    count: int
    class_counts: tuple[int, ...]
    extent: FrameExtent
    off_map: int = 0


class VehiclePacker:
    """Packs lon/lat/class arrays for the page, keeping positions inside ``window``.

    ``datum`` is the page's (:attr:`MapLayers.datum`): with ``"gcj02"`` positions
    are shifted to GCJ-02 before they are projected, as the page's CRS does.
    """

    def __init__(self, window: BBox, datum: TileCrs = "wgs84") -> None:
        self.window = window
        self.datum: TileCrs = datum
        self._shift = Gcj02Shift(window) if datum == "gcj02" else None

    @classmethod
    def around(cls, bbox: BBox, margin_deg: float = 1.0, datum: TileCrs = "wgs84") -> VehiclePacker:
        """A packer whose window is ``bbox`` grown by ``margin_deg`` on every side."""
        west, south, east, north = bbox
        window = (west - margin_deg, south - margin_deg, east + margin_deg, north + margin_deg)
        return cls(window, datum)

    def pack(
        self,
        lon: npt.NDArray[np.floating],
        lat: npt.NDArray[np.floating],
        classes: npt.NDArray[np.uint8],
    ) -> PackedVehicles:
        """Filter, order by class, project, quantise and encode one frame."""
        west, south, east, north = self.window
        inside = (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)
        inside &= classes < CLASS_COUNT
        off_map = int(inside.size - np.count_nonzero(inside))
        if off_map:
            lon, lat, classes = lon[inside], lat[inside], classes[inside]
        count = int(classes.shape[0])
        class_counts = tuple(int(c) for c in np.bincount(classes, minlength=CLASS_COUNT))
        order = np.argsort(np.uint8(CLASS_COUNT - 1) - classes, kind="stable")
        lon, lat = lon[order], lat[order]
        x, y = mercator_px(lon, lat)
        if self._shift is not None:
            dx, dy = self._shift.shift(lon, lat)
            x += dx
            y += dy
        extent = _extent(x, y)
        buffer = np.empty(count * 5, dtype=np.uint8)
        xy = buffer[: count * 4].view(np.uint16).reshape(count, 2)
        xy[:, 0] = np.rint((x - extent.x0) / extent.step_x)
        xy[:, 1] = np.rint((y - extent.y0) / extent.step_y)
        buffer[count * 4 :] = classes[order]
        payload = base64.b64encode(buffer.data).decode("ascii")
        return PackedVehicles(payload, count, class_counts, extent, off_map)


def _extent(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> FrameExtent:
    if x.size == 0:
        return FrameExtent(0.0, 0.0, 1.0, 1.0)
    x0, y0 = float(x.min()), float(y.min())
    step_x = (float(x.max()) - x0) / _STEPS or 1e-9
    step_y = (float(y.max()) - y0) / _STEPS or 1e-9
    return FrameExtent(x0, y0, step_x, step_y)
