"""Asking a chart's view for no more paint than its change needs.

A live chart changes on every frame, and painting the whole plot each time is most
of what following costs. The chart's view does not follow its scene by itself
(four views doing so would each repaint the window at once, one after another,
where one paint of the window after a frame serves them all); after each draw
the chart asks here for one of:

- nothing, if nothing it shows changed;
- a strip, if only the newest data changed: from the first changed point to the
  right edge;
- a scroll, if the view slid by whole pixels (live follow) and nothing else
  changed: the pixels already painted move, and only what came into view and the
  newest data are painted. Nothing may be drawn across the edges of what slides:
  the value axis's ticks point out of the plot and the time labels are cut at the
  ends of their axis;
- the whole view otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pyqtgraph as pg
from PySide6.QtCore import QRect, QRectF

Range = tuple[float, float]

STRIP_MARGIN_PX = 3
"""Painted left of the first changed point: the line's width and rounding."""
LABEL_HALF_PX = 40
"""Half a time label's width: a tick coming into view brings this much of its label."""
MAX_SCROLL_SHARE = 0.5
"""A slide of more than this share of the plot is painted whole."""


@dataclass(frozen=True)
class Frame:
    """What a paint of the chart shows, besides the data."""

    view: Range
    width: float
    height: float
    value_range: tuple[float, float] | None
    alarms: tuple[object, ...]

    def slides_from(self, before: Frame) -> bool:
        """Whether this frame is ``before`` slid sideways (same window, scale and marks)."""
        return self.view[1] - self.view[0] == before.view[1] - before.view[0] and (
            self.width,
            self.height,
            self.value_range,
            self.alarms,
        ) == (before.width, before.height, before.value_range, before.alarms)


class ChartRepaint:
    """Requests the paints of one chart's plot widget."""

    def __init__(self, widget: pg.PlotWidget, plot: pg.PlotItem) -> None:
        self.widget = widget
        self.plot = plot
        self._painted: Frame | None = None
        self._geometry_key: tuple[object, ...] | None = None
        self._geometry_value = (QRect(), QRect(), QRectF())
        self.scrolls = 0
        """Slides served by scrolling (for the benchmark and tests)."""

    def forget(self) -> None:
        """Paint the whole view at the next request."""
        self._painted = None

    def request(self, frame: Frame, changed_since: float) -> None:
        """Ask for the paint ``frame`` needs; ``changed_since``: the time from which the
        data drawn changed (inf: it did not)."""
        before, self._painted = self._painted, frame
        viewport = self.widget.viewport()
        if before == frame:
            if changed_since < frame.view[1]:
                viewport.update(self._plot_from(changed_since, frame.view))
            return
        dx = self._slide_px(before, frame)
        if dx is None:
            viewport.update()
            return
        box, band = self._plot_box(), self._band()
        viewport.scroll(-dx, 0, band)
        self.scrolls += 1
        margin = QRect(
            box.right() + 1 - dx - STRIP_MARGIN_PX, band.top(), STRIP_MARGIN_PX, band.height()
        )
        viewport.update(margin)
        if band.bottom() > box.bottom():  # the time axis: a label whose tick came into view
            below = band.bottom() - box.bottom()
            label = LABEL_HALF_PX + dx
            viewport.update(QRect(box.right() + 1 - label, box.bottom() + 1, label, below))
        if changed_since < frame.view[1]:
            viewport.update(self._plot_from(changed_since, frame.view))

    # ---- Geometry

    def _slide_px(self, before: Frame | None, frame: Frame) -> int | None:
        """Whole pixels the view slid left since ``before`` (None: not a plain slide)."""
        if before is None or not frame.slides_from(before):
            return None
        shift = (frame.view[0] - before.view[0]) * frame.width / (frame.view[1] - frame.view[0])
        px = round(shift)
        if abs(shift - px) > 0.05 or not 1 <= px <= frame.width * MAX_SCROLL_SHARE:
            return None
        return px

    def _plot_box(self) -> QRect:
        """The whole pixels inside the plot area, in viewport pixels (the edges' pixels
        are shared with the axes' lines)."""
        return self._geometry()[0]

    def _band(self) -> QRect:
        """The plot area and, if shown, the time axis under it: what slides. Not the
        first column, where the value axis draws its line."""
        return QRect(self._geometry()[1])

    def _plot_from(self, ts: float, view: Range) -> QRect:
        """The plot area from time ``ts`` to its right edge, showing ``view``."""
        box, _, area = self._geometry()
        ts = max(ts, view[0])
        x = area.left() + (ts - view[0]) / (view[1] - view[0]) * area.width()
        left = max(box.left(), math.floor(x) - STRIP_MARGIN_PX)
        return QRect(left, box.top(), box.right() + 1 - left, box.height())

    def _geometry(self) -> tuple[QRect, QRect, QRectF]:
        """The plot's whole pixels, the band that slides and the plot's exact area; worked
        out again only when the plot or the time axis moved or changed size."""
        axis = self.plot.getAxis("bottom")
        key = (self.plot.vb.sceneBoundingRect(), axis.isVisible() and axis.sceneBoundingRect())
        if key != self._geometry_key:
            self._geometry_key = key
            area = self.widget.viewportTransform().mapRect(key[0])
            box = inner_pixels(area)
            band = box.adjusted(1, 0, 0, 0)
            if key[1]:
                below = inner_pixels(self.widget.viewportTransform().mapRect(key[1]))
                band.setBottom(max(band.bottom(), below.bottom()))
            self._geometry_value = (box, band, area)
        return self._geometry_value


def inner_pixels(area: QRectF) -> QRect:
    """The whole pixels inside ``area``."""
    left, top = math.ceil(area.left()), math.ceil(area.top())
    right, bottom = math.floor(area.right()), math.floor(area.bottom())
    return QRect(left, top, max(right - left, 0), max(bottom - top, 0))
