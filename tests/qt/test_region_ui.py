"""The smart region on the real console: hand a case to a neighbouring centre through the
dialog and watch its status come back, over a real Mosquitto.

Bengbu is the whole console (its feeds from the broker under ``bengbu/``, Huainan
as a neighbour with that broker, Chuzhou and Huai'an without one). Huainan is a
second centre on its own database, bus, feed and region desk, as in
``tests/core/test_region_handoff.py``. The window is built once for the module;
every test works on cases of its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QStandardItemModel, QTextDocument
from PySide6.QtWidgets import QApplication, QMainWindow
from pytestqt.qtbot import QtBot

from console.core.bus import EventBus
from console.core.clock import ManualClock, WallClock
from console.core.events import RegionStatus
from console.core.feeds import MqttSource, parse_broker_url
from console.core.feeds.source import LinkState
from console.core.incidents import IncidentService, load_incident_rules
from console.core.incidents.lifecycle import Verb
from console.core.incidents.model import Incident
from console.core.paths import city_dir
from console.core.region import Centre, Direction, HandoffState, RegionConfig, RegionDesk
from console.core.region.link import RegionLinks
from console.core.runtime import ConsoleCore, CoreOptions, build_core
from console.core.storage import Database, open_database
from console.qt.alarm_rate import case_menu
from console.qt.case_actions import CaseActions
from console.qt.case_wiring import CaseWorkflow
from console.qt.console_app import build_console
from console.qt.frame_tick import FrameTick
from console.qt.handoff_dialog import HandoffDialog
from console.qt.main_window import MainWindow
from console.qt.panes.case_detail import CaseDetailPane
from console.qt.panes.incident_queue import IncidentQueuePane
from console.qt.region_view import (
    WARN_COLOUR,
    NeighbouringCentresWindow,
    RegionUi,
    install_region_ui,
    region_status,
)
from console.qt.status_bar import ConsoleStatusBar
from tests.support.cases import CENTRE, CONSOLE_START, fixed_registry, locate, name_of
from tests.support.mosquitto import Mosquitto, free_port, running_broker, wait_until

pytestmark = pytest.mark.qt

OPERATOR = "王敏"
TIMEOUT_MS = 15_000
WAIT_S = 15.0


@dataclass
class Neighbour:
    """Huainan's centre: its own database, bus, feed, case service and region desk."""

    db: Database
    bus: EventBus
    service: IncidentService
    region: RegionDesk
    links: RegionLinks
    source: MqttSource

    def drain(self) -> bool:
        """Run Huainan's bus once (its console's frame tick); True to use in a wait."""
        self.bus.drain()
        return True

    def close(self) -> None:
        self.links.stop()
        self.source.stop()
        self.region.close()
        self.db.close()


@dataclass
class Console:
    """Bengbu's whole console on the broker, with the region's parts installed."""

    core: ConsoleCore
    window: MainWindow
    flow: CaseWorkflow
    queue: IncidentQueuePane
    region: RegionUi
    tz: dt.tzinfo


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mosquitto]:
    """One real Mosquitto on loopback for the module."""
    yield from running_broker(tmp_path_factory.mktemp("region-broker"))


@pytest.fixture(scope="module")
def huainan(tmp_path_factory: pytest.TempPathFactory, broker: Mosquitto) -> Iterator[Neighbour]:
    folder = tmp_path_factory.mktemp("huainan")
    clock = ManualClock(start=CONSOLE_START)
    db = open_database(f"sqlite:///{folder / 'huainan.db'}")
    bus = EventBus(clock)
    rules = load_incident_rules(city_dir("bengbu") / "incident_types.json")
    service = IncidentService(db, bus, clock, locate, rules, fixed_registry(), name_of)
    config = RegionConfig(
        Centre("huainan", "淮南市", "Huainan"),
        (Centre("bengbu", "蚌埠市", "Bengbu", broker=broker.url),),
    )
    links = RegionLinks(config, db, WallClock(), "huainan-desk", poll_s=0.2)
    region = RegionDesk(config, service, bus, clock, wake=links.wake)
    region.attach()
    source = MqttSource(
        parse_broker_url(broker.url, prefix="huainan", client_id="huainan-console"), bus, clock
    )
    source.start()
    links.start()
    made = Neighbour(db, bus, service, region, links, source)
    assert source.wait_connected(WAIT_S)
    yield made
    made.close()


