"""One bridge on the bridge pane: header with health, schematic, readings and the water.

The header names the bridge (Chinese and English), shows its health as a coloured
chip (Normal, Level 3 mild, Level 2 serious, Level 1 severe; silent sensors
counted) and the time of the latest sample, and offers Cameras and Charts. Below
it the side elevation (:class:`BridgeSchematic`) sits over the readings table, and
the plan view of the water (:class:`VesselPlot`) is at the right.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.core.bridges.config import SensorKind
from console.core.bridges.state import BridgeState, HealthSummary
from console.core.city.model import Bridge
from console.qt import bridge_palette as pal
from console.qt.bridge_readings import ElidedLabel, ReadingsTable
from console.qt.bridge_schematic import BridgeSchematic
from console.qt.vessel_plot import VesselPlot

CHART_KINDS = (
    SensorKind.DEFLECTION,
    SensorKind.STRAIN,
    SensorKind.ACCELERATION,
    SensorKind.VEHICLE_COUNTER,
)
"""What the Charts button opens, after every sensor in warning."""
NARROW_WIDTH = 820
"""Below this card width the plan shrinks and the readings go under both drawings."""
CHIP_TEXT = {0: "#0d1117", 3: "#0d1117", 2: "#0d1117", 1: "#ffffff"}


class BridgeCard(QFrame):
    """Everything about one bridge at a glance."""

    # ---- Signals

    sig_cameras = Signal(str)
    """The operator asked for this bridge's cameras; carries the bridge id."""
    sig_charts = Signal(str, object)
    """The operator asked for charts; carries the bridge id and a tuple of channel ids."""

    def __init__(self, bridge: Bridge, state: BridgeState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("bridgeCard")
        self.bridge = bridge
        self._state = state
        self.health: HealthSummary | None = None
        self._compact = False
        self._narrow: bool | None = None
        self._build()

    # ---- Public API

    @property
    def bridge_id(self) -> str:
        """The bridge shown."""
        return self.bridge.bridge_id

    def show_state(self, tz: dt.tzinfo) -> None:
        """Show the bridge's current state (times in ``tz``)."""
        state = self._state
        sensors = state.sensors()
        self.schematic.show_state(sensors, state.traffic())
        self.readings.show_sensors(sensors)
        self.plan.show_tracks(state.vessel_tracks())
        self.health = health = state.health()
        self._show_health(health)
        if state.last_sample_ts is None:
            self.updated.setText("--:--:--")
        else:
            when = dt.datetime.fromtimestamp(state.last_sample_ts, tz)
            self.updated.setText(f"{when:%H:%M:%S}")

    def set_compact(self, compact: bool) -> None:
        """Hide the readings table and draw smaller."""
        self._compact = compact
        self.readings.setVisible(not compact)
        self.schematic.set_compact(compact)
        self.plan.set_compact(compact or bool(self._narrow))

    def chart_channels(self) -> tuple[str, ...]:
        """The channels the Charts button opens: those in warning, then the structural ones."""
        warned = [w.sensor_id for w in self._state.warnings()]
        kinds = [s.sensor_id for kind in CHART_KINDS for s in self._state.instruments.of_kind(kind)]
        known = {s.sensor_id for s in self._state.instruments.sensors}
        return tuple(dict.fromkeys(c for c in [*warned, *kinds] if c in known))

    # ---- Showing

    def _show_health(self, health: HealthSummary) -> None:
        if not health.has_data:
            text, back, fore = "No data", pal.NO_DATA, pal.TEXT
        else:
            text = health.label
            back = pal.LEVEL_COLOURS.get(health.worst_level, pal.LEVEL_COLOURS[1])
            fore = CHIP_TEXT.get(health.worst_level, "#ffffff")
            if health.stale:
                text, back, fore = "No data", pal.SILENT, pal.TEXT
        self.chip.setText(text)
        style = (
            f"QLabel {{ background: {back}; color: {fore}; border-radius: 8px;"
            " padding: 1px 9px; font-weight: 600; }"
        )
        if self.chip.styleSheet() != style:
            self.chip.setStyleSheet(style)
        silent = len(health.not_answering)
        self.silent.setVisible(bool(silent) and not health.stale)
        self.silent.setText(f"▨ {silent} not answering")
        lines = [
            f"{pal.level_text(w.level)}: {w.sensor_id} — {w.message or w.rule}"
            for w in self._state.warnings()
        ]
        if health.not_answering:
            lines.append("not answering: " + ", ".join(health.not_answering))
        self.chip.setToolTip("\n".join(lines) or "every sensor in range")
        self.silent.setToolTip("not answering: " + ", ".join(health.not_answering))

    # ---- Building

    def _build(self) -> None:
        self.setStyleSheet(
            f"QFrame#bridgeCard {{ background: {pal.PANEL}; border: 1px solid {pal.BORDER};"
            " border-radius: 4px; }"
            " QFrame#bridgeCard QLabel { background: transparent; }"
        )
        name_zh = QLabel(self.bridge.name_zh)
        name_zh.setStyleSheet(f"color: {pal.TEXT}; font-size: 13px; font-weight: 600;")
        name_en = ElidedLabel(self.bridge.name_en)
        name_en.setStyleSheet(f"color: {pal.DIM};")
        name_en.setToolTip(self.bridge.name_en)
        self.chip = QLabel("No data")
        self.silent = ElidedLabel("")
        self.silent.setStyleSheet(f"color: {pal.SILENT};")
        self.silent.setVisible(False)
        self.updated = QLabel("--:--:--")
        self.updated.setStyleSheet(f"color: {pal.DIM}; font-family: monospace;")
        self.updated.setToolTip("Time of the latest sample from this bridge")
        self.cameras_button = QPushButton("Cameras")
        self.cameras_button.setToolTip("Open the cameras watching this bridge")
        self.cameras_button.clicked.connect(lambda: self.sig_cameras.emit(self.bridge_id))
        self.charts_button = QPushButton("Charts")
        self.charts_button.setToolTip("Open this bridge's charts (sensors in warning first)")
        self.charts_button.clicked.connect(
            lambda: self.sig_charts.emit(self.bridge_id, self.chart_channels())
        )
        header = QHBoxLayout()
        header.setSpacing(8)
        header.addWidget(name_zh)
        header.addWidget(name_en)
        header.addWidget(self.chip)
        header.addWidget(self.silent)
        header.addStretch(1)
        header.addWidget(self.updated)
        header.addWidget(self.cameras_button)
        header.addWidget(self.charts_button)

        self.schematic = BridgeSchematic(self._state.instruments)
        self.schematic.sig_sensor_activated.connect(
            lambda sensor_id: self.sig_charts.emit(self.bridge_id, (sensor_id,))
        )
        self.readings = ReadingsTable(len(self._state.instruments.sensors))
        self.readings.cellDoubleClicked.connect(self._on_reading_activated)
        self.plan = VesselPlot(self._state)
        self._grid = QGridLayout()
        self._grid.setSpacing(6)
        self._grid.setColumnStretch(0, 1)
        self._grid.setRowStretch(2, 1)
        self._arrange(narrow=False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(4)
        layout.addLayout(header)
        layout.addLayout(self._grid)

    def _arrange(self, narrow: bool) -> None:
        """Wide: the plan at the right of everything; narrow: smaller, readings underneath."""
        if narrow == self._narrow:
            return
        self._narrow = narrow
        grid = self._grid
        for widget in (self.schematic, self.readings, self.plan):
            grid.removeWidget(widget)
        top = Qt.AlignmentFlag.AlignTop
        grid.addWidget(self.schematic, 0, 0, top)
        if narrow:
            grid.addWidget(self.plan, 0, 1, top)
            grid.addWidget(self.readings, 1, 0, 1, 2, top)
        else:
            grid.addWidget(self.plan, 0, 1, 2, 1, top)
            grid.addWidget(self.readings, 1, 0, top)
        self.plan.set_compact(self._compact or narrow)

    # ---- Qt overrides

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self._arrange(event.size().width() < NARROW_WIDTH)

    def _on_reading_activated(self, row: int, column: int) -> None:
        item = self.readings.item(row, column)
        if item is not None:
            self.sig_charts.emit(self.bridge_id, (str(item.data(Qt.ItemDataRole.UserRole)),))
