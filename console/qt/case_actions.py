"""Every operator command on a case as a QAction: shortcuts, enabling, dialogs and refusals.

An action asks what its verb needs (a reason, a unit ...), then calls
:meth:`IncidentService.act`, which commits and only then posts
``IncidentChanged``; only after it returns are the ``on_changed`` callbacks told,
so nothing shows as done before it is stored. A refusal is shown with its
reason, stores nothing, and what the operator typed is kept for the next try.
The catalogue of actions is in :mod:`console.qt.case_action_specs`, the dialogs they
open in :mod:`console.qt.case_dialogs` and their form in :mod:`console.qt.case_form`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QFileDialog, QWidget

from console.core.bus import Delivery, EventBus, Subscription
from console.core.events import Event, IncidentChanged
from console.core.incidents.lifecycle import ALLOWED_FROM, Verb
from console.core.incidents.model import ConcurrentUpdateError, Incident, IncidentError
from console.core.incidents.service import IncidentService, Photo
from console.core.region import RegionDesk
from console.qt.case_action_specs import NAVIGATION_KEYS, SPECS, WINDOW_WIDE, ActionSpec
from console.qt.case_dialogs import CaseDialogs, Recommend
from console.qt.case_form import CaseForm, read_photo
from console.qt.dispatch_dialog import GeometryOf
from console.qt.handoff_dialog import LinksOf, why_no_handoff

__all__ = ["SPECS", "CaseActions", "CaseForm", "CaseQueue", "Recommend"]


class CaseQueue(Protocol):
    """What the case actions need from the queue pane."""

    sig_case_selected: Any  # Signal(int): the operator selected a case

    def current_case_id(self) -> int | None:
        """The selected case's id, if any."""

    def select_next_overdue(self) -> object:
        """Select the next overdue case; falsy if there is none."""

    def apply_local_change(self, case: Incident) -> None:
        """Show ``case`` (just stored) without waiting for the bus."""


class CaseActions(CaseDialogs, QObject):
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
