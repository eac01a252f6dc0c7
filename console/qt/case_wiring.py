"""Puts the case workflow into the main window: detail pane, actions, Case menu, palette."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QWidget

from console.core.incidents.service import IncidentService
from console.qt.case_actions import SPECS, CaseActions, CaseQueue, Recommend
from console.qt.command_palette import CommandPalette
from console.qt.dispatch_dialog import GeometryOf
from console.qt.main_window import MainWindow
from console.qt.panes.case_detail import CaseDetailPane

MENU_GROUPS = (
    ("accept", "reject", "open"),
    ("dispatch", "transfer", "escalate", "return", "hand_off"),
    ("sign", "start", "handle", "verify", "verify_fail", "close"),
    ("extend", "pend", "resume", "merge"),
    ("note", "attach"),
    ("report", "next_overdue"),
)
TOOLBAR_KEYS = ("accept", "open", "dispatch", "escalate", "return", "verify", "close", "note")


@dataclass(slots=True)
class CaseWorkflow:
    """What :func:`install_case_workflow` made."""

    detail: CaseDetailPane
    actions: CaseActions
    palette: CommandPalette
    palette_action: QAction


def install_case_workflow(
    window: MainWindow,
    service: IncidentService,
    queue: CaseQueue,
    operator: str,
    recommend: Recommend,
    geometry_of: GeometryOf,
    *,
    city_centre: tuple[float, float] = (0.0, 0.0),
    tz: dt.tzinfo | None = None,
) -> CaseWorkflow:
    """Add the case pane, the Case menu, the shortcuts and Ctrl+K to ``window``.

    ``queue`` is the incident queue pane (a widget implementing :class:`CaseQueue`).
    """
    detail = CaseDetailPane(service, operator, tz)
    window.add_pane(detail)
    actions = CaseActions(
        service,
        operator,
        queue.current_case_id,
        recommend,
        geometry_of,
        dialog_parent=window,
        next_overdue=queue.select_next_overdue,
        city_centre=city_centre,
        parent=window,
    )
    actions.attach(service.bus)
    actions.add_listener(queue.apply_local_change)
    actions.add_listener(detail.apply_local_change)
    detail.sig_case_changed.connect(queue.apply_local_change)
    detail.sig_case_changed.connect(lambda _case: actions.update_enabled())
    detail.add_toolbar_actions([actions.actions[key] for key in TOOLBAR_KEYS])

    shortcut_widgets: list[QWidget] = [detail]
    if isinstance(queue, QWidget):
        shortcut_widgets.append(queue)
    actions.install_shortcuts(shortcut_widgets, window)

    def on_selected(case_id: int) -> None:
        detail.show_case(case_id if case_id >= 0 else None)  # -1: nothing selected
        actions.update_enabled()

    queue.sig_case_selected.connect(on_selected)
    actions.sig_refused.connect(lambda text: _report(window, detail, text, refused=True))
    actions.sig_done.connect(lambda text: _report(window, detail, text, refused=False))

    palette = CommandPalette(window=window, explain=actions.why_disabled)
    palette.add_actions(actions.actions.values())
    palette_action = QAction("Command palette…", window)
    palette_action.setShortcut(QKeySequence("Ctrl+K"))
    palette_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    palette_action.setToolTip("Find and run any action by name (Ctrl+K)")
    palette_action.triggered.connect(palette.popup)
    window.addAction(palette_action)

    _add_case_menu(window, actions, palette_action)
    charts = window.docks.get("live_charts")
    if charts is not None:
        window.tabifyDockWidget(charts, window.docks[detail.PANE_ID])
    window.show_pane(detail.PANE_ID)
    return CaseWorkflow(detail, actions, palette, palette_action)


def _add_case_menu(window: QMainWindow, actions: CaseActions, palette_action: QAction) -> None:
    bar = window.menuBar()
    menu = bar.addMenu("&Case")
    before = next((a for a in bar.actions() if a.text() == "&Help"), None)
    if before is not None:
        bar.insertMenu(before, menu)
    known = {spec.key for spec in SPECS}
    for group in MENU_GROUPS:
        for key in group:
            if key in known:
                menu.addAction(actions.actions[key])
        menu.addSeparator()
    menu.addAction(palette_action)


def _report(window: QMainWindow, detail: CaseDetailPane, text: str, refused: bool) -> None:
    """Show an action's outcome in the status bar (and a refusal on the case pane)."""
    window.statusBar().showMessage(text, 15000 if refused else 5000)
    if refused:
        detail.show_message(text)
    else:
        detail.message.hide()
