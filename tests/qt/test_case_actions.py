"""Case actions driven from the keyboard on real widgets, stored in a real SQLite file."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest
import shapely
from PySide6.QtCore import QBuffer, QIODevice, Qt, Signal
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QLineEdit, QListWidget, QMainWindow, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from console.core.bus import EventBus
from console.core.city.model import Level
from console.core.clock import ManualClock
from console.core.incidents import IncidentService
from console.core.incidents.model import Incident, IncidentStatus
from console.core.units.model import Recommendation, UnitStatus
from console.qt.case_actions import SPECS, CaseActions, CaseForm
from console.qt.dispatch_dialog import DispatchDialog
from tests.support.cases import CENTRE

OPERATOR = "operator-7"


class CaseList(QWidget):
    """A minimal queue for tests: a search box over a list of cases (the CaseQueue protocol)."""

    sig_case_selected = Signal(int)
    """A case was selected."""

    def __init__(self, service: IncidentService) -> None:
        super().__init__()
        self.service = service
        self.search = QLineEdit()
        self.list = QListWidget()
        self.cases: list[Incident] = []
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.list)
        self.list.currentRowChanged.connect(self._selected)

    def load(self) -> None:
        self.cases = self.service.list_open()
        self.list.clear()
        self.list.addItems([self._text(c) for c in self.cases])

    def current_case_id(self) -> int | None:
        row = self.list.currentRow()
        return self.cases[row].id if 0 <= row < len(self.cases) else None

    def select_next_overdue(self) -> bool:
        now = self.service.clock.now()
        start = self.list.currentRow() + 1
        order = [*range(start, len(self.cases)), *range(0, start)]
        for row in order:
            if self.cases[row].is_overdue(now):
                self.list.setCurrentRow(row)
                return True
        return False

    def apply_local_change(self, case: Incident) -> None:
        for row, shown in enumerate(self.cases):
            if shown.id == case.id:
                self.cases[row] = case
                self.list.item(row).setText(self._text(case))
                return
        self.cases.append(case)
        self.list.addItem(self._text(case))

    def row_text(self, case_id: int) -> str:
        row = next(i for i, c in enumerate(self.cases) if c.id == case_id)
        return self.list.item(row).text()

    def _selected(self, row: int) -> None:
        if 0 <= row < len(self.cases):
            self.sig_case_selected.emit(self.cases[row].id)

    @staticmethod
    def _text(case: Incident) -> str:
        return f"#{case.id} {case.status.label} {case.title_en}"


def rank_units(service: IncidentService, case: Incident) -> list[Recommendation]:
    """A tiny ranking of the case type's field units by distance (test recommender)."""
    recs = []
    kinds = service.type_of(case).unit_kinds
    for unit in service.units:
        if unit.kind not in kinds:
            continue
        km = math.hypot(
            (unit.lon - case.lon) * 111.3 * math.cos(math.radians(case.lat)),
            (unit.lat - case.lat) * 110.6,
        )
        inside = case.path is not None and case.path.at(unit.level) == unit.home_code
        recs.append(
            Recommendation(
                unit, UnitStatus.AVAILABLE, km, km / unit.speed_kmh * 60, inside, f"{unit.kind}"
            )
        )
    return sorted(recs, key=lambda r: (not r.in_jurisdiction, r.distance_km, r.unit.unit_id))


def square(code: str) -> shapely.Geometry:
    """A small square boundary around the test chain's centre."""
    size = 0.05 if len(code) == 6 else 0.02
    return shapely.box(CENTRE[0] - size, CENTRE[1] - size, CENTRE[0] + size, CENTRE[1] + size)


def png_bytes(width: int = 24, height: int = 16) -> bytes:
    """A real small PNG image."""
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("#2f81f7"))
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(buffer.data().data())


def report(service: IncidentService, type_id: str = "road_accident") -> Incident:
    return service.report(type_id, CENTRE[0], CENTRE[1], "two cars, one lane blocked", OPERATOR)


