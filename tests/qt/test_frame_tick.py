"""The frame tick refreshes the panes an operator can see, not those behind another tab."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from console.core.bus import EventBus
from console.core.clock import ManualClock
from console.qt.frame_tick import FrameTick
from console.qt.main_window import MainWindow
from console.qt.panes.base import Pane


class CountingPane(Pane):
    """A pane that counts its refreshes."""

    def __init__(self, pane_id: str) -> None:
        self.PANE_ID = pane_id  # type: ignore[misc]
        self.TITLE = pane_id.title()  # type: ignore[misc]
        super().__init__()
        self.refreshes = 0

    def refresh(self) -> None:
        self.refreshes += 1


def test_a_pane_behind_another_tab_is_not_refreshed(qtbot: QtBot, tmp_path: Path) -> None:
    bus = EventBus(ManualClock(start=1_795_000_000.0))
    tick = FrameTick(bus)
    window = MainWindow(bus, tick, tmp_path / "layout.json", "test", set_speed=lambda _f: None)
    qtbot.addWidget(window)
    front, behind = CountingPane("front"), CountingPane("behind")
    window.add_pane(front)
    window.add_pane(behind)
    window.tabify(["front", "behind"])  # the first one in front
    window.show()
    qtbot.waitExposed(window)
    QApplication.processEvents()
    tick.tick()
    assert (front.refreshes, behind.refreshes) == (1, 0)
    window.show_pane("behind")
    QApplication.processEvents()
    tick.tick()
    assert (front.refreshes, behind.refreshes) == (1, 1)


class LivePane(CountingPane):
    """A pane that refreshes after every drain (as the map's vehicles do)."""

    LIVE_REFRESH = True


def test_a_live_pane_refreshes_after_every_drain_the_others_every_frame(
    qtbot: QtBot, tmp_path: Path
) -> None:
    bus = EventBus(ManualClock(start=1_795_000_000.0))
    tick = FrameTick(bus, interval_ms=40, drain_ms=20)
    window = MainWindow(bus, tick, tmp_path / "layout.json", "test", set_speed=lambda _f: None)
    qtbot.addWidget(window)
    live, framed = LivePane("live"), CountingPane("framed")
    window.add_pane(live)
    window.add_pane(framed)
    window.show()
    qtbot.waitExposed(window)
    drains: list[int] = []
    frames: list[int] = []
    tick.sig_drained.connect(drains.append)
    tick.sig_ticked.connect(frames.append)
    tick.start()
    qtbot.waitUntil(lambda: framed.refreshes >= 3, timeout=10_000)
    tick.stop()
    assert len(drains) == live.refreshes
    assert framed.refreshes == len(frames) == live.refreshes // 2
