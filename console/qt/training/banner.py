"""The TRAINING banner: a bright strip across the top of the whole window, and the title."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMainWindow, QSizePolicy, QToolBar

TRAINING_TITLE_PREFIX = "TRAINING — "
BANNER_STYLE = (
    "QLabel#trainingBanner { background: #b45309; color: #ffffff; font-weight: 800;"
    " font-size: 14px; letter-spacing: 3px; padding: 5px; border-bottom: 2px solid #f59e0b; }"
)
BANNER_TEXT = "TRAINING  ·  training database — nothing here touches live cases"


class TrainingBanner(QLabel):
    """The strip that says the console is in training."""

    def __init__(self, text: str = BANNER_TEXT) -> None:
        super().__init__(text)
        self.setObjectName("trainingBanner")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setStyleSheet(BANNER_STYLE)


def install_banner(window: QMainWindow, text: str = BANNER_TEXT) -> TrainingBanner:
    """Put the banner in a fixed strip above every dock, and TRAINING in the window title."""
    banner = TrainingBanner(text)
    strip = QToolBar("Training banner", window)
    strip.setObjectName("trainingBannerBar")
    strip.setMovable(False)
    strip.setFloatable(False)
    strip.toggleViewAction().setVisible(False)  # it cannot be hidden from a menu
    strip.setStyleSheet("QToolBar#trainingBannerBar { border: none; padding: 0; spacing: 0; }")
    strip.addWidget(banner)
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, strip)
    window.insertToolBarBreak(strip)
    if not window.windowTitle().startswith(TRAINING_TITLE_PREFIX):
        window.setWindowTitle(TRAINING_TITLE_PREFIX + window.windowTitle())
    window.windowTitleChanged.connect(lambda title: _keep_prefix(window, title))
    return banner


def _keep_prefix(window: QMainWindow, title: str) -> None:
    """A title set later (a layout, a file) keeps TRAINING in front."""
    if not title.startswith(TRAINING_TITLE_PREFIX):
        window.setWindowTitle(TRAINING_TITLE_PREFIX + title)
