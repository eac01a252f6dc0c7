"""The tabs of the case detail pane: the shown case's checklist, its notes (with the field to
write one) and its attachments (with the button to add one). The widgets and how notes and
files are listed; the pane connects them to its stored actions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QPushButton,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.core.incidents.model import Attachment, Note
from console.qt.case_view.case_text import format_size, format_time


class CaseTabs(QTabWidget):
    """Checklist, notes and attachments of the shown case, one tab each."""

    def __init__(self, tz: dt.tzinfo | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tz = tz
        self.checklist = QListWidget()
        self.notes = QListWidget()
        self.notes.setWordWrap(True)
        self.note_edit = QLineEdit(placeholderText="Write a note and press Enter")
        self.note_button = QPushButton("Add note")
        notes_box = _column(self.notes, _row(self.note_edit, self.note_button))

        self.attachments = QTreeWidget()
        self.attachments.setHeaderLabels(["Name", "Size", "By", "Time"])
        self.attachments.setRootIsDecorated(False)
        self.attachments.setColumnWidth(0, 200)
        self.attach_button = QPushButton("Attach…")
        files_box = _column(self.attachments, _row(self.attach_button))

        self.addTab(self.checklist, "Checklist")
        self.addTab(notes_box, "Notes")
        self.addTab(files_box, "Attachments")

    def fill_notes(self, notes: Sequence[Note]) -> None:
        """List ``notes``, oldest first, scrolled to the newest."""
        self.notes.clear()
        for note in notes:
            self.notes.addItem(f"{format_time(note.at, self._tz)}  {note.actor}: {note.text}")
        self.notes.scrollToBottom()

    def fill_attachments(self, files: Sequence[Attachment]) -> None:
        """List ``files``; each row keeps its attachment id and media type."""
        self.attachments.clear()
        for file in files:
            item = QTreeWidgetItem(
                [file.name, format_size(file.size), file.actor, format_time(file.at, self._tz)]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, (file.id, file.media_type))
            self.attachments.addTopLevelItem(item)


def _row(*widgets: QWidget) -> QWidget:
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget, 1 if isinstance(widget, QLineEdit) else 0)
    layout.addStretch(0 if any(isinstance(w, QLineEdit) for w in widgets) else 1)
    return box


def _column(top: QWidget, bottom: QWidget) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(top, 1)
    layout.addWidget(bottom)
    return box
