"""The Trajectory pane: one vehicle's recorded track over a window, with a time slider.

The operator types a plate, picks a window (1, 6 or 24 hours, ending now or at
any moment picked) and presses Show. The pane reads the track from the history
store, summarises it (mileage, stops, speeding) and hands it to a
:class:`TrackDrawer` (the map pane); the slider moves the map's cursor along the
samples, and choosing a stop or a speeding segment moves the slider there. Below,
:class:`FleetSnapshotBar` draws the whole fleet at a past moment.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, Protocol

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from console.core.clock import Clock
from console.core.history import (
    HistoryStore,
    Trajectory,
    TrajectorySummary,
    cumulative_km,
    summarise,
    trajectory,
)
from console.core.search import HitKind, SearchHit, SearchIndex
from console.qt.fleet_snapshot import FleetSnapshotBar, SnapshotDrawer, qt_time_zone, zoned
from console.qt.panes.base import Pane
from console.qt.search_box import SearchBox

WINDOW_HOURS = (1, 6, 24)
"""The window lengths offered, in hours."""
NOW = QDateTime.fromSecsSinceEpoch(0)
"""The end picker's lowest value, shown as "now": the window ends at the clock's now."""
NO_POSITIONS = "no positions recorded for this vehicle in that window"
SPEEDING_COLOUR = QColor("#ff6b78")


class TrackDrawer(SnapshotDrawer, Protocol):
    """Where a trajectory and a past fleet are drawn (the map pane)."""

    def show_track(self, track: Trajectory, summary: TrajectorySummary) -> None:
        """Draw ``track`` with its stops and speeding segments."""

    def move_track_cursor(self, index: int, label: str = "") -> None:
        """Put the cursor on sample ``index``."""

    def clear_track(self) -> None:
        """Remove the drawn track."""


class VehicleSearch(SearchIndex):
    """Only the vehicles (found by plate) of another search index."""

    def __init__(self, index: SearchIndex) -> None:
        super().__init__([], [])
        self._index = index

    def suggest(self, query: str, limit: int = 10) -> list[SearchHit]:
        """The best ``limit`` vehicle matches for ``query``."""
        hits = self._index.suggest(query, limit * 4)
        return [hit for hit in hits if hit.kind is HitKind.VEHICLE][:limit]


def _minutes(seconds: float) -> str:
    minutes = max(1, round(seconds / 60.0))
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


class TrajectoryPane(Pane):
    """A vehicle's track in a time window: slider, odometer, stops and speeding."""

    PANE_ID: ClassVar[str] = "trajectory"
    TITLE: ClassVar[str] = "Trajectory"
    DEFAULT_AREA: ClassVar[Qt.DockWidgetArea] = Qt.DockWidgetArea.BottomDockWidgetArea

    # ---- Signals

    sig_track_shown = Signal(int)
    """A track was read and drawn (or found empty); carries its number of samples."""

    def __init__(
        self,
        store: HistoryStore,
        index: SearchIndex,
        clock: Clock,
        draw: TrackDrawer,
        tz: dt.tzinfo,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.TITLE)
        self._store = store
        self._clock = clock
        self._draw = draw
        self._tz = tz
        self._search = VehicleSearch(index)
        self._vehicle_id: int | None = None
        self._vehicle_label = ""
        self._track: Trajectory | None = None
        self._summary: TrajectorySummary | None = None
        self._odometer: npt.NDArray[np.float64] = np.zeros(0)
        self._time_format = "%H:%M:%S"
        self._build()

    def _build(self) -> None:
        self.vehicle_box = SearchBox(self._search, self)
        self.vehicle_box.setObjectName("trajectoryVehicle")
        self.vehicle_box.setPlaceholderText("Plate, e.g. A12B3")
        self.vehicle_box.setToolTip("Type part of a plate (the 皖C prefix is optional)")
        self.vehicle_box.sig_chosen.connect(self._on_vehicle_chosen)
        self.window_choice = QComboBox(self)
        for hours in WINDOW_HOURS:
            self.window_choice.addItem(f"{hours} h", hours)
        self.end_edit = QDateTimeEdit(self)
        self.end_edit.setTimeZone(qt_time_zone(self._tz))
        self.end_edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.end_edit.setCalendarPopup(True)
        self.end_edit.setMinimumDateTime(NOW)
        self.end_edit.setSpecialValueText("now")
        self.end_edit.setDateTime(NOW)
        self.end_edit.setToolTip('When the window ends (city time); "now" follows the clock')
        self.now_button = QToolButton(self)
        self.now_button.setText("Now")
        self.now_button.setToolTip("End the window at the clock's now")
        self.now_button.clicked.connect(lambda: self.end_edit.setDateTime(NOW))
        self.show_button = QPushButton("Show", self)
        self.show_button.setDefault(True)
        self.show_button.clicked.connect(self.show_track)
        top = QHBoxLayout()
        top.addWidget(QLabel("Vehicle", self))
        top.addWidget(self.vehicle_box, 1)
        top.addWidget(self.window_choice)
        top.addWidget(QLabel("ending", self))
        top.addWidget(self.end_edit)
        top.addWidget(self.now_button)
        top.addWidget(self.show_button)

        self.summary_label = QLabel("Choose a vehicle and a window, then Show.", self)
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setEnabled(False)
        self.slider.setPageStep(12)
        self.slider.valueChanged.connect(self._on_cursor)
        self.cursor_label = QLabel("", self)
        self.cursor_label.setMinimumWidth(230)
        self.cursor_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        cursor_row = QHBoxLayout()
        cursor_row.addWidget(self.slider, 1)
        cursor_row.addWidget(self.cursor_label)

        self.stops_list = QListWidget(self)
        self.speeding_list = QListWidget(self)
        self.stops_header = QLabel("Stops", self)
        self.speeding_header = QLabel("Speeding", self)
        lists = QHBoxLayout()
        for header, widget in (
            (self.stops_header, self.stops_list),
            (self.speeding_header, self.speeding_list),
        ):
            widget.itemClicked.connect(self._on_item_chosen)
            widget.itemActivated.connect(self._on_item_chosen)
            column = QVBoxLayout()
            column.addWidget(header)
            column.addWidget(widget)
            lists.addLayout(column)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.summary_label)
        layout.addLayout(cursor_row)
        layout.addLayout(lists, 1)
        self.fleet_bar = FleetSnapshotBar(self._store, self._clock, self._draw, self._tz, self)
        layout.addWidget(self.fleet_bar)

    # ---- Public API

    @property
    def vehicle_id(self) -> int | None:
        """The chosen vehicle, if any."""
        return self._vehicle_id

    @property
    def track(self) -> Trajectory | None:
        """The track shown (None before Show or when the window was empty)."""
        return self._track

    @property
    def summary(self) -> TrajectorySummary | None:
        """The shown track's mileage, stops and speeding."""
        return self._summary

    @property
    def window_hours(self) -> int:
        """Length of the chosen window in hours."""
        return int(self.window_choice.currentData())

    def set_window_hours(self, hours: int) -> None:
        """Choose the window of ``hours`` (ignored if not offered)."""
        at = self.window_choice.findData(int(hours))
        if at >= 0:
            self.window_choice.setCurrentIndex(at)

    def set_window_end(self, moment: float | None) -> None:
        """End the window at ``moment`` (epoch seconds), or at the clock's now (None)."""
        self.end_edit.setDateTime(NOW if moment is None else zoned(moment, self._tz))

    def window_end(self) -> float:
        """When the chosen window ends (epoch seconds)."""
        chosen = self.end_edit.dateTime()
        if chosen == NOW:
            return self._clock.now()
        return float(chosen.toSecsSinceEpoch())

    def set_vehicle(self, vehicle_id: int, label: str) -> None:
        """Choose the vehicle ``vehicle_id`` shown as ``label`` (its plate)."""
        self._vehicle_id = int(vehicle_id)
        self._vehicle_label = label
        self.vehicle_box.setText(label)

    def show_track(self) -> bool:
        """Read, summarise and draw the chosen vehicle's track; False if there is none."""
        if not self._resolve_vehicle():
            self._reset("Type a plate and choose a vehicle first.")
            return False
        assert self._vehicle_id is not None
        end = self.window_end()
        start = end - self.window_hours * 3600.0
        track = trajectory(self._store, self._vehicle_id, start, end)
        if len(track) == 0:
            self._reset(f"{self._vehicle_label}: {NO_POSITIONS}.")
            self.sig_track_shown.emit(0)
            return False
        summary = summarise(track, self._store.config)
        self._track, self._summary = track, summary
        self._odometer = cumulative_km(track)
        first, last = self._local(track.times[0]), self._local(track.times[-1])
        self._time_format = "%H:%M:%S" if first.date() == last.date() else "%m-%d %H:%M:%S"
        self._draw.show_track(track, summary)
        self.summary_label.setText(self._summary_text(track, summary))
        self._fill_lists(summary)
        self.slider.blockSignals(True)
        self.slider.setRange(0, len(track) - 1)
        self.slider.setValue(0)
        self.slider.blockSignals(False)
        self.slider.setEnabled(True)
        self._on_cursor(0)
        self.sig_track_shown.emit(len(track))
        return True

    def save_state(self) -> dict[str, Any]:
        """The window choice and the last vehicle."""
        return {
            "window_hours": self.window_hours,
            "vehicle_id": self._vehicle_id,
            "vehicle_label": self._vehicle_label,
        }

    def restore_state(self, state: dict[str, Any]) -> None:
        """Apply a saved window and vehicle (the track is read again on Show)."""
        hours = state.get("window_hours")
        if isinstance(hours, int):
            self.set_window_hours(hours)
        vehicle, label = state.get("vehicle_id"), state.get("vehicle_label")
        if isinstance(vehicle, int) and vehicle >= 0 and isinstance(label, str):
            self.set_vehicle(vehicle, label)

    # ---- Internals

    def _local(self, moment: float) -> dt.datetime:
        return dt.datetime.fromtimestamp(float(moment), self._tz)

    def _clock_text(self, moment: float) -> str:
        return self._local(moment).strftime(self._time_format)

    def _resolve_vehicle(self) -> bool:
        text = self.vehicle_box.text().strip()
        if self._vehicle_id is not None and text == self._vehicle_label:
            return True
        hits = self._search.suggest(text, 1) if text else []
        if not hits:
            self._vehicle_id, self._vehicle_label = None, ""
            return False
        self.set_vehicle(int(hits[0].key), hits[0].label)
        return True

    def _reset(self, message: str) -> None:
        self._track, self._summary = None, None
        self._odometer = np.zeros(0)
        self._draw.clear_track()
        self.summary_label.setText(message)
        self.cursor_label.setText("")
        self.slider.blockSignals(True)
        self.slider.setRange(0, 0)
        self.slider.blockSignals(False)
        self.slider.setEnabled(False)
        self._fill_lists(None)

    def _summary_text(self, track: Trajectory, summary: TrajectorySummary) -> str:
        span = f"{self._clock_text(track.times[0])}–{self._clock_text(track.times[-1])}"
        stops = len(summary.stops)
        parts = [
            f"<b>{self._vehicle_label}</b> · {span} · {len(track)} positions",
            f"<b>{summary.mileage_km:.1f} km</b>",
            f"{stops} stop{'s' if stops != 1 else ''}",
        ]
        if summary.limit_kmh is None:
            parts.append("no speed limit for this class")
        elif summary.speeding:
            top = max(s.max_speed_kmh for s in summary.speeding)
            count = len(summary.speeding)
            parts.append(
                f"<span style='color:{SPEEDING_COLOUR.name()}'>{count} speeding segment"
                f"{'s' if count != 1 else ''} (max {top:.0f} km/h, limit "
                f"{summary.limit_kmh:.0f})</span>"
            )
        else:
            parts.append(f"no speeding (limit {summary.limit_kmh:.0f} km/h)")
        return " · ".join(parts)

    def _fill_lists(self, summary: TrajectorySummary | None) -> None:
        self.stops_list.clear()
        self.speeding_list.clear()
        stops = summary.stops if summary else []
        speeding = summary.speeding if summary else []
        self.stops_header.setText(f"Stops ({len(stops)})")
        self.speeding_header.setText(f"Speeding ({len(speeding)})")
        for number, stop in enumerate(stops, start=1):
            text = (
                f"{number}.  {self._clock_text(stop.start)}–{self._clock_text(stop.end)}"
                f" · {_minutes(stop.duration_s)}"
            )
            self._add_item(self.stops_list, text, stop.first_index)
        for segment in speeding:
            text = (
                f"{self._clock_text(segment.start)}–{self._clock_text(segment.end)}"
                f" · max {segment.max_speed_kmh:.0f} km/h · {segment.distance_km:.2f} km"
            )
            item = self._add_item(self.speeding_list, text, segment.first_index)
            item.setForeground(SPEEDING_COLOUR)

    @staticmethod
    def _add_item(widget: QListWidget, text: str, index: int) -> QListWidgetItem:
        item = QListWidgetItem(text)
        item.setData(Qt.ItemDataRole.UserRole, int(index))
        widget.addItem(item)
        return item

    # ---- Callbacks

    def _on_vehicle_chosen(self, hit: SearchHit) -> None:
        self.set_vehicle(int(hit.key), hit.label)
        self.show_track()

    def _on_item_chosen(self, item: QListWidgetItem) -> None:
        self.slider.setValue(int(item.data(Qt.ItemDataRole.UserRole)))

    def _on_cursor(self, index: int) -> None:
        track = self._track
        if track is None or not 0 <= index < len(track):
            return
        when = self._clock_text(track.times[index])
        speed = float(track.speed_kmh[index])
        self.cursor_label.setText(
            f"<b>{when}</b> · {self._odometer[index]:.2f} km · {speed:.0f} km/h"
        )
        self._draw.move_track_cursor(index, f"{when} · {speed:.0f} km/h")
