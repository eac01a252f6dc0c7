"""The trainee's scorecard in a dialog, with "Export HTML…"."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.core.scenarios import Scorecard, format_seconds, scorecard_html
from console.qt.training.views import OUTCOME_COLOURS, OUTCOME_LABELS


def _time(value: float | None) -> str:
    return "—" if value is None else format_seconds(value)


class ScorecardDialog(QDialog):
    """Each expectation met or missed, with the times and the case type's limit."""

    # ---- Signals

    sig_exported = Signal(str)
    """The scorecard was written to this HTML file."""

    def __init__(self, card: Scorecard, timezone: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.card = card
        self.timezone = timezone
        self.setObjectName("scorecardDialog")
        self.setWindowTitle(f"Scorecard — {card.scenario_title}")
        self.resize(860, 360)
        trainee = card.trainee or "not named"
        self.heading = QLabel(
            f"<b>{_escaped(card.scenario_title)}</b><br>Trainee: {_escaped(trainee)} · "
            f"{_escaped(card.summary)} · scenario time {format_seconds(card.duration_s)}"
        )
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.table = QTreeWidget()
        self.table.setRootIsDecorated(False)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setHeaderLabels(
            ["Expectation", "Result", "Case", "From", "Done", "Took", "Allowed", "SLA", "Note"]
        )
        self.table.header().setStretchLastSection(True)
        for line in card.lines:
            sla = "—" if line.sla_s is None else f"{line.sla_name} {format_seconds(line.sla_s)}"
            if line.within_sla is not None:
                sla += " ✓" if line.within_sla else " over"
            item = QTreeWidgetItem(
                [
                    line.expectation.describe(),
                    OUTCOME_LABELS[line.outcome],
                    f"#{line.case_id}" if line.case_id is not None else "—",
                    _time(line.since_s),
                    _time(line.at_s),
                    _time(line.took_s),
                    format_seconds(line.expectation.within_s),
                    sla,
                    line.detail,
                ]
            )
            item.setForeground(1, QBrush(QColor(OUTCOME_COLOURS[line.outcome])))
            item.setToolTip(2, line.case_title)
            item.setToolTip(8, line.detail)
            self.table.addTopLevelItem(item)
        for column in range(self.table.columnCount() - 1):
            self.table.resizeColumnToContents(column)
        self.export_button = QPushButton("Export HTML…")
        self.export_button.clicked.connect(self._ask_export)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)

    # ---- Public API

    def export_to(self, path: Path) -> Path:
        """Write the scorecard as a self-contained HTML file."""
        path.write_text(scorecard_html(self.card, self.timezone), encoding="utf-8")
        self.sig_exported.emit(str(path))
        return path

    def suggested_name(self) -> str:
        """``scorecard-<scenario>-<trainee>-<run>.html``."""
        parts = [self.card.scenario_name, self.card.trainee, self.card.run_id]
        safe = "-".join(
            "".join(c if c.isalnum() or c in "-_" else "_" for c in p) for p in parts if p
        )
        return f"scorecard-{safe}.html"

    # ---- Internals

    def _ask_export(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Export scorecard", self.suggested_name(), "HTML files (*.html)"
        )
        if name:
            self.export_to(Path(name))


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
