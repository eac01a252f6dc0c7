"""Vehicle positions packed for the page: pre-projected, quantised, binary, base64.

The page's vehicle layer reads one base64 string: ``n`` pairs of uint16
(x, y) followed by ``n`` uint8 vehicle classes, plus a :class:`FrameExtent`
sent as plain numbers. x and y are Web-Mercator pixels at zoom 0 (a 256 px
world, as Leaflet's ``map.project(latlng, 0)``), quantised over an extent
around the vehicles (:meth:`VehiclePacker.pack`: the frame's own), so a redraw
only scales and shifts them. Over a city (about 100 km) a step is about 2 m,
finer than a pixel up to zoom 16.

Over GCJ-02 tiles (see ``basemap_crs.js``) the page's pixels are Web Mercator of
the GCJ-02-shifted point, so the packer adds that shift, read from a grid
computed once over its window (bilinear, within centimetres of the formula and
several times faster than evaluating it for every vehicle on every frame).

Positions outside the packer's window (the city with a wide margin; bad GPS
fixes, NaN) are left off the frame and counted as ``off_map``, so one stray
point cannot coarsen everyone's precision. Rows are ordered so the most
numerous class (cargo) is drawn first and the rarest (taxis) stay on top.

Live, :class:`LiveFrames` keeps the frame packed between frames: only the
vehicles that moved are projected again, over a quantisation extent that stays
put (the fleet's extent with a margin, grown only when a vehicle leaves it), and
the page gets just their new positions (:class:`VehicleChanges`) as long as no
vehicle was added, removed or changed class.
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
_MIN_PAD_PX = 1e-3
"""Least margin of a live extent in zoom-0 pixels (about 130 m at Bengbu)."""

BBox = tuple[float, float, float, float]
"""west, south, east, north in degrees."""


def mercator_px_exact(
    lon: npt.ArrayLike, lat: npt.ArrayLike
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Web-Mercator pixels at zoom 0 in float64 throughout (Leaflet's own arithmetic)."""
    x = (np.asarray(lon, dtype=np.float64) + 180.0) * (WORLD_PX / 360.0)
    lat64 = np.clip(np.asarray(lat, dtype=np.float64), -MAX_LATITUDE, MAX_LATITUDE)
    y = (0.5 - np.arctanh(np.sin(np.radians(lat64))) / (2.0 * np.pi)) * WORLD_PX
    return x, y


class MercatorY:
    """Web-Mercator y at zoom 0 over a band of latitudes, from a polynomial fitted once.

    Several times faster than ``arctanh(sin(lat))`` and within a millimetre of it in
    the band (checked when fitted; :func:`mercator_px_exact` is used outside it, or
    for the whole band if the fit is not that close).
    """

    def __init__(self, south: float, north: float, degree: int = 8) -> None:
        self._centre = (south + north) / 2.0
        self._half = max((north - south) / 2.0, 1e-6)
        grid = np.linspace(south, north, 4001)
        exact = mercator_px_exact(np.zeros_like(grid), grid)[1]
        scaled = (grid - self._centre) / self._half
        coefficients = np.polynomial.polynomial.polyfit(scaled, exact, degree)
        error = np.abs(np.polynomial.polynomial.polyval(scaled, coefficients) - exact).max()
        self._coefficients = coefficients[::-1].tolist()  # highest power first (Horner)
        self.usable = bool(error < 1e-8)  # zoom-0 pixels: about a millimetre

    def __call__(self, lat: npt.NDArray[np.floating]) -> npt.NDArray[np.float64]:
        """y of each latitude (degrees)."""
        if not self.usable:
            return mercator_px_exact(np.zeros(lat.shape), lat)[1]
        u = np.subtract(lat, self._centre, dtype=np.float64)
        u *= 1.0 / self._half
        first, *rest = self._coefficients
        y = np.full(u.shape, first)
        for coefficient in rest:
            y *= u
            y += coefficient
        outside = np.abs(u) > 1.0
        if outside.any():
            y[outside] = mercator_px_exact(np.zeros(int(outside.sum())), lat[outside])[1]
        return y


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


@dataclass(frozen=True, slots=True)
class VehicleChanges:
    """New positions of some vehicles of the frame on the page (same extent and order).

    ``payload`` is base64 of ``changed`` uint32 indices into the page's frame,
    then ``changed`` pairs of uint16 (x, y).
    """

    payload: str
    changed: int
    count: int
    """Vehicles in the frame."""


