"""Chart windows around an event, drawn with pyqtgraph as PNG pictures for a report.

For a bridge case: the recorded sensor channels of the bridge from ten
minutes before to ten minutes after the report, the alarm's own channel first
(with its warning thresholds), then its sensor kind's other channels and the
deck traffic. For any case: the city's alarm rate (alarms a minute) around it.
Drawn on white for printing; the x axis is minutes from the report.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence

import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt

from console.core.bridges.config import BridgeInstruments, Sensor, SensorKind
from console.core.events import Event
from console.core.incidents.types import ALARM_ID_FIELD
from console.core.reports import ChannelSeries, ReportImage
from console.core.reports.timeline import local_time
from console.qt.reports.pictures import png_bytes

WINDOW_S = 600.0
"""How far before and after the report the charts reach."""
RATE_WINDOW_S = 1800.0
"""How far before and after the report the alarm-rate chart reaches."""
CHART_SIZE = QSize(720, 300)
PENS = ("#1f5fbf", "#c2410c", "#7e22ce", "#0f766e", "#a16207", "#be123c")
LEVEL_COLOURS = {"mild": "#d9a400", "serious": "#e8590c", "severe": "#c92a2a"}
MAX_CURVES = 6
KIND_ORDER = (SensorKind.VEHICLE_COUNTER, SensorKind.STRAIN, SensorKind.DEFLECTION)


def _plot(title: str, y_label: str, centre: float, tz: dt.tzinfo) -> pg.PlotWidget:
    plot = pg.PlotWidget(background="w")
    plot.resize(CHART_SIZE)
    item = plot.getPlotItem()
    item.setTitle(title, color="#1a1f24", size="11pt")
    item.showGrid(x=True, y=True, alpha=0.25)
    for name in ("left", "bottom"):
        axis = item.getAxis(name)
        axis.setPen(pg.mkPen("#4d5963"))
        axis.setTextPen(pg.mkPen("#1a1f24"))
    item.setLabel("left", y_label, color="#1a1f24")
    item.setLabel("bottom", f"minutes from the report ({local_time(centre, tz)})", color="#1a1f24")
    item.addLegend(offset=(8, 8), labelTextColor="#1a1f24", brush=pg.mkBrush(255, 255, 255, 220))
    report_line = pg.InfiniteLine(0.0, angle=90, pen=pg.mkPen("#d0021b", width=2))
    item.addItem(report_line)
    return plot


def _render(plot: pg.PlotWidget) -> bytes:
    plot.getPlotItem().enableAutoRange()
    plot.getPlotItem().vb.autoRange(padding=0.05)
    try:
        return png_bytes(plot.grab())
    finally:
        plot.deleteLater()


def _curve(
    plot: pg.PlotWidget, series: ChannelSeries, name: str, number: int, centre: float
) -> None:
    minutes = [(t - centre) / 60.0 for t in series.times]
    values = list(series.values)
    plot.plot(
        minutes,
        values,
        pen=pg.mkPen(PENS[number % len(PENS)], width=2),
        name=name,
        connect="finite",
    )


def _thresholds(plot: pg.PlotWidget, sensor: Sensor) -> None:
    limits = sensor.thresholds
    if limits is None:
        return
    for level, value in (
        ("mild", limits.mild),
        ("serious", limits.serious),
        ("severe", limits.severe),
    ):
        if value is None:
            continue
        for signed in (value, -value) if limits.absolute else (value,):
            line = pg.InfiniteLine(
                signed,
                angle=0,
                pen=pg.mkPen(LEVEL_COLOURS[level], width=1, style=Qt.PenStyle.DashLine),
                label=f"{level} {signed:g}",
                labelOpts={"color": LEVEL_COLOURS[level], "position": 0.93},
            )
            plot.getPlotItem().addItem(line, ignoreBounds=True)


def _has_data(series: ChannelSeries) -> bool:
    return any(not math.isnan(v) for v in series.values)


def bridge_charts(
    series: Mapping[str, ChannelSeries],
    instruments: BridgeInstruments,
    alarm_channel: str,
    centre: float,
    tz: dt.tzinfo,
) -> list[ReportImage]:
    """Charts of a bridge's recorded channels around ``centre`` (empty: nothing recorded)."""
    known = {s.sensor_id: s for s in instruments.sensors if s.sensor_id in series}
    usable = {sid: sensor for sid, sensor in known.items() if _has_data(series[sid])}
    images: list[ReportImage] = []
    caption = f"{instruments.bridge_id}, ±{WINDOW_S / 60:.0f} min around the report"
    alarm = usable.get(alarm_channel)
    if alarm is not None:
        plot = _plot(f"{alarm.label} — the alarm's channel", alarm.unit, centre, tz)
        _curve(plot, series[alarm.sensor_id], alarm.sensor_id, 0, centre)
        _thresholds(plot, alarm)
        images.append(ReportImage(f"{alarm.label} ({alarm.sensor_id})", _render(plot), caption))
    kinds = [alarm.kind] if alarm is not None else []
    kinds += [kind for kind in KIND_ORDER if kind not in kinds]
    for kind in kinds[:2]:
        group = [s for s in usable.values() if s.kind is kind and s is not alarm][:MAX_CURVES]
        if not group:
            continue
        units = sorted({s.unit for s in group})
        title = f"{kind.value.replace('_', ' ').capitalize()} sensors"
        plot = _plot(title, " / ".join(units), centre, tz)
        for number, sensor in enumerate(group):
            _curve(plot, series[sensor.sensor_id], sensor.label, number, centre)
        images.append(ReportImage(title, _render(plot), caption))
    return images


def alarm_rate_chart(
    events: Iterable[Event], centre: float, tz: dt.tzinfo, topics: Sequence[str] = ()
) -> ReportImage | None:
    """Alarms a minute across the city around ``centre`` (None when there were none)."""
    wanted = set(topics or ALARM_ID_FIELD)
    bins = int(2 * RATE_WINDOW_S // 60)
    counts = [0] * bins
    start = centre - RATE_WINDOW_S
    for event in events:
        if event.TOPIC in wanted and start <= event.ts < centre + RATE_WINDOW_S:
            counts[int((event.ts - start) // 60)] += 1
    if not any(counts):
        return None
    plot = _plot("City alarm rate", "alarms a minute", centre, tz)
    minutes = [(start + 60.0 * i - centre) / 60.0 for i in range(bins)]
    bars = pg.BarGraphItem(x0=minutes, width=0.9, height=counts, brush="#5b7fa6", pen=None)
    plot.getPlotItem().addItem(bars)
    caption = f"±{RATE_WINDOW_S / 60:.0f} min around the report, every alarm topic"
    return ReportImage("City alarm rate", _render(plot), caption)
