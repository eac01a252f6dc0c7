"""Choosing channels for a new chart: a tree of bridges › sensors and the city figures."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.core.channels import ChannelInfo

CHANNEL_ROLE = Qt.ItemDataRole.UserRole


class ChannelPicker(QDialog):
    """Tick the channels to chart; channels of different units go to charts of their own."""

    def __init__(self, channels: Iterable[ChannelInfo], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add a chart")
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Channel", "Unit"])
        self.tree.setColumnWidth(0, 320)
        sources: dict[str, QTreeWidgetItem] = {}
        for info in channels:
            parent_item = sources.get(info.source_id)
            if parent_item is None:
                parent_item = QTreeWidgetItem(self.tree, [info.source_label, ""])
                parent_item.setFlags(
                    parent_item.flags()
                    | Qt.ItemFlag.ItemIsAutoTristate
                    | Qt.ItemFlag.ItemIsUserCheckable
                )
                parent_item.setCheckState(0, Qt.CheckState.Unchecked)
                sources[info.source_id] = parent_item
            item = QTreeWidgetItem(parent_item, [info.label, info.unit])
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, Qt.CheckState.Unchecked)
            item.setData(0, CHANNEL_ROLE, info.channel_id)
            item.setToolTip(0, info.channel_id)
        self.tree.expandToDepth(0)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Channels of one unit share a chart; others get a chart each."))
        layout.addWidget(self.tree)
        layout.addWidget(buttons)
        self.resize(460, 520)

    def channel_items(self) -> list[QTreeWidgetItem]:
        """Every channel's item, tree order."""
        out = []
        for i in range(self.tree.topLevelItemCount()):
            source = self.tree.topLevelItem(i)
            out.extend(source.child(j) for j in range(source.childCount()))
        return out

    def check(self, channel_ids: Iterable[str]) -> None:
        """Tick these channels (others keep their state)."""
        wanted = set(channel_ids)
        for item in self.channel_items():
            if item.data(0, CHANNEL_ROLE) in wanted:
                item.setCheckState(0, Qt.CheckState.Checked)

    def checked_channels(self) -> list[str]:
        """The ticked channels, tree order."""
        return [
            str(item.data(0, CHANNEL_ROLE))
            for item in self.channel_items()
            if item.checkState(0) == Qt.CheckState.Checked
        ]
