"""A following chart paints only what changed, and shows what a full paint would show."""

from __future__ import annotations

from collections.abc import Iterator
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QObject, QRect
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from console.core.channels import ChannelHistory, ChannelInfo
from console.core.clock import ManualClock
from console.qt.charts.items import first_difference
from console.qt.charts.workspace import ChartWorkspace

T0 = 1_795_000_000.0
HOUR = 3600
WAVE_S = 20.0


def wave(t: np.ndarray) -> np.ndarray:
    """Two channels that move at every sample."""
    return np.vstack([np.sin(t / WAVE_S), np.cos(t / (WAVE_S * 1.7))]) * 40


class PaintLog(QObject):
    """The regions painted on a widget."""

    def __init__(self, widget: QObject) -> None:
        super().__init__()
        self.widget = widget
        self.regions: list[QRect] = []
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if watched is self.widget and event.type() == QEvent.Type.Paint:
            self.regions.append(event.region().boundingRect())  # type: ignore[attr-defined]
        return False


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=T0 + HOUR)


@pytest.fixture
def history() -> ChannelHistory:
    store = ChannelHistory()
    infos = [ChannelInfo(f"bridge:b:{n}", n, "mm", "b", "Bridge B") for n in ("d1", "d2")]
    store.define_group("bridge:b", infos, 1.0)
    t = T0 + np.arange(HOUR + 1, dtype=np.float64)
    store.record_many("bridge:b", t, wave(t))
    return store


@pytest.fixture
def workspace(
    qtbot: QtBot, history: ChannelHistory, clock: ManualClock
) -> Iterator[ChartWorkspace]:
    space = ChartWorkspace(history, ZoneInfo("Asia/Shanghai"), clock.now)
    qtbot.addWidget(space)
    space.resize(900, 500)
    space.show()
    qtbot.waitExposed(space)
    yield space


def follow(workspace: ChartWorkspace, clock: ManualClock, seconds: int) -> None:
    """Live follow: a sample a second, the workspace drawn and the window painted."""
    for _ in range(seconds):
        clock.advance(1.0)
        t = np.array([clock.now()])
        workspace.history.record_many("bridge:b", t, wave(t))
        workspace.refresh()
        QApplication.processEvents()


def pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), -1)
    return rows[:, : image.width() * 4].reshape(image.height(), image.width(), 4).copy()


def test_a_sliding_view_scrolls_and_shows_what_a_full_paint_shows(
    workspace: ChartWorkspace, clock: ManualClock
) -> None:
    chart = workspace.add_chart(["bridge:b:d1", "bridge:b:d2"])
    workspace.set_window(300.0)  # about 3 px a second
    QApplication.processEvents()
    log = PaintLog(chart.plot_widget.viewport())
    follow(workspace, clock, 40)
    assert chart.repaint.scrolls >= 35
    # following paints narrow strips, not the plot
    widths = sorted(r.width() for r in log.regions)
    assert widths[len(widths) // 2] < chart.plot.vb.width() / 10
    window = workspace.window()
    shown = pixels(QApplication.primaryScreen().grabWindow(window.winId()).toImage())
    fresh = pixels(window.grab().toImage())
    assert shown.shape == fresh.shape
    differs = (shown != fresh).any(axis=2)
    # the value axis's line at the plot's first column is not moved; a curve's end on a
    # pixel's edge may lose that pixel where two paints meet; all else matches
    box = chart.plot_widget.mapFromScene(chart.plot.vb.sceneBoundingRect()).boundingRect()
    first_column = chart.plot_widget.viewport().mapTo(window, box.topLeft()).x()
    differs[:, first_column] = False
    assert differs.sum() <= 8, np.argwhere(differs)[:20]


def test_new_data_alone_repaints_a_strip_at_the_right(
    workspace: ChartWorkspace, clock: ManualClock
) -> None:
    chart = workspace.add_chart(["bridge:b:d1", "bridge:b:d2"])
    workspace.pause()  # the view holds still; the newest samples arrive in it
    workspace.show_range(T0 + HOUR - 1200, T0 + HOUR + 60)
    follow(workspace, clock, 2)  # laid out and painted whole
    log = PaintLog(chart.plot_widget.viewport())
    follow(workspace, clock, 5)
    assert len(log.regions) == 5
    right = chart.plot_widget.mapFromScene(chart.plot.vb.sceneBoundingRect()).boundingRect()
    for region in log.regions:
        assert region.width() < right.width() / 4 and region.right() >= right.right() - 1


def test_first_difference_lines_up_a_slid_window_on_time() -> None:
    x = np.arange(10.0)
    ys = np.vstack([x * 2, x * 3]).astype(np.float32)
    assert first_difference((x, ys), (x, ys)) is None
    # slid by two: the same points, two fewer at the left, none new
    assert first_difference((x, ys), (x[2:], ys[:, 2:])) is None
    # slid and one new point at the right: new from its index on
    x2 = np.arange(2.0, 11.0)
    ys2 = np.vstack([x2 * 2, x2 * 3]).astype(np.float32)
    assert first_difference((x, ys), (x2, ys2)) == 8
    # a changed value in the middle of one row
    changed = ys.copy()
    changed[1, 4] = -1
    assert first_difference((x, ys), (x, changed)) == 4
    # NaN equals NaN; a window starting off the old times is new throughout
    gaps = ys.copy()
    gaps[0, 3] = np.nan
    assert first_difference((x, gaps), (x, gaps.copy())) is None
    assert first_difference((x, ys), (x + 0.5, ys)) == 0
