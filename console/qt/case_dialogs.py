"""The dialogs the case actions open, and what each stores when the operator confirms.

:class:`CaseDialogs` is the part of :class:`~console.qt.case_actions.CaseActions` that
asks: the per-verb form, the unit chooser (dispatch, transfer, rework), the hand-off to a
neighbouring centre and the report form. A confirmed dialog goes through
``CaseActions.perform`` (or ``IncidentService.report``); a refused one keeps the
operator's input as a draft for the next try.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QWidget

from console.core.city.model import Level
from console.core.incidents.lifecycle import Verb
from console.core.incidents.model import Incident, IncidentError
from console.core.incidents.service import IncidentService, Photo
from console.core.region import Handoff, RegionDesk
from console.core.units.model import Recommendation
from console.qt.case_form import CaseForm, read_photo
from console.qt.dispatch_dialog import DispatchDialog, DispatchMode, GeometryOf
from console.qt.handoff_dialog import HandoffDialog, LinksOf

Recommend = Callable[[Incident], list[Recommendation]]
"""Ranks the units proposed for a case."""


class CaseDialogs:
    """The dialogs of :class:`~console.qt.case_actions.CaseActions` (its base class)."""

    # What the dialogs use from CaseActions (set in its __init__, or its methods)
    _service: IncidentService
    _operator: str
    _recommend: Recommend
    _geometry_of: GeometryOf
    _dialog_parent: QWidget | None
    _city_centre: tuple[float, float]
    _drafts: dict[tuple[int, str], dict[str, Any]]
    _case: Incident | None
    _region: RegionDesk | None
    _links_of: LinksOf | None
    _tz: dt.tzinfo | None
    active_dialog: QDialog | None
    actions: dict[str, QAction]
    perform: Callable[..., Incident | None]
    _announce: Callable[[Incident, str], None]
    _refuse: Callable[[str], None]

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