@pytest.fixture(scope="module")
def console(
    qapp: QApplication, tmp_path_factory: pytest.TempPathFactory, broker: Mosquitto
) -> Iterator[Console]:
    folder = tmp_path_factory.mktemp("bengbu")
    options = CoreOptions(
        database_url=f"sqlite:///{folder / 'bengbu.db'}",
        history_dir=folder / "history",
        start=CONSOLE_START,
        colleague_share=0.0,
        bus_url=f"{broker.url}?prefix=bengbu",
        console_id="bengbu-test",
        neighbours=(("huainan", broker.url),),
    )
    core = build_core(options)
    window, flow = build_console(core, OPERATOR, folder / "profile")
    queue = window.panes[IncidentQueuePane.PANE_ID]
    assert isinstance(queue, IncidentQueuePane)
    tz = ZoneInfo(core.timezone)
    region = install_region_ui(window, core, flow, queue.select_case, tz)
    assert region is not None
    assert install_region_ui(window, core, flow, queue.select_case, tz) is region  # once
    window.resize(1500, 920)
    window.show()
    core.start()
    assert core.feed is not None and core.feed.wait_connected(WAIT_S)
    assert core.region_links is not None
    assert wait_until(
        lambda: (
            core.region_links is not None
            and core.region_links.links()[0].state is LinkState.CONNECTED
        ),
        WAIT_S,
    )
    yield Console(core, window, flow, queue, region, tz)
    window.close()
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    core.stop()


def report(service: IncidentService, text: str = "货车侧翻，司机驾车逃往淮南") -> Incident:
    return service.report("road_accident", *CENTRE, text, OPERATOR, place="淮河大桥北")


def show(qtbot: QtBot, console: Console, case_id: int) -> None:
    """Select the case in the queue (once the queue has it) and wait for the case pane."""
    qtbot.waitUntil(lambda: console.queue.select_case(case_id), timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: console.flow.detail.case_id() == case_id, timeout=TIMEOUT_MS)


def plain(rich: str) -> str:
    """Rich text as a reader sees it."""
    document = QTextDocument()
    document.setHtml(rich)
    return document.toPlainText()


def section(console: Console) -> str:
    """The case pane's Neighbouring centres section as read ('' when hidden)."""
    box = console.flow.detail.region_box
    return plain(box.text()) if not box.isHidden() else ""


def open_dialog(qtbot: QtBot, actions: CaseActions) -> HandoffDialog:
    actions.actions["hand_off"].trigger()
    qtbot.waitUntil(lambda: isinstance(actions.active_dialog, HandoffDialog))
    dialog = actions.active_dialog
    assert isinstance(dialog, HandoffDialog)
    qtbot.waitExposed(dialog)
    return dialog


