"""The "Hand to a neighbouring centre" dialog: which centre, and why.

The hand-off is stored through :meth:`RegionDesk.hand_off` (the audited action,
the hand-off and its outgoing message in one transaction) before the dialog
closes; a refusal is shown in the dialog, which stays open with what was typed.
Neighbours without a broker are listed but cannot be chosen. How a neighbour's
link reads (``connected``, ``unreachable since 10:42`` ...) is defined here too.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from console.core.feeds.source import LinkState
from console.core.incidents.model import ConcurrentUpdateError, Incident, IncidentError
from console.core.region import Centre, Handoff, RegionDesk
from console.core.region.link import NeighbourLink
from console.qt.case_view.case_text import case_path_text
from console.qt.shelve_dialog import clock_text

NameOf = Callable[[str], str]
"""The name of a division code."""
LinksOf = Callable[[], Sequence[NeighbourLink]]
"""Every neighbour's link now (from :meth:`RegionLinks.links`)."""


def links_by_centre(
    neighbours: Sequence[Centre], links: Sequence[NeighbourLink] | None
) -> list[NeighbourLink]:
    """One link per neighbour, in the region's order (no links: none has a broker)."""
    known = {link.centre.centre_id: link for link in links or ()}
    return [
        known.get(c.centre_id, NeighbourLink(c, LinkState.STOPPED, 0.0, "no broker configured"))
        for c in neighbours
    ]


def link_state_text(link: NeighbourLink, tz: dt.tzinfo | None) -> str:
    """``connected``, ``connecting…``, ``unreachable since 10:42`` or ``no broker configured``."""
    if link.state is LinkState.CONNECTED:
        return "connected"
    if link.state is LinkState.CONNECTING:
        return "connecting…"
    if link.state is LinkState.DOWN:
        return f"unreachable since {clock_text(link.since, tz)}"
    return "no broker configured"


def no_broker_reason(centre: Centre) -> str:
    """Why a neighbour without a broker cannot be handed a case, and how to fix it."""
    return (
        f"No broker is configured for {centre.label}: start the console with "
        f"--neighbour {centre.centre_id}=mqtt://HOST:1883 (or set it in region.json)"
    )


@dataclass(frozen=True, slots=True)
class NeighbourChoice:
    """One line of the neighbour list: the centre, whether it can be chosen, and why not."""

    centre: Centre
    enabled: bool
    text: str
    tip: str


def neighbour_choices(
    neighbours: Sequence[Centre], links: Sequence[NeighbourLink] | None, tz: dt.tzinfo | None
) -> list[NeighbourChoice]:
    """Every neighbour with its link state; those without a broker cannot be chosen."""
    out = []
    for link in links_by_centre(neighbours, links):
        centre = link.centre
        state = link_state_text(link, tz)
        if link.state is LinkState.STOPPED:
            out.append(
                NeighbourChoice(
                    centre, False, f"{centre.label} — {state}", no_broker_reason(centre)
                )
            )
            continue
        tip = centre.note
        if link.state is not LinkState.CONNECTED:
            tip = f"{link.error or state}: the hand-off is kept and sent when the link is back"
        out.append(NeighbourChoice(centre, True, f"{centre.label} — {state}", tip))
    return out


def why_no_handoff(desk: RegionDesk | None) -> str:
    """Why no case can be handed to a neighbour now ('' when one can)."""
    if desk is None or not desk.config.neighbours:
        return "no neighbouring centre is configured (region.json)"
    if not any(centre.broker for centre in desk.config.neighbours):
        return "no neighbouring centre has a broker (--neighbour ID=mqtt://HOST:PORT)"
    return ""


def case_place(case: Incident, name_of: NameOf) -> str:
    """Where the case is: its divisions (city first) and the place given when reported."""
    path = case_path_text(case, name_of)
    report = case.detail.get("report", {}) if isinstance(case.detail, dict) else {}
    given = report.get("place", "") if isinstance(report, dict) else ""
    return f"{path} · {given}" if given else path


