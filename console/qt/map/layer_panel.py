"""The map's layer panel: every layer with a check box, each row's swatch its legend.

Groups: Boundaries (the five levels), Water, Infrastructure, Operations (units with
their status legend, incidents with their priority and state legend, zones) and
Vehicles (one row per class, with live counts). The panel only says what the
operator wants; :mod:`console.qt.layer_wiring` tells the page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QPainter, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.core.city.model import Level
from console.qt.map.page import BOUNDARY_STYLES, RIVER_STYLES, VEHICLE_STYLES

Glyph = tuple[str, ...]
"""How a swatch is drawn: (shape, colour[, second colour]); see :func:`swatch_icon`."""

FROM_ZOOM = {"community": 12, "grid": 14, "iot": 11, "units": 11}
"""Dense layers the page draws only from these zooms on (site_layers.js has the same rule)."""
KEY_ROLE = Qt.ItemDataRole.UserRole + 1
SWATCH = 16


@dataclass(frozen=True, slots=True)
class LayerRow:
    """One switchable layer: its page key, label, legend glyph and default visibility."""

    key: str
    label: str
    glyph: Glyph
    default: bool = True
    note: str = ""
    legend: tuple[tuple[tuple[Glyph, str, str], ...], ...] = ()
    """Legend strips under the row: each strip is ((glyph, text, count key), ...)."""


def _edge(level: Level) -> str:
    return str(BOUNDARY_STYLES[level]["color"])


def _from_zoom(key: str) -> str:
    return f"from zoom {FROM_ZOOM[key]}"


_UNIT_LEGEND = (
    (
        (("dot", "#3ddc84", "#071018"), "Available", "units:available"),
        (("dot", "#ffb020", "#071018"), "Assigned / en route", "units:assigned"),
    ),
    (
        (("dot", "#ff5a36", "#071018"), "On scene", "units:on_scene"),
        (("dot", "#6b7785", "#071018"), "Off duty", "units:off_duty"),
    ),
)
_INCIDENT_LEGEND = (
    tuple(
        (("dot", colour, "#0b1016"), f"P{rank}", "")
        for rank, colour in enumerate(("#ff3b4e", "#ff9f1c", "#f5e663", "#8fb3d9"), start=1)
    ),
    (
        (("ring", "#ff9f1c"), "New", ""),
        (("dot", "#ff9f1c", "#0b1016"), "Working", ""),
        (("dot", "#ff9f1c", "#ffffff"), "In hand", ""),
    ),
    (
        (("faded", "#ff9f1c"), "Handled", ""),
        (("dashed", "#ff9f1c"), "Pending", ""),
        (("pulse", "#ff3b4e"), "Overdue", ""),
    ),
)

GROUPS: tuple[tuple[str, tuple[LayerRow, ...]], ...] = (
    (
        "Boundaries",
        (
            LayerRow("city", "City", ("area", _edge(Level.CITY))),
            LayerRow("county", "County / district", ("area", _edge(Level.COUNTY))),
            LayerRow("street", "Street / township", ("dashed_area", _edge(Level.STREET)), False),
            LayerRow(
                "community",
                "Community / village",
                ("area", _edge(Level.COMMUNITY)),
                False,
                _from_zoom("community"),
            ),
            LayerRow("grid", "Grid", ("area", _edge(Level.GRID)), False, _from_zoom("grid")),
        ),
    ),
    ("Water", (LayerRow("river", "Huaihe river", ("river", str(RIVER_STYLES[1]["color"]))),)),
    (
        "Infrastructure",
        (
            LayerRow("bridges", "Monitored bridges", ("diamond", "#0b1016", "#33d6f5")),
            LayerRow("cameras", "Cameras", ("triangle", "#dff8ff", "#1aa9c9")),
            LayerRow(
                "iot", "IoT base stations", ("dot", "#a58bff", "#a58bff"), note=_from_zoom("iot")
            ),
            LayerRow("passenger_stations", "Passenger stations", ("rounded", "#2f81f7", "#e6f0ff")),
            LayerRow("weigh_stations", "Weigh stations", ("diamond", "#ffb020", "#2a1a00")),
        ),
    ),
    (
        "Operations",
        (
            LayerRow(
                "units",
                "Units",
                ("dot", "#3ddc84", "#071018"),
                note=_from_zoom("units"),
                legend=_UNIT_LEGEND,
            ),
            LayerRow(
                "incidents", "Incidents", ("dot", "#ff3b4e", "#0b1016"), legend=_INCIDENT_LEGEND
            ),
            LayerRow("fences", "Zones", ("zone", "#c084fc")),
        ),
    ),
    (
        "Vehicles",
        tuple(
            LayerRow(f"vehicles_{cls.name.lower()}", name, ("square", colour))
            for cls, (name, colour) in VEHICLE_STYLES.items()
        ),
    ),
)
"""Every row of the panel, grouped as shown."""

LAYER_KEYS: tuple[str, ...] = tuple(row.key for _title, rows in GROUPS for row in rows)
DEFAULT_STATE: dict[str, bool] = {row.key: row.default for _t, rows in GROUPS for row in rows}
"""What is shown on a first run."""

_STYLE = """
#layerPanel { background: #0f141a; border: 1px solid #2f3b4b; }
#layerPanel QLabel#layerPanelTitle {
    color: #9aa4b2; font-weight: 600; letter-spacing: 1px; text-transform: uppercase;
}
#layerPanel QTreeWidget { background: #0d1117; color: #d0d7de; border: 1px solid #1f2933; }
#layerPanel QTreeWidget::item { padding: 1px 0; }
#layerPanel QTreeWidget::indicator {
    width: 11px; height: 11px; border: 1px solid #4b5b6e; border-radius: 2px; background: #0b1016;
}
#layerPanel QTreeWidget::indicator:checked { background: #2f81f7; border-color: #6aa8ff; }
#layerPanel QTreeWidget::indicator:indeterminate { background: #1f3b5c; border-color: #2f81f7; }
#layerPanel QLabel.legend { color: #8b96a5; font-size: 11px; }
#layerPanel QToolButton {
    padding: 1px 8px; color: #d0d7de; background: #1c2430; border: 1px solid #2f3b4b;
    border-radius: 3px;
}
#layerPanel QToolButton:hover { border-color: #2f81f7; }
"""


_POLYGONS = {
    "diamond": ((0.5, 0.12), (0.88, 0.5), (0.5, 0.88), (0.12, 0.5)),
    "triangle": ((0.5, 0.19), (0.81, 0.75), (0.19, 0.75)),
}
"""Corners of the polygon glyphs, as fractions of the swatch size."""


def swatch_icon(glyph: Glyph, size: int = SWATCH) -> QIcon:
    """A legend swatch drawn like the map draws the layer."""
    return QIcon(swatch_pixmap(glyph, size))


def swatch_pixmap(glyph: Glyph, size: int = SWATCH) -> QPixmap:
    """The swatch of :func:`swatch_icon` as a pixmap."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    shape, colour = glyph[0], QColor(glyph[1])
    second = QColor(glyph[2]) if len(glyph) > 2 else colour
    box = QRectF(3, 3, size - 6, size - 6)
    centre = box.center()
    painter.setPen(QPen(second, 1.4))
    painter.setBrush(QBrush(colour))
    if shape in ("area", "dashed_area", "zone"):
        pen = QPen(colour, 1.6, Qt.PenStyle.DashLine if shape != "area" else Qt.PenStyle.SolidLine)
        painter.setPen(pen)
        fill = QColor(colour)
        fill.setAlpha(60 if shape == "zone" else 25)
        painter.setBrush(fill)
        painter.drawRect(box)
    elif shape == "river":
        glow = QColor(colour)
        glow.setAlpha(70)
        for pen_colour, width in ((glow, 6.0), (colour, 2.0)):
            pen = QPen(pen_colour, width)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            painter.setPen(pen)
            painter.drawLine(QPointF(2, size - 5), QPointF(size - 2, 5))
    elif shape in _POLYGONS:
        corners = [QPointF(x * size, y * size) for x, y in _POLYGONS[shape]]
        painter.drawPolygon(QPolygonF(corners))
    elif shape == "rounded":
        painter.drawRoundedRect(box, 3, 3)
    elif shape == "square":
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawRect(QRectF(5, 5, size - 10, size - 10))
    else:
        _ring(painter, shape, colour, second, centre, size)
    painter.end()
    return pixmap


