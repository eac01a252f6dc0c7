"""A time axis that reads epoch seconds in the city's time zone (not the machine's).

Ticks fall on whole local seconds, minutes, hours or days of the zone, computed
with numpy for the whole view at once, and the axis paints itself directly (a
live chart moves its time axis on every frame: pyqtgraph's general axis spends
about 3 ms a frame working out and recording its picture). Labels read
``14:30``, ``14:30:15``, or the date at midnight (``11-17``), with the offset of
the zone at each tick.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QLineF, QRectF, Qt
from PySide6.QtGui import QPainter

MINUTE, HOUR, DAY = 60.0, 3600.0, 86400.0
SPACINGS = (
    1.0, 2.0, 5.0, 10.0, 15.0, 30.0,
    MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
    HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR,
    DAY, 2 * DAY, 7 * DAY,
)  # fmt: skip
"""Tick spacings a time axis may use, finest first."""
LABEL_PX = 64
"""Room one label needs (``14:30:15`` and a gap)."""
TICK_PX = 5


class ZonedDateAxis(pg.AxisItem):
    """A bottom axis of epoch seconds, labelled in ``tz``."""

    def __init__(self, tz: tzinfo, orientation: str = "bottom", **kwargs: Any) -> None:
        super().__init__(orientation=orientation, **kwargs)
        self.tz = tz
        self.enableAutoSIPrefix(False)
        self._label_key: tuple[float, float, int] | None = None
        self._label_texts: list[str] = []
        self.setFlag(self.GraphicsItemFlag.ItemUsesExtendedStyleOption)

    def _offset(self, ts: float) -> float:
        """Seconds east of UTC in the zone at ``ts``."""
        try:
            offset = datetime.fromtimestamp(ts, self.tz).utcoffset()
        except (OverflowError, OSError, ValueError):
            return 0.0
        return offset.total_seconds() if offset is not None else 0.0

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list[Any]:  # noqa: N802, N803
        """Ticks on whole local units, at a spacing leaving room for every label."""
        span = maxVal - minVal
        if span <= 0 or size <= 0 or not np.isfinite(span):
            return []
        room = span * LABEL_PX / size
        index = next((i for i, s in enumerate(SPACINGS) if s >= room), len(SPACINGS) - 1)
        major = SPACINGS[index]
        offset = self._offset((minVal + maxVal) / 2)
        first = np.ceil((minVal + offset) / major) * major - offset
        # one level of ticks: every label is worked out on each step of a live chart
        return [(major, np.arange(first, maxVal, major))]

    def paint(self, p: QPainter, option: Any, *args: Any) -> None:
        """The axis line, a tick and a label at each tick value, those in the part exposed
        (a following chart slides its axis and exposes only the ends)."""
        rect = self.rect()
        exposed = option.exposedRect
        x0, x1 = (float(v) for v in self.range)
        if x1 <= x0 or rect.width() <= 0:
            return
        levels = self.tickValues(x0, x1, rect.width())
        if not levels:
            return
        spacing, ticks = levels[0]
        xs = rect.left() + (np.asarray(ticks) - x0) / (x1 - x0) * rect.width()
        top = rect.top() + 0.5
        p.setPen(self.pen())
        p.drawLine(QLineF(rect.left(), top, rect.right(), top))
        p.drawLines([QLineF(x, top, x, top + TICK_PX) for x in xs])
        p.setPen(self.textPen())
        # labels cut at the ends of the axis, as a sliding axis shows them
        p.setClipRect(rect, Qt.ClipOperation.IntersectClip)
        if self.style["tickFont"] is not None:
            p.setFont(self.style["tickFont"])
        height = rect.height() - TICK_PX - 1
        for x, text in zip(xs, self._labels(ticks, spacing), strict=True):
            box = QRectF(x - LABEL_PX, top + TICK_PX + 1, 2 * LABEL_PX, height)
            if not box.intersects(exposed):
                continue
            p.drawText(box, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, text)

    def _labels(self, ticks: np.ndarray, spacing: float) -> list[str]:
        """Tick labels, remembered: a following view shows mostly the same ticks each frame."""
        key = (spacing, float(ticks[0]) if ticks.size else 0.0, ticks.size)
        if key != self._label_key:
            self._label_key = key
            self._label_texts = self.tickStrings(list(ticks), 1.0, spacing)
        return self._label_texts

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:  # noqa: N802
        """``HH:MM`` (``HH:MM:SS`` below a minute), the date at local midnight."""
        out = []
        for value in values:
            try:
                local = datetime.fromtimestamp(value, self.tz)
            except (OverflowError, OSError, ValueError):
                out.append("")
                continue
            if spacing >= DAY or (local.hour == 0 and local.minute == 0 and local.second == 0):
                out.append(local.strftime("%m-%d"))
            elif spacing < MINUTE:
                out.append(local.strftime("%H:%M:%S"))
            else:
                out.append(local.strftime("%H:%M"))
        return out

    def local_text(self, ts: float) -> str:
        """``2026-11-17 14:32:05`` in the zone (for tooltips and labels)."""
        return datetime.fromtimestamp(ts, self.tz).strftime("%Y-%m-%d %H:%M:%S")
