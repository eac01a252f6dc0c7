"""Every operator command on a case as a QAction: shortcuts, enabling, dialogs and refusals.

An action asks what its verb needs (a reason, a unit ...), then calls
:meth:`IncidentService.act`, which commits and only then posts
``IncidentChanged``; only after it returns are the ``on_changed`` callbacks told,
so nothing shows as done before it is stored. A refusal is shown with its
reason, stores nothing, and what the operator typed is kept for the next try.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
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

from console.core.bus import Delivery, EventBus, Subscription
from console.core.city.model import Level
from console.core.events import Event, IncidentChanged
from console.core.incidents.lifecycle import ALLOWED_FROM, Verb
from console.core.incidents.model import ConcurrentUpdateError, Incident, IncidentError
from console.core.incidents.service import IncidentService, Photo
from console.core.region import Handoff, RegionDesk
from console.core.units.model import Recommendation
from console.qt.dispatch_dialog import DispatchDialog, DispatchMode, GeometryOf
from console.qt.handoff_dialog import HandoffDialog, LinksOf, why_no_handoff

Recommend = Callable[[Incident], list[Recommendation]]
"""Ranks the units proposed for a case."""


class CaseQueue(Protocol):
    """What the case actions need from the queue pane."""

    sig_case_selected: Any  # Signal(int): the operator selected a case

    def current_case_id(self) -> int | None:
        """The selected case's id, if any."""

    def select_next_overdue(self) -> object:
        """Select the next overdue case; falsy if there is none."""

    def apply_local_change(self, case: Incident) -> None:
        """Show ``case`` (just stored) without waiting for the bus."""


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """One operator action: its key, menu text, verb, standard shortcut and tooltip."""

    key: str
    text: str
    verb: Verb | None
    shortcut: str
    tip: str


SPECS: tuple[ActionSpec, ...] = (
    ActionSpec("accept", "Accept", Verb.ACCEPT, "A", "Accept the report; you become its handler"),
    ActionSpec("reject", "Reject…", Verb.REJECT, "X", "Reject as invalid or duplicate"),
    ActionSpec("open", "Open", Verb.OPEN, "O", "Open the accepted case for dispatch"),
    ActionSpec("dispatch", "Dispatch…", Verb.DISPATCH, "D", "Choose a unit or an office below"),
    ActionSpec("transfer", "Transfer…", Verb.TRANSFER, "T", "Hand to a peer unit (reason)"),
    ActionSpec("escalate", "Escalate…", Verb.ESCALATE, "E", "Send up a level (reason)"),
    ActionSpec("return", "Return…", Verb.RETURN, "R", "Unit returns the case (reason)"),
    ActionSpec("sign", "Sign for (on behalf of unit)", Verb.SIGN, "S", "Record the unit signing"),
    ActionSpec("start", "Start work (on behalf of unit)", Verb.START, "Shift+S", "Unit starts"),
    ActionSpec("handle", "Report handled…", Verb.HANDLE, "H", "Feedback note and photo"),
    ActionSpec("verify", "Verify: passed…", Verb.VERIFY, "V", "Handling checked and resolved"),
    ActionSpec("verify_fail", "Verify: failed, rework…", Verb.VERIFY, "Shift+V", "Send back"),
    ActionSpec("close", "Close…", Verb.CLOSE, "C", "Close the verified case"),
    ActionSpec("extend", "Extend…", Verb.EXTEND, "Ctrl+E", "One extension of the deadline"),
    ActionSpec("pend", "Pending register…", Verb.PEND, "P", "Book into the pending register"),
    ActionSpec("resume", "Resume…", Verb.RESUME, "Shift+P", "Take out of the pending register"),
    ActionSpec("merge", "Merge into…", Verb.MERGE, "M", "Merge a duplicate into another case"),
    ActionSpec(
        "hand_off",
        "Hand to neighbouring centre…",
        Verb.HAND_OFF,
        "",
        "Hand the case to a neighbouring city's centre (reason); its progress comes back here",
    ),
    ActionSpec("note", "Add note…", Verb.NOTE, "N", "Write a note on the case"),
    ActionSpec("attach", "Attach photo…", Verb.NOTE, "", "Attach a photo or file"),
    ActionSpec("report", "Report a case…", None, "Ctrl+N", "Report a case by hand"),
    ActionSpec("next_overdue", "Next overdue case", None, "G", "Go to the next overdue case"),
)
"""Every case action, in menu order."""

