"""Bridge safety on the real console: a strain crossing becomes a case in the queue, the
Bridges pane shows the sensor's level, and Case › Charts at the alarm opens its chart."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QAction
from pytestqt.qtbot import QtBot

from console.core.events import BridgeChannels, WarningLevel
from console.core.runtime import ConsoleCore
from console.qt.case_wiring import CaseWorkflow
from console.qt.main_window import MainWindow
from tests.support.cases import CONSOLE_START

pytestmark = pytest.mark.qt

START = CONSOLE_START
TIMEOUT_MS = 20_000
BRIDGE = "chaoyang_road"
SENSOR = "strain_s2_mid"


@pytest.fixture
def core(console_core: ConsoleCore) -> ConsoleCore:
    return console_core


@pytest.fixture
def console(console_window: tuple[MainWindow, CaseWorkflow]) -> tuple[MainWindow, CaseWorkflow]:
    return console_window


def _samples(core: ConsoleCore, start: float, count: int, strain: float) -> None:
    """``count`` one-second samples of every sensor of the bridge, quiet but for the strain."""
    assert core.bridge_safety is not None
    bridge = core.bridge_safety.monitor.monitoring.bridge(BRIDGE)
    quiet = {
        "count_up": 20.0,
        "count_down": 18.0,
        "temp_deck": 24.0,
        "temp_air": 22.0,
        "water_level": 17.0,
    }
    for second in range(count):
        values = {s.sensor_id: quiet.get(s.sensor_id, 10.0) for s in bridge.sensors}
        values[SENSOR] = strain
        event = BridgeChannels(start + second, BRIDGE, tuple(values), tuple(values.values()))
        core.bus.post(event)
    core.bus.drain()


def test_a_strain_crossing_opens_a_case_and_its_chart(
    qtbot: QtBot, core: ConsoleCore, console: tuple[MainWindow, CaseWorkflow]
) -> None:
    window, flow = console
    _samples(core, START, 30, strain=60.0)
    _samples(core, START + 30, 5, strain=142.0)  # level 2 (serious) from 130 με
    queue = window.panes["incident_queue"]
    qtbot.waitUntil(lambda: queue.model.rowCount() == 1, timeout=TIMEOUT_MS)
    [case] = core.incidents.list_open()
    assert case.incident_type == "bridge_strain"
    assert case.detail["alarm"]["level"] == int(WarningLevel.SERIOUS)
    # the enricher added the bridge's cameras and the chart window before the alarm
    qtbot.waitUntil(lambda: len(core.incidents.attachments(case.id)) == 1, timeout=TIMEOUT_MS)
    notes = " ".join(n.text for n in core.incidents.notes(case.id))
    assert "cam-" in notes

    bridges = window.panes["bridges"]
    window.show_pane(bridges.PANE_ID)
    qtbot.waitUntil(
        lambda: bridges.states[BRIDGE].level(SENSOR) == WarningLevel.SERIOUS,
        timeout=TIMEOUT_MS,
    )

    assert queue.select_case(case.id)
    qtbot.waitUntil(lambda: flow.detail.case_id() == case.id, timeout=TIMEOUT_MS)
    action = next(a for a in window.findChildren(QAction) if a.text() == "Charts at the alarm")
    charts = window.panes["live_charts"]
    before = len(charts.charts)
    action.trigger()
    opened = [c for chart in charts.charts[before:] for c in chart.channel_ids]
    assert opened == [f"bridge:{BRIDGE}:{SENSOR}", f"bridge:{BRIDGE}:temp_deck"]  # one per unit
