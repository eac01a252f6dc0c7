"""The training pane's lists: the scenario's timeline and its expectations, live."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from console.core.scenarios import (
    ExpectationState,
    Outcome,
    Scenario,
    ScenarioPlayer,
    format_seconds,
)

MET_COLOUR = "#3fb950"
MISSED_COLOUR = "#f85149"
PENDING_COLOUR = "#d29922"
WAITING_COLOUR = "#6e7681"
POSTED_MARK = "✓"

OUTCOME_LABELS = {Outcome.PENDING: "Pending", Outcome.MET: "Met", Outcome.MISSED: "Missed"}
OUTCOME_COLOURS = {
    Outcome.PENDING: PENDING_COLOUR,
    Outcome.MET: MET_COLOUR,
    Outcome.MISSED: MISSED_COLOUR,
}


class TimelineView(QTreeWidget):
    """The scenario's steps: when, which, what; posted steps ticked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainingTimeline")
        self.setHeaderLabels(["", "At", "Step", "Event"])
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = self.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.setColumnWidth(1, 56)
        self.setColumnWidth(2, 110)

    def show_scenario(self, scenario: Scenario | None) -> None:
        """List the steps (and the conditions, which post only when their case gets there)."""
        self.clear()
        if scenario is None:
            return
        for step in scenario.steps:
            text = step.post.topic + (f" — {step.note}" if step.note else "")
            item = QTreeWidgetItem(["", format_seconds(step.at_s), step.step_id, text])
            item.setData(0, Qt.ItemDataRole.UserRole, step.step_id)
            item.setToolTip(3, text)
            self.addTopLevelItem(item)
        for condition in scenario.conditions:
            if condition.post is not None:
                what = condition.post.topic
            else:
                what = f"{condition.act.verb if condition.act else '?'} by the department"
            text = f"{what} — when {condition.case_step} is {condition.status.value}"
            if condition.after_s:
                text += f", after {format_seconds(condition.after_s)}"
            item = QTreeWidgetItem(["", "if", condition.condition_id, text])
            item.setData(0, Qt.ItemDataRole.UserRole, condition.condition_id)
            item.setToolTip(3, condition.note or text)
            item.setForeground(1, QBrush(QColor(WAITING_COLOUR)))
            self.addTopLevelItem(item)

    def update_from(self, player: ScenarioPlayer) -> None:
        """Tick the steps the player has posted."""
        for item in _rows(self):
            source = item.data(0, Qt.ItemDataRole.UserRole)
            posted = player.posted.get(source)
            mark = POSTED_MARK if posted is not None else ""
            if item.text(0) != mark:
                item.setText(0, mark)
                item.setForeground(0, QBrush(QColor(MET_COLOUR)))
                if posted is not None and posted.case_id is not None:
                    item.setToolTip(2, f"case #{posted.case_id}")

    def posted_count(self) -> int:
        """How many rows are ticked."""
        return len([item for item in _rows(self) if item.text(0)])


class ExpectationView(QTreeWidget):
    """Each expectation: what, its state (pending / met / missed) and its time."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainingExpectations")
        self.setHeaderLabels(["Expectation", "State", "Time"])
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.setColumnWidth(1, 64)
        self.setColumnWidth(2, 96)

    def show_scenario(self, scenario: Scenario | None) -> None:
        """One row per expectation, all pending."""
        self.clear()
        if scenario is None:
            return
        for expectation in scenario.expectations:
            item = QTreeWidgetItem([expectation.describe(), "", ""])
            item.setToolTip(0, expectation.describe())
            self.addTopLevelItem(item)
            self._paint(item, ExpectationState(expectation), None)

    def update_from(self, player: ScenarioPlayer) -> None:
        """Show where each expectation stands at the player's scenario time."""
        now = player.clock.elapsed()
        for row, state in enumerate(player.states):
            item = self.topLevelItem(row)
            if item is not None:
                self._paint(item, state, now)

    def states_text(self) -> list[str]:
        """The State column, top to bottom (what a trainer reads)."""
        return [item.text(1) for item in _rows(self)]

    def _paint(self, item: QTreeWidgetItem, state: ExpectationState, now: float | None) -> None:
        outcome = state.outcome
        item.setText(1, OUTCOME_LABELS[outcome])
        colour = OUTCOME_COLOURS[outcome]
        if outcome is Outcome.PENDING and state.since_s is None:
            colour = WAITING_COLOUR
        item.setForeground(1, QBrush(QColor(colour)))
        item.setText(2, _time_text(state, now))
        item.setToolTip(1, state.detail or OUTCOME_LABELS[outcome])


def _rows(tree: QTreeWidget) -> list[QTreeWidgetItem]:
    """The top-level rows of ``tree``."""
    rows = (tree.topLevelItem(r) for r in range(tree.topLevelItemCount()))
    return [item for item in rows if item is not None]


def _time_text(state: ExpectationState, now: float | None) -> str:
    if state.outcome is Outcome.MET and state.took_s is not None:
        return f"in {format_seconds(state.took_s)}"
    if state.outcome is Outcome.MISSED and state.at_s is not None:
        return f"at {format_seconds(state.at_s)}"
    deadline = state.deadline_s
    if deadline is None or now is None:
        return "no case yet"
    return f"{format_seconds(max(deadline - now, 0.0))} left"