class Desk:
    """A window with the case list as its centre and the case actions on it."""

    def __init__(self, qtbot: QtBot, service: IncidentService, bus: EventBus) -> None:
        self.window = QMainWindow()
        self.queue = CaseList(service)
        self.window.setCentralWidget(self.queue)
        qtbot.addWidget(self.window)
        self.actions = CaseActions(
            service,
            OPERATOR,
            self.queue.current_case_id,
            lambda case: rank_units(service, case),
            square,
            dialog_parent=self.window,
            next_overdue=self.queue.select_next_overdue,
            city_centre=CENTRE,
        )
        self.actions.attach(bus)
        self.actions.add_listener(self.queue.apply_local_change)
        self.queue.sig_case_selected.connect(lambda _id: self.actions.update_enabled())
        self.actions.install_shortcuts([self.queue], self.window)
        self.refusals: list[str] = []
        self.actions.sig_refused.connect(self.refusals.append)
        self.window.show()
        qtbot.waitExposed(self.window)

    def focus_list(self, qtbot: QtBot, row: int = 0) -> None:
        self.queue.load()
        self.queue.list.setCurrentRow(row)
        self.window.activateWindow()
        self.queue.list.setFocus()
        qtbot.waitUntil(lambda: self.queue.list.hasFocus())

    def dialog(self, qtbot: QtBot) -> CaseForm | DispatchDialog:
        qtbot.waitUntil(lambda: self.actions.active_dialog is not None)
        dialog = self.actions.active_dialog
        assert isinstance(dialog, CaseForm | DispatchDialog)
        return dialog


@pytest.fixture
def desk(qtbot: QtBot, service: IncidentService, bus: EventBus) -> Iterator[Desk]:
    made = Desk(qtbot, service, bus)
    yield made
    made.actions.detach()


def test_accept_open_dispatch_from_the_keyboard(
    desk: Desk, qtbot: QtBot, service: IncidentService
) -> None:
    case = report(service)
    desk.focus_list(qtbot)
    qtbot.keyClick(desk.queue.list, Qt.Key.Key_A)
    assert service.get(case.id).status is IncidentStatus.ACCEPTED
    assert "Accepted" in desk.queue.row_text(case.id)
    qtbot.keyClick(desk.queue.list, Qt.Key.Key_O)
    assert service.get(case.id).status is IncidentStatus.OPENED
    qtbot.keyClick(desk.queue.list, Qt.Key.Key_D)
    dialog = desk.dialog(qtbot)
    qtbot.keyClick(dialog, Qt.Key.Key_1)
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)
    stored = service.get(case.id)
    assert stored.status is IncidentStatus.DISPATCHED
    assert stored.responsible_unit_id == "TP-340303-01"  # nearest unit in jurisdiction
    assert "Dispatched" in desk.queue.row_text(case.id)
    last = service.audit_trail(case.id)[-1]
    assert last.actor == OPERATOR
    assert last.reason.startswith("recommended 1: ")  # why this unit, kept with the dispatch


def test_letters_typed_into_the_search_box_do_not_act(
    desk: Desk, qtbot: QtBot, service: IncidentService
) -> None:
    case = report(service)
    desk.focus_list(qtbot)
    desk.queue.search.setFocus()
    qtbot.waitUntil(desk.queue.search.hasFocus)
    qtbot.keyClicks(desk.queue.search, "adoe")
    assert desk.queue.search.text() == "adoe"
    assert service.get(case.id).status is IncidentStatus.REPORTED
    assert len(service.audit_trail(case.id)) == 1


def test_actions_are_enabled_by_the_case_state(
    desk: Desk, qtbot: QtBot, service: IncidentService
) -> None:
    report(service)
    desk.focus_list(qtbot)
    actions = desk.actions.actions
    assert actions["accept"].isEnabled() and actions["reject"].isEnabled()
    assert not actions["dispatch"].isEnabled()
    assert desk.actions.why_disabled(actions["close"]) == "not allowed while the case is reported"
    qtbot.keyClick(desk.queue.list, Qt.Key.Key_A)
    assert not actions["accept"].isEnabled() and actions["open"].isEnabled()
    assert all(spec.shortcut in actions[spec.key].toolTip() for spec in SPECS)


