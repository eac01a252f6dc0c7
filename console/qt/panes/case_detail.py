"""Case detail pane: one case in full — header and clocks, timeline, checklist, notes, files,
and the hand-offs to and from neighbouring centres.

The pane reads the stored case (the truth) when it is shown, when an action on
it was just stored, and on the frame tick after ``IncidentChanged`` named it.
Ticking a checklist item is itself a stored action; a refused tick is undone
on screen with the reason shown.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QToolBar,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.exc import SQLAlchemyError

from console.core.bus import Delivery, EventBus, Subscription
from console.core.events import Event, IncidentChanged
from console.core.incidents.clocks import (
    CaseClock,
    ClockColour,
    citizen_clock,
    clock_colour,
    department_clock,
    format_duration,
)
from console.core.incidents.lifecycle import Verb
from console.core.incidents.model import AuditEntry, Incident, IncidentError
from console.core.incidents.service import IncidentService
from console.core.region import Handoff, HandoffState, RegionDesk
from console.core.storage.presence import PresenceBoard
from console.qt.case_actions import read_photo
from console.qt.panes.base import Pane
from console.qt.region_view import handoff_colour, handoff_line, refusal_notes

CLOCK_COLOURS = {
    ClockColour.IDLE: "#7d8590",
    ClockColour.OK: "#4cc38a",
    ClockColour.AMBER: "#f5a524",
    ClockColour.RED: "#ff4d4f",
}
STATE_COLOURS = {
    "reported": "#ff6b6b",
    "accepted": "#f5c04a",
    "opened": "#f18f3b",
    "dispatched": "#4cc38a",
    "signed": "#3fb950",
    "in_hand": "#2f81f7",
    "handled": "#a371f7",
    "verified": "#56d4dd",
    "pending": "#9aa4b2",
}
FINAL_COLOUR = "#7d8590"
SKIPPED_PARAMS = frozenset({"reason", "note", "text"})
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


def format_time(ts: float, tz: dt.tzinfo | None = None) -> str:
    """A stored time in the city's zone (the process zone when ``tz`` is None)."""
    return f"{dt.datetime.fromtimestamp(ts, tz):%m-%d %H:%M:%S}"


