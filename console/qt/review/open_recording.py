"""File → Open recording…: a recording opens in a review window of its own.

The live window goes on as it was; the review window has its own core (the
recording's scratch database, never the live one) and is closed with its core.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox

from console.core.recording import RecordingProblem
from console.core.review import EmptyRecordingError, build_review_core
from console.core.runtime import CoreOptions
from console.qt.main_window import MainWindow

log = logging.getLogger(__name__)

_open_reviews: list[QMainWindow] = []
"""Review windows kept alive until closed."""


def install_open_recording(
    window: MainWindow, operator: str, profile: Path, options: CoreOptions
) -> QAction:
    """Add File → Open recording… to ``window``."""
    action = QAction("Open &recording…", window)
    action.setShortcut(QKeySequence("Ctrl+Shift+O"))
    action.setStatusTip("Replay a recorded shift, read-only, in a window of its own")
    action.triggered.connect(lambda: _ask_and_open(window, operator, profile, options))
    window.file_menu.insertAction(window.quit_action, action)
    window.file_menu.insertSeparator(window.quit_action)
    return action


def _ask_and_open(window: MainWindow, operator: str, profile: Path, options: CoreOptions) -> None:
    folder = QFileDialog.getExistingDirectory(window, "Open a recording folder")
    if folder:
        open_review_window(Path(folder), operator, profile, options, window)


def open_review_window(
    folder: Path,
    operator: str,
    profile: Path,
    options: CoreOptions,
    parent: QMainWindow | None = None,
) -> MainWindow | None:
    """A review window on the recording in ``folder`` (None, with a message, if it cannot)."""
    from console.qt.console_app import build_window  # the window builder imports this module

    try:
        core = build_review_core(folder, options)
    except (OSError, EmptyRecordingError) as error:
        QMessageBox.warning(parent, "Open recording", f"Cannot open {folder}:\n{error}")
        return None
    review = build_window(core, operator, profile)
    review.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    review.destroyed.connect(lambda _=None: core.stop())
    _open_reviews.append(review)
    review.destroyed.connect(lambda _=None: _open_reviews.remove(review))
    review.show()
    core.start()
    problems = core.review.reader.problems if core.review is not None else []
    if problems:
        _tell_problems(review, problems)
    return review


def _tell_problems(window: QMainWindow, problems: list[RecordingProblem]) -> None:
    shown = "\n".join(str(problem) for problem in problems[:8])
    more = f"\n… and {len(problems) - 8} more" if len(problems) > 8 else ""
    QMessageBox.information(
        window,
        "Recording",
        f"Parts of this recording could not be read and were skipped:\n{shown}{more}",
    )
