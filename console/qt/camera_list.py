"""The camera registry as a list to pick from: a search box, groups by purpose, drag and drop.

Each camera row shows its name and, under it, its id and English name; a camera
on the video wall is marked. A row drags as :data:`CAMERA_MIME` (the camera id),
so it can be dropped on a wall tile; a double-click (or Enter) chooses it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from PySide6.QtCore import QMimeData, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QLineEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.core.sites import Camera, CameraPurpose
from console.qt.tile_overlay import STATUS_COLOURS, TileStatus
from console.qt.video_tile import CAMERA_MIME, camera_mime

PURPOSE_GROUPS: tuple[tuple[CameraPurpose, str], ...] = (
    (CameraPurpose.BRIDGE_DECK, "Bridge decks"),
    (CameraPurpose.BRIDGE_CHANNEL, "Bridge channels"),
    (CameraPurpose.JUNCTION, "Junctions"),
    (CameraPurpose.PASSENGER_STATION, "Passenger stations"),
    (CameraPurpose.WEIGH_STATION, "Weigh stations"),
    (CameraPurpose.IOT_HOTSPOT, "Theft hot spots"),
)
"""The list's groups, in order, with their titles."""
CAMERA_ID_ROLE = Qt.ItemDataRole.UserRole + 1
ON_WALL_ROLE = Qt.ItemDataRole.UserRole + 2
_ROW_HEIGHT = 36
_GROUP_HEIGHT = 24
Index = QModelIndex | QPersistentModelIndex


class _CameraTree(QTreeWidget):
    """The tree of groups and cameras; a camera row drags as its id."""

    def mimeTypes(self) -> list[str]:  # noqa: N802 - Qt API
        """Only cameras are dragged out of this list."""
        return [CAMERA_MIME]

    def mimeData(self, items: Sequence[QTreeWidgetItem]) -> QMimeData:  # noqa: N802 - Qt API
        """The first dragged camera's id."""
        for item in items:
            camera_id = item.data(0, CAMERA_ID_ROLE)
            if camera_id:
                return camera_mime(str(camera_id))
        return QMimeData()


class _RowDelegate(QStyledItemDelegate):
    """Camera rows in two lines (name; id and English name) with an on-wall mark."""

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:  # noqa: N802
        """Taller rows for cameras than for group titles."""
        height = _ROW_HEIGHT if index.data(CAMERA_ID_ROLE) else _GROUP_HEIGHT
        return QSize(option.rect.width(), height)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        """Group titles as usual; cameras in two lines."""
        camera_id = index.data(CAMERA_ID_ROLE)
        if not camera_id:
            super().paint(painter, option, index)
            return
        painter.save()
        rect: QRect = option.rect
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if selected:
            painter.fillRect(rect, QColor("#1f3b5c"))
        elif option.state & QStyle.StateFlag.State_MouseOver:
            painter.fillRect(rect, QColor("#151d27"))
        on_wall = bool(index.data(ON_WALL_ROLE))
        text_rect = rect.adjusted(4, 3, -18, -3)
        name_font, detail_font = QFont(option.font), QFont(option.font)
        name_font.setPixelSize(12)
        name_font.setBold(on_wall)
        detail_font.setPixelSize(11)
        top, bottom = text_rect.adjusted(0, 0, 0, -15), text_rect.adjusted(0, 16, 0, 0)
        painter.setFont(name_font)
        painter.setPen(QColor("#ffffff" if selected else "#e6edf3"))
        name = painter.fontMetrics().elidedText(
            str(index.data(Qt.ItemDataRole.DisplayRole)), Qt.TextElideMode.ElideRight, top.width()
        )
        painter.drawText(top, Qt.AlignmentFlag.AlignVCenter, name)
        painter.setFont(detail_font)
        painter.setPen(QColor("#8b949e"))
        detail = painter.fontMetrics().elidedText(
            str(index.data(Qt.ItemDataRole.ToolTipRole) or ""),
            Qt.TextElideMode.ElideRight,
            bottom.width(),
        )
        painter.drawText(bottom, Qt.AlignmentFlag.AlignVCenter, detail)
        if on_wall:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(STATUS_COLOURS[TileStatus.SIMULATED].lighter(130))
            painter.drawEllipse(rect.right() - 12, rect.center().y() - 3, 7, 7)
        painter.restore()


