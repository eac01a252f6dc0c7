"""The KPI pane over the real case service: tiles, charts, tables, refresh policy, state."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from console.core.bus import EventBus
from console.core.clock import ManualClock
from console.core.incidents import IncidentService, Verb
from console.qt.panes.kpi import KpiPane
from tests.support.cases import CENTRE, FIELD_UNITS

POLICE = FIELD_UNITS[0].unit_id  # TP-340303-01, county level
MINUTE = 60.0


def _step(
    service: IncidentService, clock: ManualClock, case_id: int, verb: Verb, **kw: object
) -> None:
    clock.advance(MINUTE)
    service.act(case_id, verb, "op", **kw)


def _closed_case(service: IncidentService, clock: ManualClock, *, rework: bool) -> int:
    """Report → … → close, a minute per step (one failed verification if ``rework``)."""
    case_id = service.report("road_accident", *CENTRE, "two cars", "op").id
    steps: list[tuple[Verb, dict[str, object]]] = [
        (Verb.ACCEPT, {}),
        (Verb.OPEN, {}),
        (Verb.DISPATCH, {"unit_id": POLICE}),
        (Verb.SIGN, {}),
        (Verb.START, {}),
        (Verb.HANDLE, {"note": "cleared"}),
    ]
    if rework:
        steps += [
            (Verb.VERIFY, {"passed": False, "note": "debris left"}),
            (Verb.SIGN, {}),
            (Verb.START, {}),
            (Verb.HANDLE, {"note": "cleared again"}),
        ]
    steps += [(Verb.VERIFY, {"passed": True}), (Verb.CLOSE, {})]
    for verb, params in steps:
        _step(service, clock, case_id, verb, **params)
    return case_id


@pytest.fixture
def pane(qtbot: QtBot, service: IncidentService, clock: ManualClock, bus: EventBus) -> KpiPane:
    widget = KpiPane(service.db, clock, "Asia/Shanghai", min_interval_s=0.0)
    qtbot.addWidget(widget)
    widget.attach(bus)
    widget.resize(1400, 420)
    widget.show()
    return widget


def _tile(pane: KpiPane, key: str) -> str:
    return pane.tiles[key].value.text()


def test_tiles_show_the_shift_s_figures(
    pane: KpiPane, service: IncidentService, clock: ManualClock, bus: EventBus
) -> None:
    _closed_case(service, clock, rework=False)  # closes in 8 min
    _closed_case(service, clock, rework=True)  # closes in 12 min
    extended = service.report("flooding", *CENTRE, "water on the road", "op").id
    for verb, params in (
        (Verb.ACCEPT, {}),
        (Verb.OPEN, {}),
        (Verb.DISPATCH, {"unit_id": "CM-340303001-01"}),
        (Verb.EXTEND, {"reason": "pump on its way"}),
    ):
        _step(service, clock, extended, verb, **params)
    rejected = service.report("road_accident", *CENTRE, "prank", "op").id
    _step(service, clock, rejected, Verb.REJECT, grounds="invalid", reason="prank call")
    bus.drain()
    pane.refresh()
    assert _tile(pane, "opened") == "4"
    assert pane.tiles["opened"].detail.text() == "1 rejected · 0 merged"
    assert _tile(pane, "closed") == "2"
    assert pane.tiles["closed"].detail.text() == "1 still open"
    assert _tile(pane, "on_time") == "100%"
    assert _tile(pane, "rework") == "50%"
    assert pane.tiles["rework"].detail.text() == "1 of 2"
    assert _tile(pane, "extension") == "33%"
    assert _tile(pane, "accept") == "1.0"
    assert _tile(pane, "dispatch") == "3.0"
    assert _tile(pane, "close") == "10.0"
    assert pane.window_label.text() == "Shift 16:00–24:00 · 2026-11-18"


def test_charts_and_tables_show_hours_levels_and_units(
    pane: KpiPane, service: IncidentService, clock: ManualClock, bus: EventBus
) -> None:
    _closed_case(service, clock, rework=False)
    bus.drain()
    pane.refresh()
    report = pane.report
    assert report is not None
    heights = pane.opened_bars.opts["height"]
    assert list(heights) == list(report.opened_per_hour) and sum(heights) == 1
    assert len(heights) == 8
    assert sum(pane.closed_bars.opts["height"]) == 1
    assert pane.unit_table.rowCount() == 1
    unit_row = [pane.unit_table.item(0, c).text() for c in range(6)]
    assert unit_row[0] == FIELD_UNITS[0].name and unit_row[1:] == ["1", "1", "100%", "0%", "8.0"]
    assert pane.unit_table.item(0, 0).toolTip() == POLICE
    assert pane.level_table.rowCount() == 5
    county = [pane.level_table.item(1, c).text() for c in range(6)]
    assert county == ["County / district", "1", "1", "100%", "0%", "8.0"]
    assert [label.toPlainText() for label in pane.level_values] == ["—", "8.0", "—", "—", "—"]


def test_an_empty_store_shows_dashes(pane: KpiPane) -> None:
    pane.refresh()
    assert _tile(pane, "opened") == "0"
    assert all(_tile(pane, key) == "—" for key in ("on_time", "rework", "accept", "close"))


def test_changes_are_coalesced_and_shown_at_most_every_interval(
    qtbot: QtBot, service: IncidentService, clock: ManualClock, bus: EventBus
) -> None:
    pane = KpiPane(service.db, clock, "Asia/Shanghai", min_interval_s=3600.0, max_age_s=7200.0)
    qtbot.addWidget(pane)
    pane.attach(bus)
    pane.refresh()
    assert pane.recomputations == 1
    pane.refresh()  # nothing changed, too soon anyway
    for _ in range(3):
        service.report("flooding", *CENTRE, "water", "op")
    bus.drain()
    pane.refresh()  # stale, but the last computation is too recent
    assert pane.recomputations == 1 and _tile(pane, "opened") == "0"
    with qtbot.waitSignal(pane.sig_recomputed):
        pane.recompute()
    assert pane.recomputations == 2 and _tile(pane, "opened") == "3"


def test_refresh_recomputes_only_when_something_changed(
    pane: KpiPane, service: IncidentService, clock: ManualClock, bus: EventBus
) -> None:
    pane.refresh()
    pane.refresh()
    assert pane.recomputations == 1
    service.report("flooding", *CENTRE, "water", "op")
    service.report("flooding", *CENTRE, "more water", "op")
    bus.drain()
    pane.refresh()
    pane.refresh()
    assert pane.recomputations == 2 and _tile(pane, "opened") == "2"
    assert pane.last_compute_ms > 0.0


def test_the_window_moves_on_at_the_shift_change(
    pane: KpiPane, service: IncidentService, clock: ManualClock, bus: EventBus
) -> None:
    service.report("flooding", *CENTRE, "water", "op")
    bus.drain()
    pane.refresh()
    assert _tile(pane, "opened") == "1"
    clock.advance(5 * 3600.0)  # 19:06 → 00:06 the next day
    pane.refresh()
    assert pane.window_label.text() == "Shift 00:00–08:00 · 2026-11-19"
    assert _tile(pane, "opened") == "0"


def test_the_day_toggle_and_its_saved_state(
    qtbot: QtBot, pane: KpiPane, service: IncidentService, clock: ManualClock, bus: EventBus
) -> None:
    service.report("flooding", *CENTRE, "water", "op")
    bus.drain()
    pane.refresh()
    qtbot.mouseClick(pane.mode_buttons["day"], Qt.MouseButton.LeftButton)
    assert pane.mode == "day" and pane.report is not None
    assert pane.report.window.kind == "day" and len(pane.opened_bars.opts["height"]) == 24
    assert pane.window_label.text() == "Day 2026-11-18"
    state = json.loads(json.dumps(pane.save_state()))
    other = KpiPane(service.db, clock, "Asia/Shanghai")
    qtbot.addWidget(other)
    other.restore_state(state)
    assert other.save_state() == {"mode": "day"} and other.mode_buttons["day"].isChecked()
    other.restore_state({"mode": "week", "unknown": 1})  # tolerated, ignored
    assert other.mode == "day"
    with pytest.raises(ValueError, match="unknown KPI window"):
        other.set_mode("week")


def test_the_pane_opens_and_closes_its_subscription(
    qtbot: QtBot, service: IncidentService, clock: ManualClock, bus: EventBus
) -> None:
    pane = KpiPane(service.db, clock, "Asia/Shanghai")
    qtbot.addWidget(pane)
    before = bus.subscription_count
    pane.attach(bus)
    assert bus.subscription_count == before + 1 and pane.attached
    pane.attach(bus)
    assert bus.subscription_count == before + 1
    pane.detach()
    assert bus.subscription_count == before and not pane.attached
    pane.attach(bus)
    pane.close()
    assert bus.subscription_count == before
