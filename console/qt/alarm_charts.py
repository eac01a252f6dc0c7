"""Case › Charts at the alarm: the chart workspace paused on a bridge case's alarm moment.

A bridge case keeps its alarm's fields (bridge, channel, time); this opens that
channel with the deck temperature, ten minutes either side of the alarm, so the
operator sees what the sensor did before and after it fired.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

from console.core.channels import bridge_channel_id
from console.core.events import BridgeAlarm
from console.core.incidents.model import Incident
from console.qt.panes.live_charts import LiveChartsPane

CONTEXT_SENSORS = ("temp_deck",)
"""Channels shown beside the alarm's own (when the bridge has them)."""


def alarm_charts(case: Incident) -> tuple[list[str], float] | None:
    """The chart channels and moment of a bridge case's alarm; None for other cases."""
    if case.source_topic != BridgeAlarm.TOPIC:
        return None
    fields: dict[str, Any] = dict(case.detail.get("alarm") or {})
    bridge_id, channel = str(fields.get("bridge_id", "")), str(fields.get("channel", ""))
    if not bridge_id or not channel:
        return None
    moment = fields.get("ts", case.reported_at)
    sensors = [channel, *(s for s in CONTEXT_SENSORS if s != channel)]
    channels = [bridge_channel_id(bridge_id, s) for s in sensors]
    return channels, float(moment) if isinstance(moment, int | float) else case.reported_at


def install_alarm_charts(
    window: QMainWindow,
    current_case: Callable[[], Incident | None],
    charts: LiveChartsPane,
    show_pane: Callable[[str], None],
) -> QAction:
    """Add Case › Charts at the alarm (Ctrl+Shift+A) for the case in the case pane."""
    action = QAction("Charts at the alarm", window)
    action.setShortcut(QKeySequence("Ctrl+Shift+A"))
    action.setStatusTip("Chart the alarm's sensor ten minutes either side of the alarm")

    def open_charts() -> None:
        case = current_case()
        found = alarm_charts(case) if case is not None else None
        if found is None:
            window.statusBar().showMessage("Charts at the alarm: select a bridge alarm case", 6000)
            return
        channels, moment = found
        charts.open_channels(channels, around=moment)
        show_pane(charts.PANE_ID)

    action.triggered.connect(open_charts)
    menu = next((a.menu() for a in window.menuBar().actions() if a.text() == "&Case"), None)
    if isinstance(menu, QMenu):
        menu.addSeparator()
        menu.addAction(action)
    window.addAction(action)
    return action
