"""The attachment preview of the case detail pane: a dialog showing one photo attached to a
case, scaled down to fit the screen, with its name and size in pixels.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QDialog, QLabel, QVBoxLayout, QWidget


class AttachmentPreview(QDialog):
    """A photo attached to a case, scaled to fit."""

    def __init__(self, name: str, pixmap: QPixmap, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(name)
        self.pixmap = pixmap
        label = QLabel()
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setPixmap(
            pixmap.scaled(
                900,
                700,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            if pixmap.width() > 900 or pixmap.height() > 700
            else pixmap
        )
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(QLabel(f"{name} · {pixmap.width()}×{pixmap.height()} px"))