WINDOW_WIDE = frozenset({"report"})
"""Actions whose shortcut works anywhere in the window (the rest: queue and case pane)."""
NAVIGATION_KEYS = frozenset({"next_overdue"})
"""Actions that only move the selection: allowed in review too."""


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


class CaseActions(QObject):
    """The operator's case actions, enabled by the current case's state."""

    # ---- Signals

    sig_done = Signal(str)
    """An action was stored; carries a one-line summary."""

    sig_refused = Signal(str)
    """An action was refused (nothing stored); carries the reason."""

    def __init__(
        self,
        service: IncidentService,
        operator: str,
        current_case: Callable[[], int | None],
        recommend: Recommend,
        geometry_of: GeometryOf,
        *,
        dialog_parent: QWidget | None = None,
        next_overdue: Callable[[], object] | None = None,
        city_centre: tuple[float, float] = (0.0, 0.0),
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._operator = operator
        self._current_case = current_case
        self._recommend = recommend
        self._geometry_of = geometry_of
        self._dialog_parent = dialog_parent
        self._next_overdue = next_overdue
        self._city_centre = city_centre
        self._listeners: list[Callable[[Incident], None]] = []
        self._drafts: dict[tuple[int, str], dict[str, Any]] = {}
        self._handle: Subscription | None = None
        self._case: Incident | None = None
        self.active_dialog: QDialog | None = None
        self._region: RegionDesk | None = None
        self._links_of: LinksOf | None = None
        self._tz: dt.tzinfo | None = None
        self.read_only = ""
        """Why nothing can be changed ('' when actions are allowed)."""
        self.actions: dict[str, QAction] = {}
        for spec in SPECS:
            self.actions[spec.key] = self._make_action(spec)
        self.update_enabled()

    # ---- Public API

    def add_listener(self, on_changed: Callable[[Incident], None]) -> None:
        """Call ``on_changed(case)`` after every stored action."""
        self._listeners.append(on_changed)

    def attach(self, bus: EventBus) -> None:
        """Re-check enabling when the current case changes on the bus."""
        self.detach()
        self._handle = bus.subscribe(
            IncidentChanged, self._on_bus, Delivery.BATCH, name="case_actions"
        )

    def detach(self) -> None:
        """Close the bus subscription."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def install_shortcuts(self, widgets: Sequence[QWidget], window: QWidget) -> None:
        """Make the letter shortcuts work while focus is in ``widgets``, the rest in ``window``.

        Letters never fire while a text field has focus (the field takes them).
        """
        for spec in SPECS:
            action = self.actions[spec.key]
            if spec.key in WINDOW_WIDE:
                action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
                window.addAction(action)
                continue
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            for widget in widgets:
                widget.addAction(action)

    def trigger(self, key: str) -> None:
        """Run the action ``key`` on the current case, as its menu entry does."""
        self._trigger(key)

    def report_at(
        self, lon: float, lat: float, then: Callable[[Incident], None] | None = None
    ) -> None:
        """Open the report form at (lon, lat); ``then(case)`` runs once the case is stored."""
        self._ask_report((lon, lat), then)

    def case(self) -> Incident | None:
        """The current case as last read."""
        return self._case

    def update_enabled(self) -> None:
        """Re-read the current case and enable what its state allows."""
        case_id = self._current_case()
        self._case = self._service.get(case_id) if case_id is not None else None
        self._apply_enabled()

    def set_region(
        self, desk: RegionDesk | None, links_of: LinksOf | None, tz: dt.tzinfo | None = None
    ) -> None:
        """Offer hand-offs to ``desk``'s neighbouring centres (``links_of``: their links)."""
        self._region = desk
        self._links_of = links_of
        self._tz = tz
        self._apply_enabled()

    def set_read_only(self, reason: str) -> None:
        """Refuse every action that would change a case, saying ``reason`` (review)."""
        self.read_only = reason
        for key, action in self.actions.items():
            if key not in NAVIGATION_KEYS:
                action.setEnabled(False)
                action.setStatusTip(reason)
                action.setToolTip(reason)

    def why_disabled(self, action: QAction) -> str:
        """Why ``action`` is not allowed for the current case ('' when it is)."""
        spec = next((s for s in SPECS if self.actions.get(s.key) is action), None)
        if spec is not None and self.read_only and spec.key not in NAVIGATION_KEYS:
            return self.read_only
        if spec is None or spec.verb is None:
            return ""
        if spec.key == "hand_off":
            why = why_no_handoff(self._region)
            if why:
                return why
        case = self._case
        if case is None:
            return "no case selected"
        if case.status not in ALLOWED_FROM[spec.verb]:
            return f"not allowed while the case is {case.status.label.lower()}"
        if spec.key == "extend" and case.extension_count >= 1:
            return "already extended once; use the pending register"
        return ""

    def perform(
        self, case: Incident, verb: Verb, *, photo: Photo | None = None, **params: Any
    ) -> Incident | None:
        """Store ``verb`` on ``case`` (as read); tell the listeners; None if refused."""
        try:
            updated = self._service.act(
                case.id,
                verb,
                self._operator,
                expected_version=case.version,
                photo=photo,
                **params,
            )
        except ConcurrentUpdateError as error:
            self.update_enabled()
            self._refuse(f"case #{case.id} changed meanwhile; look again and retry ({error})")
            return None
        except IncidentError as error:
            self._refuse(str(error))
            return None
        self._announce(updated, f"{verb} → {updated.status.label}")
        return updated

    def attach_file(self, path: str) -> Incident | None:
        """Attach the file at ``path`` to the current case."""
        case = self._fresh_case()
        if case is None:
            return None
        try:
            photo = read_photo(path)
        except OSError as error:
            self._refuse(f"cannot read {path}: {error.strerror or error}")
            return None
        return self.perform(case, Verb.NOTE, photo=photo, text=f"attached {photo[0]}")

    # ---- Internals: actions

    def _make_action(self, spec: ActionSpec) -> QAction:
        action = QAction(spec.text, self)
        if spec.shortcut:
            action.setShortcut(QKeySequence(spec.shortcut))
        hint = f" ({spec.shortcut})" if spec.shortcut else ""
        action.setToolTip(f"{spec.text.rstrip('…')}{hint}: {spec.tip}")
        action.setStatusTip(spec.tip)
        action.triggered.connect(lambda _=False, key=spec.key: self._trigger(key))
        return action

    def _trigger(self, key: str) -> None:
        if self.read_only and key not in NAVIGATION_KEYS:
            self._refuse(self.read_only)
            return
        if key == "report":
            self._ask_report(None, None)
            return
        if key == "next_overdue":
            if self._next_overdue is None or not self._next_overdue():
                self._refuse("no overdue case")
            return
        case = self._fresh_case()
        if case is None:
            return
        why = self.why_disabled(self.actions[key])
        if why:
            self._refuse(f"{self.actions[key].text().rstrip('…')}: {why}")
            return
        if key == "attach":
            path, _ = QFileDialog.getOpenFileName(
                self._dialog_parent, "Attach a photo", "", "Images (*.png *.jpg);;All files (*)"
            )
            if path:
                self.attach_file(path)
            return
        if key in ("dispatch", "transfer", "verify_fail"):
            self._ask_unit(case, key)
            return
        if key == "hand_off":
            self._ask_handoff(case)
            return
        verb = next(s.verb for s in SPECS if s.key == key)
        assert verb is not None
        form = self._form_for(case, key)
        if form is None:
            self.perform(case, verb)
            return
        self._open_form(case, key, verb, form)

    def _fresh_case(self) -> Incident | None:
        self.update_enabled()
        if self._case is None:
            self._refuse("select a case first")
        return self._case

    def _form_for(self, case: Incident, key: str) -> CaseForm | None:
        """The form for ``key`` (None for verbs that need nothing)."""
        if key in ("accept", "open", "sign", "start"):
            return None
        title = f"{self.actions[key].text().rstrip('…')} — case #{case.id}"
        form = CaseForm(self._dialog_parent, title, f"<b>#{case.id}</b> {case.title}")
        if key == "reject":
            form.add_choice(
                "grounds", "Grounds", [("Invalid", "invalid"), ("Duplicate", "duplicate")]
            )
            form.add_text("reason", "Reason", required=True)
        elif key == "escalate":
            levels = [lv for lv in Level if lv < case.responsible_level][::-1]
            form.add_choice("level", "To level", [(lv.label, int(lv)) for lv in levels])
            form.add_text("reason", "Reason", required=True)
        elif key in ("return", "extend", "pend"):
            form.add_text("reason", "Reason", required=True)
        elif key == "resume":
            form.add_text("reason", "Reason", "Back from the pending register")
        elif key == "handle":
            form.add_text("note", "Feedback", required=True)
            form.add_file("photo", "Photo")
        elif key == "verify":
            form.add_text("note", "Note", "Checked on site: resolved")
        elif key == "close":
            form.add_text("note", "Closing note", case.resolution or "Resolved")
        elif key == "merge":
            form.add_text("into", "Into case #", required=True)
            form.add_text("reason", "Reason", "Duplicate report of the same event", required=True)
        elif key == "note":
            form.add_text("text", "Note", required=True)
        return form

    def _open_form(self, case: Incident, key: str, verb: Verb, form: CaseForm) -> None:
        form.fill(self._drafts.get((case.id, key), {}))
        form.finish()
        form.accepted.connect(lambda: self._submit_form(case, key, verb, form.values()))
        self._show_dialog(form)

    def _submit_form(self, case: Incident, key: str, verb: Verb, values: dict[str, Any]) -> None:
        params: dict[str, Any] = dict(values)
        photo: Photo | None = None
        if key == "verify":
            params["passed"] = True
        if key == "merge":
            into = str(params.get("into", "")).lstrip("#")
            if not into.isdigit():
                self._drafts[(case.id, key)] = values
                self._refuse(f"merge: {into!r} is not a case number")
                return
            params["into"] = int(into)
        if key == "handle":
            path = params.pop("photo", "")
            if path:
                try:
                    photo = read_photo(path)
                except OSError as error:
                    self._drafts[(case.id, key)] = values
                    self._refuse(f"cannot read {path}: {error.strerror or error}")
                    return
        if self.perform(case, verb, photo=photo, **params) is None:
            self._drafts[(case.id, key)] = values
        else:
            self._drafts.pop((case.id, key), None)

    def _ask_unit(self, case: Incident, key: str) -> None:
        mode = {
            "dispatch": DispatchMode.DISPATCH,
            "transfer": DispatchMode.TRANSFER,
            "verify_fail": DispatchMode.REWORK,
        }[key]
        dialog = DispatchDialog(
            self._service,
            case,
            self._recommend(case),
            self._geometry_of,
            mode,
            self._dialog_parent,
        )
        draft = self._drafts.get((case.id, key))
        if draft:
            dialog.fill(draft["unit_id"], draft["reason"])
        dialog.accepted.connect(lambda: self._submit_unit(case, key, dialog))
        self._show_dialog(dialog)

    def _submit_unit(self, case: Incident, key: str, dialog: DispatchDialog) -> None:
        unit_id, reason = dialog.choice()
        if key == "verify_fail":
            done = self.perform(case, Verb.VERIFY, passed=False, note=reason, unit_id=unit_id)
        elif key == "dispatch":
            stored = dialog.reason_to_store()
            done = self.perform(case, Verb.DISPATCH, unit_id=unit_id, reason=stored)
        else:
            done = self.perform(case, Verb(key), unit_id=unit_id, reason=reason)
        if done is None:
            self._drafts[(case.id, key)] = {"unit_id": unit_id, "reason": reason}
        else:
            self._drafts.pop((case.id, key), None)

    def _ask_handoff(self, case: Incident) -> None:
        assert self._region is not None
        links = self._links_of() if self._links_of is not None else None
        dialog = HandoffDialog(
            self._region,
            case,
            self._operator,
            links,
            self._service.name_of,
            self._tz,
            self._dialog_parent,
        )
        dialog.fill(self._drafts.get((case.id, "hand_off"), {}))
        dialog.sig_handed_off.connect(lambda handoff: self._handed_off(case, handoff))
        dialog.rejected.connect(lambda: self._keep_draft(case, dialog.values()))
        self._show_dialog(dialog)

    def _keep_draft(self, case: Incident, values: dict[str, str]) -> None:
        if values.get("reason"):
            self._drafts[(case.id, "hand_off")] = dict(values)

    def _handed_off(self, case: Incident, handoff: Handoff) -> None:
        self._drafts.pop((case.id, "hand_off"), None)
        updated = self._service.get(case.id) or case
        self._announce(updated, f"handed to {handoff.peer_name} — {handoff.state.label.lower()}")

    def _ask_report(
        self, at: tuple[float, float] | None, then: Callable[[Incident], None] | None
    ) -> None:
        case = self._case
        if at is not None:
            lon, lat = at
        else:
            lon, lat = (case.lon, case.lat) if case is not None else self._city_centre
        form = CaseForm(self._dialog_parent, "Report a case", "A call, a walk-in or a patrol")
        types = self._service.rules.reportable()
        form.add_choice(
            "type_id", "Type", [(f"P{t.priority}  {t.title_en}", t.type_id) for t in types]
        )
        form.add_text("lon", "Longitude", f"{lon:.5f}", required=True)
        form.add_text("lat", "Latitude", f"{lat:.5f}", required=True)
        form.add_text("place", "Place")
        form.add_text("description", "Description", required=True)
        form.add_text("reporter", "Reporter")
        if at is None:
            form.fill(self._drafts.get((0, "report"), {}))
        else:
            form.fill(
                {**self._drafts.get((0, "report"), {}), "lon": f"{lon:.5f}", "lat": f"{lat:.5f}"}
            )
        form.finish()
        form.accepted.connect(lambda: self._submit_report(form.values(), then))
        self._show_dialog(form)

    def _submit_report(
        self, values: dict[str, Any], then: Callable[[Incident], None] | None = None
    ) -> None:
        try:
            lon, lat = float(values["lon"]), float(values["lat"])
            case = self._service.report(
                values["type_id"],
                lon,
                lat,
                values["description"],
                self._operator,
                reporter=values["reporter"],
                place=values["place"],
            )
        except (ValueError, IncidentError) as error:
            self._drafts[(0, "report")] = values
            self._refuse(f"report: {error}")
            return
        self._drafts.pop((0, "report"), None)
        self._announce(case, f"reported: {case.title_en}")
        if then is not None:
            then(case)

    def _show_dialog(self, dialog: QDialog) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.active_dialog = dialog
        dialog.finished.connect(lambda _code: self._dialog_closed(dialog))
        dialog.open()

    def _dialog_closed(self, dialog: QDialog) -> None:
        if self.active_dialog is dialog:
            self.active_dialog = None

    # ---- Internals: outcomes

    def _announce(self, case: Incident, what: str) -> None:
        if case.id == self._current_case():
            self._case = case
            self._apply_enabled()
        for listener in self._listeners:
            listener(case)
        self.sig_done.emit(f"Case #{case.id}: {what}")

    def _apply_enabled(self) -> None:
        for spec in SPECS:
            if spec.verb is not None:
                action = self.actions[spec.key]
                why = self.why_disabled(action)
                action.setEnabled(not why)
                action.setStatusTip(why or spec.tip)

    def _refuse(self, reason: str) -> None:
        self.sig_refused.emit(f"Not done: {reason}")

    def _on_bus(self, events: list[Event] | Any) -> None:
        current = self._current_case()
        if current is not None and any(
            isinstance(e, IncidentChanged) and e.incident_id == current for e in events
        ):
            self.update_enabled()