def test_outside_unit_needs_a_reason_before_dispatch(
    desk: Desk, qtbot: QtBot, service: IncidentService
) -> None:
    case = report(service)
    service.act(case.id, "accept", OPERATOR)
    service.act(case.id, "open", OPERATOR)
    desk.focus_list(qtbot)
    qtbot.keyClick(desk.queue.list, Qt.Key.Key_D)
    dialog = desk.dialog(qtbot)
    assert isinstance(dialog, DispatchDialog)
    outside = next(
        n for n in range(1, 10) if dialog.pick(n) and dialog.choice()[0] == "TP-340302-01"
    )
    assert outside > 1
    assert "outside" in dialog.reason_required()
    qtbot.keyClick(dialog.units, Qt.Key.Key_Return)
    assert dialog.isVisible() and "Reason required" in dialog.warning.text()
    assert service.get(case.id).status is IncidentStatus.OPENED
    qtbot.keyClicks(dialog.reason, "nearest crew busy at a fire")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    stored = service.get(case.id)
    assert stored.responsible_unit_id == "TP-340302-01"
    assert service.audit_trail(case.id)[-1].reason == "nearest crew busy at a fire"


def test_escalate_asks_a_reason_and_stores_it(
    desk: Desk, qtbot: QtBot, service: IncidentService
) -> None:
    case = report(service)
    service.act(case.id, "accept", OPERATOR)
    service.act(case.id, "open", OPERATOR)
    desk.focus_list(qtbot)
    qtbot.keyClick(desk.queue.list, Qt.Key.Key_E)
    form = desk.dialog(qtbot)
    qtbot.keyClick(form.focusWidget(), Qt.Key.Key_Return)  # empty reason: refused by the form
    assert form.isVisible() and service.get(case.id).escalation_count == 0
    qtbot.keyClicks(form.focusWidget(), "needs the city's heavy rescue")
    qtbot.keyClick(form.focusWidget(), Qt.Key.Key_Return)
    stored = service.get(case.id)
    assert stored.responsible_level is Level.CITY and stored.escalation_count == 1
    assert service.audit_trail(case.id)[-1].reason == "needs the city's heavy rescue"


def test_a_refused_action_shows_why_stores_nothing_and_keeps_the_input(
    desk: Desk, qtbot: QtBot, service: IncidentService
) -> None:
    case = report(service)
    service.act(case.id, "accept", OPERATOR)
    service.act(case.id, "open", OPERATOR)
    desk.focus_list(qtbot)
    qtbot.keyClick(desk.queue.list, Qt.Key.Key_D)
    dialog = desk.dialog(qtbot)
    qtbot.keyClick(dialog, Qt.Key.Key_1)
    qtbot.keyClicks(dialog.reason, "closest")
    service.act(case.id, "escalate", "operator-2", reason="another desk escalated it")
    trail = len(service.audit_trail(case.id))
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    assert desk.refusals and "changed meanwhile" in desk.refusals[-1]
    assert len(service.audit_trail(case.id)) == trail
    assert service.get(case.id).status is IncidentStatus.OPENED
    qtbot.waitUntil(lambda: desk.actions.active_dialog is None)
    desk.queue.list.setFocus()
    qtbot.keyClick(desk.queue.list, Qt.Key.Key_D)
    again = desk.dialog(qtbot)
    assert again.choice() == ("TP-340303-01", "closest")


def test_merge_into_an_unknown_case_is_refused(
    desk: Desk, qtbot: QtBot, service: IncidentService
) -> None:
    case = report(service)
    desk.focus_list(qtbot)
    qtbot.keyClick(desk.queue.list, Qt.Key.Key_M)
    form = desk.dialog(qtbot)
    assert isinstance(form, CaseForm)
    qtbot.keyClicks(form.field("into"), "999")
    qtbot.keyClick(form.field("into"), Qt.Key.Key_Return)
    assert "Not done" in desk.refusals[-1] and "merge" in desk.refusals[-1]
    assert service.get(case.id).status is IncidentStatus.REPORTED