def format_size(size: int) -> str:
    """Bytes as B / KiB / MiB."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KiB"
    return f"{size / (1024 * 1024):.1f} MiB"


def describe_entry(entry: AuditEntry) -> str:
    """The reason and the other parameters of an audit row, on one line."""
    params = entry.detail.get("params", {}) if isinstance(entry.detail, dict) else {}
    extra = [
        f"{k}={v}" for k, v in params.items() if k not in SKIPPED_PARAMS and v not in ("", None)
    ]
    return " · ".join([p for p in [entry.reason, ", ".join(extra)] if p])


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
        self._handoffs: list[Handoff] = []
        self._refusals: dict[str, str] = {}
        self._region_ticks = 0
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
        self._refusals = refusal_notes(trail)
        self._fill_region(case.id)
        self._fill_checklist(case)
        self._fill_notes(case)
        self._fill_attachments(case)
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
        self.title = QLabel(wordWrap=True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.clocks = QLabel()
        self.viewers = QLabel(objectName="caseViewers", wordWrap=True)
        self.viewers.setStyleSheet("QLabel#caseViewers { color: #fbbf24; font-weight: 600; }")
        self.viewers.hide()
        self.facts = QLabel(wordWrap=True)
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message = QLabel(objectName="actionMessage", wordWrap=True)
        self.message.hide()

        self.timeline = QTreeWidget()
        self.timeline.setHeaderLabels(["Time", "Actor", "Action", "State", "Reason / details"])
        self.timeline.setRootIsDecorated(False)
        self.timeline.setAlternatingRowColors(True)
        self.timeline.setUniformRowHeights(True)
        for column, width in enumerate((100, 92, 90, 160)):
            self.timeline.setColumnWidth(column, width)

        self.checklist = QListWidget()
        self.checklist.itemChanged.connect(self._on_check)
        self.notes = QListWidget()
        self.notes.setWordWrap(True)
        self.note_edit = QLineEdit(placeholderText="Write a note and press Enter")
        self.note_edit.returnPressed.connect(self._add_note_from_field)
        note_button = QPushButton("Add note")
        note_button.clicked.connect(self._add_note_from_field)
        notes_box = _column(self.notes, _row(self.note_edit, note_button))

        self.attachments = QTreeWidget()
        self.attachments.setHeaderLabels(["Name", "Size", "By", "Time"])
        self.attachments.setRootIsDecorated(False)
        self.attachments.setColumnWidth(0, 200)
        self.attachments.itemDoubleClicked.connect(lambda item, _c: self._preview(item))
        self.attach_button = QPushButton("Attach…")
        self.attach_button.clicked.connect(self._choose_file)
        files_box = _column(self.attachments, _row(self.attach_button))

        self.tabs = QTabWidget()
        self.tabs.addTab(self.checklist, "Checklist")
        self.tabs.addTab(notes_box, "Notes")
        self.tabs.addTab(files_box, "Attachments")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.timeline)
        split.addWidget(self.tabs)
        split.setSizes([300, 200])

        header = QWidget()
        header_layout = QVBoxLayout(header)
        header_layout.setContentsMargins(2, 2, 2, 2)
        header_layout.setSpacing(3)
        self.region_box = QLabel(objectName="caseRegion", wordWrap=True)
        self.region_box.setTextFormat(Qt.TextFormat.RichText)
        self.region_box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.region_box.hide()
        for widget in (self.title, self.clocks, self.viewers, self.facts, self.region_box):
            header_layout.addWidget(widget)
        header.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.setStyleSheet(PANE_STYLE)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.toolbar)
        layout.addWidget(header)
        layout.addWidget(self.message)
        layout.addWidget(split, 1)

    # ---- Internals: filling

    def _show_empty(self) -> None:
        self.title.setText("<i>No case selected</i>")
        self.clocks.clear()
        self.facts.clear()
        self._handoffs = []
        self.region_box.hide()
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
        colour = FINAL_COLOUR if case.status.is_final else STATE_COLOURS.get(case.status, "#d0d7de")
        badge = (
            f"<span style='background:{colour}; color:#0d1117; font-weight:600'>"
            f"&nbsp;{case.status.label}&nbsp;</span>"
        )
        self.title.setText(
            f"<span style='font-size:14px'><b>#{case.id}</b> · P{case.priority}</span> {badge}"
            f"<br><b>{case.title}</b><br><span style='color:#9aa4b2'>{case.title_en}</span>"
        )
        path = (
            " › ".join(self._service.name_of(code) for code in reversed(case.path.chain()))
            if case.path is not None
            else "outside the city"
        )
        counts = [
            ("dispatches", case.dispatch_count),
            ("bounces", case.bounce_count),
            ("reworks", case.rework_count),
            ("extensions", case.extension_count),
            ("escalations", case.escalation_count),
            ("alerts", case.alert_count),
            ("merged in", case.merged_count),
            ("repeats", case.repeat_count),
        ]
        merged = f" · merged into <b>#{case.merged_into}</b>" if case.merged_into else ""
        self.facts.setText(
            f"<b>Path</b> {path}<br>"
            f"<b>Responsible</b> {case.responsible_unit} ({case.responsible_level.label})"
            f" · <b>Handler</b> {case.handler or '—'}{merged}<br>"
            + " · ".join(f"{name} {count}" for name, count in counts)
            + (f"<br><b>Resolution</b> {case.resolution}" if case.resolution else "")
        )
        self._update_clocks()

    def _update_clocks(self) -> None:
        case = self._case
        if case is None or (not self.isVisible() and self.clocks.text()):
            return
        now = self._service.clock.now()
        warn = self._service.rules.warn_fraction
        parts = [
            _clock_html("Citizen", citizen_clock(case), now, warn),
            _clock_html("Department", department_clock(case), now, warn),
        ]
        self.clocks.setText("&nbsp;&nbsp;&nbsp;".join(parts))
        self._update_viewers(case.id)
        self._poll_queued_handoffs(case.id)

    def _update_viewers(self, case_id: int) -> None:
        """Say who at another console has this case open too."""
        others = self.presence.viewers(case_id) if self.presence is not None else []
        names = ", ".join(dict.fromkeys(viewer.operator for viewer in others))
        self.viewers.setText(f"Also open by {names}" if names else "")
        self.viewers.setVisible(bool(names))

    def _fill_region(self, case_id: int) -> None:
        """The Neighbouring centres section: one line per hand-off (hidden when none)."""
        if self.region is None:
            return
        try:
            self._handoffs = self.region.handoffs(case_id)
        except (SQLAlchemyError, IncidentError):
            return  # the database is away: keep what is shown
        if not self._handoffs:
            self.region_box.hide()
            return
        lines = [
            f"<span style='color:{handoff_colour(h)}'>"
            f"{html.escape(handoff_line(h, self._tz, self._refusals.get(h.handoff_id, '')))}"
            "</span>"
            for h in self._handoffs
        ]
        self.region_box.setText("<b>Neighbouring centres</b><br>" + "<br>".join(lines))
        self.region_box.show()

    def _poll_queued_handoffs(self, case_id: int) -> None:
        """Every other second, re-read a hand-off still waiting for the neighbour's broker
        (its delivery changes no case, so no case change tells the pane)."""
        if not any(h.state is HandoffState.QUEUED for h in self._handoffs):
            return
        self._region_ticks += 1
        if self._region_ticks % 2 == 0:
            self._fill_region(case_id)

    def _fill_timeline(self, trail: list[AuditEntry]) -> None:
        self.timeline.clear()
        steps = self._service.type_of(self._case).checklist if self._case is not None else ()
        for entry in trail:
            details = describe_entry(entry)
            item_index = entry.detail.get("params", {}).get("item")
            checked = entry.action in ("checked", "unchecked") and isinstance(item_index, int)
            if checked and 0 <= item_index < len(steps):
                details = f"{item_index + 1}. {steps[item_index].en}"
            before = entry.from_status.label if entry.from_status is not None else "—"
            state = (
                f"{before} → {entry.to_status.label}"
                if entry.from_status != entry.to_status
                else entry.to_status.label
            )
            item = QTreeWidgetItem(
                [
                    format_time(entry.at, self._tz),
                    entry.actor,
                    entry.action.replace("_", " "),
                    state,
                    details,
                ]
            )
            item.setToolTip(4, details)
            if entry.from_status != entry.to_status:
                item.setForeground(3, QColor(STATE_COLOURS.get(entry.to_status, FINAL_COLOUR)))
            self.timeline.addTopLevelItem(item)
        self.timeline.scrollToBottom()

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

    def _fill_notes(self, case: Incident) -> None:
        self.notes.clear()
        for note in self._service.notes(case.id):
            self.notes.addItem(f"{format_time(note.at, self._tz)}  {note.actor}: {note.text}")
        self.notes.scrollToBottom()

    def _fill_attachments(self, case: Incident) -> None:
        self.attachments.clear()
        for file in self._service.attachments(case.id):
            item = QTreeWidgetItem(
                [file.name, format_size(file.size), file.actor, format_time(file.at, self._tz)]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, (file.id, file.media_type))
            self.attachments.addTopLevelItem(item)

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


def _clock_html(name: str, clock: CaseClock | None, now: float, warn: float) -> str:
    colour = CLOCK_COLOURS[clock_colour(clock, now, warn)]
    if clock is None:
        return f"<span style='color:{colour}'>{name}: not started</span>"
    elapsed = format_duration(clock.elapsed(now))
    limit = format_duration(clock.limit_s)
    left = clock.remaining(now)
    tail = f"{format_duration(left)} left" if left >= 0 else f"{format_duration(-left)} over"
    stopped = " (stopped)" if clock.stopped_at is not None else ""
    return (
        f"<span style='color:{colour}'><b>{name}</b> {elapsed} / {limit} · {tail}{stopped}</span>"
    )


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
