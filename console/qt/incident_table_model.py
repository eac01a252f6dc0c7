"""Qt table model over the case index and the rows of the current query.

The :class:`~console.core.incidents.case_index.CaseIndex` holds the cases and
answers queries; this model only shows the rows it is given and formats the
cells the view asks for (the visible ones). Clicking a header asks for a new
sort through :attr:`IncidentTableModel.sig_sort_requested`; the clocks move by
repainting their two columns, never by resetting the model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont

from console.core.city.model import Level
from console.core.clock import Clock
from console.core.incidents.case_index import CaseIndex, SortKey
from console.core.incidents.clocks import (
    CaseClock,
    ClockColour,
    citizen_clock,
    department_clock,
    format_duration,
)
from console.core.incidents.model import Incident, IncidentStatus

COLUMNS = (
    "Pri",
    "State",
    "Citizen clock",
    "Dept clock",
    "Type",
    "Case",
    "Level path",
    "Responsible",
    "Bounces",
    "Handler",
)
(
    COL_PRIORITY,
    COL_STATE,
    COL_CITIZEN,
    COL_DEPARTMENT,
    COL_TYPE,
    COL_TITLE,
    COL_PATH,
    COL_RESPONSIBLE,
    COL_BOUNCES,
    COL_HANDLER,
) = range(len(COLUMNS))
SORT_KEYS = (
    SortKey.PRIORITY,
    SortKey.STATE,
    SortKey.CITIZEN_CLOCK,
    SortKey.DEPARTMENT_CLOCK,
    SortKey.TYPE,
    SortKey.TITLE,
    SortKey.LEVEL_PATH,
    SortKey.RESPONSIBLE,
    SortKey.BOUNCES,
    SortKey.HANDLER,
)
"""The sort key behind each column's header."""

PRIORITY_COLOURS = {1: "#ff6369", 2: "#f59e0b", 3: "#e2c541", 4: "#5b9bd5"}
STATE_COLOURS = {
    IncidentStatus.REPORTED: "#ff7b72",
    IncidentStatus.ACCEPTED: "#f0b72f",
    IncidentStatus.OPENED: "#e3b341",
    IncidentStatus.DISPATCHED: "#58a6ff",
    IncidentStatus.SIGNED: "#79c0ff",
    IncidentStatus.IN_HAND: "#a371f7",
    IncidentStatus.HANDLED: "#3fb950",
    IncidentStatus.VERIFIED: "#56d364",
    IncidentStatus.PENDING: "#d2a8ff",
    IncidentStatus.CLOSED: "#6e7681",
    IncidentStatus.REJECTED: "#6e7681",
    IncidentStatus.MERGED: "#6e7681",
}
UNKNOWN_COLOUR = "#9aa4b2"
DIM_TEXT = QColor("#6e7681")
CLOCK_BACKGROUNDS = {ClockColour.AMBER: QColor("#7a5200"), ClockColour.RED: QColor("#8e1b24")}
CLOCK_TEXT = {ClockColour.AMBER: QColor("#ffe2a0"), ClockColour.RED: QColor("#ffd9d9")}
BOUNCE_COLOUR = QColor("#f59e0b")
LEVEL_SHORT = {
    Level.CITY: "City",
    Level.COUNTY: "County",
    Level.STREET: "Street",
    Level.COMMUNITY: "Community",
    Level.GRID: "Grid",
}
NO_VALUE = "—"
OUTSIDE_CITY = "outside city"

AnyIndex = QModelIndex | QPersistentModelIndex
Rows = npt.NDArray[np.int64]


class Cell(NamedTuple):
    """One cell as painted: its text, and its text and background colours (None: default)."""

    text: str
    foreground: QColor | None
    background: QColor | None


RowCells = tuple[Cell, ...]
"""Every cell of one shown row, in column order."""


def type_label(type_id: str) -> str:
    """A case type id as shown in the table (``theft_ebike`` → ``Theft ebike``)."""
    text = str(type_id).replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text else "?"


def state_text(status: object) -> str:
    """A state as shown (its label, or the raw value for an unknown state)."""
    return status.label if isinstance(status, IncidentStatus) else str(status)


ALERT_MARK = "⚑"
"""Shown beside the priority of a case the automatic rules alerted a supervisor about."""
REPEAT_MARK = "×"
"""Shown beside the state of a case with folded repeats: ``×7`` = seven alarms, one case."""


def repeat_text(case: Incident) -> str:
    """``×N`` for a case whose alarm came N times (repeats folded in); '' for none."""
    return f"{REPEAT_MARK}{case.repeat_count + 1}" if case.repeat_count > 0 else ""


