"""The smart region on screen: how hand-offs and neighbour links read, the "Neighbouring
centres" window, and the wiring of the region's parts into the main window.

Everything here reads the region desk (short queries on the GUI thread) and the
links' snapshot; nothing is changed here but through the hand-off dialog.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.exc import SQLAlchemyError

from console.core.feeds.source import LinkState
from console.core.incidents.model import AuditEntry, IncidentError
from console.core.region import Centre, Direction, Handoff, HandoffState, RegionDesk
from console.core.region.desk import REFUSED, status_label
from console.core.region.link import NeighbourLink, RegionLinks
from console.qt.handoff_dialog import (
    LinksOf,
    link_state_text,
    links_by_centre,
    no_broker_reason,
)
from console.qt.shelve_dialog import clock_text

if TYPE_CHECKING:
    from console.core.runtime import ConsoleCore
    from console.qt.case_wiring import CaseWorkflow
    from console.qt.main_window import MainWindow

log = logging.getLogger(__name__)

WARN_COLOUR = "#ffb020"
OK_COLOUR = "#4cc38a"
WAITING_COLOUR = "#f5a524"
REFUSED_COLOUR = "#ff6b6b"
REFRESH_MS = 2000
"""How often the Neighbouring centres window re-reads while it is shown."""


# ---- How the region reads


def short_name(centre: Centre) -> str:
    """A neighbour's name for a tight space: ``淮南`` for ``淮南市``."""
    name = centre.name
    return name[:-1] if len(name) > 2 and name.endswith("市") else name


def refusal_notes(trail: Sequence[AuditEntry]) -> dict[str, str]:
    """Per hand-off id, what the neighbour said when it refused the case (from the trail)."""
    notes: dict[str, str] = {}
    for entry in trail:
        params = entry.detail.get("params", {}) if isinstance(entry.detail, Mapping) else {}
        if entry.action != "neighbour_reported" or params.get("status") != REFUSED:
            continue
        text = entry.reason
        head = f"{params.get('centre', '')} refused the case"
        if text.startswith(head):
            text = text[len(head) :].strip()
            if text.startswith("(") and text.endswith(")"):
                text = text[1:-1]
        notes[str(params.get("handoff_id", ""))] = text
    return notes


def handoff_outcome(handoff: Handoff, tz: dt.tzinfo | None, refusal: str = "") -> str:
    """Where a sent hand-off stands: ``Taken over: their case #12, Dispatched (10:51)``."""
    if handoff.state is HandoffState.RECEIVED:
        status = status_label(handoff.remote_status or "")
        return (
            f"Taken over: their case #{handoff.remote_case_id}, {status} "
            f"({clock_text(handoff.updated_at, tz)})"
        )
    if handoff.state is HandoffState.REFUSED:
        return f"Refused: {refusal}" if refusal else "Refused"
    if handoff.state is HandoffState.SENT and handoff.sent_at is not None:
        return f"Sent {clock_text(handoff.sent_at, tz)}, not yet confirmed"
    return handoff.state.label


def handoff_state_text(handoff: Handoff) -> str:
    """A hand-off's state for a table with its own columns for the cases: ``Taken over ·
    Dispatched``."""
    if handoff.direction is Direction.IN:
        return "Taken"
    if handoff.state is HandoffState.RECEIVED:
        return f"Taken over · {status_label(handoff.remote_status or '')}"
    return handoff.state.label


def handoff_line(handoff: Handoff, tz: dt.tzinfo | None, refusal: str = "") -> str:
    """One hand-off of a case on one line, as the case pane shows it."""
    if handoff.direction is Direction.IN:
        return (
            f"Taken from {handoff.peer_name}, their case #{handoff.remote_case_id}: "
            f"{handoff.reason}"
        )
    return (
        f"Sent to {handoff.peer_name} {clock_text(handoff.created_at, tz)} by {handoff.actor}"
        f" — {handoff_outcome(handoff, tz, refusal)}"
    )


def handoff_colour(handoff: Handoff) -> str:
    """The colour a hand-off's line is shown in (a taken one: the plain text colour)."""
    if handoff.direction is Direction.IN:
        return "#d0d7de"
    return {
        HandoffState.RECEIVED: OK_COLOUR,
        HandoffState.REFUSED: REFUSED_COLOUR,
        HandoffState.QUEUED: WAITING_COLOUR,
    }.get(handoff.state, "#d0d7de")


