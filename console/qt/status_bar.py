"""Status bar: simulated time, bus rate, frame time, quarantine count, database, region."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from console.core.bus import EventBus
from console.core.clock import Clock
from console.qt.frame_tick import FrameTick


class ClickableLabel(QLabel):
    """A label that reports clicks."""

    # ---- Signals

    sig_clicked = Signal()
    """The label was clicked."""

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt name)
        self.sig_clicked.emit()
        super().mousePressEvent(event)


class ConsoleStatusBar(QStatusBar):
    """Live figures an operator glances at; updated once a second."""

    def __init__(
        self,
        bus: EventBus,
        clock: Clock,
        frame_tick: FrameTick,
        database: str,
        simulation_speed: Callable[[], float] | None = None,
        parent: QWidget | None = None,
        mode: str = "SIMULATION",
        feed_status: Callable[[], tuple[str, bool]] | None = None,
        database_status: Callable[[], tuple[str, bool]] | None = None,
        tz: dt.tzinfo | None = None,
    ) -> None:
        super().__init__(parent)
        self._tz = tz
        """The city's zone for the clock (None: the workstation's)."""
        self._bus = bus
        self._clock = clock
        self._frame_tick = frame_tick
        self._simulation_speed = simulation_speed
        self._mode = mode
        self._feed_status = feed_status
        self._database_status = database_status
        self.feed_label = QLabel()
        self.feed_label.setVisible(feed_status is not None)
        self.clock_label = QLabel()
        self.clock_label.setObjectName("clockLabel")
        self.rate_label = QLabel()
        self.tick_label = QLabel()
        self.quarantine_label = ClickableLabel()
        self.quarantine_label.setToolTip("Payloads that failed validation; click to see them")
        self.database_label = QLabel(f"DB: {database}")
        self._region_status: Callable[[], tuple[str, str]] | None = None
        self.region_label = QLabel()
        self.region_label.setTextFormat(Qt.TextFormat.RichText)
        self.region_label.hide()
        self.addWidget(self.clock_label)
        for label in (self.feed_label, self.rate_label, self.tick_label, self.quarantine_label):
            self.addPermanentWidget(label)
        self.addPermanentWidget(self.region_label)
        self.addPermanentWidget(self.database_label)
        self.update_figures()

    # ---- Public API

    def set_region_status(self, region_status: Callable[[], tuple[str, str]] | None) -> None:
        """Show the neighbouring centres' links: ``region_status()`` gives the label's rich
        text and its tooltip, read on every update (None: no region label)."""
        self._region_status = region_status
        self.region_label.setVisible(region_status is not None)
        self.update_figures()

    def update_figures(self) -> None:
        """Re-read every figure."""
        now = dt.datetime.fromtimestamp(self._clock.now(), self._tz).astimezone(self._tz)
        speed = self._speed_text()
        self.clock_label.setText(f"{now:%Y-%m-%d %H:%M:%S %Z}{speed}")
        self.rate_label.setText(f"Bus {self._frame_tick.events_per_second():,.0f} ev/s")
        self.tick_label.setText(
            f"Frame {self._frame_tick.last_tick_ms:.1f} ms · backlog {self._bus.pending:,}"
        )
        if self._feed_status is not None:
            _show(self.feed_label, *self._feed_status())
        if self._database_status is not None:
            _show(self.database_label, *self._database_status())
        if self._region_status is not None:
            text, tip = self._region_status()
            self.region_label.setText(text)
            self.region_label.setToolTip(tip)
        count = self._bus.quarantine.count
        self.quarantine_label.setText(f"Quarantined {count:,}")
        self.quarantine_label.setObjectName("quarantineAlert" if count else "")
        self.quarantine_label.style().unpolish(self.quarantine_label)
        self.quarantine_label.style().polish(self.quarantine_label)

    def _speed_text(self) -> str:
        if self._simulation_speed is None:
            return ""
        return f"   {self._mode} ×{self._simulation_speed():g}"


def _show(label: QLabel, text: str, healthy: bool) -> None:
    """Put ``text`` on ``label``, in the alert colour when not ``healthy``."""
    label.setText(text)
    name = "" if healthy else "quarantineAlert"
    if label.objectName() != name:
        label.setObjectName(name)
        label.style().unpolish(label)
        label.style().polish(label)