def test_a_case_handed_off_through_the_dialog_is_stored_and_its_status_comes_back(
    qtbot: QtBot, console: Console, huainan: Neighbour
) -> None:
    core, flow = console.core, console.flow
    assert core.region is not None
    case = report(core.incidents)
    show(qtbot, console, case.id)
    assert section(console) == ""  # no hand-off yet: no section
    assert flow.actions.actions["hand_off"].isEnabled()

    dialog = open_dialog(qtbot, flow.actions)
    assert f"#{case.id}" in dialog.heading.text() and "淮河大桥北" in dialog.heading.text()
    texts = [dialog.centre.itemText(i) for i in range(dialog.centre.count())]
    assert texts == [
        "淮南市 (Huainan) — connected",
        "滁州市 (Chuzhou) — no broker configured",
        "淮安市 (Huai'an) — no broker configured",
    ]
    model = dialog.centre.model()
    assert isinstance(model, QStandardItemModel)
    assert [model.item(i).isEnabled() for i in range(3)] == [True, False, False]
    tip = dialog.centre.itemData(1, Qt.ItemDataRole.ToolTipRole)
    assert "--neighbour chuzhou=mqtt://" in tip
    assert not dialog.choose("chuzhou") and dialog.centre.currentData() == "huainan"

    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)  # no reason given
    assert dialog.isVisible() and "needs a reason" in dialog.error.text()
    assert core.region.handoffs(case.id) == []
    qtbot.keyClicks(dialog.reason, "the driver fled to Huainan")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible())

    (stored,) = core.region.handoffs(case.id)  # stored before the dialog closed
    assert stored.direction is Direction.OUT and stored.peer == "huainan"
    assert stored.reason == "the driver fled to Huainan" and stored.actor == OPERATOR
    trail = core.incidents.audit_trail(case.id)
    assert trail[-1].action == "handed_off"
    assert "handed to 淮南市 (Huainan)" in console.window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: "Sent to 淮南市 (Huainan) " in section(console))
    assert f"by {OPERATOR} — " in section(console)

    # Huainan takes it and reports; the case pane follows each report
    qtbot.waitUntil(
        lambda: huainan.drain() and "Taken over: their case #" in section(console),
        timeout=TIMEOUT_MS,
    )
    (taken,) = [c for c in huainan.service.list_open() if "逃往淮南" in c.title]
    assert f"their case #{taken.id}, Reported (" in section(console)
    huainan.service.act(taken.id, Verb.ACCEPT, "李娜")
    qtbot.waitUntil(
        lambda: huainan.drain() and f"their case #{taken.id}, Accepted (" in section(console),
        timeout=TIMEOUT_MS,
    )

    # the same neighbour again: refused, explained in the dialog, which stays open
    dialog = open_dialog(qtbot, flow.actions)
    qtbot.keyClicks(dialog.reason, "once more")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert "already handed to 淮南市 (Huainan) (taken over)" in dialog.error.text()
    dialog.reject()
    assert len(core.region.handoffs(case.id)) == 1


def test_a_refusal_from_the_neighbour_is_explained_in_the_case_pane(
    qtbot: QtBot, console: Console
) -> None:
    core = console.core
    assert core.region is not None
    case = report(core.incidents, "渣土车抛洒，车辆驶向淮南")
    show(qtbot, console, case.id)
    sent = core.region.hand_off(case.id, "huainan", OPERATOR, "the lorry left for Huainan")
    refusal = RegionStatus(
        ts=CONSOLE_START,
        handoff_id=sent.handoff_id,
        centre="huainan",
        seq=100,  # newer than anything Huainan itself reports on it
        case_id=0,
        status="refused",
        action="refused",
        actor="淮南市 (Huainan)",
        note="the road is Bengbu's; the lorry never crossed",
    )
    assert core.region.record(refusal) is not None
    qtbot.waitUntil(
        lambda: "Refused: the road is Bengbu's; the lorry never crossed" in section(console),
        timeout=TIMEOUT_MS,
    )
    assert core.region.handoffs(case.id)[0].state is HandoffState.REFUSED


def test_a_case_taken_from_a_neighbour_says_where_it_came_from(
    qtbot: QtBot, console: Console, huainan: Neighbour
) -> None:
    core = console.core
    assert core.region is not None
    theirs = report(huainan.service, "淮南籍货船在蚌埠闸下游搁浅")
    huainan.region.hand_off(theirs.id, "bengbu", "李娜", "the vessel drifted down to Bengbu")

    def taken() -> int | None:
        for handoff in core.region.recent() if core.region is not None else []:
            if handoff.direction is Direction.IN and handoff.remote_case_id == theirs.id:
                return handoff.incident_id
        return None

    qtbot.waitUntil(lambda: taken() is not None, timeout=TIMEOUT_MS)
    ours = taken()
    assert ours is not None
    show(qtbot, console, ours)
    qtbot.waitUntil(
        lambda: (
            f"Taken from 淮南市 (Huainan), their case #{theirs.id}: "
            "the vessel drifted down to Bengbu" in section(console)
        ),
        timeout=TIMEOUT_MS,
    )


