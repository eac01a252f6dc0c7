"""The chart workspace: stacked charts, linked time axes, follow and pause, zoom into history."""

from __future__ import annotations

from collections.abc import Iterator
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from console.core.channels import ChannelHistory, ChannelInfo
from console.core.clock import ManualClock
from console.qt.charts.chart import ChartPanel
from console.qt.charts.workspace import ChartWorkspace

T0 = 1_795_000_000.0
DAY = 86_400


def wheel(chart: ChartPanel, notches: int = 1) -> None:
    """Turn the mouse wheel over the middle of the chart's plot (zoom in)."""
    viewport = chart.plot_widget.viewport()
    centre = QPointF(viewport.width() / 2, viewport.height() / 2)
    event = QWheelEvent(
        centre,
        QPointF(viewport.mapToGlobal(centre.toPoint())),
        QPoint(0, 0),
        QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(viewport, event)


def drag(chart: ChartPanel, dx: float) -> None:
    """Drag the plot sideways by ``dx`` pixels with the left button (pan)."""
    viewport = chart.plot_widget.viewport()
    start = QPointF(viewport.width() / 2, viewport.height() / 2)

    def send(kind: QEvent.Type, pos: QPointF, buttons: Qt.MouseButton) -> None:
        event = QMouseEvent(
            kind,
            pos,
            QPointF(viewport.mapToGlobal(pos.toPoint())),
            Qt.MouseButton.LeftButton,
            buttons,
            Qt.KeyboardModifier.NoModifier,
        )
        QApplication.sendEvent(viewport, event)

    send(QEvent.Type.MouseButtonPress, start, Qt.MouseButton.LeftButton)
    for step in range(1, 11):
        send(QEvent.Type.MouseMove, start + QPointF(dx * step / 10, 0), Qt.MouseButton.LeftButton)
    send(QEvent.Type.MouseButtonRelease, start + QPointF(dx, 0), Qt.MouseButton.NoButton)


@pytest.fixture
def history() -> ChannelHistory:
    """Two bridge-like groups holding a day at 1 Hz (sine waves) and a slower city figure."""
    store = ChannelHistory()
    infos = [ChannelInfo(f"bridge:b:{name}", name, "με", "b", "Bridge B") for name in ("s1", "s2")]
    store.define_group("bridge:b", infos, 1.0)
    t = T0 + np.arange(DAY, dtype=np.float64)
    values = np.vstack([np.sin(np.arange(DAY) / 600.0), np.cos(np.arange(DAY) / 900.0)])
    store.record_many("bridge:b", t, values * 50)
    city = ChannelInfo("city:x", "x", "per hour", "city", "City figures")
    store.define_group("city", [city], 60.0)
    store.record_many("city", T0 + np.arange(0, DAY, 60.0), np.ones((1, DAY // 60)))
    return store


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=T0 + DAY - 1)


@pytest.fixture
def workspace(
    qtbot: QtBot, history: ChannelHistory, clock: ManualClock
) -> Iterator[ChartWorkspace]:
    space = ChartWorkspace(history, ZoneInfo("Asia/Shanghai"), clock.now)
    qtbot.addWidget(space)
    space.resize(900, 700)
    space.show()
    qtbot.waitExposed(space)
    yield space


def test_charts_stack_in_the_order_added_and_can_be_removed(
    workspace: ChartWorkspace, qtbot: QtBot
) -> None:
    a = workspace.add_chart(["bridge:b:s1", "bridge:b:s2"])
    b = workspace.add_chart(["city:x"])
    c = workspace.add_chart(["bridge:b:s2"], linked=False)
    assert [workspace.splitter.widget(i) for i in range(3)] == [a, b, c]
    assert a.plot.getAxis("left").labelText == "με" and b.unit == "per hour"
    qtbot.mouseClick(b.remove_button, Qt.MouseButton.LeftButton)
    assert workspace.charts == [a, c]
    qtbot.waitUntil(lambda: workspace.splitter.count() == 2)


def test_live_follows_now_and_pause_holds_the_view(
    workspace: ChartWorkspace, clock: ManualClock
) -> None:
    chart = workspace.add_chart(["bridge:b:s1"])
    workspace.set_window(300.0)
    x0, x1 = chart.view_range()
    step = 300.0 / workspace.plot_width()  # the live edge moves a pixel at a time
    assert x1 - x0 == pytest.approx(300.0) and clock.now() <= x1 < clock.now() + step
    x, _ = chart.curve_data("bridge:b:s1")
    assert x[0] <= x0 and x[-1] >= clock.now() - 1
    clock.advance(60)
    workspace.refresh()
    assert chart.view_range()[1] >= clock.now()
    workspace.pause()
    held = chart.view_range()
    clock.advance(60)
    workspace.history.record("bridge:b", clock.now(), [1.0, 2.0])  # data keeps arriving
    workspace.refresh()
    assert chart.view_range() == pytest.approx(held) and not workspace.live
    workspace.go_live()
    assert workspace.live and chart.view_range()[1] >= clock.now()


def test_a_chart_redraws_only_when_its_view_or_data_moved_on(
    workspace: ChartWorkspace, clock: ManualClock
) -> None:
    chart = workspace.add_chart(["bridge:b:s1"])
    other = workspace.add_chart(["city:x"])
    workspace.refresh()
    assert workspace.refresh() == 0  # nothing moved on
    clock.advance(0.01)  # less than a pixel of the live edge
    assert workspace.refresh() == 0
    workspace.history.record("bridge:b", clock.now(), [0.0, 0.0])
    assert workspace.refresh() == 1 and chart.draw_count == 2 and other.draw_count == 1


def test_wheel_on_a_linked_chart_zooms_every_linked_chart_and_pauses(
    workspace: ChartWorkspace,
) -> None:
    a = workspace.add_chart(["bridge:b:s1"])
    b = workspace.add_chart(["bridge:b:s2"])
    alone = workspace.add_chart(["city:x"], linked=False)
    workspace.set_window(DAY)
    before = alone.view_range()
    wheel(a, notches=3)
    zoomed = a.view_range()
    assert not workspace.live and zoomed[1] - zoomed[0] < DAY * 0.8
    assert b.view_range() == pytest.approx(zoomed) and alone.view_range() == pytest.approx(before)
    # zoomed in, the curve is drawn from finer bins of the same history
    assert b.curve_data("bridge:b:s2")[0].size > 0
    drag(b, 200)
    panned = b.view_range()
    assert panned[0] < zoomed[0] and a.view_range() == pytest.approx(panned)
    workspace.go_live()
    assert a.view_range()[1] - a.view_range()[0] == pytest.approx(DAY)


def test_an_unlinked_chart_moves_alone_until_linked_again(workspace: ChartWorkspace) -> None:
    a = workspace.add_chart(["bridge:b:s1"])
    b = workspace.add_chart(["bridge:b:s2"])
    b.set_linked(False)
    drag(b, -150)
    assert workspace.live and b.own_range is not None
    assert b.view_range() == pytest.approx(b.own_range) and a.view_range() != b.view_range()
    b.set_linked(True)
    assert b.own_range is None and b.view_range() == pytest.approx(a.view_range())


def test_show_range_pauses_on_a_moment_in_history(workspace: ChartWorkspace) -> None:
    chart = workspace.add_chart(["bridge:b:s1", "bridge:b:s2"])
    moment = T0 + 3 * 3600
    workspace.show_range(moment - 150, moment + 150)
    assert not workspace.live and chart.view_range() == pytest.approx((moment - 150, moment + 150))
    x, y = chart.curve_data("bridge:b:s1")
    # five minutes at 1 Hz fit the chart: every sample is drawn, no bins
    assert x.size == 303 and x[151] == moment
    assert y[151] == pytest.approx(50 * np.sin(3 * 3600 / 600.0), abs=1e-4)
    # a whole day is drawn from min/max bins: a point or two per pixel column
    workspace.show_range(T0, T0 + DAY)
    x, y = chart.curve_data("bridge:b:s1")
    assert x.size <= 2 * chart.plot.vb.width() and y.max() == pytest.approx(50, abs=1e-3)


def test_state_round_trip(
    workspace: ChartWorkspace, qtbot: QtBot, history: ChannelHistory, clock: ManualClock
) -> None:
    workspace.add_chart(["bridge:b:s1", "bridge:b:s2"])
    workspace.add_chart(["city:x"], linked=False)
    workspace.set_window(6 * 3600.0)
    state = workspace.save_state()
    other = ChartWorkspace(history, ZoneInfo("Asia/Shanghai"), clock.now)
    qtbot.addWidget(other)
    assert other.restore_state(state) and other.save_state() == state
    assert [c.linked for c in other.charts] == [True, False]
    assert not other.restore_state({"version": 1, "charts": [{"channels": "bad"}]})
    assert other.save_state() == state
