"""The Reports menu: export the selected case's incident report, or the current shift's report.

Each action asks for a folder, writes the report into a new folder inside it
(``case-<id>`` or ``shift-<date>-<hhmm>``) and says where; a failure is shown
in a message box with its reason, never swallowed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMenu, QMessageBox

from console.core.incidents.kpi import shift_window
from console.core.paths import user_data_dir
from console.core.reports import WrittenReport
from console.core.runtime import ConsoleCore
from console.qt.case_wiring import CaseWorkflow
from console.qt.reports.export import export_incident_report, export_shift_report

log = logging.getLogger(__name__)

MENU_TITLE = "&Reports"


def reports_menu(window: QMainWindow) -> QMenu:
    """The window's Reports menu (made on first use)."""
    bar = window.menuBar()
    for action in bar.actions():
        menu = action.menu()
        if isinstance(menu, QMenu) and action.text().replace("&", "") == "Reports":
            return menu
    return bar.addMenu(MENU_TITLE)


class ReportExport(QObject):
    """The report actions of a window and what they do."""

    # ---- Signals

    sig_written = Signal(str)
    """A report was written; carries the path of its HTML file."""

    def __init__(
        self,
        window: QMainWindow,
        core: ConsoleCore,
        workflow: CaseWorkflow,
        tz: dt.tzinfo,
        recording_folder_of: Callable[[], Path | None],
    ) -> None:
        super().__init__(window)
        self._window = window
        self._core = core
        self._workflow = workflow
        self._tz = tz
        self._recording_folder_of = recording_folder_of
        self._last_folder = user_data_dir() / "reports"
        self.message_box: QMessageBox | None = None
        """The last message shown (kept so it stays open, and for tests)."""
        self.incident_action = QAction("Export incident report…", window)
        self.incident_action.setStatusTip(
            "Write the selected case's report (HTML) and timeline (CSV)"
        )
        self.incident_action.triggered.connect(self.ask_incident_report)
        self.shift_action = QAction("Shift report…", window)
        self.shift_action.setStatusTip("Write this shift's key figures and cases (HTML and CSV)")
        self.shift_action.triggered.connect(self.ask_shift_report)

    # ---- Public API

    def selected_case_id(self) -> int | None:
        """The case selected in the queue (shown in the case pane), or None."""
        case = self._workflow.actions.case() or self._workflow.detail.case()
        return case.id if case is not None else None

    def incident_report_to(self, case_id: int, parent: Path) -> WrittenReport:
        """Write case ``case_id``'s report into ``parent/case-<id>``."""
        return export_incident_report(
            self._core, case_id, parent / f"case-{case_id}", self._tz, self._recording_folder_of()
        )

    def shift_report_to(self, parent: Path) -> WrittenReport:
        """Write the current shift's report into ``parent/shift-<date>-<hhmm>``."""
        window = shift_window(self._core.clock.now(), tz=self._tz)
        start = dt.datetime.fromtimestamp(window.start, self._tz)
        folder = parent / f"shift-{start:%Y%m%d-%H%M}"
        return export_shift_report(self._core, folder, self._tz, window)

    def export_case(self, case_id: int, parent: Path) -> WrittenReport | None:
        """Write case ``case_id``'s report into ``parent``; a failure is shown, not raised."""
        return self._run(f"case #{case_id}", lambda: self.incident_report_to(case_id, parent))

    def export_shift(self, parent: Path) -> WrittenReport | None:
        """Write the current shift's report into ``parent``; a failure is shown, not raised."""
        return self._run("the shift", lambda: self.shift_report_to(parent))

    def ask_incident_report(self) -> None:
        """Ask for a folder and write the selected case's report there."""
        case_id = self.selected_case_id()
        if case_id is None:
            self._show(QMessageBox.Icon.Information, "Export incident report",
                       "Select a case in the queue first.")  # fmt: skip
            return
        parent = self._ask_folder(f"Folder for the report of case #{case_id}")
        if parent is not None:
            self.export_case(case_id, parent)

    def ask_shift_report(self) -> None:
        """Ask for a folder and write the current shift's report there."""
        parent = self._ask_folder("Folder for the shift report")
        if parent is not None:
            self.export_shift(parent)

    # ---- Internals

    def _ask_folder(self, title: str) -> Path | None:
        self._last_folder.mkdir(parents=True, exist_ok=True)
        chosen = QFileDialog.getExistingDirectory(self._window, title, str(self._last_folder))
        if not chosen:
            return None
        self._last_folder = Path(chosen)
        return self._last_folder

    def _show(self, icon: QMessageBox.Icon, title: str, text: str) -> None:
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self._window)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.message_box = box
        box.open()  # window-modal, without blocking the frame tick

    def _run(self, what: str, write: Callable[[], WrittenReport]) -> WrittenReport | None:
        try:
            written = write()
        except Exception as exc:  # shown to the operator with its reason, and logged
            log.exception("the report of %s was not written", what)
            self._show(QMessageBox.Icon.Critical, "Report not written",
                       f"The report of {what} was not written:\n{exc}")  # fmt: skip
            return None
        status = self._window.statusBar()
        status.showMessage(f"Report of {what} written to {written.html}", 10_000)
        self.sig_written.emit(str(written.html))
        return written


def live_recording_folder(core: ConsoleCore) -> Path | None:
    """The live recording's folder with everything recorded so far written out (None: none)."""
    recorder = core.recorder
    if recorder is None:
        return None
    recorder.flush()
    return recorder.folder


def install_report_export(
    window: QMainWindow,
    core: ConsoleCore,
    workflow: CaseWorkflow,
    tz: dt.tzinfo,
    recording_folder_of: Callable[[], Path | None],
) -> ReportExport:
    """Add "Export incident report…" and "Shift report…" to the window's Reports menu."""
    export = ReportExport(window, core, workflow, tz, recording_folder_of)
    menu = reports_menu(window)
    menu.addAction(export.incident_action)
    menu.addAction(export.shift_action)
    return export
