"""The fleet at a past moment: a time picker that swaps the map's live vehicles for history.

"Show fleet" reads every vehicle's last recorded position at the chosen moment
(:func:`console.core.history.fleet_snapshot`) and the map draws it under an
amber banner until "Back to live". Times are entered and shown in the city's
time zone.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Protocol

from PySide6.QtCore import QDateTime, QTimeZone, Signal
from PySide6.QtWidgets import QDateTimeEdit, QHBoxLayout, QLabel, QPushButton, QWidget

from console.core.clock import Clock
from console.core.history import FleetSnapshot, HistoryStore, fleet_snapshot


class SnapshotDrawer(Protocol):
    """Where a past fleet is drawn (the map pane)."""

    def show_snapshot(self, snapshot: FleetSnapshot, banner: str) -> None:
        """Draw ``snapshot`` instead of live positions."""

    def show_live(self) -> None:
        """Back to live positions."""


def qt_time_zone(tz: dt.tzinfo) -> QTimeZone:
    """``tz`` for Qt: by its IANA name when it has one, else its current UTC offset."""
    key = getattr(tz, "key", None)
    if isinstance(key, str):
        zone = QTimeZone(key.encode("ascii"))
        if zone.isValid():
            return zone
    offset = dt.datetime.now(tz).utcoffset()
    return QTimeZone(int(offset.total_seconds()) if offset is not None else 0)


def zoned(moment: float, tz: dt.tzinfo) -> QDateTime:
    """``moment`` (epoch seconds) as a QDateTime in ``tz``."""
    return QDateTime.fromSecsSinceEpoch(int(moment), qt_time_zone(tz))


class FleetSnapshotBar(QWidget):
    """ "Fleet at [time] [Show fleet] [Back to live]" with the outcome beside it."""

    # ---- Signals

    sig_shown = Signal(int)
    """A snapshot was drawn; carries its number of vehicles."""

    def __init__(
        self,
        store: HistoryStore,
        clock: Clock,
        draw: SnapshotDrawer,
        tz: dt.tzinfo,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._clock = clock
        self._draw = draw
        self._tz = tz
        self.moment = QDateTimeEdit(self)
        self.moment.setTimeZone(qt_time_zone(tz))
        self.moment.setDisplayFormat("yyyy-MM-dd HH:mm:ss")
        self.moment.setCalendarPopup(True)
        self.moment.setToolTip("A moment in the kept history (city time)")
        self.show_button = QPushButton("Show fleet", self)
        self.show_button.setToolTip("Draw every vehicle where it was at that moment")
        self.show_button.clicked.connect(self.show_fleet)
        self.live_button = QPushButton("Back to live", self)
        self.live_button.setEnabled(False)
        self.live_button.clicked.connect(self.back_to_live)
        self.outcome = QLabel("", self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Fleet at", self))
        layout.addWidget(self.moment)
        layout.addWidget(self.show_button)
        layout.addWidget(self.live_button)
        layout.addWidget(self.outcome, 1)
        self.set_moment(clock.now() - 600.0)

    # ---- Public API

    def set_moment(self, moment: float) -> None:
        """Put ``moment`` (epoch seconds) in the time picker."""
        self.moment.setDateTime(zoned(moment, self._tz))

    def chosen_moment(self) -> float:
        """The picked moment in epoch seconds."""
        return float(self.moment.dateTime().toSecsSinceEpoch())

    def show_fleet(self) -> FleetSnapshot:
        """Read the fleet at the picked moment and draw it."""
        at = self.chosen_moment()
        if at > self._clock.now():
            self.outcome.setText("That moment is in the future: pick a past one.")
            return fleet_snapshot(self._store, self._clock.now())
        started = time.perf_counter()
        snapshot = fleet_snapshot(self._store, at)
        read_ms = (time.perf_counter() - started) * 1000.0
        when = dt.datetime.fromtimestamp(at, self._tz).strftime("%Y-%m-%d %H:%M:%S")
        banner = f"HISTORY · fleet at {when} · {len(snapshot):,} vehicles · live paused"
        self._draw.show_snapshot(snapshot, banner)
        self.live_button.setEnabled(True)
        if len(snapshot):
            self.outcome.setText(f"{len(snapshot):,} vehicles ({read_ms:.0f} ms)")
        else:
            self.outcome.setText("No positions recorded at that moment.")
        self.sig_shown.emit(len(snapshot))
        return snapshot

    def back_to_live(self) -> None:
        """Draw live positions again."""
        self._draw.show_live()
        self.live_button.setEnabled(False)
        self.outcome.setText("")