def test_the_neighbouring_centres_window_lists_links_and_hand_offs(
    qtbot: QtBot, console: Console, huainan: Neighbour
) -> None:
    core, window = console.core, console.window
    assert core.region is not None
    entry = next(a for a in case_menu(window).actions() if a.text() == "Neighbouring centres…")
    entry.trigger()
    view = console.region.view
    assert isinstance(view, NeighbouringCentresWindow)
    qtbot.waitExposed(view)
    links = [view.neighbours.item(row, 1).text() for row in range(view.neighbours.rowCount())]
    assert links == ["connected", "no broker configured", "no broker configured"]
    assert view.neighbours.item(0, 0).text() == "淮南市 (Huainan)"

    case = report(core.incidents, "危化品车辆驶离蚌埠往淮南方向")
    before = view.handoffs.rowCount()
    core.region.hand_off(case.id, "huainan", OPERATOR, "heading for Huainan")
    qtbot.waitUntil(lambda: view.handoffs.rowCount() == before + 1, timeout=5000)  # its timer
    row = next(r for r in range(view.handoffs.rowCount()) if view.case_id_at(r) == case.id)
    cells = [view.handoffs.item(row, c).text() for c in range(view.handoffs.columnCount())]
    assert cells[1:4] == ["sent to", "淮南市 (Huainan)", f"#{case.id}"]
    assert cells[6] == "heading for Huainan"

    theirs = report(huainan.service, "淮南货车在蚌埠境内抛锚")
    huainan.region.hand_off(theirs.id, "bengbu", "李娜", "broke down in Bengbu")

    def taken_row() -> list[str]:
        for r in range(view.handoffs.rowCount()):
            texts = [view.handoffs.item(r, c).text() for c in range(view.handoffs.columnCount())]
            if texts[1] == "taken from" and texts[4] == f"#{theirs.id}":
                return texts
        return []

    qtbot.waitUntil(lambda: bool(taken_row()), timeout=TIMEOUT_MS)
    assert taken_row()[2] == "淮南市 (Huainan)" and taken_row()[6] == "broke down in Bengbu"
    row = next(r for r in range(view.handoffs.rowCount()) if view.case_id_at(r) == case.id)

    qtbot.waitUntil(lambda: console.queue.model.row_of(case.id) is not None, timeout=TIMEOUT_MS)
    rect = view.handoffs.visualItemRect(view.handoffs.item(row, 2))
    viewport = view.handoffs.viewport()
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: console.flow.detail.case_id() == case.id)
    assert console.queue.current_case_id() == case.id
    view.close()
    assert not view.timer.isActive()  # no reading while it is not shown


def test_the_status_bar_shows_each_neighbour_s_link(console: Console) -> None:
    status = console.window.statusBar()
    assert isinstance(status, ConsoleStatusBar)
    status.update_figures()
    assert status.region_label.isVisible()
    assert status.region_label.text() == "Region: 淮南 ✓ · 滁州 no broker · 淮安 no broker"
    tip = status.region_label.toolTip()
    assert "淮南市 (Huainan): connected; " in tip and " sent, 0 waiting" in tip
    assert "滁州市 (Chuzhou): no broker configured" in tip


# ---- Without a console: one desk and its parts on the test service


def unreachable_desk(service: IncidentService, bus: EventBus) -> tuple[RegionDesk, RegionLinks]:
    """A desk whose one neighbour with a broker cannot be reached (nothing listens)."""
    config = RegionConfig(
        Centre("bengbu", "蚌埠市", "Bengbu"),
        (
            Centre("huainan", "淮南市", "Huainan", broker=f"mqtt://127.0.0.1:{free_port()}"),
            Centre("chuzhou", "滁州市", "Chuzhou"),
        ),
    )
    links = RegionLinks(config, service.db, WallClock(), "unreachable", poll_s=0.2)
    desk = RegionDesk(config, service, bus, service.clock, wake=links.wake)
    return desk, links


