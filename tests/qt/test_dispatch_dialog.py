"""The dispatch dialog from the keyboard: units by number, offices by Alt+level, reasons."""

from __future__ import annotations

import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from console.core.city.model import Level
from console.core.incidents import IncidentService
from console.core.incidents.model import Incident, IncidentStatus
from console.qt.dispatch_dialog import DispatchDialog, DispatchMode
from tests.qt.test_case_actions import OPERATOR, rank_units, report, square


def opened(service: IncidentService) -> Incident:
    case = report(service)
    service.act(case.id, "accept", OPERATOR)
    return service.act(case.id, "open", OPERATOR)


def make_dialog(
    qtbot: QtBot,
    service: IncidentService,
    case: Incident,
    mode: DispatchMode = DispatchMode.DISPATCH,
) -> DispatchDialog:
    dialog = DispatchDialog(service, case, rank_units(service, case), square, mode)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.units.hasFocus)
    return dialog


def test_digits_pick_and_arrows_move(qtbot: QtBot, service: IncidentService) -> None:
    case = opened(service)
    dialog = make_dialog(qtbot, service, case)
    ranked = [r.unit.unit_id for r in rank_units(service, case)]
    assert dialog.choice()[0] == ranked[0]
    qtbot.keyClick(dialog.units, Qt.Key.Key_3)
    assert dialog.choice()[0] == ranked[2]
    qtbot.keyClick(dialog.units, Qt.Key.Key_Up)
    assert dialog.choice()[0] == ranked[1]
    qtbot.keyClick(dialog.units, Qt.Key.Key_9)  # no ninth unit: the choice stays
    assert dialog.choice()[0] == ranked[1]
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(dialog.units, Qt.Key.Key_Return)


def test_escape_cancels(qtbot: QtBot, service: IncidentService) -> None:
    dialog = make_dialog(qtbot, service, opened(service))
    with qtbot.waitSignal(dialog.rejected):
        qtbot.keyClick(dialog.units, Qt.Key.Key_Escape)


def test_alt_level_hands_the_case_to_that_office(qtbot: QtBot, service: IncidentService) -> None:
    case = opened(service)
    assert case.responsible_level is Level.COUNTY
    dialog = make_dialog(qtbot, service, case)
    chain = [dialog.chain.topLevelItem(i).text(1) for i in range(dialog.chain.topLevelItemCount())]
    assert len(chain) == 5 and chain[1].startswith("▶")  # the county holds the case now
    qtbot.keyClick(dialog.units, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
    assert dialog.choice()[0] == "office:340303001"
    assert dialog.reason_required() == ""
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(dialog.units, Qt.Key.Key_Return)
    stored = service.act(case.id, "dispatch", OPERATOR, unit_id=dialog.choice()[0])
    assert stored.status is IncidentStatus.OPENED
    assert stored.responsible_level is Level.STREET
    assert service.audit_trail(case.id)[-1].action == "handed_down"


def test_typed_unit_id_completes_over_the_registry(qtbot: QtBot, service: IncidentService) -> None:
    dialog = make_dialog(qtbot, service, opened(service))
    dialog.unit_edit.setFocus()
    dialog.unit_edit.clear()
    qtbot.keyClicks(dialog.unit_edit, "bc-3403")
    completer = dialog.unit_edit.completer()
    assert completer.completionCount() == 1
    assert completer.currentCompletion() == "BC-340300-01"
    dialog.unit_edit.setText("NO-SUCH-UNIT")
    qtbot.keyClick(dialog.unit_edit, Qt.Key.Key_Return)
    assert dialog.isVisible() and "No unit" in dialog.warning.text()


def test_transfer_lists_peers_and_needs_a_reason(qtbot: QtBot, service: IncidentService) -> None:
    case = opened(service)
    case = service.act(case.id, "dispatch", OPERATOR, unit_id="TP-340303-01")
    dialog = make_dialog(qtbot, service, case, DispatchMode.TRANSFER)
    listed = [dialog.units.item(i).text() for i in range(dialog.units.count())]
    assert listed and not any("TP-340303-01 " in text for text in listed)
    assert not dialog.chain.isEnabled()
    qtbot.keyClick(dialog.units, Qt.Key.Key_Return)
    assert dialog.isVisible() and "transfer needs a reason" in dialog.warning.text()
    qtbot.keyClicks(dialog.reason, "crew 01 at another crash")
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    unit_id, reason = dialog.choice()
    stored = service.act(case.id, "transfer", OPERATOR, unit_id=unit_id, reason=reason)
    assert stored.responsible_unit_id == unit_id != "TP-340303-01"


def test_rework_defaults_to_the_unit_that_handled_it(
    qtbot: QtBot, service: IncidentService
) -> None:
    case = opened(service)
    service.act(case.id, "dispatch", OPERATOR, unit_id="TP-340303-02")
    for verb, params in (("sign", {}), ("start", {}), ("handle", {"note": "done"})):
        case = service.act(case.id, verb, OPERATOR, **params)
    dialog = make_dialog(qtbot, service, case, DispatchMode.REWORK)
    assert dialog.choice() == ("TP-340303-02", "")
    assert "not resolved" in dialog.reason_required()


def test_map_shows_the_case_units_and_boundaries(qtbot: QtBot, service: IncidentService) -> None:
    case = opened(service)
    dialog = make_dialog(qtbot, service, case)
    items = dialog.map.getPlotItem().items
    labels = sorted(i.toPlainText() for i in items if isinstance(i, pg.TextItem))
    assert labels == [str(n) for n in range(1, len(rank_units(service, case)) + 1)]
    boundaries = [
        i
        for i in items
        if isinstance(i, pg.PlotDataItem) and i.xData is not None and len(i.xData) > 2
    ]
    assert len(boundaries) == 2  # county and street
    assert dialog.map.getViewBox().state["aspectLocked"]


@pytest.mark.parametrize("geometry", [lambda code: None, lambda code: {}[code]])
def test_map_without_geometry_still_opens(
    qtbot: QtBot, service: IncidentService, geometry: object
) -> None:
    case = opened(service)
    dialog = DispatchDialog(service, case, rank_units(service, case), geometry)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    assert dialog.choice()[0]
