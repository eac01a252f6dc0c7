"""Small dialogs the incident queue asks the operator through."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QWidget,
)

from console.core.city.model import Level
from console.core.incidents.model import Incident

UnitChoice = tuple[Level, str, str]


class DispatchDialog(QDialog):
    """Choose the level of the incident's chain and the unit to dispatch to."""

    def __init__(
        self, parent: QWidget | None, incident: Incident, units: Sequence[UnitChoice]
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Dispatch incident #{incident.id}")
        self._units = list(units)
        self.level = QComboBox()
        for level, code, name in self._units:
            self.level.addItem(f"{level.label}: {name} ({code})")
        self.unit = QLineEdit()
        self.level.currentIndexChanged.connect(self._fill_unit)
        self._fill_unit(0)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(QLabel(f"<b>{incident.title}</b>"))
        form.addRow("Level", self.level)
        form.addRow("Unit", self.unit)
        form.addRow(buttons)

    def _fill_unit(self, index: int) -> None:
        if 0 <= index < len(self._units):
            self.unit.setText(self._units[index][2])

    def choice(self) -> tuple[Level, str] | None:
        """The chosen level and unit, or None."""
        index = self.level.currentIndex()
        if not 0 <= index < len(self._units) or not self.unit.text().strip():
            return None
        return self._units[index][0], self.unit.text().strip()


def ask_dispatch(
    parent: QWidget, incident: Incident, units: Sequence[UnitChoice]
) -> tuple[Level, str] | None:
    """Ask where to dispatch ``incident``; None if cancelled."""
    dialog = DispatchDialog(parent, incident, units)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.choice()


def ask_resolution(parent: QWidget) -> str | None:
    """Ask how an incident was resolved; None if cancelled or empty."""
    text, ok = QInputDialog.getText(parent, "Close incident", "Resolution:")
    return text.strip() if ok and text.strip() else None
