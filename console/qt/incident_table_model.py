"""Qt table model over the open incidents; the stored incidents stay the truth."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from console.core.clock import Clock
from console.core.incidents.model import Incident

COLUMNS = ("Pri", "Status", "Age", "Type", "Incident", "Place (level path)", "Responsible")
COL_PRIORITY, COL_STATUS, COL_AGE, COL_TYPE, COL_TITLE, COL_PLACE, COL_RESPONSIBLE = range(7)

PRIORITY_COLOURS = {1: "#e5484d", 2: "#f18f3b", 3: "#e2c541", 4: "#5b9bd5"}
STATUS_COLOURS = {
    "new": "#ff6b6b",
    "acknowledged": "#f5c04a",
    "dispatched": "#4cc38a",
    "closed": "#7d8590",
}
AMBER = QColor("#f5a524")
RED = QColor("#ff4d4f")

AnyIndex = QModelIndex | QPersistentModelIndex


def format_age(seconds: float) -> str:
    """Elapsed time as h:mm:ss (or m:ss under an hour)."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class IncidentTableModel(QAbstractTableModel):
    """Rows of incidents keyed by id; updated in place as incidents change."""

    def __init__(
        self,
        clock: Clock,
        place_of: Callable[[Incident], str],
    ) -> None:
        super().__init__()
        self._clock = clock
        self._place_of = place_of
        self._rows: list[Incident] = []
        self._row_of: dict[int, int] = {}
        self._places: dict[int, str] = {}

    # ---- Public API

    def incident_at(self, row: int) -> Incident | None:
        """The incident shown in ``row``."""
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, incident_id: int) -> int | None:
        """The row showing ``incident_id``, if any."""
        return self._row_of.get(incident_id)

    def reset(self, incidents: Iterable[Incident]) -> None:
        """Replace every row."""
        self.beginResetModel()
        self._rows = list(incidents)
        self._reindex()
        self.endResetModel()

    def upsert(self, incident: Incident, keep: bool) -> None:
        """Insert or update ``incident``; ``keep=False`` removes its row."""
        row = self._row_of.get(incident.id)
        if row is None:
            if not keep:
                return
            self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows))
            self._rows.append(incident)
            self._reindex()
            self.endInsertRows()
        elif keep:
            self._rows[row] = incident
            self._places.pop(incident.id, None)
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
        else:
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            self._reindex()
            self.endRemoveRows()

    def tick_clocks(self) -> None:
        """Repaint the age column (the clocks move even when nothing changes)."""
        if self._rows:
            self.dataChanged.emit(
                self.index(0, COL_AGE),
                self.index(len(self._rows) - 1, COL_AGE),
                [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole],
            )

    # ---- Qt model interface

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        incident = self.incident_at(index.row())
        if incident is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(incident, column)
        if role == Qt.ItemDataRole.UserRole:
            return self._sort_key(incident, column)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._foreground(incident, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (COL_PRIORITY, COL_AGE):
            return Qt.AlignmentFlag.AlignCenter
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == COL_PLACE:
                return self._place(incident)
            if column == COL_TITLE:
                return f"{incident.title}\n{incident.title_en}"
        return None

    # ---- Cell contents

    def _age_seconds(self, incident: Incident) -> float:
        end = incident.closed_at if incident.closed_at is not None else self._clock.now()
        return end - incident.reported_at

    def _place(self, incident: Incident) -> str:
        place = self._places.get(incident.id)
        if place is None:
            place = self._places[incident.id] = self._place_of(incident)
        return place

    def _display(self, incident: Incident, column: int) -> str:
        if column == COL_PRIORITY:
            return f"P{incident.priority}"
        if column == COL_TYPE:
            return incident.incident_type.replace("_", " ")
        if column == COL_TITLE:
            return incident.title
        if column == COL_PLACE:
            return self._place(incident)
        if column == COL_STATUS:
            return str(incident.status)
        if column == COL_RESPONSIBLE:
            return incident.responsible_unit or "-"
        return format_age(self._age_seconds(incident))

    def _sort_key(self, incident: Incident, column: int) -> Any:
        if column == COL_PRIORITY:
            return (incident.priority, -incident.reported_at)
        if column == COL_AGE:
            return self._age_seconds(incident)
        return self._display(incident, column)

    def _foreground(self, incident: Incident, column: int) -> QBrush | None:
        if column == COL_PRIORITY:
            return QBrush(QColor(PRIORITY_COLOURS.get(incident.priority, "#cccccc")))
        if column == COL_STATUS:
            return QBrush(QColor(STATUS_COLOURS.get(incident.status, "#cccccc")))
        if column == COL_AGE:
            allowed = incident.due_at - incident.reported_at
            if allowed > 0:
                used = self._age_seconds(incident) / allowed
                if used >= 1.0:
                    return QBrush(RED)
                if used >= 0.8:
                    return QBrush(AMBER)
        return None

    def _reindex(self) -> None:
        self._row_of = {incident.id: row for row, incident in enumerate(self._rows)}