class HandoffDialog(QDialog):
    """Asks which neighbouring centre takes the case and why; stores the hand-off on OK."""

    # ---- Signals

    sig_handed_off = Signal(object)
    """The hand-off was stored; carries the :class:`Handoff`."""

    def __init__(
        self,
        desk: RegionDesk,
        case: Incident,
        operator: str,
        links: Sequence[NeighbourLink] | None,
        name_of: NameOf,
        tz: dt.tzinfo | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Hand to a neighbouring centre — case #{case.id}")
        self.setMinimumWidth(480)
        self._desk = desk
        self._case = case
        self._operator = operator
        self.handoff: Handoff | None = None
        """The stored hand-off (None until OK succeeded)."""
        self.choices = neighbour_choices(desk.config.neighbours, links, tz)
        form = QFormLayout(self)
        self.heading = QLabel(self._heading(case, name_of), wordWrap=True)
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        form.addRow(self.heading)
        self.centre = QComboBox(objectName="centre")
        self._fill_centres()
        form.addRow("Neighbouring centre", self.centre)
        self.reason = QLineEdit(objectName="reason")
        self.reason.setPlaceholderText(
            "Why their centre should take it (e.g. the driver fled there)"
        )
        form.addRow("Reason *", self.reason)
        self.error = QLabel(objectName="actionMessage", wordWrap=True)
        self.error.hide()
        form.addRow(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Hand off")
        self.ok_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        if self.centre.currentData() is None:
            self.ok_button.setEnabled(False)
            self._show_error("No neighbouring centre has a broker configured; nothing can be sent.")
        self.reason.setFocus()

    # ---- Public API

    def choose(self, centre_id: str) -> bool:
        """Select neighbour ``centre_id``; False if it is not listed or cannot be chosen."""
        for index, choice in enumerate(self.choices):
            if choice.centre.centre_id == centre_id and choice.enabled:
                self.centre.setCurrentIndex(index)
                return True
        return False

    def values(self) -> dict[str, str]:
        """What was typed and chosen (kept for the next try when the dialog is cancelled)."""
        return {"centre": self.centre.currentData() or "", "reason": self.reason.text()}

    def fill(self, values: dict[str, str]) -> None:
        """Put back an earlier try's choice and reason."""
        self.choose(values.get("centre", ""))
        self.reason.setText(values.get("reason", ""))

    def accept(self) -> None:
        """Store the hand-off; on a refusal show why and stay open."""
        centre_id = self.centre.currentData()
        if centre_id is None:
            self._show_error("Choose a neighbouring centre that has a broker configured.")
            return
        case = self._case
        try:
            handoff = self._desk.hand_off(
                case.id,
                centre_id,
                self._operator,
                self.reason.text(),
                expected_version=case.version,
            )
        except ConcurrentUpdateError:
            fresh = self._desk.service.get(case.id)
            if fresh is not None:
                self._case = fresh
            state = fresh.status.label.lower() if fresh is not None else "gone"
            self._show_error(
                f"Case #{case.id} changed meanwhile (now {state}); look at it again and press "
                "Hand off to hand it over as it is now."
            )
            return
        except IncidentError as error:
            self._show_error(str(error))
            return
        self.handoff = handoff
        self.error.hide()
        self.sig_handed_off.emit(handoff)
        super().accept()

    # ---- Internals

    def _fill_centres(self) -> None:
        model = self.centre.model()
        assert isinstance(model, QStandardItemModel)
        first_enabled = -1
        for index, choice in enumerate(self.choices):
            self.centre.addItem(choice.text, choice.centre.centre_id if choice.enabled else None)
            self.centre.setItemData(index, choice.tip, Qt.ItemDataRole.ToolTipRole)
            item = model.item(index)
            item.setEnabled(choice.enabled)
            if choice.enabled and first_enabled < 0:
                first_enabled = index
        self.centre.setCurrentIndex(first_enabled)

    def _heading(self, case: Incident, name_of: NameOf) -> str:
        place = html.escape(case_place(case, name_of))
        return (
            f"<b>#{case.id}</b> · P{case.priority} · {case.status.label}<br>"
            f"<b>{html.escape(case.title)}</b><br>"
            f"<span style='color:#9aa4b2'>{html.escape(case.title_en)}</span><br>"
            f"<span style='color:#9aa4b2'>Place:</span> {place}<br>"
            f"<span style='color:#9aa4b2'>From {html.escape(self._desk.centre.label)}; the "
            "neighbour opens its own case and reports its progress back here.</span>"
        )

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
