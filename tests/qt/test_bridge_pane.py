"""The bridges pane: three bridge cards fed by real bus events, drawn by real widgets."""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip, QWidget
from pytestqt.qtbot import QtBot

from console.core.bridges.config import BridgeMonitoring, load_bridge_monitoring
from console.core.bus import EventBus
from console.core.city.model import Bridge
from console.core.events import BridgeChannels, BridgeWarning, Event, VesselPosition
from console.core.paths import city_dir
from console.qt import bridge_palette as pal
from console.qt.panes.base import Pane
from console.qt.panes.bridges import BridgesPane
from console.qt.theme import STYLE_SHEET
from tests.qt.test_pane_contract import (
    test_attach_detach_leaves_no_subscription as test_contract_attach_detach,
)
from tests.qt.test_pane_contract import test_close_leaves_no_widget as test_contract_close
from tests.qt.test_pane_contract import (
    test_empty_city_and_odd_events_are_handled as test_contract_odd_events,
)
from tests.qt.test_pane_contract import test_saved_state_round_trips as test_contract_state

__all__ = [
    "test_contract_attach_detach",
    "test_contract_close",
    "test_contract_odd_events",
    "test_contract_state",
]

BRIDGE_IDS = ("jiefang_road", "chaoyang_road", "g104")
T0 = 1_795_000_000.0
PaneAndCalls = tuple[BridgesPane, list[tuple[str, ...]]]


def read_bridges() -> list[Bridge]:
    with (city_dir("bengbu") / "bridges.csv").open(encoding="utf-8", newline="") as handle:
        return [
            Bridge(r["id"], r["name_zh"], r["name_en"], float(r["lon"]), float(r["lat"]))
            for r in csv.DictReader(handle)
        ]


@pytest.fixture(scope="module")
def monitoring() -> BridgeMonitoring:
    return load_bridge_monitoring(city_dir("bengbu"), BRIDGE_IDS)


@pytest.fixture
def make_pane(monitoring: BridgeMonitoring) -> Callable[[], Pane]:
    return lambda: BridgesPane(monitoring, read_bridges(), "Asia/Shanghai")


@pytest.fixture
def pane(monitoring: BridgeMonitoring, bus: EventBus, qtbot: QtBot) -> PaneAndCalls:
    calls: list[tuple[str, ...]] = []
    made = BridgesPane(
        monitoring,
        read_bridges(),
        "Asia/Shanghai",
        open_cameras=lambda bridge_id: calls.append(("cameras", bridge_id)),
        open_charts=lambda bridge_id, ids: calls.append(("charts", bridge_id, *ids)),
    )
    qtbot.addWidget(made)
    made.resize(1000, 1150)
    made.attach(bus)
    made.show()
    qtbot.waitExposed(made)
    return made, calls


# ---- Events


def sample(ts: float, bridge_id: str, **values: float) -> BridgeChannels:
    return BridgeChannels(ts, bridge_id, tuple(values), tuple(values.values()))


def normal_values(seed: float) -> dict[str, float]:
    """A plausible afternoon sample of every channel."""
    return {
        "count_up": 18.0 + seed,
        "count_down": 14.0 + seed,
        "wim_up": 31.5,
        "wim_down": 27.2,
        "strain_s1_mid": 46.0 + seed,
        "strain_s2_mid": 61.0,
        "strain_s2_pier": 38.0,
        "deflection_s2_mid": 21.0 + seed,
        "deflection_s3_mid": 12.0,
        "accel_s2_mid": 0.06,
        "temp_deck": 31.5,
        "temp_air": 27.0,
        "water_level": 17.4,
        "vessels": 2.0,
    }


def warn(ts: float, bridge_id: str, sensor_id: str, level: int, value: float) -> BridgeWarning:
    return BridgeWarning(ts, bridge_id, sensor_id, level, value, 0.0, "threshold", "")


