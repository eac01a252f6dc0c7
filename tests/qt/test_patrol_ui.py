"""Video patrol on the wall: checkpoints shown, confirmed by keystroke, missed, paused by an
alarm, anomalies reported with the picture, and the compliance report."""

from __future__ import annotations

from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from console.core.clock import ManualClock
from console.core.events import TheftAlarm, TwoWheelerKind
from console.core.patrol import Outcome, PatrolBook, Shift, Tour, TourStep
from console.core.runtime import ConsoleCore
from console.qt.panes.video_wall import VideoWallPane
from console.qt.patrol_bar import PatrolBar
from console.qt.patrol_controller import PatrolController
from console.qt.patrol_report import PatrolReport
from tests.support.cases import CONSOLE_START

TZ = ZoneInfo("Asia/Shanghai")
SHIFTS = (
    Shift("day", "白班", "Day", "08:00", "16:00"),
    Shift("evening", "中班", "Evening", "16:00", "00:00"),
    Shift("night", "夜班", "Night", "00:00", "08:00"),
)
TOUR = Tour(
    "test_tour",
    "测试巡查",
    "Test tour",
    (TourStep("cam-0001", 20.0), TourStep("cam-0006", 20.0), TourStep("cam-0011", 20.0)),
    ("day", "evening", "night"),
    60,
)


@pytest.fixture
def patrol(
    qtbot: QtBot, console_core: ConsoleCore
) -> Iterator[tuple[PatrolController, PatrolBar, ManualClock]]:
    """The wall with its patrol bar, on the console's database, with a clock of its own."""
    clock = ManualClock(start=CONSOLE_START)
    book = PatrolBook(SHIFTS, (TOUR,))
    assert console_core.patrol_log is not None
    host = QWidget()  # the window: the wall's area beside a queue
    qtbot.addWidget(host)
    area = QWidget()
    wall = VideoWallPane(console_core.sites, clock.now, TZ, fps=5.0)
    controller = PatrolController(
        wall,
        book,
        console_core.patrol_log,
        console_core.sites,
        console_core.incidents,
        clock,
        TZ,
        "王敏",
    )
    bar = PatrolBar(controller, TZ)
    bar.install_keys(area)  # as on the console's video wall
    inner = QVBoxLayout(area)
    inner.addWidget(bar)
    inner.addWidget(wall, 1)
    queue = QListWidget()
    queue.setObjectName("queue")
    layout = QHBoxLayout(host)
    layout.addWidget(area, 1)
    layout.addWidget(queue)
    host.resize(1200, 700)
    host.show()
    qtbot.waitExposed(host)
    yield controller, bar, clock
    controller.stop()


def test_a_tour_is_confirmed_by_keystroke_and_a_late_checkpoint_is_missed(
    patrol: tuple[PatrolController, PatrolBar, ManualClock], qtbot: QtBot
) -> None:
    controller, bar, clock = patrol
    messages: list[str] = []
    controller.sig_message.connect(messages.append)
    assert bar.caption.text() == "No patrol running · due now: Test tour"
    bar.start_button.click()
    tile = controller.wall.tiles()[0]
    assert tile.camera is not None and tile.camera.camera_id == "cam-0001"
    assert tile.highlighted is not None and tile.highlighted.startswith("Checkpoint 1/3")
    clock.advance(5)
    qtbot.keyClick(bar, Qt.Key.Key_N)  # nothing found
    assert tile.camera is not None and tile.camera.camera_id == "cam-0006"
    clock.advance(31)  # dwell 20 + grace 10: due
    controller.refresh()
    assert tile.camera is not None and tile.camera.camera_id == "cam-0011"
    assert any("missed" in m for m in messages)
    log = controller.log.entries()
    assert [(e.camera_id, e.outcome) for e in log] == [
        ("cam-0001", Outcome.NOTHING_FOUND),
        ("cam-0006", Outcome.MISSED),
    ]
    assert log[0].operator == "王敏" and log[0].confirmed_at == CONSOLE_START + 5
    clock.advance(1)
    bar.nothing.click()  # on show for 1 s: too soon to have looked
    assert controller.running and any("at least 3 s" in m for m in messages)
    clock.advance(4)
    bar.nothing.click()
    assert not controller.running and tile.highlighted is None
    assert bar.start_button.text() == "Start patrol"


