"""A recording under review in the real console window: banner, timeline, read-only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QPoint, Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from console.core.review import READ_ONLY_REASON, build_review_core
from console.core.runtime import ConsoleCore
from console.qt.case_wiring import CaseWorkflow
from console.qt.console_app import build_console
from console.qt.main_window import MainWindow
from console.qt.panes.incident_queue import IncidentQueuePane
from console.qt.review.review_wiring import ReviewControls
from console.qt.review.timeline_bar import TimelineBar
from console.qt.status_bar import ConsoleStatusBar
from tests.core.test_review import Moments, _record_a_shift


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Moments]:
    folder = tmp_path_factory.mktemp("shift")
    return folder / "rec", _record_a_shift(folder)


@pytest.fixture
def review(
    qtbot: QtBot, recorded: tuple[Path, Moments], tmp_path: Path
) -> Iterator[tuple[ConsoleCore, MainWindow, CaseWorkflow]]:
    core = build_review_core(recorded[0])
    window, workflow = build_console(core, "op-1", tmp_path / "profile")
    window.resize(1500, 900)
    window.show()
    core.start()
    yield core, window, workflow
    window.close()
    window.deleteLater()  # its timers read the scratch database, removed with the core
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    core.stop()


def _controls(window: MainWindow) -> ReviewControls:
    bar = window.findChild(TimelineBar)
    banner = window.findChild(QLabel, "reviewBanner")
    assert isinstance(bar, TimelineBar) and isinstance(banner, QLabel)
    return ReviewControls(bar, banner)


def test_the_window_says_review_and_read_only(
    review: tuple[ConsoleCore, MainWindow, CaseWorkflow],
) -> None:
    core, window, _ = review
    controls = _controls(window)
    assert window.windowTitle().startswith("REVIEW (read-only)")
    assert "READ-ONLY" in controls.banner.text()
    assert controls.banner.isVisible()
    assert core.review is not None
    assert len(controls.bar.marks) == len(core.review.timeline.versions) >= 5


def test_every_case_action_is_refused_with_the_reason(
    qtbot: QtBot,
    review: tuple[ConsoleCore, MainWindow, CaseWorkflow],
    recorded: tuple[Path, Moments],
) -> None:
    core, window, workflow = review
    controls = _controls(window)
    controls.bar.seek(recorded[1][-1][0])
    queue = window.panes["incident_queue"]
    assert isinstance(queue, IncidentQueuePane)
    qtbot.waitUntil(lambda: queue.model.rowCount() > 0)
    open_case = next(case for case in core.incidents.list_all() if case.is_open)
    assert queue.select_case(open_case.id)
    accept = workflow.actions.actions["accept"]
    assert not accept.isEnabled()
    assert workflow.actions.why_disabled(accept) == READ_ONLY_REASON
    refusals: list[str] = []
    workflow.actions.sig_refused.connect(refusals.append)
    accept.trigger()  # even a shortcut that reached it
    workflow.actions._trigger("accept")
    assert refusals and READ_ONLY_REASON in refusals[-1]
    assert core.incidents.get(open_case.id) == open_case
    patrol = next(a.menu() for a in window.menuBar().actions() if "Patrol" in a.text())
    assert patrol is not None
    enabled = {a.text(): a.isEnabled() for a in patrol.actions() if a.text()}
    assert enabled["Start or stop the patrol"] is False
    assert enabled["Patrol report…"] is True  # the log as it was at the cursor


def test_the_queue_follows_the_cursor_back_and_forth(
    qtbot: QtBot,
    review: tuple[ConsoleCore, MainWindow, CaseWorkflow],
    recorded: tuple[Path, Moments],
) -> None:
    _core, window, _ = review
    bar = _controls(window).bar
    queue = window.panes["incident_queue"]
    assert isinstance(queue, IncidentQueuePane)
    for at, live in (recorded[1][-1], recorded[1][0], recorded[1][3]):
        bar.seek(at)
        qtbot.waitUntil(lambda live=live: len(queue.index) == len(live))
        shown = {queue.index.get(case.id) for case in live}
        assert shown == set(live)


def test_dragging_the_track_moves_the_cursor_and_jumps(
    qtbot: QtBot, review: tuple[ConsoleCore, MainWindow, CaseWorkflow]
) -> None:
    core, window, _ = review
    bar = _controls(window).bar
    track = bar.track
    assert core.review is not None
    clock = core.review.clock
    jumps = bar.jumps
    y = track.height() // 2
    qtbot.mousePress(track, Qt.MouseButton.LeftButton, pos=QPoint(int(track.x_of(clock.start)), y))
    qtbot.mouseMove(track, QPoint(int(track.width() * 0.5), y))
    qtbot.mouseRelease(track, Qt.MouseButton.LeftButton, pos=QPoint(int(track.width() * 0.75), y))
    assert bar.jumps > jumps
    expected = track.time_at(int(track.width() * 0.75))
    assert clock.now() == pytest.approx(expected, abs=1.0)


def test_play_at_sixty_times_moves_every_pane_on(
    qtbot: QtBot, review: tuple[ConsoleCore, MainWindow, CaseWorkflow]
) -> None:
    core, window, _ = review
    bar = _controls(window).bar
    assert core.review is not None
    clock = core.review.clock
    bar.seek(clock.start)
    bar.set_speed(60.0)
    assert clock.factor == 60.0
    posted = core.review.posted
    bar.toggle_play()
    assert clock.playing
    qtbot.waitUntil(lambda: clock.now() > clock.start + 30.0, timeout=5000)
    qtbot.waitUntil(lambda: core.review is not None and core.review.posted > posted)
    bar.toggle_play()
    assert not clock.playing
    held = clock.now()
    qtbot.wait(50)
    assert clock.now() == held
    status = window.statusBar()
    assert isinstance(status, ConsoleStatusBar)
    status.update_figures()
    assert "REVIEW ×60" in status.clock_label.text()
