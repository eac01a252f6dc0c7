"""Case detail pane: one case in full — header and clocks, timeline, checklist, notes, files,
and the hand-offs to and from neighbouring centres (its sections are in console.qt.case_view).

The pane reads the stored case (the truth) when it is shown, when an action on
it was just stored, and on the frame tick after ``IncidentChanged`` named it.
Ticking a checklist item is itself a stored action; a refused tick is undone
on screen with the reason shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QLabel,
    QListWidgetItem,
    QSplitter,
    QToolBar,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.core.bus import Delivery, EventBus, Subscription
from console.core.events import Event, IncidentChanged
from console.core.incidents.lifecycle import Verb
from console.core.incidents.model import AuditEntry, Incident, IncidentError
from console.core.incidents.service import IncidentService
from console.core.region import RegionDesk
from console.core.storage.presence import PresenceBoard
from console.qt.case_form import read_photo
from console.qt.case_view.attachment_preview import AttachmentPreview
from console.qt.case_view.header import CaseHeader
from console.qt.case_view.tabs import CaseTabs
from console.qt.case_view.timeline import CaseTimeline
from console.qt.panes.base import Pane
from console.qt.region_view import refusal_notes

PANE_STYLE = """
QToolBar { border: none; spacing: 2px; }
QToolButton { padding: 2px 6px; border: 1px solid #2f3b4b; border-radius: 3px; }
QToolButton:hover { border-color: #2f81f7; }
QToolButton:disabled { color: #4b5563; border-color: #1f2933; }
QListWidget::indicator, QTreeWidget::indicator {
    width: 12px; height: 12px; border: 1px solid #5b6573; border-radius: 2px; background: #0d1117;
}
QListWidget::indicator:checked { background: #2f81f7; border-color: #58a6ff; }
"""


class CaseDetailPane(Pane):
    """Everything about the selected case, refreshed when it changes."""

    PANE_ID = "case_detail"
    TITLE = "Case"
    DEFAULT_AREA = Qt.DockWidgetArea.RightDockWidgetArea

    # ---- Signals

    sig_case_changed = Signal(object)
    """An action taken in this pane (a tick, a note, a file) was stored; carries the case."""

    def __init__(
        self,
        service: IncidentService,
        operator: str,
        tz: dt.tzinfo | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._operator = operator
        self._tz = tz
        self._case_id: int | None = None
        self._case: Incident | None = None
        self._dirty = False
        self._filling = False
        self.preview: AttachmentPreview | None = None
        self.presence: PresenceBoard | None = None
        """Who else has a case open (operators at other consoles on the same database)."""
        self.region: RegionDesk | None = None
        """Hand-offs to and from neighbouring centres (None: the section is never shown)."""
        self._build()
        self._clock_timer = QTimer(self)
        self._clock_timer.setInterval(1000)
        self._clock_timer.timeout.connect(self._update_clocks)
        self._clock_timer.start()
        self._show_empty()

    # ---- Public API

    def subscribe(self, bus: EventBus) -> list[Subscription]:
        """Follow every case change (to notice those of the shown case)."""
        return [bus.subscribe(IncidentChanged, self._on_changed, Delivery.BATCH, name=self.PANE_ID)]

    def refresh(self) -> None:
        """Re-read the shown case if the bus said it changed (and it did change)."""
        if not self._dirty:
            return
        self._dirty = False
        case = self._service.get(self._case_id) if self._case_id is not None else None
        shown = self._case
        if case is not None and shown is not None and case.version == shown.version:
            return  # already shown (an action here showed it before its event came)
        self.reload(case)

    def show_case(self, case_id: int | None) -> None:
        """Show case ``case_id`` (None: nothing); the other consoles hear that it is open."""
        if self.presence is not None and case_id != self._case_id:
            if self._case_id is not None:
                self.presence.close_case(self._case_id)
            if case_id is not None:
                self.presence.open_case(case_id, self._operator)
        self._case_id = case_id
        self.reload()

    def case_id(self) -> int | None:
        """The id of the case shown."""
        return self._case_id

    def case(self) -> Incident | None:
        """The case shown, as last read."""
        return self._case

    def apply_local_change(self, case: Incident) -> None:
        """An action on ``case`` was just stored: show it now if it is the shown case."""
        if case.id == self._case_id:
            self.reload(case)

    def reload(self, case: Incident | None = None) -> None:
        """Show the stored case (``case`` if just read) with its trail, notes and files."""
        self._dirty = False
        if case is None or case.id != self._case_id:
            case = self._service.get(self._case_id) if self._case_id is not None else None
        self._case = case
        if case is None:
            self._show_empty()
            return
        self._fill_header(case)
        trail = self._service.audit_trail(case.id)
        self._fill_timeline(trail)
        self.region_box.show_handoffs(self.region, case.id, refusal_notes(trail))
        self._fill_checklist(case)
        self.tabs.fill_notes(self._service.notes(case.id))
        self.tabs.fill_attachments(self._service.attachments(case.id))
        self._set_inputs_enabled(True)
        self.checklist.setEnabled(case.is_open)

    def add_toolbar_actions(self, actions: Sequence[QAction]) -> None:
        """Show ``actions`` as buttons above the case (they keep their own enabling)."""
        for action in actions:
            self.toolbar.addAction(action)

    def add_note(self, text: str) -> bool:
        """Store a note on the shown case; False (reason shown) if refused."""
        return self._act(Verb.NOTE, text=text) is not None

    def attach_file(self, name: str, media_type: str, data: bytes) -> bool:
        """Attach a file to the shown case; False (reason shown) if refused."""
        case = self._case
        if case is None:
            return False
        try:
            updated = self._service.attach(case.id, self._operator, name, media_type, data)
        except IncidentError as error:
            self.show_message(str(error))
            return False
        self._stored(updated)
        return True

    def show_message(self, text: str) -> None:
        """Show why an action was refused, above the case (until the next stored action)."""
        self.message.setText(text if text.startswith("Not done") else f"Not done: {text}")
        self.message.show()

    def save_state(self) -> dict[str, Any]:
        """The shown case id."""
        return {"case_id": self._case_id}

    def restore_state(self, state: dict[str, Any]) -> None:
        """Show the case saved by :meth:`save_state` (if it still exists)."""
        case_id = state.get("case_id")
        if isinstance(case_id, int) and not isinstance(case_id, bool):
            self.show_case(case_id)

    # ---- Internals: building

    def _build(self) -> None:
        self.toolbar = QToolBar()
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.header = CaseHeader(self._tz)
        self.title = self.header.title
        self.clocks = self.header.clocks
        self.viewers = self.header.viewers
        self.facts = self.header.facts
        self.region_box = self.header.region_box
        self.message = QLabel(objectName="actionMessage", wordWrap=True)
        self.message.hide()

        self.timeline = CaseTimeline(self._tz)

        self.tabs = CaseTabs(self._tz)
        self.checklist = self.tabs.checklist
        self.checklist.itemChanged.connect(self._on_check)
        self.notes = self.tabs.notes
        self.note_edit = self.tabs.note_edit
        self.note_edit.returnPressed.connect(self._add_note_from_field)
        self.tabs.note_button.clicked.connect(self._add_note_from_field)
        self.attachments = self.tabs.attachments
        self.attachments.itemDoubleClicked.connect(lambda item, _c: self._preview(item))
        self.attach_button = self.tabs.attach_button
        self.attach_button.clicked.connect(self._choose_file)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.timeline)
        split.addWidget(self.tabs)
        split.setSizes([300, 200])

        self.setStyleSheet(PANE_STYLE)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.header)
        layout.addWidget(self.message)
        layout.addWidget(split, 1)

    # ---- Internals: filling

    def _show_empty(self) -> None:
        self.title.setText("<i>No case selected</i>")
        self.clocks.clear()
        self.facts.clear()
        self.region_box.forget()
        self.timeline.clear()
        self._filling = True
        self.checklist.clear()
        self._filling = False
        self.notes.clear()
        self.attachments.clear()
        self._set_inputs_enabled(False)

    def _set_inputs_enabled(self, enabled: bool) -> None:
        for widget in (self.note_edit, self.attach_button, self.checklist):
            widget.setEnabled(enabled)

    def _fill_header(self, case: Incident) -> None:
        self.header.show_case(case, self._service.name_of)
        self._update_clocks()

    def _update_clocks(self) -> None:
        case = self._case
        if case is None or (not self.isVisible() and self.clocks.text()):
            return
        now = self._service.clock.now()
        warn = self._service.rules.warn_fraction
        self.header.show_clocks(case, now, warn)
        self._update_viewers(case.id)
        self.region_box.poll_queued_handoffs(self.region, case.id)

    def _update_viewers(self, case_id: int) -> None:
        """Say who at another console has this case open too."""
        others = self.presence.viewers(case_id) if self.presence is not None else []
        names = ", ".join(dict.fromkeys(viewer.operator for viewer in others))
        self.viewers.setText(f"Also open by {names}" if names else "")
        self.viewers.setVisible(bool(names))

    def _fill_timeline(self, trail: list[AuditEntry]) -> None:
        steps = self._service.type_of(self._case).checklist if self._case is not None else ()
        self.timeline.fill(trail, steps)

    def _fill_checklist(self, case: Incident) -> None:
        self._filling = True
        self.checklist.clear()
        for index, step in enumerate(self._service.type_of(case).checklist):
            item = QListWidgetItem(f"{step.zh}  ·  {step.en}")
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            done = index in case.checklist_done
            item.setCheckState(Qt.CheckState.Checked if done else Qt.CheckState.Unchecked)
            item.setData(Qt.ItemDataRole.UserRole, index)
            self.checklist.addItem(item)
        self._filling = False

    # ---- Internals: actions

    def _act(self, verb: Verb, *, later: bool = False, **params: Any) -> Incident | None:
        """Store ``verb`` on the shown case; re-read it now (or ``later``, from a slot)."""
        case = self._case
        if case is None:
            return None

        def reload(case: Incident | None = None) -> None:
            if later:
                QTimer.singleShot(0, lambda: self.reload(case))
            else:
                self.reload(case)

        try:
            updated = self._service.act(
                case.id, verb, self._operator, expected_version=case.version, **params
            )
        except IncidentError as error:
            self.show_message(str(error))
            reload()
            return None
        self.message.hide()
        reload(updated)
        self.sig_case_changed.emit(updated)
        return updated

    def _stored(self, case: Incident) -> None:
        self.message.hide()
        self.reload(case)
        self.sig_case_changed.emit(case)

    def _on_check(self, item: QListWidgetItem) -> None:
        if self._filling:
            return
        done = item.checkState() == Qt.CheckState.Checked
        index = int(item.data(Qt.ItemDataRole.UserRole))
        # the item is inside its own change signal: re-read (and rebuild the list) later
        if self._act(Verb.CHECK, later=True, item=index, done=done) is None:
            self._filling = True
            item.setCheckState(Qt.CheckState.Unchecked if done else Qt.CheckState.Checked)
            self._filling = False

    def _add_note_from_field(self) -> None:
        text = self.note_edit.text().strip()
        if text and self.add_note(text):
            self.note_edit.clear()

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Attach a file", "", "Images (*.png *.jpg *.jpeg);;All files (*)"
        )
        if not path:
            return
        try:
            name, media_type, data = read_photo(path)
        except OSError as error:
            self.show_message(f"cannot read {path}: {error.strerror or error}")
            return
        self.attach_file(name, media_type, data)

    def _preview(self, item: QTreeWidgetItem) -> QDialog | None:
        attachment_id, media_type = item.data(0, Qt.ItemDataRole.UserRole)
        pixmap = QPixmap()
        if not pixmap.loadFromData(self._service.attachment_data(attachment_id)):
            self.show_message(f"{item.text(0)} ({media_type}) cannot be shown as an image")
            return None
        dialog = AttachmentPreview(item.text(0), pixmap, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.preview = dialog
        return dialog

    def _on_changed(self, events: list[Event] | Any) -> None:
        if self._case_id is None:
            return
        if any(isinstance(e, IncidentChanged) and e.incident_id == self._case_id for e in events):
            self._dirty = True
