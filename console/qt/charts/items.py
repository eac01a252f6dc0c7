"""Plot items of the charts, shaped for a view that moves on every frame.

pyqtgraph's general items do work on every change of the view that a live
chart cannot afford 25 times a second on a slow machine (most of a frame's cost
is Python calls into Qt, not painting): a curve scans its data for its bounds
and rebuilds its extent, an infinite line recomputes its extent, an axis records
its picture again even when its range did not change. These items avoid that:

- :class:`Traces`: every curve of a chart in one item, polylines made in the
  paint from the points exposed; its extent never changes (the painter clips),
  so a moving view asks nothing of it but a paint;
- :class:`Rules`: the grid and the warning thresholds, drawn across the exposed
  part of the view in the paint;
- :class:`ValueAxis`: the value axis, redrawn only when its range really changed;
- :class:`FollowViewBox`: a view box moved sideways without the general range
  logic (padding, limits, aspect, links, auto-range) a chart does not use.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QLineF, QRectF, Qt
from PySide6.QtGui import QPainter, QPen, QPolygonF

from console.core.events import VehicleClass, WarningLevel
from console.qt.theme import VEHICLE_COLOURS

LEVEL_COLOURS = {
    WarningLevel.MILD: "#fbbf24",
    WarningLevel.SERIOUS: "#f97316",
    WarningLevel.SEVERE: "#ef4444",
}
"""Warning levels: mild amber, serious orange, severe red."""
GRID_COLOUR = "#222931"
CURVE_COLOURS = ("#38bdf8", "#f472b6", "#34d399", "#a78bfa", "#e2e8f0", "#22d3ee", "#fb7185")


def curve_colour(channel_id: str, index: int) -> str:
    """Vehicle classes keep their map colours; other channels take the palette in turn."""
    for cls in VehicleClass:
        if channel_id == f"city:moving:{cls.name.lower()}":
            return VEHICLE_COLOURS[cls]
    return CURVE_COLOURS[index % len(CURVE_COLOURS)]


def nice_step(raw: float) -> float:
    """The smallest of 1, 2, 5 × a power of ten that is at least ``raw``."""
    if raw <= 0 or not math.isfinite(raw):
        return 1.0
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1.0, 2.0, 5.0, 10.0) if m * power >= raw * (1 - 1e-9))


DASH_PERIOD_PX = 6
"""One dash and one gap of a 1 px dashed line (Qt's DashLine: 4 on, 2 off)."""
EVERYWHERE = QRectF(-1e15, -1e15, 2e15, 2e15)
"""The extent of items drawn wherever the view is: never recomputed, clipped by the painter."""


def polylines(x: np.ndarray, y: np.ndarray) -> list[QPolygonF]:
    """The finite runs of ``(x, y)`` as polygons (a NaN value is a gap in the line)."""
    finite = np.isfinite(y)
    if finite.all():
        runs = [(0, x.size)] if x.size else []
    else:
        edges = np.flatnonzero(np.diff(np.concatenate([[False], finite, [False]]).astype(np.int8)))
        runs = list(zip(edges[0::2].tolist(), edges[1::2].tolist(), strict=True))
    out = []
    for start, stop in runs:
        polygon = pg.functions.create_qpolygonf(stop - start)
        points = pg.functions.ndarray_from_qpolygonf(polygon)
        points[:, 0], points[:, 1] = x[start:stop], y[start:stop]
        out.append(polygon)
    return out


def first_difference(
    old: tuple[np.ndarray, np.ndarray], new: tuple[np.ndarray, np.ndarray]
) -> int | None:
    """The first index of ``new`` (times, value rows) drawn differently from ``old``, lined
    up on the time of new's first point (a window that slid on shares its middle with the
    old one), or None if new holds nothing but what old drew there. A NaN equals a NaN."""
    if not new[0].size:
        return None if not old[0].size else 0
    skip = int(np.searchsorted(old[0], new[0][0]))
    if skip >= old[0].size or old[0][skip] != new[0][0]:
        return 0
    n = min(old[0].size - skip, new[0].size)
    a, b = old[1][:, skip : skip + n], new[1][:, :n]
    same = (old[0][skip : skip + n] == new[0][:n]) & ((a == b) | (np.isnan(a) & np.isnan(b))).all(
        axis=0
    )
    if same.all():
        return None if n == new[0].size and skip + n == old[0].size else n
    return int(np.argmin(same))


class Traces(pg.GraphicsObject):
    """The curves of one chart: a pen and the latest ``(x, y)`` for each channel."""

    def __init__(self, pens: dict[str, QPen]) -> None:
        super().__init__()
        self.pens = pens
        self._groups: dict[tuple[str, ...], tuple[np.ndarray, np.ndarray]] = {}
        self._data: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.changed_since = math.inf
        self.setFlag(self.GraphicsItemFlag.ItemUsesExtendedStyleOption)

    def data(self, channel_id: str) -> tuple[np.ndarray, np.ndarray]:
        """What is drawn for a channel (empty arrays before any data)."""
        empty = np.zeros(0, np.float64)
        return self._data.get(channel_id, (empty, empty))

    def set_group(
        self, channel_ids: tuple[str, ...], x: np.ndarray, ys: np.ndarray
    ) -> tuple[float, float] | None:
        """Draw channels sharing the times ``x`` (``ys``: a row of values each) from the
        next paint, nothing to do if that is what is drawn already; returns the finite
        value range, if any."""
        old = self._groups.get(channel_ids)
        start = (
            0 if old is None or old[1].shape[0] != ys.shape[0] else first_difference(old, (x, ys))
        )
        if start is not None:
            self._groups[channel_ids] = (x, ys)
            for channel_id, y in zip(channel_ids, ys, strict=True):
                self._data[channel_id] = (x, y)
            # the lines change from the point before the first one that changed
            since = float(x[start - 1]) if 0 < start <= x.size else -math.inf
            self.changed_since = min(self.changed_since, since)
            # no self.update(): the chart asks its view for the paint (see repaint.py)
        if not ys.size:
            return None
        low, high = float(np.fmin.reduce(ys, axis=None)), float(np.fmax.reduce(ys, axis=None))
        return (low, high) if math.isfinite(low) else None

    def take_changed_since(self) -> float:
        """From which time on the drawing changed since the last call (inf: it did not)."""
        since, self.changed_since = self.changed_since, math.inf
        return since

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt name)
        """Everywhere: the extent never has to be worked out again."""
        return EVERYWHERE

    def paint(self, p: QPainter, option: Any, *args: Any) -> None:
        """Every channel's line with its pen, made from the points in the part exposed
        (following, that is a narrow strip: the newest data and what slid into view)."""
        rect = option.exposedRect
        for channel_id, (x, y) in self._data.items():
            # one point either side: the segments crossing the edges
            start = max(int(np.searchsorted(x, rect.left())) - 1, 0)
            stop = min(int(np.searchsorted(x, rect.right(), side="right")) + 1, x.size)
            if stop - start < 2:
                continue
            p.setPen(self.pens[channel_id])
            for line in polylines(x[start:stop], y[start:stop]):
                p.drawPolyline(line)