def test_a_neighbour_that_cannot_be_reached_is_shown_down_and_the_hand_off_waits(
    qtbot: QtBot, service: IncidentService, bus: EventBus
) -> None:
    desk, links = unreachable_desk(service, bus)
    links.start()
    try:
        assert wait_until(lambda: links.links()[0].state is LinkState.DOWN, WAIT_S)
        tz = dt.UTC
        since = f"{dt.datetime.fromtimestamp(links.links()[0].since, tz):%H:%M}"

        status = ConsoleStatusBar(bus, service.clock, FrameTick(bus), "test.db")
        qtbot.addWidget(status)
        status.set_region_status(lambda: region_status(links.links(), desk.waiting(), tz))
        text = status.region_label.text()
        assert f"<span style='color:{WARN_COLOUR}'>淮南 down</span>" in text
        assert text.endswith("滁州 no broker")
        held, tip = region_status(links.links(), desk.waiting(), tz, held=2)
        assert held.endswith(f"滁州 no broker · <span style='color:{WARN_COLOUR}'>2 held</span>")
        assert tip.endswith(
            "2 hand-off(s) or report(s) from neighbours wait for the database;"
            " they are taken as soon as it answers"
        )

        case = report(service)
        window = QMainWindow()
        qtbot.addWidget(window)
        dialog = HandoffDialog(desk, case, OPERATOR, links.links(), name_of, tz, window)
        qtbot.addWidget(dialog)
        assert dialog.centre.itemText(0) == f"淮南市 (Huainan) — unreachable since {since}"
        assert dialog.centre.currentData() == "huainan"  # it can still be handed: it waits
        dialog.reason.setText("fled to Huainan")
        with qtbot.waitSignal(dialog.sig_handed_off) as stored:
            dialog.accept()
        assert stored.args[0].state is HandoffState.QUEUED

        pane = CaseDetailPane(service, OPERATOR, tz)
        qtbot.addWidget(pane)
        pane.region = desk
        pane.show_case(case.id)
        assert "— Waiting for the neighbour's broker" in plain(pane.region_box.text())
        status.update_figures()
        assert "淮南市 (Huainan): unreachable since" in status.region_label.toolTip()
        assert ", 1 waiting" in status.region_label.toolTip()
    finally:
        links.stop()


def test_the_hand_off_action_says_why_it_cannot_be_used(
    qtbot: QtBot, service: IncidentService, bus: EventBus
) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    case = report(service)
    actions = CaseActions(
        service, OPERATOR, lambda: case.id, lambda _c: [], lambda _code: None, parent=window
    )
    hand_off = actions.actions["hand_off"]
    actions.update_enabled()
    assert not hand_off.isEnabled()
    assert actions.why_disabled(hand_off) == "no neighbouring centre is configured (region.json)"

    no_broker = RegionConfig(
        Centre("bengbu", "蚌埠市", "Bengbu"), (Centre("chuzhou", "滁州市", ""),)
    )
    actions.set_region(RegionDesk(no_broker, service, bus, service.clock), None)
    assert actions.why_disabled(hand_off).startswith("no neighbouring centre has a broker")

    desk, _links = unreachable_desk(service, bus)  # not started: the config is what counts
    actions.set_region(desk, None)
    assert hand_off.isEnabled() and actions.why_disabled(hand_off) == ""
    service.act(case.id, Verb.REJECT, OPERATOR, grounds="invalid", reason="test call")
    actions.update_enabled()
    assert not hand_off.isEnabled()
    assert actions.why_disabled(hand_off) == "not allowed while the case is rejected"
    refusals: list[str] = []
    actions.sig_refused.connect(refusals.append)
    actions.trigger("hand_off")
    assert refusals == [
        "Not done: Hand to neighbouring centre: not allowed while the case is rejected"
    ]
    assert actions.active_dialog is None
