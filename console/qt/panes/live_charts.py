"""Live charts pane: moving vehicles by class, bridge deck load, alarms per minute.

Data arrives on the bus and is kept in ring buffers (24 h at the sampling
rate); the plots redraw on the frame tick only when something new arrived and
the pane is visible. The x axis is the time of the events (simulated time when
the simulation runs), shared by the three plots.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from console.core.bus import Delivery, EventBus, Subscription
from console.core.events import ALARM_TOPICS, BridgeReading, Event, VehicleBatch, VehicleClass
from console.core.series import MinuteCounter, TimeSeries
from console.qt.panes.base import Pane
from console.qt.theme import CHART_BACKGROUND, CHART_FOREGROUND, VEHICLE_COLOURS

VEHICLE_SAMPLE_S = 5.0
SAMPLES_PER_DAY = int(24 * 3600 / VEHICLE_SAMPLE_S)
BRIDGE_COLOURS = ("#38bdf8", "#a78bfa", "#34d399", "#f472b6")
MOVING_KMH = 3.0
ALARM_AXIS_MIN_TOP = 4.0


class LiveChartsPane(Pane):
    """Three stacked live plots with a shared time axis."""

    PANE_ID = "live_charts"
    TITLE = "Live charts"
    DEFAULT_AREA = Qt.DockWidgetArea.BottomDockWidgetArea

    def __init__(self, bridge_names: dict[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge_names = bridge_names
        self._moving_by_batch: dict[str, np.ndarray] = {}
        self._vehicle_series = {cls: TimeSeries(SAMPLES_PER_DAY) for cls in VehicleClass}
        self._last_vehicle_sample: float | None = None
        self._latest_vehicle_ts = 0.0
        self._bridge_series: dict[str, TimeSeries] = {}
        self._alarms = MinuteCounter()
        self._dirty = False
        self._build()

    # ---- Public API

    def subscribe(self, bus: EventBus) -> list[Subscription]:
        """Vehicle batches and bridge readings (latest), alarms (every one)."""
        return [
            bus.subscribe(VehicleBatch, self._on_vehicles, Delivery.LATEST, name="charts.vehicles"),
            bus.subscribe(BridgeReading, self._on_bridges, Delivery.BATCH, name="charts.bridges"),
        ] + [
            bus.subscribe(topic, self._on_alarms, Delivery.BATCH, name="charts.alarms")
            for topic in ALARM_TOPICS
        ]

    def refresh(self) -> None:
        """Redraw the curves if new data arrived."""
        if not self._dirty:
            return
        self._dirty = False
        for cls, curve in self._vehicle_curves.items():
            curve.setData(*self._vehicle_series[cls].arrays())
        for bridge_id, series in self._bridge_series.items():
            self._bridge_curve(bridge_id).setData(*series.arrays())
        minutes, counts = self._alarms.arrays()
        if minutes.size:
            self._alarm_curve.setData(
                np.append(minutes, minutes[-1] + 60.0), counts, stepMode="center"
            )
            # whole alarms on a scale that never goes below zero, even on a quiet night
            top = max(ALARM_AXIS_MIN_TOP, float(counts.max()) * 1.25)
            self.alarm_plot.setYRange(0.0, top, padding=0.0)

    def vehicle_series(self, vehicle_class: VehicleClass) -> TimeSeries:
        """Moving vehicles of one class over time."""
        return self._vehicle_series[vehicle_class]

    def bridge_series(self, bridge_id: str) -> TimeSeries | None:
        """Deck load of one bridge over time."""
        return self._bridge_series.get(bridge_id)

    def alarm_counts(self) -> tuple[np.ndarray, np.ndarray]:
        """Alarms per closed minute."""
        return self._alarms.arrays()

    def save_state(self) -> dict[str, Any]:
        """Which plots are shown."""
        return {"visible": [plot.isVisible() for plot in self._plots]}

    def restore_state(self, state: dict[str, Any]) -> None:
        """Apply a state saved by :meth:`save_state`."""
        visible = state.get("visible")
        if isinstance(visible, list) and len(visible) == len(self._plots):
            for plot, shown in zip(self._plots, visible, strict=True):
                plot.setVisible(bool(shown))

    # ---- Subscribers

    def _on_vehicles(self, events: Sequence[Event]) -> None:
        for event in events:
            assert isinstance(event, VehicleBatch)
            moving = event.classes[event.speed_kmh > MOVING_KMH]
            self._moving_by_batch[event.batch_id] = np.bincount(moving, minlength=len(VehicleClass))
            self._latest_vehicle_ts = max(self._latest_vehicle_ts, event.ts)
        last = self._last_vehicle_sample
        if last is None or self._latest_vehicle_ts - last >= VEHICLE_SAMPLE_S:
            totals = np.sum(list(self._moving_by_batch.values()), axis=0)
            for cls in VehicleClass:
                self._vehicle_series[cls].append(self._latest_vehicle_ts, float(totals[cls]))
            self._last_vehicle_sample = self._latest_vehicle_ts
            self._alarms.advance(self._latest_vehicle_ts)
            self._dirty = True

    def _on_bridges(self, events: Sequence[Event]) -> None:
        for event in events:
            assert isinstance(event, BridgeReading)
            series = self._bridge_series.get(event.bridge_id)
            if series is None:
                series = self._bridge_series[event.bridge_id] = TimeSeries(24 * 360)
            series.append(event.ts, event.deck_load_t)
        self._dirty = True

    def _on_alarms(self, events: Sequence[Event]) -> None:
        for event in events:
            self._alarms.add(event.ts)
        self._dirty = True

    # ---- Building

    def _build(self) -> None:
        pg.setConfigOptions(
            antialias=True, background=CHART_BACKGROUND, foreground=CHART_FOREGROUND
        )
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.ci.setSpacing(4)
        self.vehicle_plot = self._add_plot(0, "Moving vehicles", "vehicles")
        self.bridge_plot = self._add_plot(1, "Bridge deck load", "t")
        self.alarm_plot = self._add_plot(2, "Alarms per minute", "alarms")
        self.alarm_plot.enableAutoRange(y=False)
        self.alarm_plot.setYRange(0.0, ALARM_AXIS_MIN_TOP, padding=0.0)
        self.bridge_plot.setLimits(yMin=0.0)
        self.bridge_plot.setXLink(self.vehicle_plot)
        self.alarm_plot.setXLink(self.vehicle_plot)
        self._plots = (self.vehicle_plot, self.bridge_plot, self.alarm_plot)

        self._vehicle_curves = {}
        for cls in VehicleClass:
            colour = VEHICLE_COLOURS[cls]
            self._vehicle_curves[cls] = self.vehicle_plot.plot(
                pen=pg.mkPen(colour, width=1.6), name=cls.name.replace("_", " ").title()
            )
        self.vehicle_plot.setLogMode(y=True)
        self._bridge_curves: dict[str, pg.PlotDataItem] = {}
        self._alarm_curve = self.alarm_plot.plot(
            pen=pg.mkPen("#ff6b6b", width=1.4), fillLevel=0, brush=(255, 107, 107, 70)
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.graphics)

    def _add_plot(self, row: int, title: str, unit: str) -> pg.PlotItem:
        axis = pg.DateAxisItem(orientation="bottom")
        plot = self.graphics.addPlot(row=row, col=0, axisItems={"bottom": axis})
        plot.setTitle(title, size="9pt", color=CHART_FOREGROUND)
        plot.setLabel("left", unit)
        plot.showGrid(x=True, y=True, alpha=0.15)
        plot.addLegend(offset=(-4, 4), labelTextSize="8pt", colCount=4)
        plot.setMouseEnabled(x=True, y=False)
        plot.enableAutoRange(y=True)
        plot.getAxis("left").setWidth(48)
        return plot

    def _bridge_curve(self, bridge_id: str) -> pg.PlotDataItem:
        curve = self._bridge_curves.get(bridge_id)
        if curve is None:
            colour = BRIDGE_COLOURS[len(self._bridge_curves) % len(BRIDGE_COLOURS)]
            curve = self.bridge_plot.plot(
                pen=pg.mkPen(colour, width=1.4), name=self._bridge_names.get(bridge_id, bridge_id)
            )
            curve.setDownsampling(auto=True, method="peak")
            curve.setClipToView(True)
            self._bridge_curves[bridge_id] = curve
        return curve