def _ring(
    painter: QPainter, shape: str, colour: QColor, second: QColor, centre: QPointF, size: int
) -> None:
    """Incident and unit glyphs: dots and rings, by case state."""
    radius = size / 2 - 3
    if shape == "dot":
        painter.setPen(QPen(second, 1.6 if second != QColor("#ffffff") else 2.2))
        painter.setBrush(colour)
    elif shape == "faded":
        faded = QColor(colour)
        faded.setAlphaF(0.4)
        painter.setPen(QPen(QColor(11, 16, 22, 120), 1.4))
        painter.setBrush(faded)
    elif shape in ("ring", "dashed"):
        style = Qt.PenStyle.DotLine if shape == "dashed" else Qt.PenStyle.SolidLine
        painter.setPen(QPen(colour, 2, style))
        painter.setBrush(Qt.BrushStyle.NoBrush)
    elif shape == "pulse":
        halo = QColor(colour)
        halo.setAlphaF(0.45)
        painter.setPen(QPen(halo, 1.5))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(centre, size / 2 - 0.8, size / 2 - 0.8)
        painter.setPen(QPen(QColor("#0b1016"), 1.4))
        painter.setBrush(colour)
        radius = size / 2 - 5
    painter.drawEllipse(centre, radius, radius)


class LegendStrip(QWidget):
    """A row of legend entries (glyph and text, with a count when one is given)."""

    def __init__(self, entries: Iterable[tuple[Glyph, str, str]], parent: QWidget | None = None):
        super().__init__(parent)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 4, 0)
        layout.setHorizontalSpacing(4)
        self.counts: dict[str, tuple[QLabel, str]] = {}
        for column, (glyph, text, count_key) in enumerate(entries):
            icon = QLabel()
            icon.setPixmap(swatch_pixmap(glyph, 14))
            label = QLabel(text)
            label.setProperty("class", "legend")
            cell = QHBoxLayout()
            cell.setSpacing(3)
            cell.addWidget(icon)
            cell.addWidget(label, 1)
            layout.addLayout(cell, 0, column)
            layout.setColumnStretch(column, 1)
            if count_key:
                self.counts[count_key] = (label, text)

    def set_count(self, key: str, count: int | None) -> bool:
        """Show ``count`` after the entry ``key``; False if this strip has no such entry."""
        found = self.counts.get(key)
        if found is None:
            return False
        label, text = found
        label.setText(text if count is None else f"{text} {count:,}")
        return True