def test_report_a_case_prefilled_with_the_city_centre(
    desk: Desk, qtbot: QtBot, service: IncidentService
) -> None:
    desk.focus_list(qtbot)
    qtbot.keyClick(desk.queue.list, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    form = desk.dialog(qtbot)
    assert isinstance(form, CaseForm)
    assert form.values()["lon"] == f"{CENTRE[0]:.5f}"
    qtbot.keyClicks(form.field("description"), "fallen tree across the road")
    qtbot.keyClick(form.field("description"), Qt.Key.Key_Return)
    cases = service.list_open()
    assert [c.detail["report"]["description"] for c in cases] == ["fallen tree across the road"]
    assert desk.queue.cases[-1].id == cases[0].id


def test_unit_steps_handle_with_photo_verify_and_close(
    desk: Desk, qtbot: QtBot, service: IncidentService, tmp_path: Path
) -> None:
    case = report(service)
    for verb in ("accept", "open"):
        service.act(case.id, verb, OPERATOR)
    service.act(case.id, "dispatch", OPERATOR, unit_id="TP-340303-01")
    desk.focus_list(qtbot)
    qtbot.keyClick(desk.queue.list, Qt.Key.Key_S)
    qtbot.keyClick(desk.queue.list, Qt.Key.Key_S, Qt.KeyboardModifier.ShiftModifier)
    assert service.get(case.id).status is IncidentStatus.IN_HAND
    photo = tmp_path / "scene.png"
    photo.write_bytes(png_bytes())
    qtbot.keyClick(desk.queue.list, Qt.Key.Key_H)
    form = desk.dialog(qtbot)
    assert isinstance(form, CaseForm)
    form.field("photo").setText(str(photo))  # what Browse… fills in
    qtbot.keyClicks(form.field("note"), "lane cleared")
    qtbot.keyClick(form.field("note"), Qt.Key.Key_Return)
    assert service.get(case.id).status is IncidentStatus.HANDLED
    files = service.attachments(case.id)
    assert [(f.name, f.media_type) for f in files] == [("scene.png", "image/png")]
    assert service.attachment_data(files[0].id) == photo.read_bytes()
    for key in (Qt.Key.Key_V, Qt.Key.Key_C):
        qtbot.keyClick(desk.queue.list, key)
        qtbot.keyClick(desk.dialog(qtbot).focusWidget(), Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: desk.actions.active_dialog is None)
    assert service.get(case.id).status is IncidentStatus.CLOSED


def test_go_to_the_next_overdue_case(
    desk: Desk, qtbot: QtBot, service: IncidentService, clock: ManualClock
) -> None:
    slow = report(service, "lost_property")
    urgent = report(service)
    clock.advance(90 * 60)  # past the road accident's 60 min, within lost property's 2 days
    desk.focus_list(qtbot, row=[c.id for c in service.list_open()].index(slow.id))
    qtbot.keyClick(desk.queue.list, Qt.Key.Key_G)
    assert desk.queue.current_case_id() == urgent.id


def test_a_database_failure_is_shown_and_the_case_stays_as_it_was(
    desk: Desk, qtbot: QtBot, service: IncidentService
) -> None:
    case = report(service)
    desk.focus_list(qtbot)
    with service.db.engine.begin() as connection:  # the disk is full, say: a real refusal
        connection.execute(
            text(
                "CREATE TRIGGER audit_full BEFORE INSERT ON audit "
                "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
            )
        )
    qtbot.keyClick(desk.queue.list, Qt.Key.Key_A)
    assert "accept was not stored, nothing changed" in desk.refusals[-1]
    assert "database or disk is full" in desk.refusals[-1]
    assert service.get(case.id).status is IncidentStatus.REPORTED
    assert "Reported" in desk.queue.row_text(case.id)
