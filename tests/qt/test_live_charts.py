"""The live charts pane: recording from the bus, the default workspace, open_channels,
threshold lines and alarm markers, the channel picker, the time zone and saved state."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from pytestqt.qtbot import QtBot

from console.core.bridges.config import BridgeMonitoring, load_bridge_monitoring
from console.core.bus import EventBus
from console.core.channels import (
    ALARMS_CHANNEL,
    bridge_channel_id,
    cases_channel_id,
    moving_channel_id,
)
from console.core.clock import ManualClock
from console.core.events import (
    BridgeChannels,
    BridgeWarning,
    Platform,
    VehicleBatch,
    VehicleClass,
    WarningLevel,
)
from console.core.incidents import IncidentService
from console.core.paths import city_dir
from console.qt.charts.items import LEVEL_COLOURS
from console.qt.panes.live_charts import AROUND_S, LiveChartsPane

BRIDGES = {
    "jiefang_road": "Jiefang Road bridge",
    "chaoyang_road": "Chaoyang Road bridge",
    "g104": "G104 bridge",
}
TZ = ZoneInfo("Asia/Shanghai")


def strain(sensor: str = "strain_s1_mid", bridge: str = "jiefang_road") -> str:
    return bridge_channel_id(bridge, sensor)


@pytest.fixture(scope="module")
def monitoring() -> BridgeMonitoring:
    return load_bridge_monitoring(city_dir("bengbu"), list(BRIDGES))


@pytest.fixture
def pane(
    qtbot: QtBot,
    bus: EventBus,
    clock: ManualClock,
    monitoring: BridgeMonitoring,
    service: IncidentService,
) -> Iterator[LiveChartsPane]:
    from console.core.channels import case_platforms

    charts = LiveChartsPane(
        BRIDGES,
        monitoring=monitoring,
        clock=clock,
        tz=TZ,
        platform_of=case_platforms(service),
    )
    qtbot.addWidget(charts)
    charts.resize(1000, 900)
    charts.attach(bus)
    charts.show()
    qtbot.waitExposed(charts)
    yield charts
    charts.detach()


def post_strain(bus: EventBus, ts: float, values: list[float]) -> None:
    channels = ("strain_s1_mid", "strain_s2_mid", "count_up")
    for i, value in enumerate(values):
        bus.post(BridgeChannels(ts + i, "jiefang_road", channels, (value, value / 2, 12.0)))


def test_the_default_workspace_is_useful_at_a_glance(pane: LiveChartsPane) -> None:
    traffic, strains, moving, per_hour = pane.charts
    assert traffic.channel_ids == [strain("count_up"), strain("count_down")]
    assert traffic.unit == "veh/min" and "Jiefang Road bridge" in traffic.title.text()
    assert strains.channel_ids == [
        strain("strain_s1_mid"),
        strain("strain_s2_mid"),
        strain("strain_s2_pier"),
    ]
    assert moving.channel_ids == [moving_channel_id(c) for c in VehicleClass]
    assert per_hour.channel_ids == [*(cases_channel_id(p) for p in Platform), ALARMS_CHANNEL]
    assert "Deck traffic northbound" in traffic.legend.text()
    assert pane.window_buttons[3600.0].isChecked() and pane.workspace.live


def test_events_are_recorded_at_once_but_drawn_on_the_frame_tick(
    pane: LiveChartsPane, bus: EventBus, clock: ManualClock
) -> None:
    strains = pane.charts[1]
    pane.refresh()
    drawn = strains.draw_count
    start = clock.now()
    post_strain(bus, start, [50.0, 60.0, 70.0])
    clock.advance(3)
    bus.drain()
    t, v = pane.history.samples(strain())
    assert t.tolist() == [start, start + 1, start + 2] and v.tolist() == [50.0, 60.0, 70.0]
    assert strains.draw_count == drawn  # no drawing per event
    pane.refresh()
    assert strains.draw_count == drawn + 1
    x, y = strains.curve_data(strain())
    assert x.tolist() == [start, start + 1, start + 2] and y.tolist() == [50.0, 60.0, 70.0]
    assert math.isnan(pane.history.samples(strain("strain_s2_pier"))[1][0])  # not in the event


def test_hidden_pane_records_but_does_not_draw(
    pane: LiveChartsPane, bus: EventBus, clock: ManualClock
) -> None:
    pane.hide()
    drawn = [c.draw_count for c in pane.charts]
    post_strain(bus, clock.now(), [40.0])
    bus.drain()
    pane.refresh()
    assert [c.draw_count for c in pane.charts] == drawn
    assert pane.history.samples(strain())[1].tolist() == [40.0]


def test_moving_vehicles_are_charted_by_class(
    pane: LiveChartsPane, bus: EventBus, clock: ManualClock
) -> None:
    n = 5
    zeros = np.zeros(n, dtype=np.float32)
    classes = np.array([0, 0, 3, 3, 3], dtype=np.uint8)
    speeds = np.array([30, 2, 50, 60, 0], dtype=np.float32)
    ids = np.arange(n, dtype=np.int32)
    bus.post(VehicleBatch(clock.now(), "all", ids, classes, zeros, zeros, speeds, zeros))
    bus.drain()
    clock.advance(10)  # a sample every 10 s, from the slot after the first batch
    pane.refresh()
    moving = pane.charts[2]
    assert moving.curve_data(moving_channel_id(VehicleClass.TAXI))[1].tolist() == [1.0]
    assert moving.curve_data(moving_channel_id(VehicleClass.CARGO))[1].tolist() == [2.0]


def test_threshold_lines_and_alarm_markers(
    pane: LiveChartsPane, bus: EventBus, clock: ManualClock
) -> None:
    strains = pane.charts[1]
    assert strains.threshold_lines() == {
        WarningLevel.MILD: [100.0],
        WarningLevel.SERIOUS: [130.0],
        WarningLevel.SEVERE: [160.0],
    }
    pen = strains.rules.level_pens[WarningLevel.SERIOUS]
    assert pen.color().name() == LEVEL_COLOURS[WarningLevel.SERIOUS]
    assert pen.style() == Qt.PenStyle.DashLine
    assert "L2 130 με" in strains.legend.text()  # the legend names each line
    deflection = pane.open_channels([strain("deflection_s2_mid")])[0]
    # on the magnitude: a line either side of zero
    assert deflection.threshold_lines()[WarningLevel.MILD] == [40.0, -40.0]
    start = clock.now()
    post_strain(bus, start, [90.0, 135.0, 120.0])
    bus.post(
        BridgeWarning(
            start + 1, "jiefang_road", "strain_s1_mid", 2, 135.0, 130.0, "threshold",
            "Girder strain at 135 με, level 2 from 130",
        )
    )  # fmt: skip
    bus.post(
        BridgeWarning(start + 2, "jiefang_road", "strain_s1_mid", 0, 99.0, 0.0, "threshold", "")
    )
    clock.advance(3)
    bus.drain()
    pane.refresh()
    [marker] = strains.alarm_items()  # back to normal (level 0) is not marked
    assert marker.value() == start + 1
    assert marker.pen.color().name() == LEVEL_COLOURS[WarningLevel.SERIOUS]
    local = datetime.fromtimestamp(start + 1, TZ).strftime("%H:%M:%S")
    assert local in marker.toolTip() and "level 2 from 130" in marker.toolTip()
    # the data goes above the serious line, so the severe line is in view too
    assert strains.plot.vb.viewRange()[1][1] >= 160.0
    assert not pane.charts[0].alarm_items()  # another chart's channels
    # and they are painted: the severe line (red, dashed) crosses the whole plot
    image = strains.plot_widget.grab().toImage()
    y = strains.plot.vb.mapViewToScene(QPointF(start, 160.0)).y()
    red = LEVEL_COLOURS[WarningLevel.SEVERE]
    lit = max(
        (
            [x for x in range(image.width()) if image.pixelColor(x, row).name() == red]
            for row in (int(y) - 1, int(y), int(y) + 1)
        ),
        key=len,
    )
    assert len(lit) > strains.plot.vb.width() / 3 and len(lit) < strains.plot.vb.width()


def test_open_channels_around_a_moment(
    pane: LiveChartsPane, bus: EventBus, clock: ManualClock
) -> None:
    moment = clock.now()
    post_strain(bus, moment - 5, [50.0] * 10)
    clock.advance(3600)
    bus.drain()
    before = len(pane.charts)
    charts = pane.open_channels(
        [strain(), strain("wim_up"), strain("strain_s2_mid")], around=moment
    )
    # one chart per unit: strains together, the weigh-in-motion on its own
    assert [c.channel_ids for c in charts] == [
        [strain(), strain("strain_s2_mid")],
        [strain("wim_up")],
    ]
    assert len(pane.charts) == before + 2 and not pane.workspace.live
    assert pane.live_button.isEnabled() and pane.pause_button.isChecked()
    pane.refresh()
    for chart in pane.charts:
        assert chart.view_range() == pytest.approx((moment - AROUND_S, moment + AROUND_S))
    assert charts[0].curve_data(strain())[1].tolist() == [50.0] * 10
    pane.live_button.click()
    assert pane.workspace.live and charts[0].view_range()[1] >= clock.now()


def test_channel_picker_tree_adds_a_chart(pane: LiveChartsPane) -> None:
    picker = pane.open_picker()
    sources = [picker.tree.topLevelItem(i).text(0) for i in range(picker.tree.topLevelItemCount())]
    assert sources[:3] == list(BRIDGES.values()) and sources[3] == "City figures"
    assert picker.tree.topLevelItem(0).childCount() == 14
    picker.check([strain("temp_deck"), strain("temp_air", "g104")])
    before = len(pane.charts)
    picker.accept()
    assert len(pane.charts) == before + 1
    assert pane.charts[-1].channel_ids == [strain("temp_deck"), strain("temp_air", "g104")]
    assert pane.charts[-1].unit == "°C"


def test_time_axis_reads_the_city_time_zone(pane: LiveChartsPane, clock: ManualClock) -> None:
    axis = pane.charts[0].axis
    now = clock.now() - clock.now() % 3600
    levels = axis.tickValues(now - 3 * 3600, now + 3 * 3600, 800)
    spacing = next(sp for sp, ticks in levels if now in list(ticks))
    [text] = axis.tickStrings([now], 1.0, spacing)
    assert text == datetime.fromtimestamp(now, TZ).strftime("%H:%M")


def test_state_round_trip_and_window(
    pane: LiveChartsPane, qtbot: QtBot, monitoring: BridgeMonitoring
) -> None:
    pane.open_channels([strain("water_level", "g104")])
    pane.charts[0].set_linked(False)
    pane.window_buttons[6 * 3600.0].click()
    state = pane.save_state()
    other = LiveChartsPane(BRIDGES, monitoring=monitoring)
    qtbot.addWidget(other)
    other.restore_state(state)
    assert other.save_state() == state and other.window_buttons[6 * 3600.0].isChecked()
    assert other.charts[-1].channel_ids == [strain("water_level", "g104")]
    fresh = LiveChartsPane(BRIDGES, monitoring=monitoring)
    qtbot.addWidget(fresh)
    fresh.restore_state({"charts": "garbage"})
    assert len(fresh.charts) == 4  # the default workspace stays


def test_pause_holds_the_view_while_data_keeps_coming(
    pane: LiveChartsPane, bus: EventBus, clock: ManualClock
) -> None:
    strains = pane.charts[1]
    pane.refresh()
    pane.pause_button.click()
    assert not pane.workspace.live and pane.live_button.isEnabled()
    held = strains.view_range()
    post_strain(bus, clock.now(), [55.0, 56.0])
    clock.advance(120)
    bus.drain()
    pane.refresh()
    assert strains.view_range() == pytest.approx(held)
    assert pane.history.samples(strain())[1].tolist() == [55.0, 56.0]
    pane.window_buttons[300.0].click()  # paused, a new width keeps the right edge
    assert strains.view_range()[1] == pytest.approx(held[1])
    pane.live_button.click()
    assert pane.workspace.live and not pane.pause_button.isChecked()
    assert strains.view_range()[1] >= clock.now()


def test_window_buttons_follow_the_workspace(pane: LiveChartsPane) -> None:
    pane.workspace.set_window(86400.0)
    assert pane.window_buttons[86400.0].isChecked()
    assert not pane.window_buttons[3600.0].isChecked()


def test_open_sensors_of_a_bridge(pane: LiveChartsPane) -> None:
    [chart] = pane.open_sensors("g104", ["temp_deck", "temp_air"], around=1_795_000_000.0)
    assert chart.channel_ids == [strain("temp_deck", "g104"), strain("temp_air", "g104")]
    assert chart.view_range() == pytest.approx(
        (1_795_000_000.0 - AROUND_S, 1_795_000_000.0 + AROUND_S)
    )
