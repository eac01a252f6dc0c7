"""The command palette (Ctrl+K) in a real main window with the case workflow installed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from console.core.bus import EventBus
from console.core.clock import ManualClock
from console.core.incidents import IncidentService
from console.core.incidents.model import IncidentStatus
from console.qt.case_actions import CaseForm
from console.qt.case_wiring import CaseWorkflow, install_case_workflow
from console.qt.command_palette import match_score, plain_text
from console.qt.frame_tick import FrameTick
from console.qt.main_window import MainWindow
from tests.qt.test_case_actions import OPERATOR, CaseList, rank_units, report, square
from tests.support.cases import CENTRE


class Console:
    """A main window with a case list as its centre and the case workflow installed."""

    def __init__(
        self, qtbot: QtBot, service: IncidentService, bus: EventBus, clock: ManualClock, tmp: Path
    ) -> None:
        self.window = MainWindow(
            bus, FrameTick(bus), tmp / "layout.json", "test", set_speed=lambda _f: None
        )
        self.queue = CaseList(service)
        self.window.setCentralWidget(self.queue)
        qtbot.addWidget(self.window)
        self.flow: CaseWorkflow = install_case_workflow(
            self.window,
            service,
            self.queue,
            OPERATOR,
            lambda case: rank_units(service, case),
            square,
            city_centre=CENTRE,
        )
        self.window.resize(1200, 800)
        self.window.show()
        qtbot.waitExposed(self.window)

    def focus_list(self, qtbot: QtBot) -> None:
        self.queue.load()
        self.queue.list.setCurrentRow(0)
        self.window.activateWindow()
        self.queue.list.setFocus()
        qtbot.waitUntil(self.queue.list.hasFocus)

    def open_palette(self, qtbot: QtBot) -> None:
        qtbot.keyClick(self.queue.list, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(self.flow.palette.isVisible)


@pytest.fixture
def console(
    qtbot: QtBot, service: IncidentService, bus: EventBus, clock: ManualClock, tmp_path: Path
) -> Iterator[Console]:
    made = Console(qtbot, service, bus, clock, tmp_path)
    yield made
    made.flow.actions.detach()
    for pane_id in list(made.window.panes):
        made.window.remove_pane(pane_id)


def test_match_prefers_substrings_then_letters_in_order() -> None:
    assert match_score("esc", "Escalate") == 0
    assert match_score("late", "Escalate") is not None
    assert match_score("late", "Escalate") > match_score("esc", "Escalate")  # type: ignore[operator]
    assert match_score("dsp", "Dispatch") is not None
    assert match_score("zz", "Dispatch") is None


def test_typing_esc_finds_escalate_and_enter_runs_it(
    console: Console, qtbot: QtBot, service: IncidentService
) -> None:
    case = report(service)
    service.act(case.id, "accept", OPERATOR)
    service.act(case.id, "open", OPERATOR)
    console.focus_list(qtbot)
    console.open_palette(qtbot)
    palette = console.flow.palette
    qtbot.keyClicks(palette.search, "esc")
    assert plain_text(palette.shown_actions()[0]) == "Escalate"
    assert palette.list.topLevelItem(0).text(1) == "E"
    qtbot.keyClick(palette.search, Qt.Key.Key_Return)
    assert not palette.isVisible()
    qtbot.waitUntil(lambda: console.flow.actions.active_dialog is not None)
    form = console.flow.actions.active_dialog
    assert isinstance(form, CaseForm)
    qtbot.keyClicks(form.field("reason"), "beyond the district's means")
    qtbot.keyClick(form.field("reason"), Qt.Key.Key_Return)
    assert service.get(case.id).escalation_count == 1
    assert console.flow.detail.case_id() == case.id
    assert "escalated" in [
        console.flow.detail.timeline.topLevelItem(r).text(2)
        for r in range(console.flow.detail.timeline.topLevelItemCount())
    ]


def test_disabled_actions_are_listed_with_the_reason(
    console: Console, qtbot: QtBot, service: IncidentService
) -> None:
    case = report(service)
    console.focus_list(qtbot)
    console.open_palette(qtbot)
    palette = console.flow.palette
    qtbot.keyClicks(palette.search, "close")
    first = palette.list.topLevelItem(0)
    assert first.text(0).startswith("Close")
    assert "not allowed while the case is reported" in first.text(0)
    qtbot.keyClick(palette.search, Qt.Key.Key_Return)
    assert palette.isVisible() and "not allowed" in palette.hint.text()
    assert service.get(case.id).status is IncidentStatus.REPORTED
    qtbot.keyClick(palette.search, Qt.Key.Key_Escape)
    assert not palette.isVisible()


def test_palette_reaches_window_menu_actions(console: Console, qtbot: QtBot) -> None:
    console.focus_list(qtbot)
    console.open_palette(qtbot)
    palette = console.flow.palette
    qtbot.keyClicks(palette.search, "speed")
    assert [plain_text(a) for a in palette.shown_actions()][:2] == ["Speed ×1", "Speed ×10"]
    palette.search.clear()
    texts = {plain_text(a) for a in palette.shown_actions()}
    assert {"Quit", "About", "Report a case", "Next overdue case", "Case"} <= texts
    assert len(texts) == len(palette.shown_actions())  # each action once


def test_case_menu_holds_every_action(console: Console) -> None:
    menus = {a.text(): a.menu() for a in console.window.menuBar().actions()}
    assert list(menus)[-2:] == ["&Case", "&Help"]
    in_menu = set(menus["&Case"].actions())
    assert set(console.flow.actions.actions.values()) <= in_menu


def test_selecting_a_case_shows_it_and_enables_its_actions(
    console: Console, qtbot: QtBot, service: IncidentService
) -> None:
    case = report(service)
    console.focus_list(qtbot)
    assert console.flow.detail.case_id() == case.id
    qtbot.keyClick(console.queue.list, Qt.Key.Key_A)
    assert service.get(case.id).status is IncidentStatus.ACCEPTED
    assert "Accepted" in console.flow.detail.title.text()
    assert console.flow.actions.actions["open"].isEnabled()