def vessel(
    ts: float,
    bridge: Bridge,
    vessel_id: str,
    east_m: float,
    north_m: float,
    course: float,
    speed: float = 6.0,
) -> VesselPosition:
    lon = bridge.lon + east_m / (111_320.0 * math.cos(math.radians(bridge.lat)))
    lat = bridge.lat + north_m / 111_320.0
    return VesselPosition(
        ts, vessel_id, f"皖蚌埠货{vessel_id[-4:]}", lon, lat, course, speed, bridge.bridge_id
    )


def realistic_scene(ts: float) -> list[Event]:
    """Jiefang Road quiet; Chaoyang Road serious with a stray vessel; G104 severe overload."""
    bridges = {b.bridge_id: b for b in read_bridges()}
    jiefang, chaoyang, g104 = (bridges[b] for b in BRIDGE_IDS)
    chaoyang_values = normal_values(3.0) | {
        "deflection_s2_mid": 70.5,
        "strain_s2_mid": 112.0,
        "wim_down": math.nan,
    }
    g104_values = normal_values(-6.0) | {"wim_up": 72.4, "count_up": 6.0}
    return [
        sample(ts, "jiefang_road", **normal_values(0.0)),
        sample(ts, "chaoyang_road", **chaoyang_values),
        sample(ts, "g104", **g104_values),
        warn(ts, "chaoyang_road", "deflection_s2_mid", 2, 61.5),
        warn(ts, "chaoyang_road", "strain_s2_mid", 3, 112.0),
        warn(ts, "g104", "wim_up", 1, 72.4),
        vessel(ts, jiefang, "413800101", 620.0, 90.0, 262.0, 7.5),
        vessel(ts, jiefang, "413800102", -1350.0, -200.0, 80.0, 5.2),
        vessel(ts, chaoyang, "413800201", 160.0, 260.0, 200.0, 4.0),  # off channel, alarm zone
        vessel(ts, chaoyang, "413800202", -900.0, -180.0, 78.0, 6.8),
        vessel(ts, g104, "413800301", 1100.0, 420.0, 250.0, 6.1),
    ]


def feed(bus: EventBus, pane: BridgesPane, events: Sequence[Event]) -> None:
    bus.post_many(events)
    bus.drain()
    pane.refresh()


def pixel(widget: QWidget, where: QPointF, pane: BridgesPane) -> QColor:
    """The colour the pane shows at ``where`` (widget coordinates of ``widget``)."""
    image = pane.grab().toImage()
    at = widget.mapTo(pane, QPoint(round(where.x()), round(where.y())))
    return image.pixelColor(at)


def redish(colour: QColor) -> bool:
    return colour.red() > 200 and colour.green() < 120 and colour.blue() < 120


# ---- Tests


def test_the_three_bridges_are_shown_with_their_names(pane: PaneAndCalls) -> None:
    view, _ = pane
    assert list(view.cards) == list(BRIDGE_IDS)
    for bridge in read_bridges():
        card = view.cards[bridge.bridge_id]
        assert card.isVisible()
        assert card.chip.text() == "No data" and card.updated.text() == "--:--:--"
        texts = [label.text() for label in card.findChildren(type(card.chip))]
        assert bridge.name_zh in texts and bridge.name_en in texts
    top = [card.geometry().top() for card in view.cards.values()]
    assert top == sorted(top) and top[0] < top[1] < top[2]  # a vertical list


def test_a_level_2_warning_turns_the_sensor_and_the_health_chip(
    pane: PaneAndCalls, bus: EventBus
) -> None:
    view, _ = pane
    card = view.cards["chaoyang_road"]
    feed(bus, view, [sample(T0, "chaoyang_road", **normal_values(0.0))])
    assert card.chip.text() == "Normal" and card.updated.text() == "19:06:40"
    point = card.schematic.sensor_point("deflection_s2_mid")
    before = pixel(card.schematic, point, view)
    feed(bus, view, [warn(T0 + 1, "chaoyang_road", "deflection_s2_mid", 2, 62.0)])
    assert card.chip.text() == "Level 2 serious"
    assert "#f0883e" in card.chip.styleSheet()
    after = pixel(card.schematic, point, view)
    assert after != before
    assert after.red() > 200 and 100 < after.green() < 170 and after.blue() < 100  # orange
    index = [s.sensor_id for s in card.schematic.instruments.sensors].index("deflection_s2_mid")
    assert card.readings.text_of(index, "Level") == "L2 serious"
    corrected = card.readings.text_of(index, "Corr.")
    assert float(corrected.removesuffix(" mm")) == pytest.approx(21 - 0.9 * (31.5 - 20), abs=0.06)
    assert view.cards["g104"].chip.text() == "No data"
    feed(bus, view, [warn(T0 + 2, "chaoyang_road", "deflection_s2_mid", 0, 30.0)])
    assert card.chip.text() == "Normal"


