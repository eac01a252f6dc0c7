"""Live charts pane: the chart workspace over 24 hours of every bridge channel and city figure.

The pane records every channel from the bus into a
:class:`~console.core.channels.ChannelHistory` (whether shown or not) and shows
a :class:`~console.qt.charts.workspace.ChartWorkspace`: charts stacked and
linked on one time axis (in the city's time zone), live or paused, with
threshold lines and alarm moments. Charts redraw on the frame tick only
(:meth:`LiveChartsPane.refresh`), never per event.

Other panes open charts with :meth:`LiveChartsPane.open_channels` (the bridge
pane for a sensor, the case pane around the moment of an alarm).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from console.core.bridges.config import BridgeMonitoring, SensorKind
from console.core.bus import EventBus, Subscription
from console.core.channels import (
    ALARMS_CHANNEL,
    ChannelHistory,
    ChannelRecorder,
    bridge_channel_id,
    cases_channel_id,
    moving_channel_id,
)
from console.core.channels.city import PlatformOf
from console.core.clock import Clock
from console.core.events import Platform, VehicleClass
from console.core.timezones import TimeZoneSpec, resolve_timezone
from console.qt.charts.chart import ChartPanel
from console.qt.charts.picker import ChannelPicker
from console.qt.charts.workspace import WINDOWS, ChartWorkspace
from console.qt.panes.base import Pane

AROUND_S = 600.0
"""``open_channels(around=...)`` shows this much before and after the moment."""
TOOLBAR_STYLE = """
QToolButton { padding: 2px 8px; border: 1px solid #30363d; border-radius: 3px; }
QToolButton:checked { background: #1f6feb; border-color: #2f81f7; color: #ffffff; }
QToolButton:disabled { color: #57606a; }
"""


class LiveChartsPane(Pane):
    """The chart workspace with its toolbar: add a chart, live window, pause, back to live."""

    PANE_ID = "live_charts"
    TITLE = "Live charts"
    DEFAULT_AREA = Qt.DockWidgetArea.BottomDockWidgetArea

    def __init__(
        self,
        bridge_names: Mapping[str, str],
        *,
        monitoring: BridgeMonitoring | None = None,
        clock: Clock | None = None,
        tz: TimeZoneSpec = UTC,
        platform_of: PlatformOf | None = None,
        history: ChannelHistory | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._monitoring = monitoring
        self.history = history if history is not None else ChannelHistory()
        self.recorder = ChannelRecorder(self.history, monitoring, bridge_names, platform_of)
        self.workspace = ChartWorkspace(self.history, resolve_timezone(tz), self.now)
        self.workspace.sig_mode_changed.connect(lambda _live: self._show_mode())
        self.workspace.sig_window_changed.connect(lambda _seconds: self._check_window())
        self._build_toolbar()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(self._toolbar)
        layout.addWidget(self.workspace, 1)
        self.add_default_charts()
        self._show_mode()

    # ---- Public API

    def open_channels(
        self, channel_ids: Sequence[str], around: float | None = None
    ) -> list[ChartPanel]:
        """Chart these channels (one chart per unit, linked); with ``around``, pause and
        show ten minutes either side of that moment."""
        by_unit: dict[str, list[str]] = {}
        for channel_id in dict.fromkeys(channel_ids):
            info = self.history.info(channel_id)
            by_unit.setdefault(info.unit if info is not None else "", []).append(channel_id)
        charts = [self.workspace.add_chart(ids) for ids in by_unit.values()]
        if around is not None:
            self.workspace.show_range(around - AROUND_S, around + AROUND_S)
        if charts:
            self.workspace.scroll.ensureWidgetVisible(charts[0])
        return charts

    def open_sensors(
        self, bridge_id: str, sensor_ids: Sequence[str], around: float | None = None
    ) -> list[ChartPanel]:
        """:meth:`open_channels` for sensors of one bridge (as the bridge pane names them)."""
        return self.open_channels([bridge_channel_id(bridge_id, s) for s in sensor_ids], around)

    def open_picker(self) -> ChannelPicker:
        """The channel tree; what is ticked when it is accepted becomes new charts."""
        picker = ChannelPicker(self.history.channels(), self)
        picker.accepted.connect(lambda: self.open_channels(picker.checked_channels()))
        picker.open()
        return picker

    def add_default_charts(self) -> None:
        """Something useful at a glance: one bridge's deck traffic both ways and strain,
        vehicles moving by class, cases opened per hour by platform with alarms per hour."""
        if self._monitoring is not None and self._monitoring.bridges:
            bridge = next(iter(self._monitoring.bridges.values()))
            for kind in (SensorKind.VEHICLE_COUNTER, SensorKind.STRAIN):
                ids = [
                    bridge_channel_id(bridge.bridge_id, s.sensor_id) for s in bridge.of_kind(kind)
                ]
                if ids:
                    self.workspace.add_chart(ids)
        self.workspace.add_chart([moving_channel_id(c) for c in VehicleClass])
        self.workspace.add_chart([*(cases_channel_id(p) for p in Platform), ALARMS_CHANNEL])

    def now(self) -> float:
        """The console's time (the clock's), or the newest sample's without a clock."""
        if self._clock is not None:
            return self._clock.now()
        return self.history.last_time() or 0.0

    @property
    def charts(self) -> list[ChartPanel]:
        """The charts, top to bottom."""
        return list(self.workspace.charts)

    # ---- Pane

    def subscribe(self, bus: EventBus) -> list[Subscription]:
        """Bridge channels and warnings, fleet batches, cases, calls and alarms."""
        return self.recorder.subscribe(bus)

    def refresh(self) -> None:
        """Let the city figures move on to now, then draw what moved on (frame tick)."""
        self.advance_figures()
        self.workspace.refresh()

    def restart(self) -> None:
        """Forget every sample and draw afresh (a review's cursor jumped)."""
        self.recorder.restart()
        for chart in self.workspace.charts:
            chart.invalidate()

    def advance_figures(self) -> None:
        """Let the sampled city figures move on to now. Called also while the pane is not
        shown (once a second): their history is kept whether anyone looks or not."""
        if self._clock is not None:
            self.recorder.advance(self._clock.now())

    def save_state(self) -> dict[str, Any]:
        """The charts and the live window."""
        return self.workspace.save_state()

    def restore_state(self, state: dict[str, Any]) -> None:
        """Rebuild the saved charts (the default ones stay if the state holds none)."""
        self.workspace.restore_state(state)

    # ---- Toolbar

    def _build_toolbar(self) -> None:
        self._toolbar = QHBoxLayout()
        self._toolbar.setContentsMargins(4, 2, 4, 0)
        self.add_button = self._button("Add chart…", "Pick channels: bridges › sensors, city")
        self.add_button.clicked.connect(self.open_picker)
        self._toolbar.addWidget(self.add_button)
        self._toolbar.addSpacing(12)
        self.window_buttons: dict[float, QToolButton] = {}
        group = QButtonGroup(self)
        group.setExclusive(True)
        for text, seconds in WINDOWS.items():
            button = self._button(text, f"Show the last {text}")
            button.setCheckable(True)
            button.clicked.connect(lambda _=False, s=seconds: self.workspace.set_window(s))
            group.addButton(button)
            self.window_buttons[seconds] = button
        self._toolbar.addSpacing(12)
        self.pause_button = self._button("Pause", "Stop following now (data keeps arriving)")
        self.pause_button.setCheckable(True)
        self.pause_button.clicked.connect(self._on_pause_clicked)
        self.live_button = self._button("Back to live", "Follow now again in every chart")
        self.live_button.clicked.connect(self.workspace.go_live)
        self.mode_label = QLabel()
        self.mode_label.setObjectName("chart_mode")
        self._toolbar.addStretch(1)
        self._toolbar.addWidget(self.mode_label)
        self.setStyleSheet(TOOLBAR_STYLE)
        self._check_window()

    def _button(self, text: str, tip: str) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setToolTip(tip)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self._toolbar.addWidget(button)
        return button

    def _check_window(self) -> None:
        button = self.window_buttons.get(self.workspace.window_s)
        if button is not None:
            button.setChecked(True)

    def _on_pause_clicked(self, checked: bool) -> None:
        if checked:
            self.workspace.pause()
        else:
            self.workspace.go_live()

    def _show_mode(self) -> None:
        live = self.workspace.live
        self.pause_button.setChecked(not live)
        self.live_button.setEnabled(not live)
        self.mode_label.setText("● Live" if live else "Paused: wheel or drag to look back")
        colour = "#34d399" if live else "#fbbf24"
        self.mode_label.setStyleSheet(f"color: {colour};")
