"""The dialog that names a zone drawn on the map and sets what it watches and its rules.

OK builds a user :class:`Geofence` (id ``zone-<8 hex>``, chosen once per dialog)
and hands it to the ``save`` callable; a :class:`GeofenceError` or a database
error from either is shown in the dialog, which stays open with everything the
operator typed.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.exc import SQLAlchemyError

from console.core.geofence.model import (
    METRES_PER_DEGREE,
    TRACK_CLASS_CODES,
    Circle,
    FenceKind,
    Geofence,
    GeofenceError,
    Polygon,
    Shape,
    shape_from_json,
)

CLASS_LABELS: dict[str, str] = {
    "taxi": "Taxis",
    "liner_bus": "Liner buses",
    "tourist_bus": "Tourist buses",
    "cargo": "Cargo vehicles",
    "vessel": "Vessels",
}
"""What the operator reads for each watched class name (in the order they are offered)."""

KIND_LABELS: dict[FenceKind, str] = {
    FenceKind.USER: "Zone",
    FenceKind.BRIDGE_APPROACH: "Bridge approach",
    FenceKind.VESSEL_TRACKING: "Vessel tracking",
    FenceKind.VESSEL_ALARM: "Vessel alarm",
}
"""What the operator reads for each kind of fence."""

MAX_DWELL_MINUTES = 24 * 60
MAX_NAME_LENGTH = 120


def new_fence_id() -> str:
    """A fresh id for an operator's zone: ``zone-`` and 8 hex digits."""
    return f"zone-{uuid.uuid4().hex[:8]}"


def format_length(metres: float) -> str:
    """850 m, 1.25 km, 12.5 km."""
    if metres < 1000:
        return f"{metres:.0f} m"
    return f"{metres / 1000:.2f} km" if metres < 10_000 else f"{metres / 1000:.1f} km"


def format_area(square_metres: float) -> str:
    """12,345 m² below 0.1 km², else 1.23 km²."""
    if square_metres < 100_000:
        return f"{square_metres:,.0f} m²"
    return f"{square_metres / 1e6:.2f} km²"


def polygon_size(polygon: Polygon) -> tuple[float, float]:
    """Area (m²) and perimeter (m), equirectangular around the polygon's mean latitude."""
    lat0 = sum(lat for _lon, lat in polygon.ring) / len(polygon.ring)
    kx = METRES_PER_DEGREE * math.cos(math.radians(lat0))
    xy = [(lon * kx, lat * METRES_PER_DEGREE) for lon, lat in polygon.ring]
    twice_area = 0.0
    perimeter = 0.0
    for (x0, y0), (x1, y1) in zip(xy, xy[1:] + xy[:1], strict=True):
        twice_area += x0 * y1 - x1 * y0
        perimeter += math.hypot(x1 - x0, y1 - y0)
    return abs(twice_area) / 2.0, perimeter


def shape_summary(shape: Shape) -> str:
    """One line about a shape: a circle's radius and centre, a polygon's points and area."""
    if isinstance(shape, Circle):
        return (
            f"Circle · radius {format_length(shape.radius_m)} · "
            f"centre {shape.lon:.5f} E, {shape.lat:.5f} N"
        )
    area, perimeter = polygon_size(shape)
    return (
        f"Polygon · {len(shape.ring)} points · area {format_area(area)} · "
        f"perimeter {format_length(perimeter)}"
    )


def offered_classes() -> list[str]:
    """Every class a zone may watch: road vehicles first, then vessels (and any newer one)."""
    known = [name for name in CLASS_LABELS if name in TRACK_CLASS_CODES]
    return known + sorted(set(TRACK_CLASS_CODES) - set(known))


def classes_text(classes: Iterable[str]) -> str:
    """The watched classes in words, in the order of the class list."""
    chosen = set(classes)
    return ", ".join(CLASS_LABELS.get(c, c) for c in offered_classes() if c in chosen)


def rules_text(fence: Geofence) -> str:
    """A fence's rules in words: its dwell limit and whether (and when) it opens a case."""
    parts = []
    if fence.dwell_limit_s is not None:
        parts.append(f"dwell limit {fence.dwell_limit_s / 60:g} min")
    if fence.opens_case:
        parts.append(
            "opens a case on a long stay" if fence.dwell_limit_s else "opens a case on entry"
        )
    else:
        parts.append("reports only")
    return " · ".join(parts)