def test_an_anomaly_becomes_a_case_with_the_tile_picture(
    patrol: tuple[PatrolController, PatrolBar, ManualClock], qtbot: QtBot
) -> None:
    controller, bar, _clock = patrol
    opened: list[int] = []
    controller.sig_case_opened.connect(opened.append)
    controller.start("test_tour")
    qtbot.waitUntil(lambda: controller.wall.tiles()[0].frames_painted > 0)
    qtbot.keyClick(bar, Qt.Key.Key_A)
    assert len(opened) == 1
    service = controller.service
    case = service.get(opened[0])
    assert case is not None and case.incident_type == "video_patrol_anomaly"
    camera = controller.sites.camera("cam-0001")
    assert (case.lon, case.lat) == pytest.approx((camera.lon, camera.lat))
    attachments = service.attachments(case.id)
    assert len(attachments) == 1 and attachments[0].media_type == "image/png"
    picture = service.attachment_data(attachments[0].id)
    assert picture.startswith(b"\x89PNG") and len(picture) > 1000
    entry = controller.log.entries()[0]
    assert entry.outcome is Outcome.ANOMALY and entry.case_id == case.id


def test_an_alarm_near_a_camera_pauses_the_tour_until_acknowledged(
    patrol: tuple[PatrolController, PatrolBar, ManualClock], qtbot: QtBot
) -> None:
    controller, bar, clock = patrol
    controller.start("test_tour")
    hotspot = controller.sites.camera("cam-0164")
    alarm = TheftAlarm(
        ts=clock.now(),
        alarm_id="T-9",
        station_id=12,
        tag_id="TAG-9",
        two_wheeler=TwoWheelerKind.EBIKE,
        lon=hotspot.lon + 0.0005,
        lat=hotspot.lat,
    )
    case = controller.service.open_from_alarm(alarm)
    assert case is not None and controller.alarms.on_case(case)
    controller.refresh()
    tile = controller.wall.tiles()[0]
    assert tile.camera is not None and tile.camera.camera_id == "cam-0164"
    assert tile.highlighted is not None and "ALARM" in tile.highlighted
    assert bar.acknowledge.isEnabled() and not bar.nothing.isEnabled()
    clock.advance(600)  # paused: nothing is missed
    controller.refresh()
    qtbot.keyClick(bar, Qt.Key.Key_N)  # refused while paused
    assert controller.log.entries() == []
    qtbot.keyClick(bar, Qt.Key.Key_K)
    assert not controller.runner.paused  # type: ignore[union-attr]
    qtbot.keyClick(bar, Qt.Key.Key_N)
    entry = controller.log.entries()[0]
    assert (entry.camera_id, entry.outcome, entry.paused_by) == (
        "cam-0164",
        Outcome.NOTHING_FOUND,
        case.title_en,
    )


def test_the_report_counts_each_operator_shift(
    patrol: tuple[PatrolController, PatrolBar, ManualClock], qtbot: QtBot
) -> None:
    controller, _bar, clock = patrol
    controller.start("test_tour")
    clock.advance(5)
    controller.confirm_nothing()
    clock.advance(40)
    controller.refresh()  # the second checkpoint missed
    clock.advance(5)
    controller.confirm_nothing()
    report = PatrolReport(controller.log, controller.book, controller.sites, clock, TZ)
    qtbot.addWidget(report)
    assert report.table.rowCount() == 1
    cells = [report.table.item(0, c).text() for c in range(report.table.columnCount())]
    assert cells[2:] == ["王敏", "2", "0", "1", "3", "67%"]
    assert report.entries.rowCount() == 3
    assert "MISSED" in [report.entries.item(r, 4).text() for r in range(3)]
    assert "2 confirmed" in report.summary.text()


def test_the_patrol_keys_leave_the_case_keys_alone_outside_the_wall(
    patrol: tuple[PatrolController, PatrolBar, ManualClock], qtbot: QtBot
) -> None:
    controller, bar, clock = patrol
    queue = bar.window().findChild(QListWidget, "queue")  # where N adds a note to a case
    controller.start("test_tour")
    clock.advance(5)
    queue.setFocus()
    qtbot.waitUntil(queue.hasFocus)
    qtbot.keyClick(queue, Qt.Key.Key_N)
    assert controller.log.entries() == []
    bar.start_button.setFocus()
    qtbot.waitUntil(bar.start_button.hasFocus)
    qtbot.keyClick(bar.start_button, Qt.Key.Key_N)
    assert len(controller.log.entries()) == 1