def region_status(
    links: Sequence[NeighbourLink],
    waiting: Mapping[str, int] | None,
    tz: dt.tzinfo | None,
    held: int = 0,
) -> tuple[str, str]:
    """The status bar's region label (rich text) and its tooltip; ``held``: hand-offs and
    reports from neighbours waiting for the database."""
    parts: list[str] = []
    tips: list[str] = []
    for link in links:
        name = html.escape(short_name(link.centre))
        count = (waiting or {}).get(link.centre.centre_id, 0)
        if link.state is LinkState.CONNECTED:
            parts.append(f"{name} ✓")
        elif link.state is LinkState.DOWN:
            parts.append(f"<span style='color:{WARN_COLOUR}'>{name} down</span>")
        elif link.state is LinkState.CONNECTING:
            parts.append(f"{name} …")
        else:
            parts.append(f"{name} no broker")
        tip = f"{link.centre.label}: {link_state_text(link, tz)}"
        if link.state is not LinkState.STOPPED:
            tip += f"; {link.sent} sent"
            tip += f", {count} waiting" if waiting is not None else ", waiting: unknown"
            if link.error and link.state is not LinkState.CONNECTED:
                tip += f" ({link.error})"
        tips.append(tip)
    if held:
        parts.append(f"<span style='color:{WARN_COLOUR}'>{held} held</span>")
        tips.append(
            f"{held} hand-off(s) or report(s) from neighbours wait for the database;"
            " they are taken as soon as it answers"
        )
    return "Region: " + " · ".join(parts), "\n".join(tips)


# ---- The Neighbouring centres window


def _cell(text: str, colour: str | None = None, tip: str = "") -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if colour is not None:
        item.setForeground(QColor(colour))
    if tip:
        item.setToolTip(tip)
    return item