class GeofenceDialog(QDialog):
    """Name a drawn shape, choose the classes it watches, a dwell limit and the case rule."""

    def __init__(
        self,
        shape: Mapping[str, Any],
        save: Callable[[Geofence], object] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("New zone")
        self.fence_id = new_fence_id()
        self.saved: Geofence | None = None
        self._save = save
        self._shape: Shape | None = None
        shape_problem = ""
        try:
            self._shape = shape_from_json(shape)
        except GeofenceError as error:
            shape_problem = f"This shape cannot be a zone: {error}. Cancel and draw it again."

        self.summary = QLabel(
            shape_summary(self._shape) if self._shape is not None else "No usable shape"
        )
        self.summary.setObjectName("zoneShapeSummary")
        self.name_edit = QLineEdit()
        self.name_edit.setMaxLength(MAX_NAME_LENGTH)
        self.name_edit.setPlaceholderText("e.g. Longzihu scenic area coach park")
        self.class_boxes: dict[str, QCheckBox] = {}
        classes = QGridLayout()
        for k, name in enumerate(offered_classes()):
            box = QCheckBox(CLASS_LABELS.get(name, name))
            self.class_boxes[name] = box
            classes.addWidget(box, k // 3, k % 3)
        self.dwell_minutes = QSpinBox()
        self.dwell_minutes.setRange(0, MAX_DWELL_MINUTES)
        self.dwell_minutes.setSuffix(" min")
        self.dwell_minutes.setSpecialValueText("none")
        self.dwell_minutes.setToolTip("A stay longer than this raises a dwell alarm (0: none)")
        self.opens_case = QCheckBox("Open a case when it fires")
        self.opens_case.setToolTip(
            "With a dwell limit the case opens on a long stay, otherwise on entry"
        )
        self.problem = QLabel(wordWrap=True)
        self.problem.setObjectName("actionMessage")
        self.problem.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        form = QFormLayout()
        form.addRow("Shape", self.summary)
        form.addRow("&Name", self.name_edit)
        form.addRow("Watches", classes)
        form.addRow("&Dwell limit", self.dwell_minutes)
        form.addRow("", self.opens_case)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Save zone")
        ok.setEnabled(self._shape is not None)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self._show_problem(shape_problem)
        self.name_edit.setFocus()

    # ---- Public API

    def chosen_classes(self) -> list[str]:
        """The class names ticked, in the class list's order."""
        return [name for name, box in self.class_boxes.items() if box.isChecked()]

    def fence(self) -> Geofence:
        """The zone as filled in (raises :class:`GeofenceError` saying what is wrong)."""
        if self._shape is None:
            raise GeofenceError("the drawn shape cannot be a zone; cancel and draw it again")
        if not self.name_edit.text().strip():
            raise GeofenceError("give the zone a name")
        minutes = self.dwell_minutes.value()
        return Geofence(
            fence_id=self.fence_id,
            name=self.name_edit.text().strip(),
            shape=self._shape,
            classes=frozenset(self.chosen_classes()),
            dwell_limit_s=minutes * 60.0 if minutes > 0 else None,
            opens_case=self.opens_case.isChecked(),
            kind=FenceKind.USER,
        )

    def accept(self) -> None:
        """Build and save the zone; on a problem, say it and stay open."""
        try:
            fence = self.fence()
            if self._save is not None:
                self._save(fence)
        except GeofenceError as error:
            self._show_problem(f"Not saved: {error}")
            self._focus_problem()
            return
        except SQLAlchemyError as error:
            self._show_problem(f"Not saved: the database refused it ({type(error).__name__})")
            return
        self._show_problem("")
        self.saved = fence
        super().accept()

    # ---- Internals

    def _show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.setVisible(bool(text))

    def _focus_problem(self) -> None:
        if not self.name_edit.text().strip():
            self.name_edit.setFocus()
        elif not self.chosen_classes():
            next(iter(self.class_boxes.values())).setFocus()