class VehiclePacker:
    """Packs lon/lat/class arrays for the page, keeping positions inside ``window``.

    ``datum`` is the page's (:attr:`MapLayers.datum`): with ``"gcj02"`` positions
    are shifted to GCJ-02 before they are projected, as the page's CRS does.
    """

    def __init__(self, window: BBox, datum: TileCrs = "wgs84") -> None:
        self.window = window
        self.datum: TileCrs = datum
        self._shift = Gcj02Shift(window) if datum == "gcj02" else None
        self._mercator_y = MercatorY(max(window[1], -MAX_LATITUDE), min(window[3], MAX_LATITUDE))

    @classmethod
    def around(cls, bbox: BBox, margin_deg: float = 1.0, datum: TileCrs = "wgs84") -> VehiclePacker:
        """A packer whose window is ``bbox`` grown by ``margin_deg`` on every side."""
        west, south, east, north = bbox
        window = (west - margin_deg, south - margin_deg, east + margin_deg, north + margin_deg)
        return cls(window, datum)

    def inside(
        self,
        lon: npt.NDArray[np.floating],
        lat: npt.NDArray[np.floating],
        classes: npt.NDArray[np.uint8],
    ) -> npt.NDArray[np.bool_]:
        """Which positions are drawn: inside the window (not NaN) and of a known class."""
        west, south, east, north = self.window
        inside = (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)
        inside &= classes < CLASS_COUNT
        return inside

    def project(
        self, lon: npt.NDArray[np.floating], lat: npt.NDArray[np.floating]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Zoom-0 pixels of positions inside the window, in the page's datum."""
        x = (np.asarray(lon, dtype=np.float64) + 180.0) * (WORLD_PX / 360.0)
        y = self._mercator_y(lat)
        if self._shift is not None:
            dx, dy = self._shift.shift(lon, lat)
            x += dx
            y += dy
        return x, y

    def pack(
        self,
        lon: npt.NDArray[np.floating],
        lat: npt.NDArray[np.floating],
        classes: npt.NDArray[np.uint8],
    ) -> PackedVehicles:
        """Filter, order by class, project, quantise and encode one frame."""
        inside = self.inside(lon, lat, classes)
        off_map = int(inside.size - np.count_nonzero(inside))
        if off_map:
            lon, lat, classes = lon[inside], lat[inside], classes[inside]
        count = int(classes.shape[0])
        class_counts = tuple(int(c) for c in np.bincount(classes, minlength=CLASS_COUNT))
        order = np.argsort(np.uint8(CLASS_COUNT - 1) - classes, kind="stable")
        x, y = self.project(lon[order], lat[order])
        extent = _extent(x, y)
        buffer = np.empty(count * 5, dtype=np.uint8)
        _quantise(x, y, extent, buffer[: count * 4].view(np.uint16).reshape(count, 2))
        buffer[count * 4 :] = classes[order]
        payload = base64.b64encode(buffer.data).decode("ascii")
        return PackedVehicles(payload, count, class_counts, extent, off_map)


class LiveFrames:
    """The live vehicle frame, kept packed between frames (rows as the table's).

    :meth:`rebuild` projects, orders and quantises every row (a new layout);
    :meth:`update` re-projects only the rows that moved and answers with the page's
    changes (8 bytes a vehicle), or with the whole frame (5 bytes a vehicle) when the
    extent had to grow, a vehicle entered or left the window, or most rows moved.
    Projected positions are kept in the page's order, so the whole frame is one pass.
    """

    def __init__(self, packer: VehiclePacker, margin: float = 0.1) -> None:
        self.packer = packer
        self._margin = margin
        self._drawn = np.empty(0, bool)
        """Which rows are on the map."""
        self._rank = np.empty(0, np.intp)
        """Each row's index in the page's frame (-1: off the map)."""
        self._order = np.empty(0, np.intp)
        """The rows in the page's frame, in its order (the inverse of ``_rank``)."""
        self._x = np.empty(0)
        self._y = np.empty(0)
        """Zoom-0 pixels in the page's order."""
        self._buffer = np.empty(0, np.uint8)
        self._xy = np.empty((0, 2), np.uint16)
        self._extent = FrameExtent(0.0, 0.0, 1.0, 1.0)
        self._class_counts: tuple[int, ...] = (0,) * CLASS_COUNT

    @property
    def count(self) -> int:
        """Vehicles in the frame."""
        return int(self._order.shape[0])

    def rebuild(
        self,
        lon: npt.NDArray[np.floating],
        lat: npt.NDArray[np.floating],
        classes: npt.NDArray[np.uint8],
    ) -> PackedVehicles:
        """Pack every row anew (rows added, removed or reordered, a class changed)."""
        self._drawn = self.packer.inside(lon, lat, classes)
        drawn = np.flatnonzero(self._drawn)
        order = drawn[np.argsort(np.uint8(CLASS_COUNT - 1) - classes[drawn], kind="stable")]
        count = int(order.shape[0])
        self._class_counts = tuple(
            int(c) for c in np.bincount(classes[drawn], minlength=CLASS_COUNT)
        )
        self._order = order
        self._rank = np.full(lon.shape[0], -1, np.intp)
        self._rank[order] = np.arange(count)
        self._buffer = np.empty(count * 5, np.uint8)
        self._xy = self._buffer[: count * 4].view(np.uint16).reshape(count, 2)
        self._buffer[count * 4 :] = classes[order]
        self._x, self._y = self.packer.project(lon[order], lat[order])
        return self._requantise(fit=True)

    def update(
        self,
        rows: npt.NDArray[np.intp],
        lon: npt.NDArray[np.floating],
        lat: npt.NDArray[np.floating],
        classes: npt.NDArray[np.uint8],
        *,
        whole: bool = False,
    ) -> PackedVehicles | VehicleChanges:
        """Take the new positions of ``rows`` (same layout); ``whole``: answer with the whole
        frame (the page does not hold the last one)."""
        if 2 * rows.shape[0] > lon.shape[0]:  # most rows: the whole frame, in one pass
            if not np.array_equal(self.packer.inside(lon, lat, classes), self._drawn):
                return self.rebuild(lon, lat, classes)  # a vehicle entered or left the window
            self._x, self._y = self.packer.project(lon[self._order], lat[self._order])
            return self._requantise()
        if not np.array_equal(
            self.packer.inside(lon[rows], lat[rows], classes[rows]), self._drawn[rows]
        ):
            return self.rebuild(lon, lat, classes)
        rows = rows[self._drawn[rows]]
        ranks = self._rank[rows]
        x, y = self.packer.project(lon[rows], lat[rows])
        self._x[ranks], self._y[ranks] = x, y
        if self._leaves_extent(x, y):
            return self._requantise()
        changed = np.empty((rows.shape[0], 2), np.uint16)
        _quantise(x, y, self._extent, changed)
        self._xy[ranks] = changed
        if whole:
            return self.whole()
        payload = np.concatenate(
            [ranks.astype("<u4").view(np.uint8), changed.view(np.uint8).ravel()]
        )
        encoded = base64.b64encode(payload.data).decode("ascii")
        return VehicleChanges(encoded, int(rows.shape[0]), self.count)

    def whole(self) -> PackedVehicles:
        """The whole frame as it is packed now."""
        payload = base64.b64encode(self._buffer.data).decode("ascii")
        off_map = int(self._drawn.shape[0]) - self.count
        return PackedVehicles(payload, self.count, self._class_counts, self._extent, off_map)

    def _requantise(self, fit: bool = False) -> PackedVehicles:
        """Quantise every drawn row again, over a new extent if one left the old (or ``fit``)."""
        if fit or self._leaves_extent(self._x, self._y):
            self._extent = _extent(self._x, self._y, self._margin, _MIN_PAD_PX)
        _quantise(self._x, self._y, self._extent, self._xy)
        return self.whole()

    def _leaves_extent(self, x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> bool:
        """Whether any of these points lies outside the quantisation extent."""
        if not x.size:
            return False
        e = self._extent
        return bool(
            x.min() < e.x0
            or x.max() > e.x0 + e.step_x * _STEPS
            or y.min() < e.y0
            or y.max() > e.y0 + e.step_y * _STEPS
        )


def _extent(
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    margin: float = 0.0,
    least_pad: float = 0.0,
) -> FrameExtent:
    """The points' extent grown by ``margin`` of its size, and by ``least_pad`` at least."""
    if x.size == 0:
        return FrameExtent(0.0, 0.0, 1.0, 1.0)
    x0, x1, y0, y1 = float(x.min()), float(x.max()), float(y.min()), float(y.max())
    pad_x = max((x1 - x0) * margin, least_pad)
    pad_y = max((y1 - y0) * margin, least_pad)
    x0, x1, y0, y1 = x0 - pad_x, x1 + pad_x, y0 - pad_y, y1 + pad_y
    return FrameExtent(x0, y0, (x1 - x0) / _STEPS or 1e-9, (y1 - y0) / _STEPS or 1e-9)


def _quantise(
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    extent: FrameExtent,
    out: npt.NDArray[np.uint16],
) -> None:
    """Steps of ``extent`` for each point, into ``out`` (n x 2)."""
    for column, values, start, step in (
        (0, x, extent.x0, extent.step_x),
        (1, y, extent.y0, extent.step_y),
    ):
        steps = values - start
        steps *= 1.0 / step
        np.rint(steps, out=steps)
        np.clip(steps, 0.0, _STEPS, out=steps)
        out[:, column] = steps
