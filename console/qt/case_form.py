"""The small dialog form an action opens to ask what its verb needs, and photo reading.

:class:`CaseForm` holds text, choice and file fields, checks the required ones on
Enter and keeps what the operator typed for the next try; :func:`read_photo` reads a
chosen file as an attachment (name, media type, bytes).
"""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from console.core.incidents.service import Photo


class CaseForm(QDialog):
    """A small form asking what a verb needs; required fields are checked on Enter."""

    def __init__(self, parent: QWidget | None, title: str, heading: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(420)
        self._form = QFormLayout(self)
        self._form.addRow(QLabel(heading, wordWrap=True))
        self._fields: dict[str, QLineEdit | QComboBox] = {}
        self._required: set[str] = set()
        self.error = QLabel(objectName="actionMessage", wordWrap=True)
        self.error.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self._buttons = buttons

    def add_text(self, key: str, label: str, default: str = "", required: bool = False) -> None:
        """A text field (``required``: must not be empty)."""
        edit = QLineEdit(default)
        edit.setObjectName(key)
        self._add(key, label + (" *" if required else ""), edit)
        if required:
            self._required.add(key)

    def add_choice(self, key: str, label: str, options: Sequence[tuple[str, object]]) -> None:
        """A drop-down of (text, value) options."""
        combo = QComboBox()
        combo.setObjectName(key)
        for text, value in options:
            combo.addItem(text, value)
        self._add(key, label, combo)

    def add_file(self, key: str, label: str) -> None:
        """A file path field with a Browse… button."""
        edit = QLineEdit()
        edit.setObjectName(key)
        browse = QPushButton("Browse…")
        browse.setAutoDefault(False)
        browse.clicked.connect(lambda: _browse_into(self, edit))
        row = QHBoxLayout()
        row.addWidget(edit, 1)
        row.addWidget(browse)
        self._fields[key] = edit
        self._form.addRow(label, row)

    def field(self, key: str) -> QLineEdit | QComboBox:
        """The widget of field ``key``."""
        return self._fields[key]

    def values(self) -> dict[str, Any]:
        """Every field's value (text stripped; a choice's data)."""
        out: dict[str, Any] = {}
        for key, widget in self._fields.items():
            out[key] = (
                widget.text().strip() if isinstance(widget, QLineEdit) else widget.currentData()
            )
        return out

    def fill(self, values: dict[str, Any]) -> None:
        """Put back values of an earlier try."""
        for key, value in values.items():
            widget = self._fields.get(key)
            if isinstance(widget, QLineEdit) and isinstance(value, str):
                widget.setText(value)
            elif isinstance(widget, QComboBox):
                index = widget.findData(value)
                if index >= 0:
                    widget.setCurrentIndex(index)

    def finish(self) -> None:
        """Add the message line and the buttons; focus the first empty required field."""
        self._form.addRow(self.error)
        self._form.addRow(self._buttons)
        ok = self._buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setDefault(True)  # once in the dialog, so Enter confirms from anywhere
        first = next(iter(self._fields.values()), None)
        for key in self._fields:
            widget = self._fields[key]
            if key in self._required and isinstance(widget, QLineEdit) and not widget.text():
                first = widget
                break
        if first is not None:
            first.setFocus()

    def accept(self) -> None:
        """Close only when every required field has text."""
        missing = [k for k in self._required if not self.values().get(k)]
        if missing:
            self.error.setText(f"Required: {', '.join(sorted(missing))}")
            self.error.show()
            self._fields[missing[0]].setFocus()
            return
        super().accept()

    def _add(self, key: str, label: str, widget: QLineEdit | QComboBox) -> None:
        self._fields[key] = widget
        self._form.addRow(label, widget)


def _browse_into(parent: QWidget, edit: QLineEdit) -> None:
    path, _ = QFileDialog.getOpenFileName(
        parent, "Choose a photo", "", "Images (*.png *.jpg *.jpeg);;All files (*)"
    )
    if path:
        edit.setText(path)


def read_photo(path: str) -> Photo:
    """A file as an attachment: (name, media type, bytes); OSError if unreadable."""
    file = Path(path)
    media_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    return file.name, media_type, file.read_bytes()