class CameraList(QWidget):
    """Every camera of the registry, searchable, grouped by purpose, draggable to the wall."""

    # ---- Signals

    sig_chosen = Signal(str)
    """A camera was double-clicked (or Enter pressed on it); the argument is its id."""

    def __init__(
        self,
        cameras: Iterable[Camera],
        watched_name: Callable[[str], str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._cameras = tuple(cameras)
        self._watched_name = watched_name or (lambda site_id: site_id)
        self._on_wall: set[str] = set()
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search cameras: name, id, place…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.set_filter)
        self.tree = _CameraTree(self)
        self.tree.setHeaderHidden(True)
        self.tree.setIndentation(10)
        self.tree.setMouseTracking(True)
        self.tree.setItemDelegate(_RowDelegate(self.tree))
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.itemActivated.connect(self._on_activated)
        self.summary = QLabel(self)
        self.summary.setObjectName("queueSummary")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.search)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.summary)
        self._groups: dict[CameraPurpose, tuple[str, QTreeWidgetItem]] = {}
        self._items: dict[str, QTreeWidgetItem] = {}
        self._members: dict[CameraPurpose, list[tuple[str, QTreeWidgetItem]]] = {}
        self._haystack: dict[str, str] = {}
        self._build()
        self.set_filter("")

    # ---- Public API

    def set_filter(self, text: str) -> None:
        """Show only cameras whose id, names or watched place contain ``text``."""
        if self.search.text() != text:
            self.search.setText(text)  # comes back here through textChanged
            return
        needle = text.strip().lower()
        for purpose, (title, group) in self._groups.items():
            shown = 0
            members = self._members[purpose]
            for camera_id, item in members:
                match = not needle or needle in self._haystack[camera_id]
                item.setHidden(not match)
                shown += match
            total = len(members)
            group.setText(0, f"{title}  ({shown} of {total})" if needle else f"{title}  ({total})")
            group.setHidden(shown == 0)
            if needle and shown:
                group.setExpanded(True)
        self._update_summary()

    def visible_camera_ids(self) -> list[str]:
        """The ids of the cameras the filter lets through, in list order."""
        return [camera_id for camera_id, item in self._items.items() if not item.isHidden()]

    def set_on_wall(self, camera_ids: Iterable[str]) -> None:
        """Mark the cameras shown on the video wall."""
        self._on_wall = set(camera_ids)
        for camera_id, item in self._items.items():
            item.setData(0, ON_WALL_ROLE, camera_id in self._on_wall)
        self._update_summary()

    def item_for(self, camera_id: str) -> QTreeWidgetItem:
        """The row of ``camera_id`` (KeyError if the list has none)."""
        return self._items[camera_id]

    # ---- Internals

    def _build(self) -> None:
        for purpose, title in PURPOSE_GROUPS:
            group = QTreeWidgetItem(self.tree)
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            group.setForeground(0, QColor("#9aa4b2"))
            self._groups[purpose] = (title, group)
            self._members[purpose] = []
        for camera in self._cameras:
            title, group = self._groups[camera.purpose]
            item = QTreeWidgetItem(group)
            item.setText(0, camera.name)
            item.setData(0, CAMERA_ID_ROLE, camera.camera_id)
            item.setData(0, Qt.ItemDataRole.ToolTipRole, f"{camera.camera_id} · {camera.name_en}")
            item.setFlags(
                Qt.ItemFlag.ItemIsEnabled
                | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsDragEnabled
            )
            self._items[camera.camera_id] = item
            self._members[camera.purpose].append((camera.camera_id, item))
            watched = self._watched_name(camera.watches) if camera.watches else ""
            words = (camera.camera_id, camera.name, camera.name_en, watched, title)
            self._haystack[camera.camera_id] = " ".join(words).lower()
        for _title, group in self._groups.values():
            group.setExpanded(True)

    def _update_summary(self) -> None:
        shown = len(self.visible_camera_ids())
        total = len(self._items)
        count = f"{total} cameras" if shown == total else f"{shown} of {total} cameras"
        self.summary.setText(f"{count} · {len(self._on_wall & set(self._items))} on the wall")

    def _on_activated(self, item: QTreeWidgetItem, _column: int) -> None:
        camera_id = item.data(0, CAMERA_ID_ROLE)
        if camera_id:
            self.sig_chosen.emit(str(camera_id))