def _table(headers: Sequence[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.verticalHeader().hide()
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


@contextlib.contextmanager
def _sized_once(table: QTableWidget) -> Iterator[None]:
    """Fill ``table`` with its columns sized once, at the end (sized to contents while
    cells go in, every cell re-measures every row: a fill of n rows costs n²)."""
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    try:
        yield
    finally:
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)


def _fit_rows(table: QTableWidget) -> None:
    """Make ``table`` exactly as tall as its rows (a short list needs no scrolling)."""
    table.resizeRowsToContents()
    rows = sum(table.rowHeight(row) for row in range(table.rowCount()))
    header = table.horizontalHeader().sizeHint().height()
    table.setFixedHeight(header + rows + 2 * table.frameWidth() + 2)


class NeighbouringCentresWindow(QDialog):
    """Each neighbour's link and waiting messages, and the recent hand-offs both ways."""

    # ---- Signals

    sig_open_case = Signal(int)
    """The operator double-clicked a hand-off; carries this centre's case id."""

    NEIGHBOUR_HEADERS = ("Centre", "Link", "Sent", "Waiting", "Note")
    HANDOFF_HEADERS = (
        "Time", "Direction", "Centre", "Our case #", "Their case #", "State / their status",
        "Reason",
    )  # fmt: skip

    def __init__(
        self,
        desk: RegionDesk,
        links_of: LinksOf | None,
        tz: dt.tzinfo | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Neighbouring centres — {desk.centre.label}")
        self.resize(980, 520)
        self._desk = desk
        self._links_of = links_of
        self._tz = tz
        self.neighbours = _table(self.NEIGHBOUR_HEADERS)
        self.handoffs = _table(self.HANDOFF_HEADERS)
        self.handoffs.cellDoubleClicked.connect(self._open_row)
        self._shown: list[Handoff] = []
        """The hand-offs the table shows (refilled only when they change)."""
        self.message = QLabel(objectName="actionMessage", wordWrap=True)
        self.message.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<b>Neighbours</b>"))
        layout.addWidget(self.neighbours)
        layout.addWidget(QLabel("<b>Recent hand-offs</b> (double-click to open the case)"))
        layout.addWidget(self.handoffs, 1)
        layout.addWidget(self.message)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.refresh()

    # ---- Public API

    def refresh(self) -> None:
        """Re-read the links, the waiting messages and the recent hand-offs."""
        links = links_by_centre(
            self._desk.config.neighbours, self._links_of() if self._links_of else None
        )
        try:
            waiting = self._desk.waiting()
            recent = self._desk.recent()
        except (SQLAlchemyError, IncidentError) as error:
            self.message.setText(f"The database cannot be read: {error}")
            self.message.show()
            self._fill_neighbours(links, None)
            return
        self.message.hide()
        self._fill_neighbours(links, waiting)
        self._fill_handoffs(recent)

    def case_id_at(self, row: int) -> int | None:
        """This centre's case id of the hand-off in ``row``."""
        item = self.handoffs.item(row, 0)
        return int(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None

    # ---- Internals

    def _fill_neighbours(
        self, links: Sequence[NeighbourLink], waiting: dict[str, int] | None
    ) -> None:
        with _sized_once(self.neighbours):
            self._put_neighbours(links, waiting)
        _fit_rows(self.neighbours)

    def _put_neighbours(
        self, links: Sequence[NeighbourLink], waiting: dict[str, int] | None
    ) -> None:
        self.neighbours.setRowCount(len(links))
        for row, link in enumerate(links):
            centre = link.centre
            stopped = link.state is LinkState.STOPPED
            colour = {LinkState.CONNECTED: OK_COLOUR, LinkState.DOWN: WARN_COLOUR}.get(link.state)
            tip = no_broker_reason(centre) if stopped else link.error
            count = "?" if waiting is None else str(waiting.get(centre.centre_id, 0))
            cells = (
                _cell(centre.label, tip=centre.broker or ""),
                _cell(link_state_text(link, self._tz), colour, tip),
                _cell("—" if stopped else str(link.sent)),
                _cell("—" if stopped else count),
                _cell(centre.note),
            )
            for column, cell in enumerate(cells):
                self.neighbours.setItem(row, column, cell)

    def _fill_handoffs(self, recent: Sequence[Handoff]) -> None:
        if list(recent) == self._shown:
            return  # nothing changed since the last refresh
        self._shown = list(recent)
        with _sized_once(self.handoffs):
            self._put_handoffs(recent)

    def _put_handoffs(self, recent: Sequence[Handoff]) -> None:
        self.handoffs.setRowCount(len(recent))
        for row, handoff in enumerate(recent):
            sent = handoff.direction is Direction.OUT
            state = handoff_state_text(handoff)
            their = "" if handoff.remote_case_id is None else f"#{handoff.remote_case_id}"
            stamp = f"{dt.datetime.fromtimestamp(handoff.updated_at, self._tz):%m-%d %H:%M}"
            cells = (
                _cell(stamp),
                _cell("sent to" if sent else "taken from"),
                _cell(handoff.peer_name),
                _cell(f"#{handoff.incident_id}"),
                _cell(their),
                _cell(state, handoff_colour(handoff)),
                _cell(handoff.reason, tip=handoff.reason),
            )
            cells[0].setData(Qt.ItemDataRole.UserRole, handoff.incident_id)
            for column, cell in enumerate(cells):
                self.handoffs.setItem(row, column, cell)

    def _open_row(self, row: int, _column: int) -> None:
        case_id = self.case_id_at(row)
        if case_id is not None:
            self.sig_open_case.emit(case_id)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt name)
        self.refresh()
        self.timer.start()
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt name)
        self.timer.stop()
        super().hideEvent(event)


# ---- Wiring


class RegionUi(QObject):
    """The region's parts in one window: the Case menu entry and the Neighbouring centres
    window (made once, when first asked for)."""

    def __init__(
        self,
        window: MainWindow,
        desk: RegionDesk,
        links: RegionLinks | None,
        workflow: CaseWorkflow,
        select_case: Callable[[int], bool],
        tz: dt.tzinfo | None,
    ) -> None:
        super().__init__(window)
        self.desk = desk
        self.links = links
        self._window = window
        self._workflow = workflow
        self._select_case = select_case
        self._tz = tz
        self.view: NeighbouringCentresWindow | None = None
        self.action = QAction("Neighbouring centres…", window)
        self.action.setToolTip("Links to the neighbouring centres and the hand-offs both ways")
        self.action.triggered.connect(self.open_view)

    def links_of(self) -> list[NeighbourLink]:
        """Every neighbour's link now."""
        return links_by_centre(
            self.desk.config.neighbours, self.links.links() if self.links else None
        )

    def open_view(self) -> NeighbouringCentresWindow:
        """Show the Neighbouring centres window (brought to the front if open)."""
        if self.view is None:
            self.view = NeighbouringCentresWindow(self.desk, self.links_of, self._tz, self._window)
            self.view.sig_open_case.connect(self.open_case)
        self.view.show()
        self.view.raise_()
        self.view.activateWindow()
        return self.view

    def open_case(self, case_id: int) -> None:
        """Select ``case_id`` in the queue (or, hidden by its filters, show it in the case pane)."""
        if not self._select_case(case_id):
            self._workflow.detail.show_case(case_id)
            self._workflow.actions.update_enabled()
            self._window.statusBar().showMessage(
                f"Case #{case_id} is not in the queue's view; shown in the Case pane", 6000
            )
        self._window.show_pane(self._workflow.detail.PANE_ID)

    def status(self) -> tuple[str, str]:
        """The status bar's region label and tooltip now."""
        waiting = self.links.waiting() if self.links is not None else None
        return region_status(self.links_of(), waiting, self._tz, self.desk.held)


def install_region_ui(
    window: MainWindow,
    core: ConsoleCore,
    workflow: CaseWorkflow,
    select_case: Callable[[int], bool],
    tz: dt.tzinfo | None = None,
) -> RegionUi | None:
    """Hook the region into ``window``: the hand-off action, the case pane's section, the
    Case menu's Neighbouring centres… and the status bar's region label (None under review,
    where there is no region desk). Call it after the status bar is set; calling it again
    returns the parts already installed."""
    from console.qt.alarm_rate import case_menu
    from console.qt.status_bar import ConsoleStatusBar

    desk = core.region
    if desk is None:
        return None
    installed = window.findChild(RegionUi)
    if isinstance(installed, RegionUi):
        return installed
    links = core.region_links
    ui = RegionUi(window, desk, links, workflow, select_case, tz)
    workflow.actions.set_region(desk, ui.links_of, tz)
    workflow.detail.region = desk
    workflow.detail.reload()
    menu = case_menu(window)
    menu.addSeparator()
    menu.addAction(ui.action)
    status = window.statusBar()
    if links is not None and isinstance(status, ConsoleStatusBar):
        status.set_region_status(ui.status)
    return ui
