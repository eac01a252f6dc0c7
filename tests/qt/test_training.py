"""The trainer's scenario player pane, the TRAINING banner and the scorecard dialog, on a real
core (training database on a SQLite file) with a manual base clock."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolBar
from pytestqt.qtbot import QtBot

from console.core.clock import ManualClock
from console.core.runtime import ConsoleCore
from console.core.scenarios import Outcome, Scorecard, place_book_for_core, scenario_dir
from console.qt.frame_tick import FrameTick
from console.qt.main_window import MainWindow
from console.qt.training import (
    ScorecardDialog,
    TrainingBanner,
    TrainingPane,
    install_training,
)

VESSEL_TITLE = "Vessel off the channel heading for the G104 bridge"
TRAINEE = "王小明"


@pytest.fixture
def base() -> ManualClock:
    return ManualClock(0.0)


@pytest.fixture
def pane(qtbot: QtBot, console_core: ConsoleCore, base: ManualClock) -> TrainingPane:
    widget = TrainingPane(
        console_core.bus,
        console_core.incidents,
        place_book_for_core(console_core),
        base,
        scenario_dir(),
        timezone=console_core.timezone,
        trainee=TRAINEE,
    )
    qtbot.addWidget(widget)
    widget.resize(480, 720)
    widget.show()
    return widget


def _choose(pane: TrainingPane, title: str) -> None:
    index = pane.chooser.findText(title)
    assert index >= 0, [pane.chooser.itemText(i) for i in range(pane.chooser.count())]
    pane.chooser.setCurrentIndex(index)
    assert pane.scenario is not None and pane.scenario.title == title


def _advance(pane: TrainingPane, core: ConsoleCore, base: ManualClock, seconds: float) -> None:
    """Let scenario time pass in 5 s ticks, stepping the pane and draining the bus."""
    for _ in range(int(seconds // 5)):
        base.advance(5)
        pane.pump()
        for _ in range(5):
            core.bus.drain()
    pane.pump()


def test_the_pane_lists_every_shipped_scenario_by_title(pane: TrainingPane) -> None:
    titles = [pane.chooser.itemText(i) for i in range(pane.chooser.count())]
    assert len(titles) >= 6 and VESSEL_TITLE in titles
    assert pane.start_button.isEnabled() and not pane.stop_button.isEnabled()


def test_expectations_tick_as_the_trainee_works(
    qtbot: QtBot, pane: TrainingPane, console_core: ConsoleCore, base: ManualClock
) -> None:
    _choose(pane, VESSEL_TITLE)
    assert pane.timeline.topLevelItemCount() == 6  # five steps and the condition
    with qtbot.waitSignal(pane.sig_started) as started:
        qtbot.mouseClick(pane.start_button, Qt.MouseButton.LeftButton)
    assert started.args == ["g104-vessel-off-channel"]
    assert not pane.chooser.isEnabled() and pane.stop_button.isEnabled()
    _advance(pane, console_core, base, 125)
    assert pane.timeline.posted_count() == 3
    assert pane.clock_label.text() == "2:05" and pane.steps_label.text() == "3/5 steps"
    assert pane.expectations.states_text() == ["Pending", "Pending"]
    assert pane.expectations.topLevelItem(0).text(2) == "no case yet"

    pane.toggle_pause()  # paused: nothing moves however long the trainer waits
    assert pane.pause_button.text() == "Resume"
    _advance(pane, console_core, base, 300)
    assert pane.clock_label.text() == "2:05"
    pane.toggle_pause()

    pane.set_speed(10)  # ten times faster: the last steps come at once
    _advance(pane, console_core, base, 10)
    assert pane.timeline.posted_count() == 5
    assert pane.speed.currentText() == "10×"
    pane.set_speed(1)
    assert pane.player is not None
    case_id = pane.player.posted["v5"].case_id
    assert case_id is not None
    assert pane.expectations.topLevelItem(0).text(2).endswith("left")
    console_core.incidents.accept(case_id, TRAINEE)
    _advance(pane, console_core, base, 5)
    assert pane.expectations.states_text() == ["Met", "Pending"]
    assert pane.expectations.topLevelItem(0).text(2).startswith("in 0:")
    log = [pane.log.item(i).text() for i in range(pane.log.count())]
    assert any("met: case of v5 accepted" in line for line in log)
    _advance(pane, console_core, base, 180)  # nobody dispatched the crew
    assert pane.expectations.states_text() == ["Met", "Missed"]


def test_stop_shows_the_scorecard_and_exports_html(
    qtbot: QtBot,
    pane: TrainingPane,
    console_core: ConsoleCore,
    base: ManualClock,
    tmp_path: Path,
) -> None:
    _choose(pane, "12328 call about property lost in a taxi")
    pane.start()
    _advance(pane, console_core, base, 10)
    assert pane.player is not None
    case_id = pane.player.posted["h1"].case_id
    assert case_id is not None and console_core.messages is not None
    console_core.incidents.accept(case_id, TRAINEE)
    console_core.messages.send(1234, "taxi", "请检查后座是否有遗落的手机", TRAINEE, case_id)
    _advance(pane, console_core, base, 5)
    assert pane.expectations.states_text() == ["Met", "Met"]
    with qtbot.waitSignal(pane.sig_stopped) as stopped:
        qtbot.mouseClick(pane.stop_button, Qt.MouseButton.LeftButton)
    card = stopped.args[0]
    assert isinstance(card, Scorecard) and card.met == 2 and card.trainee == TRAINEE
    dialog = pane.scorecard_dialog
    assert isinstance(dialog, ScorecardDialog) and dialog.isVisible()
    assert dialog.table.topLevelItemCount() == 2
    assert [dialog.table.topLevelItem(i).text(1) for i in range(2)] == ["Met", "Met"]
    assert dialog.suggested_name().startswith("scorecard-taxi-lost-property-")
    with qtbot.waitSignal(dialog.sig_exported) as exported:
        path = dialog.export_to(tmp_path / "card.html")
    assert exported.args == [str(path)]
    page = path.read_text(encoding="utf-8")
    assert "12328 call about property lost in a taxi" in page and TRAINEE in page
    assert "2 of 2 expectations met" in page and "<script" not in page
    assert pane.start_button.isEnabled() and not pane.stop_button.isEnabled()
    assert [line.outcome for line in card.lines] == [Outcome.MET, Outcome.MET]


def test_a_broken_scenario_file_shows_its_problems(
    qtbot: QtBot, console_core: ConsoleCore, base: ManualClock, tmp_path: Path
) -> None:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "broken.yaml").write_text(
        "format: 1\nname: broken\ntitle: Broken one\ntimeline:\n"
        "  - at: 0\n    post: {topic: alarm.bridge, place: {bridge: nowhere}}\n",
        encoding="utf-8",
    )
    widget = TrainingPane(
        console_core.bus, console_core.incidents, place_book_for_core(console_core), base, folder
    )
    qtbot.addWidget(widget)
    widget.show()
    assert widget.chooser.currentText() == "Broken one"
    assert widget.scenario is None and widget.problems.isVisible()
    assert "broken.yaml:6: step s1 post place: unknown bridge 'nowhere'" in widget.problems.text()
    assert not widget.start_button.isEnabled()


def test_install_training_adds_the_pane_and_the_banner(
    qtbot: QtBot, console_core: ConsoleCore, base: ManualClock, tmp_path: Path
) -> None:
    frame_tick = FrameTick(console_core.bus)
    window = MainWindow(console_core.bus, frame_tick, tmp_path / "layout.json", "Bengbu console")
    frame_tick.setParent(window)
    qtbot.addWidget(window)
    training = install_training(window, console_core, trainee=TRAINEE, base_clock=base)
    window.resize(1200, 800)
    window.show()
    qtbot.waitExposed(window)
    assert window.windowTitle() == "TRAINING — Bengbu console"
    window.setWindowTitle("Another title")  # whatever sets the title later keeps the prefix
    assert window.windowTitle() == "TRAINING — Another title"
    assert window.panes["training"] is training.pane
    banner = window.findChild(TrainingBanner)
    assert banner is training.banner and banner.isVisible()
    assert banner.text().startswith("TRAINING")
    bar = window.findChild(QToolBar, "trainingBannerBar")
    assert window.toolBarArea(bar) == Qt.ToolBarArea.TopToolBarArea
    assert not bar.isMovable() and not bar.toggleViewAction().isVisible()
    assert banner.width() > 0.9 * window.width()  # a strip across the whole window
    top_of_docks = min(d.geometry().top() for d in window.docks.values() if d.isVisible())
    assert banner.mapTo(window, banner.rect().bottomLeft()).y() <= top_of_docks
    assert training.pane.trainee.text() == TRAINEE