class Rules(pg.GraphicsObject):
    """Straight lines across the view: the grid (rows and columns) and, per warning
    level, the rows where that level starts (dashed)."""

    def __init__(self, grid_pen: QPen) -> None:
        super().__init__()
        self.setFlag(self.GraphicsItemFlag.ItemUsesExtendedStyleOption)
        self.grid_pen = grid_pen
        self.grid_rows: list[float] = []
        self.grid_columns: list[float] = []
        self.levels: dict[WarningLevel, list[float]] = {}
        self.level_pens = {
            level: pg.mkPen(colour, width=1, style=Qt.PenStyle.DashLine)
            for level, colour in LEVEL_COLOURS.items()
        }

    def set_grid(self, rows: Sequence[float], columns: Sequence[float]) -> None:
        """The grid lines from now on."""
        self.grid_rows = [float(v) for v in rows]
        self.grid_columns = [float(v) for v in columns]

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt name)
        """Everywhere: the lines cross whatever the view shows."""
        return EVERYWHERE

    def paint(self, p: QPainter, option: Any, *args: Any) -> None:
        """The grid, then the thresholds over it, across the part of the view exposed."""
        rect = option.exposedRect
        left, right, top, bottom = rect.left(), rect.right(), rect.top(), rect.bottom()
        low, high = min(top, bottom), max(top, bottom)
        # a pixel's reach either side: a line in the exposed edge pixel is drawn
        pad_x = 1.0 / (abs(p.transform().m11()) or 1.0)
        pad_y = 1.0 / (abs(p.transform().m22()) or 1.0)
        p.setPen(self.grid_pen)
        rows = [
            QLineF(left, y, right, y) for y in self.grid_rows if low - pad_y <= y <= high + pad_y
        ]
        if rows:
            p.drawLines(rows)
        self._paint_columns(p, [x for x in self.grid_columns if left - pad_x <= x <= right + pad_x])
        # dashes start on whole dash periods of the time axis, wherever the part exposed
        # begins: a strip painted beside older pixels continues their pattern
        period = DASH_PERIOD_PX / (abs(p.transform().m11()) or 1.0)
        start = math.floor(left / period) * period
        for level, values in self.levels.items():
            shown = [QLineF(start, y, right, y) for y in values if low - pad_y <= y <= high + pad_y]
            if shown:
                p.setPen(self.level_pens[level])
                p.drawLines(shown)

    def _paint_columns(self, p: QPainter, columns: list[float]) -> None:
        """The grid's columns as whole device pixels: a line on a pixel's edge would be
        cut by the edge of a strip painted beside it, and vanish there."""
        if not columns:
            return
        transform = p.transform()
        area = transform.mapRect(self.boundingRect() & p.clipBoundingRect()).toAlignedRect()
        colour = self.grid_pen.color()
        p.save()
        p.resetTransform()
        for x in columns:
            pixel = round(transform.m11() * x + transform.dx())
            p.fillRect(pixel, area.top(), 1, area.height(), colour)
        p.restore()


class ValueAxis(pg.AxisItem):
    """The value axis: pyqtgraph redraws an axis on every change of its view, even a
    change of the other axis; this one only when its own range changed."""

    def __init__(self, orientation: str = "left", **kwargs: Any) -> None:
        super().__init__(orientation=orientation, **kwargs)
        self.enableAutoSIPrefix(False)

    def setRange(self, mn: float, mx: float) -> None:  # noqa: N802 (pyqtgraph name)
        """Take the view's range; nothing to redraw if it is the one shown."""
        if [mn, mx] != list(getattr(self, "range", ())):
            super().setRange(mn, mx)


class FollowViewBox(pg.ViewBox):
    """A view box the chart moves itself, one call per frame."""

    def show_x(self, x0: float, x1: float) -> None:
        """Show ``[x0, x1]`` across, as ``setXRange(x0, x1, padding=0)`` does for a view
        with no limits, links or locked aspect, and settle its transform at once (left to
        the paint, it would ask for a second one)."""
        if self.state["viewRange"][0] == [x0, x1]:
            return
        self.state["targetRange"][0] = [x0, x1]
        self.state["viewRange"][0] = [x0, x1]
        self._viewPixelSizeCache = None
        self._matrixNeedsUpdate = True
        self.updateMatrix()
        self.sigXRangeChanged.emit(self, (x0, x1))