class IncidentTableModel(QAbstractTableModel):
    """The rows of the current queue query; a row's cells are computed when first painted."""

    # ---- Signals

    sig_sort_requested = Signal(object, bool)
    """A header was clicked: sort by this SortKey, descending or not."""

    def __init__(
        self,
        index: CaseIndex,
        clock: Clock,
        name_of: Callable[[str], str],
        warn_fraction: float = 0.8,
    ) -> None:
        super().__init__()
        self._index = index
        self._clock = clock
        self._name_of = name_of
        self._warn = warn_fraction
        self._rows: Rows = np.zeros(0, dtype=np.int64)
        self._paths: dict[tuple[str, ...], tuple[str, str]] = {}
        self._cells: dict[int, RowCells] = {}

    # ---- Public API

    @property
    def rows(self) -> Rows:
        """Index rows shown, top to bottom."""
        return self._rows

    def set_rows(self, rows: Rows) -> bool:
        """Show ``rows`` (index positions); False if they are the rows already shown."""
        if len(rows) == len(self._rows) and np.array_equal(rows, self._rows):
            self.refresh_cells()
            return False
        self.beginResetModel()
        self._rows = rows
        self._cells.clear()
        self.endResetModel()
        return True

    def case_at(self, row: int) -> Incident | None:
        """The case shown in view row ``row``."""
        if not 0 <= row < len(self._rows):
            return None
        return self._index.case_at(int(self._rows[row]))

    def row_of(self, case_id: int) -> int | None:
        """The view row showing case ``case_id``, if it is shown."""
        position = self._index.row_of(case_id)
        if position is None:
            return None
        found = np.flatnonzero(self._rows == position)
        return int(found[0]) if len(found) else None

    def refresh_cells(self) -> None:
        """Repaint every cell (after cases changed in place)."""
        self._cells.clear()
        if len(self._rows):
            last = self.index(len(self._rows) - 1, len(COLUMNS) - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    def tick_clocks(self) -> None:
        """Repaint the two clock columns (the clocks move even when nothing changes)."""
        self._cells.clear()
        if len(self._rows):
            bottom = len(self._rows) - 1
            self.dataChanged.emit(self.index(0, COL_CITIZEN), self.index(bottom, COL_DEPARTMENT))

    # ---- Qt model interface

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return _HEADER_TIPS[section]
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Ask for the rows sorted by ``column`` (the pane re-queries the index)."""
        if 0 <= column < len(COLUMNS):
            descending = order == Qt.SortOrder.DescendingOrder
            self.sig_sort_requested.emit(SORT_KEYS[column], descending)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        slot = _PAINT_ROLES.get(role)
        if slot is None:
            return self._other_data(index, role)
        cells = self.row_cells(index.row())
        if cells is None or not 0 <= index.column() < len(cells):
            return None
        value = cells[index.column()][slot]
        return QBrush(value) if isinstance(value, QColor) else value

    def _other_data(self, index: AnyIndex, role: int) -> Any:
        column = index.column()
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _CENTRE if column in CENTRED_COLUMNS else None
        if role == Qt.ItemDataRole.FontRole:
            return _BOLD if column in BOLD_COLUMNS else None
        if role not in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.UserRole):
            return None
        case = self.case_at(index.row())
        if case is None:
            return None
        if role == Qt.ItemDataRole.UserRole:
            return case.id
        try:
            return self._tooltip(case, column)
        except (TypeError, ValueError, AttributeError, KeyError, IndexError):
            return None

    def row_cells(self, row: int) -> RowCells | None:
        """Text and colours of every cell of view row ``row`` (cached until the rows, the
        cases or the clocks change); None outside the rows."""
        cells = self._cells.get(row)
        if cells is not None:
            return cells
        case = self.case_at(row)
        if case is None:
            return None
        now = self._clock.now()
        built = []
        for column in range(len(COLUMNS)):
            try:
                built.append(self._cell(case, column, now))
            except (TypeError, ValueError, AttributeError, KeyError, IndexError):
                built.append(Cell("?", None, None))
        if len(self._cells) > _CACHE_ROWS:
            self._cells.clear()
        cells = self._cells[row] = tuple(built)
        return cells

    # ---- Cells

    def clock_colour(self, case: Incident, column: int) -> ClockColour:
        """The colour of the citizen (or department) clock of ``case`` now."""
        clock = self._clock_of(case, column)
        if clock is None:
            return ClockColour.IDLE
        return clock.colour(self._clock.now(), self._warn)

    def _clock_of(self, case: Incident, column: int) -> CaseClock | None:
        return citizen_clock(case) if column == COL_CITIZEN else department_clock(case)

    def _cell(self, case: Incident, column: int, now: float) -> Cell:
        """The text and colours of one cell of ``case`` at ``now``."""
        if column == COL_PRIORITY:
            colour = _PRIORITY_QCOLOURS.get(case.priority, _UNKNOWN_QCOLOUR)
            flag = f" {ALERT_MARK}" if case.alert_count else ""
            return Cell(f"P{case.priority}{flag}", colour, None)
        if column == COL_STATE:
            colour = _STATE_QCOLOURS.get(case.status, _UNKNOWN_QCOLOUR)
            repeats = repeat_text(case)
            text = state_text(case.status)
            return Cell(f"{text} {repeats}" if repeats else text, colour, None)
        if column in (COL_CITIZEN, COL_DEPARTMENT):
            clock = self._clock_of(case, column)
            if clock is None:
                return Cell(NO_VALUE, DIM_TEXT, None)
            shade = clock.colour(now, self._warn)
            text = format_duration(clock.elapsed(now))
            return Cell(text, CLOCK_TEXT.get(shade), CLOCK_BACKGROUNDS.get(shade))
        if column == COL_TYPE:
            return Cell(type_label(case.incident_type), None, None)
        if column == COL_TITLE:
            return Cell(case.title or case.title_en, None, None)
        if column == COL_PATH:
            return Cell(self._path(case)[0], DIM_TEXT if case.path is None else None, None)
        if column == COL_RESPONSIBLE:
            level = LEVEL_SHORT.get(case.responsible_level, str(case.responsible_level))
            return Cell(f"{case.responsible_unit} · {level}", None, None)
        if column == COL_BOUNCES:
            text = f"↩ {case.bounce_count}" if case.bounce_count > 0 else ""
            return Cell(text, BOUNCE_COLOUR, None)
        return Cell(case.handler or NO_VALUE, None if case.handler else DIM_TEXT, None)

    def _tooltip(self, case: Incident, column: int) -> str | None:
        if column == COL_PRIORITY and (case.alert_count or case.escalation_count):
            return (
                f"Priority {case.priority} · supervisor alerted {case.alert_count} time(s) · "
                f"escalated {case.escalation_count} time(s)"
            )
        if column == COL_STATE and case.repeat_count > 0:
            return (
                f"{state_text(case.status)} · {case.repeat_count + 1} alarms from the same "
                f"source: the first opened the case, {case.repeat_count} repeat(s) folded in"
            )
        if column in (COL_CITIZEN, COL_DEPARTMENT):
            clock = self._clock_of(case, column)
            name = "Citizen clock" if column == COL_CITIZEN else "Department clock"
            if clock is None:
                return f"{name}: starts when the responsible unit signs for the case"
            now = self._clock.now()
            left = clock.remaining(now)
            due = f"{format_duration(left)} left" if left >= 0 else "overdue"
            return (
                f"{name}: {format_duration(clock.elapsed(now))} of "
                f"{format_duration(clock.limit_s)} ({due})"
            )
        if column == COL_TITLE:
            return f"#{case.id}  {case.title}\n{case.title_en}"
        if column == COL_PATH:
            return self._path(case)[1]
        if column == COL_BOUNCES and case.bounce_count > 0:
            return f"Returned by a unit {case.bounce_count} time(s)"
        if column == COL_RESPONSIBLE:
            return f"{case.responsible_unit} ({case.responsible_unit_id})"
        return None

    def _path(self, case: Incident) -> tuple[str, str]:
        """The level path shown (county › street › community) and its full form."""
        if case.path is None:
            return OUTSIDE_CITY, "Outside the city: handled by the city command office"
        chain = case.path.chain()
        shown = self._paths.get(chain)
        if shown is None:
            names = [self._name_of(code) for code in reversed(chain)]
            shown = self._paths[chain] = (" › ".join(names[1:4]), " › ".join(names))
        return shown


CENTRED_COLUMNS = frozenset({COL_PRIORITY, COL_CITIZEN, COL_DEPARTMENT, COL_BOUNCES})
"""Columns whose text is centred."""
BOLD_COLUMNS = frozenset({COL_PRIORITY, COL_STATE})
"""Columns whose text is bold."""
_CENTRE = Qt.AlignmentFlag.AlignCenter
_PRIORITY_QCOLOURS = {priority: QColor(c) for priority, c in PRIORITY_COLOURS.items()}
_STATE_QCOLOURS = {state: QColor(c) for state, c in STATE_COLOURS.items()}
_UNKNOWN_QCOLOUR = QColor(UNKNOWN_COLOUR)
_BOLD = QFont()
_BOLD.setBold(True)
_PAINT_ROLES = {
    Qt.ItemDataRole.DisplayRole: 0,
    Qt.ItemDataRole.ForegroundRole: 1,
    Qt.ItemDataRole.BackgroundRole: 2,
}
"""Roles read on every paint, answered from the row cache: the slot in a cached cell."""
_CACHE_ROWS = 2000
_HEADER_TIPS = (
    "Priority (1 most urgent)",
    "State in the case loop",
    "Time since the report, against the citizen's deadline",
    "Time since the unit signed for the case, against the handling deadline",
    "Case type",
    "Case title",
    "County › street › community responsible for the place",
    "Unit now responsible, and its level",
    "Times a unit returned the case",
    "Who last handled the case",
)
