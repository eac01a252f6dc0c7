"""Bridges pane: every monitored bridge at a glance, one card each, stacked.

Each card (:class:`console.qt.bridge_card.BridgeCard`) shows the bridge's health,
a side elevation with its sensors coloured by state and the deck traffic both
ways, the current readings, and the vessels in its tracking and alarm zones.
Cameras and Charts open the bridge's cameras and its charts through the callables
given to the pane.

Samples (:class:`BridgeChannels`, latest per bridge), warning level changes
(:class:`BridgeWarning`, every one) and vessel positions (:class:`VesselPosition`,
latest per vessel) feed a core :class:`BridgeStates`; the cards repaint on the
frame tick only when that model changed and the pane is visible.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from console.core.bridges.config import BridgeMonitoring
from console.core.bridges.state import BridgeStates
from console.core.bus import Delivery, EventBus, Subscription
from console.core.city.model import Bridge
from console.core.events import BridgeChannels, BridgeWarning, VesselPosition
from console.core.timezones import TimeZoneSpec, resolve_timezone
from console.qt import bridge_palette as pal
from console.qt.bridge_card import BridgeCard
from console.qt.panes.base import Pane

OpenCameras = Callable[[str], object]
"""Opens the cameras watching a bridge, given its id."""
OpenCharts = Callable[[str, Sequence[str]], object]
"""Opens charts of a bridge's channels, given the bridge id and the channel ids."""


def legend_html() -> str:
    """The one-line key to the colours and shapes of the drawings."""
    swatches = " ".join(
        f"<span style='color:{pal.LEVEL_COLOURS[level]}'>■</span> {name}"
        for level, name in ((0, "normal"), (3, "L3 mild"), (2, "L2 serious"), (1, "L1 severe"))
    )
    shapes = "● strain ▼ deflection ◆ vibration ▬ WIM ■ counter/temp/water"
    vessels = (
        f"<span style='color:{pal.VESSEL}'>▲</span> vessel "
        f"<span style='color:{pal.OFF_CHANNEL}'>▲</span> off channel "
        f"<span style='color:{pal.ALARMING}'>▲</span> off channel in alarm zone"
    )
    return (
        f"<span style='color:{pal.DIM}'>{swatches} "
        f"<span style='color:{pal.SILENT}'>▨</span> no answer &nbsp;·&nbsp; {shapes}"
        f" &nbsp;·&nbsp; {vessels}</span>"
    )


class BridgesPane(Pane):
    """The monitored bridges: health, structure, readings, deck traffic and vessels."""

    PANE_ID = "bridges"
    TITLE = "Bridges"
    DEFAULT_AREA = Qt.DockWidgetArea.RightDockWidgetArea

    def __init__(
        self,
        monitoring: BridgeMonitoring,
        bridges: Sequence[Bridge],
        tz: TimeZoneSpec,
        open_cameras: OpenCameras | None = None,
        open_charts: OpenCharts | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._tz = resolve_timezone(tz)
        self._open_cameras = open_cameras
        self._open_charts = open_charts
        monitored = [b for b in bridges if b.bridge_id in monitoring.bridges]
        self.states = BridgeStates(monitoring, {b.bridge_id: (b.lon, b.lat) for b in monitored})
        """The model the cards show (core, no Qt)."""
        self._shown_version = -1
        self._compact = False
        self.repaints = 0
        """How many times the cards were brought up to date (for tests and benchmarks)."""
        self.cards: dict[str, BridgeCard] = {}
        self._build(monitored)
        self._show_all()

    # ---- Public API

    def subscribe(self, bus: EventBus) -> list[Subscription]:
        """Samples (latest per bridge), warning changes (all), vessels (latest per vessel)."""
        states = self.states
        return [
            bus.subscribe(
                BridgeChannels, states.on_channels, Delivery.LATEST, name="bridges.channels"
            ),
            bus.subscribe(
                BridgeWarning, states.on_warnings, Delivery.BATCH, name="bridges.warnings"
            ),
            bus.subscribe(
                VesselPosition, states.on_vessels, Delivery.LATEST, name="bridges.vessels"
            ),
        ]

    def restart(self) -> None:
        """Every bridge as before any event (a review's cursor jumped)."""
        self.states.reset()

    def refresh(self) -> None:
        """Bring the cards up to date if the model changed and the pane is visible."""
        if self.isVisible() and self.states.version != self._shown_version:
            self._show_all()

    @property
    def compact(self) -> bool:
        """Whether the cards are drawn small, without their readings tables."""
        return self._compact

    def set_compact(self, compact: bool) -> None:
        """Draw the cards small (no readings tables) or in full."""
        self._compact = compact
        self.compact_button.setChecked(compact)
        for card in self.cards.values():
            card.set_compact(compact)

    def save_state(self) -> dict[str, Any]:
        """Whether the pane is compact."""
        return {"compact": self._compact}

    def restore_state(self, state: dict[str, Any]) -> None:
        """Apply a state saved by :meth:`save_state`."""
        compact = state.get("compact")
        if isinstance(compact, bool):
            self.set_compact(compact)

    # ---- Showing

    def _show_all(self) -> None:
        self._shown_version = self.states.version
        for card in self.cards.values():
            card.show_state(self._tz)
        self.repaints += 1

    def _cameras(self, bridge_id: str) -> None:
        if self._open_cameras is not None:
            self._open_cameras(bridge_id)

    def _charts(self, bridge_id: str, channel_ids: Sequence[str]) -> None:
        if self._open_charts is not None:
            self._open_charts(bridge_id, tuple(channel_ids))

    # ---- Building

    def _build(self, monitored: Sequence[Bridge]) -> None:
        self.compact_button = QPushButton("Compact")
        self.compact_button.setCheckable(True)
        self.compact_button.setToolTip("Smaller drawings without the readings tables")
        self.compact_button.setStyleSheet(
            "QPushButton:checked { background: #1f6feb; border-color: #2f81f7; color: white; }"
        )
        self.compact_button.toggled.connect(self.set_compact)
        legend = QLabel(legend_html())
        legend.setStyleSheet("font-size: 10px;")
        legend.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(legend, 1)
        top.addWidget(self.compact_button, 0, Qt.AlignmentFlag.AlignTop)

        column = QWidget()
        cards = QVBoxLayout(column)
        cards.setContentsMargins(0, 0, 0, 0)
        cards.setSpacing(6)
        for bridge in monitored:
            card = BridgeCard(bridge, self.states[bridge.bridge_id])
            card.cameras_button.setEnabled(self._open_cameras is not None)
            card.charts_button.setEnabled(self._open_charts is not None)
            card.sig_cameras.connect(self._cameras)
            card.sig_charts.connect(self._charts)
            self.cards[bridge.bridge_id] = card
            cards.addWidget(card)
        if not monitored:
            empty = QLabel("No monitored bridges in this city.")
            empty.setStyleSheet(f"color: {pal.DIM}; padding: 12px;")
            cards.addWidget(empty)
        cards.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(column)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addLayout(top)
        layout.addWidget(scroll, 1)