def test_a_severe_sensor_is_drawn_red(pane: PaneAndCalls, bus: EventBus) -> None:
    view, _ = pane
    feed(bus, view, realistic_scene(T0))
    card = view.cards["g104"]
    assert card.chip.text() == "Level 1 severe"
    colour = pixel(card.schematic, card.schematic.sensor_point("wim_up"), view)
    assert redish(colour), colour.name()
    normal = pixel(card.schematic, card.schematic.sensor_point("strain_s2_pier"), view)
    assert not redish(normal) and normal.green() > normal.red()


def test_not_answering_sensors_are_flagged(pane: PaneAndCalls, bus: EventBus) -> None:
    view, _ = pane
    feed(bus, view, realistic_scene(T0))
    card = view.cards["chaoyang_road"]
    assert card.silent.isVisible() and card.silent.text() == "▨ 1 not answering"
    index = [s.sensor_id for s in card.schematic.instruments.sensors].index("wim_down")
    assert card.readings.text_of(index, "Value") == "no answer"
    assert card.readings.text_of(index, "Level") == "no answer"
    assert "wim_down" in card.chip.toolTip()
    assert card.readings.colour_of(index, "Value") == pal.SILENT
    feed(bus, view, [sample(T0 + 1, "chaoyang_road", **normal_values(0.0))])
    assert card.readings.text_of(index, "Value") == "27.2 t"
    assert card.readings.colour_of(index, "Value") == pal.TEXT  # answering again: plain
    assert card.readings.text_of(index, "Level") == "normal"
    assert not card.silent.isVisible()


def test_vessels_drawn_with_the_stray_one_highlighted(pane: PaneAndCalls, bus: EventBus) -> None:
    view, _ = pane
    feed(bus, view, realistic_scene(T0))
    plan = view.cards["chaoyang_road"].plan
    tracks = {t.vessel_id: t for t in plan.tracks}
    assert set(tracks) == {"413800201", "413800202"}
    stray, passing = tracks["413800201"], tracks["413800202"]
    assert stray.alarming and not passing.off_channel
    red = pixel(plan, plan.vessel_point("413800201"), view)
    cyan = pixel(plan, plan.vessel_point("413800202"), view)
    assert redish(red), red.name()
    assert cyan.blue() > 200 and cyan.red() < 160, cyan.name()
    assert "off the channel in the alarm zone" in plan.tooltip_for(stray)
    assert "6.8 kn, course 78°" in plan.tooltip_for(passing)
    assert plan.vessel_at(plan.vessel_point("413800201")) == stray
    later = [sample(T0 + s, "chaoyang_road", **normal_values(0.0)) for s in (30, 61)]
    feed(bus, view, later[:1])
    assert len(plan.tracks) == 2
    feed(bus, view, later[1:])
    assert plan.tracks == []  # not heard from for a minute of event time


