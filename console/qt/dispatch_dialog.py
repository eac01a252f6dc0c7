"""The dispatch dialog: the case, its jurisdiction chain, the recommended units on a small map.

Also used to transfer a case to a peer unit and to send a case back for rework
after a failed verification. Keyboard: 1-9 pick a recommended unit, Up/Down
move, Alt+1..5 pick a chain level's command office, Enter confirms, Esc cancels.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Sequence
from typing import Any

import pyqtgraph as pg
import shapely
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.core.incidents.model import Incident
from console.core.incidents.service import IncidentService
from console.core.units.model import Recommendation, ResponseUnit, UnitStatus
from console.qt.theme import ACCENT, CHART_BACKGROUND, CHART_FOREGROUND

GeometryOf = Callable[[str], Any]
"""The boundary (a shapely geometry) of a division code, or None."""

KM_PER_DEG_LAT = 110.57
IN_COLOUR = "#4cc38a"
OUT_COLOUR = "#f5a524"
CASE_COLOUR = "#ff4d4f"


class DispatchMode(enum.Enum):
    """What the dialog chooses a unit for."""

    DISPATCH = "Dispatch"
    TRANSFER = "Transfer"
    REWORK = "Send back for rework"


class DispatchDialog(QDialog):
    """Choose the unit (or chain office) a case goes to, with a reason where needed."""

    def __init__(
        self,
        service: IncidentService,
        case: Incident,
        recommendations: Sequence[Recommendation],
        geometry_of: GeometryOf,
        mode: DispatchMode = DispatchMode.DISPATCH,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._case = case
        self._mode = mode
        self._recs = list(self._usable(recommendations))[:9]
        self._offices: list[ResponseUnit] = service.chain_offices(case)
        self._unit_points: list[tuple[float, float]] = []
        self._selection: pg.ScatterPlotItem | None = None
        self._route: pg.PlotDataItem | None = None
        self.setWindowTitle(f"{mode.value} — case #{case.id}")
        self.setMinimumSize(940, 600)
        self._build()
        self._draw_map(geometry_of)
        self._install_keys()
        if self._recs:
            self.units.setCurrentRow(0)
        self.units.setFocus()
        self._update_choice()

    # ---- Public API

    def choice(self) -> tuple[str, str]:
        """The chosen unit id and the reason given."""
        return self.unit_edit.text().strip(), self.reason.text().strip()

    def reason_to_store(self) -> str:
        """The reason kept in the audit: the one typed, else why the chosen unit was proposed."""
        unit_id, typed = self.choice()
        if typed:
            return typed
        for number, rec in enumerate(self._recs, start=1):
            if rec.unit.unit_id == unit_id:
                return f"recommended {number}: {rec.reason}"
        return ""

    def fill(self, unit_id: str, reason: str) -> None:
        """Put back the choice of an earlier, refused try."""
        self.unit_edit.setText(unit_id)
        self.reason.setText(reason)

    def pick(self, number: int) -> bool:
        """Choose recommended unit ``number`` (1-based); False if there is none."""
        if not 1 <= number <= len(self._recs):
            return False
        self.units.setCurrentRow(number - 1)
        return True

    def pick_office(self, number: int) -> bool:
        """Choose the command office of chain level ``number`` (1 = city)."""
        if self._mode is not DispatchMode.DISPATCH or not 1 <= number <= len(self._offices):
            return False
        self.units.clearSelection()
        self.unit_edit.setText(self._offices[number - 1].unit_id)
        return True

    def reason_required(self) -> str:
        """Why a reason is needed for the current choice ('' when it is not)."""
        if self._mode is DispatchMode.TRANSFER:
            return "a transfer needs a reason"
        if self._mode is DispatchMode.REWORK:
            return "say what is not resolved"
        unit = self._unit(self.choice()[0])
        if unit is not None and not unit.is_office and not self._on_chain(unit):
            return f"{unit.name} is outside the case's jurisdiction"
        return ""

    def accept(self) -> None:
        """Close only with a known unit and, where required, a reason."""
        unit_id, reason = self.choice()
        if self._unit(unit_id) is None:
            self._warn(f"No unit {unit_id!r}: pick 1-9, Alt+1..5 or type a unit id")
            return
        need = self.reason_required()
        if need and not reason:
            self._warn(f"Reason required: {need}")
            self.reason.setFocus()
            return
        super().accept()

    # ---- Internals: building

    def _usable(self, recs: Sequence[Recommendation]) -> list[Recommendation]:
        case = self._case
        if self._mode is DispatchMode.TRANSFER:
            return [
                r
                for r in recs
                if r.unit.level == case.responsible_level
                and r.unit.unit_id != case.responsible_unit_id
            ]
        if self._mode is DispatchMode.DISPATCH:
            # a unit above the case's level cannot take it by dispatch (that is escalation)
            return [
                r for r in recs if not r.unit.is_office and r.unit.level >= case.responsible_level
            ]
        field = [r for r in recs if not r.unit.is_office]
        if self._mode is DispatchMode.REWORK:
            # the unit that handled the case is proposed first
            field = [r for r in field if r.unit.unit_id != case.responsible_unit_id]
            holder = self._service.units.get(case.responsible_unit_id)
            if not holder.is_office:
                km = math.hypot(*self._xy(holder.lon, holder.lat))
                eta = km / holder.speed_kmh * 60 if holder.speed_kmh else 0.0
                again = "handled the case; rework goes back to it"
                field.insert(
                    0,
                    Recommendation(
                        holder, UnitStatus.ASSIGNED, km, eta, self._on_chain(holder), again
                    ),
                )
        return field

    def _build(self) -> None:
        case = self._case
        header = QLabel(
            f"<b>#{case.id}</b> · P{case.priority} · {case.status.label}<br>"
            f"<b>{case.title}</b><br><span style='color:{CHART_FOREGROUND}'>{case.title_en}</span>"
            f"<br>Now with: {case.responsible_unit} ({case.responsible_level.label}) — "
            "<span style='color:#9aa4b2'>1-9 pick · ↑↓ move · Alt+1..5 office · "
            "Enter confirm · Esc cancel</span>"
        )
        header.setWordWrap(True)
        self.chain = QTreeWidget()
        self.chain.setHeaderLabels(["Key", "Level", "Division", "Command office"])
        self.chain.setRootIsDecorated(False)
        self.chain.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for number, office in enumerate(self._offices, start=1):
            current = office.level == case.responsible_level
            row = QTreeWidgetItem(
                [
                    f"Alt+{number}",
                    ("▶ " if current else "") + office.level.label,
                    self._service.name_of(office.home_code),
                    office.name,
                ]
            )
            if current:
                for column in range(4):
                    row.setForeground(column, QColor(ACCENT))
            self.chain.addTopLevelItem(row)
        self.chain.itemClicked.connect(
            lambda item, _c: self.pick_office(self.chain.indexOfTopLevelItem(item) + 1)
        )
        for column, width in enumerate((52, 165, 120)):
            self.chain.setColumnWidth(column, width)
        self.chain.setMaximumHeight(24 * (len(self._offices) + 1) + 8)
        self.chain.setEnabled(self._mode is DispatchMode.DISPATCH)

        self.units = QListWidget()
        self.units.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.units.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.units.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.units.setSpacing(1)
        for number, rec in enumerate(self._recs, start=1):
            # the reason line says status, jurisdiction, distance and ETA, as ranked
            item = QListWidgetItem(
                f"{number}  {rec.unit.name}  —  {rec.unit.kind.replace('_', ' ')}"
                f"\n     {rec.reason}"
            )
            if not rec.in_jurisdiction:
                item.setForeground(QColor(OUT_COLOUR))
            self.units.addItem(item)
        if not self._recs:
            self.units.addItem(QListWidgetItem("No recommended unit; type a unit id below"))
        self.units.currentRowChanged.connect(self._on_row)

        self.unit_edit = QLineEdit(placeholderText="Unit id (completes over the registry)")
        ids = [u.unit_id for u in self._service.units] + [o.unit_id for o in self._offices]
        completer = QCompleter(sorted(ids), self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.unit_edit.setCompleter(completer)
        self.unit_edit.textChanged.connect(self._update_choice)
        self.reason = QLineEdit(placeholderText="Reason")
        self.reason.textChanged.connect(self._update_choice)
        self.chosen = QLabel(wordWrap=True)
        self.warning = QLabel(objectName="actionMessage", wordWrap=True)
        self.warning.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.addButton(self._mode.value, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        self.map = pg.PlotWidget(background=CHART_BACKGROUND)
        self.map.setMinimumWidth(340)
        self.map.setMenuEnabled(False)
        self.map.setAspectLocked(True)
        self.map.showGrid(x=True, y=True, alpha=0.12)
        for axis in ("left", "bottom"):
            self.map.getAxis(axis).setTextPen(CHART_FOREGROUND)
            self.map.getAxis(axis).setPen(CHART_FOREGROUND)
        self.map.setLabel("bottom", "km east of the case")

        left = QVBoxLayout()
        left.addWidget(header)
        left.addWidget(_caption("Jurisdiction chain (Alt+1..5 hands the case to that office)"))
        left.addWidget(self.chain)
        left.addWidget(_caption("Recommended units (1-9)"))
        left.addWidget(self.units, 1)
        form = QGridLayout()
        form.addWidget(QLabel("Unit"), 0, 0)
        form.addWidget(self.unit_edit, 0, 1)
        form.addWidget(QLabel("Reason"), 1, 0)
        form.addWidget(self.reason, 1, 1)
        left.addLayout(form)
        left.addWidget(self.chosen)
        left.addWidget(self.warning)
        left.addWidget(buttons)
        grid = QGridLayout(self)
        grid.addLayout(left, 0, 0)
        grid.addWidget(self.map, 0, 1)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        self.ok_button.setDefault(True)  # once in the dialog, so Enter confirms from anywhere

    def _install_keys(self) -> None:
        for number in range(1, 10):
            shortcut = QShortcut(QKeySequence(str(number)), self)
            shortcut.activated.connect(lambda n=number: self.pick(n))
        for number in range(1, 6):
            shortcut = QShortcut(QKeySequence(f"Alt+{number}"), self)
            shortcut.activated.connect(lambda n=number: self.pick_office(n))
        for edit in (self.unit_edit, self.reason):
            edit.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        """Up/Down in a text field move through the recommended units."""
        if isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress:
            popup = self.unit_edit.completer().popup()
            step = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1}.get(Qt.Key(event.key()), 0)
            if step and not popup.isVisible() and self._recs:
                row = max(0, min(len(self._recs) - 1, self.units.currentRow() + step))
                self.units.setCurrentRow(row)
                return True
        return super().eventFilter(watched, event)

    # ---- Internals: choice

    def _on_row(self, row: int) -> None:
        if 0 <= row < len(self._recs):
            self.unit_edit.setText(self._recs[row].unit.unit_id)
        self._mark_selected()

    def _unit(self, unit_id: str) -> ResponseUnit | None:
        if not unit_id:
            return None
        try:
            return self._service.units.get(unit_id)
        except KeyError:
            return None

    def _on_chain(self, unit: ResponseUnit) -> bool:
        path = self._case.path
        return path is not None and path.at(unit.level) == unit.home_code

    def _update_choice(self) -> None:
        unit = self._unit(self.choice()[0])
        if unit is None:
            self.chosen.setText("<i>No unit chosen</i>")
        else:
            where = (
                "command office"
                if unit.is_office
                else ("in jurisdiction" if self._on_chain(unit) else "outside the jurisdiction")
            )
            self.chosen.setText(
                f"{self._mode.value} to <b>{unit.name}</b> ({unit.unit_id}, "
                f"{unit.level.label}, {where})"
            )
        need = self.reason_required()
        self.reason.setPlaceholderText(
            f"Reason — required: {need}" if need else "Reason (optional)"
        )
        if not need or self.reason.text().strip():
            self.warning.hide()
        self._mark_selected()

    def _warn(self, text: str) -> None:
        self.warning.setText(text)
        self.warning.show()

    # ---- Internals: map

    def _xy(self, lon: float, lat: float) -> tuple[float, float]:
        """Kilometres east and north of the case (a local flat projection)."""
        k = KM_PER_DEG_LAT
        return (
            (lon - self._case.lon) * k * math.cos(math.radians(self._case.lat)),
            (lat - self._case.lat) * k,
        )

    def _draw_map(self, geometry_of: GeometryOf) -> None:
        path = self._case.path
        spans: list[tuple[float, float]] = [(0.0, 0.0)]
        if path is not None:
            for code, colour, width in ((path.county, "#3d4b5c", 1.5), (path.street, ACCENT, 2)):
                geometry = _safe_geometry(geometry_of, code)
                if geometry is None:
                    continue
                for ring in _rings(geometry.simplify(0.0003)):
                    xs, ys = zip(*(self._xy(x, y) for x, y in ring), strict=True)
                    self.map.plot(list(xs), list(ys), pen=pg.mkPen(colour, width=width))
                    if code == path.street:
                        spans.extend(zip(xs, ys, strict=True))
        points = [self._xy(*r.lon_lat) for r in self._recs]
        spans.extend(points)
        self._unit_points = points
        brushes = [IN_COLOUR if r.in_jurisdiction else OUT_COLOUR for r in self._recs]
        if points:
            xs, ys = zip(*points, strict=True)
            self.map.addItem(
                pg.ScatterPlotItem(list(xs), list(ys), size=11, brush=brushes, pen="#0d1117")
            )
        for number, (x, y) in enumerate(points, start=1):
            label = pg.TextItem(str(number), color="#e6edf3", anchor=(-0.3, 1.1))
            label.setPos(x, y)
            self.map.addItem(label)
        self._selection = pg.ScatterPlotItem(
            size=22, brush=None, pen=pg.mkPen("#ffffff", width=2), symbol="o"
        )
        self.map.addItem(self._selection)
        dashed = pg.mkPen("#ffffff", width=1, style=Qt.PenStyle.DashLine)
        self._route = self.map.plot([], [], pen=dashed)
        self.map.addItem(
            pg.ScatterPlotItem([0.0], [0.0], size=16, symbol="star", brush=CASE_COLOUR, pen="w")
        )
        xs = [p[0] for p in spans]
        ys = [p[1] for p in spans]
        pad = max(max(xs) - min(xs), max(ys) - min(ys), 1.0) * 0.12
        self.map.setRange(
            xRange=(min(xs) - pad, max(xs) + pad), yRange=(min(ys) - pad, max(ys) + pad), padding=0
        )

    def _mark_selected(self) -> None:
        if self._selection is None or self._route is None:
            return
        row = self.units.currentRow()
        if 0 <= row < len(self._unit_points) and self._recs[row].unit.unit_id == self.choice()[0]:
            x, y = self._unit_points[row]
            self._selection.setData([x], [y])
            self._route.setData([x, 0.0], [y, 0.0])
        else:
            self._selection.setData([], [])
            self._route.setData([], [])


def _caption(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet(f"color: {CHART_FOREGROUND}; font-weight: 600; padding-top: 4px;")
    return label


def _safe_geometry(geometry_of: GeometryOf, code: str) -> Any:
    try:
        return geometry_of(code)
    except (KeyError, ValueError):
        return None


def _rings(geometry: Any) -> list[Sequence[tuple[float, float]]]:
    """The outer rings of a polygon or multipolygon, as coordinate lists."""
    polygons = getattr(geometry, "geoms", [geometry])
    return [
        list(p.exterior.coords)
        for p in polygons
        if isinstance(p, shapely.Polygon) and not p.is_empty
    ]