class LayerPanel(QWidget):
    """Grouped check boxes for every map layer, with the legend on each row."""

    # ---- Signals

    sig_layer_toggled = Signal(str, bool)
    """The operator (or :meth:`set_visible`) switched a layer: its key and new visibility."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("layerPanel")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.setStyleSheet(_STYLE)
        self._state = dict(DEFAULT_STATE)
        self._items: dict[str, QTreeWidgetItem] = {}
        self._strips: list[LegendStrip] = []
        title = QLabel("Map layers")
        title.setObjectName("layerPanelTitle")
        defaults = QToolButton()
        defaults.setText("Defaults")
        defaults.setToolTip("Show the layers a first run shows")
        defaults.clicked.connect(lambda: self.restore(DEFAULT_STATE))
        header = QHBoxLayout()
        header.addWidget(title, 1)
        header.addWidget(defaults)
        self.tree = self._build_tree()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 8)
        layout.setSpacing(6)
        layout.addLayout(header)
        layout.addWidget(self.tree)
        self.tree.itemChanged.connect(self._on_item_changed)
        self.resize(390, 600)

    # ---- Public API

    def set_visible(self, key: str, visible: bool) -> None:
        """Check or uncheck layer ``key`` (emits :attr:`sig_layer_toggled` if it changes)."""
        item = self._items.get(key)
        if item is not None:
            item.setCheckState(0, Qt.CheckState.Checked if visible else Qt.CheckState.Unchecked)

    def is_visible(self, key: str) -> bool:
        """Whether layer ``key`` is checked."""
        return self._state.get(key, False)

    def state(self) -> dict[str, bool]:
        """Every layer's visibility, by key."""
        return dict(self._state)

    def restore(self, state: Mapping[str, object]) -> None:
        """Apply a saved :meth:`state`; unknown keys and non-boolean values are ignored."""
        for key, visible in state.items():
            if key in self._items and isinstance(visible, bool):
                self.set_visible(key, visible)

    def set_counts(self, counts: Mapping[str, int | None]) -> None:
        """Show counts: layer keys (e.g. ``vehicles_taxi``) or legend keys (``units:on_scene``)."""
        for key, count in counts.items():
            item = self._items.get(key)
            if item is not None:
                item.setText(2, "" if count is None else f"{count:,}")
                continue
            for strip in self._strips:
                if strip.set_count(key, count):
                    break

    def keys(self) -> list[str]:
        """Every layer key, in panel order."""
        return list(self._items)

    def legend_text(self, key: str) -> str:
        """The text of legend entry ``key`` (e.g. ``units:on_scene``), '' if there is none."""
        for strip in self._strips:
            if key in strip.counts:
                return strip.counts[key][0].text()
        return ""

    def count_text(self, key: str) -> str:
        """The count shown on layer ``key``'s row ('' if none)."""
        item = self._items.get(key)
        return item.text(2) if item is not None else ""

    # ---- Internals

    def _build_tree(self) -> QTreeWidget:
        tree = QTreeWidget()
        tree.setColumnCount(3)
        tree.setHeaderHidden(True)
        tree.setIndentation(14)
        tree.setUniformRowHeights(False)
        tree.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        tree.setSelectionMode(QTreeWidget.SelectionMode.NoSelection)
        tree.setIconSize(QSize(SWATCH, SWATCH))
        header = tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        dim = QColor("#6f8499")
        group_font = QFont(tree.font())
        group_font.setBold(True)
        for title, rows in GROUPS:
            group = QTreeWidgetItem(tree, [title.upper()])
            group.setFont(0, group_font)
            group.setForeground(0, QColor("#9aa4b2"))
            group.setFlags(
                Qt.ItemFlag.ItemIsEnabled
                | Qt.ItemFlag.ItemIsUserCheckable
                | Qt.ItemFlag.ItemIsAutoTristate
            )
            for row in rows:
                item = QTreeWidgetItem(group, [row.label, row.note, ""])
                item.setIcon(0, swatch_icon(row.glyph))
                item.setData(0, KEY_ROLE, row.key)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(0, _check(self._state[row.key]))
                item.setForeground(1, dim)
                item.setTextAlignment(
                    2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                )
                if row.note:
                    item.setToolTip(0, f"{row.label}: drawn {row.note} on (too dense further out)")
                self._items[row.key] = item
                for entries in row.legend:
                    self._add_strip(tree, item, entries)
                item.setExpanded(True)
            group.setExpanded(True)
        return tree

    def _add_strip(
        self, tree: QTreeWidget, parent: QTreeWidgetItem, entries: Iterable[tuple[Glyph, str, str]]
    ) -> None:
        child = QTreeWidgetItem(parent)
        child.setFlags(Qt.ItemFlag.ItemIsEnabled)
        strip = LegendStrip(entries)
        self._strips.append(strip)
        tree.setItemWidget(child, 0, strip)
        index = tree.indexFromItem(child)
        tree.setFirstColumnSpanned(index.row(), index.parent(), True)

    def _on_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        key = item.data(0, KEY_ROLE)
        if column != 0 or not isinstance(key, str):
            return
        visible = item.checkState(0) == Qt.CheckState.Checked
        if self._state.get(key) != visible:
            self._state[key] = visible
            self.sig_layer_toggled.emit(key, visible)


def _check(visible: bool) -> Qt.CheckState:
    return Qt.CheckState.Checked if visible else Qt.CheckState.Unchecked
