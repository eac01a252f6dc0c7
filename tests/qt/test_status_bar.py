"""The status bar's clock shows the city's time whatever zone the workstation is in."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from pytestqt.qtbot import QtBot

from console.core.bus import EventBus
from console.core.clock import ManualClock
from console.qt.frame_tick import FrameTick
from console.qt.status_bar import ConsoleStatusBar


def test_the_clock_is_in_the_city_zone(qtbot: QtBot) -> None:
    clock = ManualClock(start=1_795_219_200.0)  # 2026-11-21 00:00 UTC
    bus = EventBus(clock)
    status = ConsoleStatusBar(bus, clock, FrameTick(bus), "test.db", tz=ZoneInfo("Asia/Shanghai"))
    qtbot.addWidget(status)
    assert status.clock_label.text() == "2026-11-21 08:00:00 CST"
    clock.advance(90.0)
    status.update_figures()
    assert status.clock_label.text() == "2026-11-21 08:01:30 CST"