def test_buttons_call_the_callables_with_the_bridge(
    pane: PaneAndCalls, bus: EventBus, qtbot: QtBot
) -> None:
    view, calls = pane
    feed(bus, view, realistic_scene(T0))
    card = view.cards["chaoyang_road"]
    qtbot.mouseClick(card.cameras_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(card.charts_button, Qt.MouseButton.LeftButton)
    assert calls[0] == ("cameras", "chaoyang_road")
    kind, bridge_id, *channels = calls[1]
    assert (kind, bridge_id) == ("charts", "chaoyang_road")
    assert channels[:2] == ["deflection_s2_mid", "strain_s2_mid"]  # in warning, worst first
    assert {"deflection_s3_mid", "accel_s2_mid", "count_up", "count_down"} <= set(channels)
    at = card.schematic.sensor_point("accel_s2_mid").toPoint()
    qtbot.mouseDClick(card.schematic, Qt.MouseButton.LeftButton, pos=at)
    assert calls[2] == ("charts", "chaoyang_road", "accel_s2_mid")


def test_buttons_without_callables_are_disabled(monitoring: BridgeMonitoring, qtbot: QtBot) -> None:
    view = BridgesPane(monitoring, read_bridges(), "Asia/Shanghai")
    qtbot.addWidget(view)
    card = view.cards["g104"]
    assert not card.cameras_button.isEnabled() and not card.charts_button.isEnabled()


def test_repaints_once_per_tick_only_when_changed_and_visible(
    pane: PaneAndCalls, bus: EventBus
) -> None:
    view, _ = pane
    start = view.repaints
    bus.post_many([sample(T0 + i * 0.01, "jiefang_road", count_up=float(i)) for i in range(200)])
    bus.drain()
    view.refresh()
    view.refresh()
    assert view.repaints == start + 1
    assert view.states["jiefang_road"].value("count_up") == 199.0
    view.hide()
    feed(bus, view, [sample(T0 + 5, "jiefang_road", count_up=3.0)])
    assert view.repaints == start + 1
    view.show()
    view.refresh()
    assert view.repaints == start + 2


def test_tooltip_names_label_value_unit_and_thresholds(
    pane: PaneAndCalls, bus: EventBus, qtbot: QtBot
) -> None:
    view, _ = pane
    feed(bus, view, realistic_scene(T0))
    schematic = view.cards["chaoyang_road"].schematic
    text = schematic.tooltip_for("deflection_s2_mid")
    assert "Deflection, span 2 mid" in text and "70.5 mm" in text
    assert "L3 ≥ 40 · L2 ≥ 60 · L1 ≥ 80 mm (either way)" in text
    assert "L2 serious" in text
    where = schematic.sensor_point("water_level")
    assert schematic.sensor_at(where) == "water_level"
    at = schematic.sensor_point("deflection_s2_mid").toPoint()
    hover = QHelpEvent(QEvent.Type.ToolTip, at, schematic.mapToGlobal(at))
    QApplication.sendEvent(schematic, hover)
    qtbot.waitUntil(lambda: "70.5 mm" in QToolTip.text())
    plan = view.cards["chaoyang_road"].plan
    at = plan.vessel_point("413800201").toPoint()
    QApplication.sendEvent(plan, QHelpEvent(QEvent.Type.ToolTip, at, plan.mapToGlobal(at)))
    qtbot.waitUntil(lambda: "皖蚌埠货0201" in QToolTip.text())


def test_compact_mode_hides_the_tables_and_round_trips(pane: PaneAndCalls, qtbot: QtBot) -> None:
    view, _ = pane
    card = view.cards["jiefang_road"]
    full = card.height()
    view.compact_button.click()
    assert view.compact and not card.readings.isVisible()
    qtbot.waitUntil(lambda: card.height() < full - 100)
    assert view.save_state() == {"compact": True}
    view.restore_state({"compact": False})
    assert not view.compact and card.readings.isVisible()


def test_screenshot_of_a_realistic_scene(pane: PaneAndCalls, bus: EventBus, tmp_path: Path) -> None:
    view, _ = pane
    view.setStyleSheet(STYLE_SHEET)
    feed(bus, view, realistic_scene(T0))
    target = tmp_path / "bridges_pane.png"
    assert view.grab().save(str(target))
    assert target.stat().st_size > 20_000


def test_a_narrow_dock_puts_the_readings_under_both_drawings(
    pane: PaneAndCalls, qtbot: QtBot
) -> None:
    view, _ = pane
    card = view.cards["g104"]
    assert card.readings.geometry().top() < card.plan.geometry().bottom()  # wide: side by side
    view.resize(620, 1150)
    qtbot.waitUntil(lambda: card.readings.geometry().top() > card.plan.geometry().bottom())
    assert card.geometry().right() <= view.width()  # no sideways scrolling
    assert card.plan.width() < 200
