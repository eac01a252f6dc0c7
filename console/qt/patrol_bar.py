"""The patrol bar over the video wall: pick and start a tour, confirm checkpoints.

While a tour runs and the focus is on the video wall, N confirms "nothing found",
A marks an anomaly (a case with the picture) and K acknowledges the alarm that
paused the tour; the bar shows the checkpoint, its time left and buttons for the
same.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from console.qt.patrol_controller import PatrolController

KEYS = {"nothing": "N", "anomaly": "A", "acknowledge": "K"}
"""The keystrokes that confirm a checkpoint or acknowledge an alarm."""


class PatrolBar(QWidget):
    """Tour choice, start/stop, the current checkpoint and the confirmation buttons."""

    # ---- Signals

    sig_report = Signal()
    """The operator asked for the patrol report."""

    def __init__(self, controller: PatrolController, tz: tzinfo) -> None:
        super().__init__()
        self.setObjectName("patrol_bar")
        self.controller = controller
        self.tz = tz
        self.tours = QComboBox()
        self.tours.setToolTip("Camera tours of this city (due ones first)")
        # long tour names do not widen the bar (the wall shares the window with the map)
        self.tours.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.tours.setMinimumContentsLength(18)
        self.start_button = QPushButton("Start patrol")
        self.start_button.clicked.connect(self._start_or_stop)
        self.caption = QLabel("No patrol running")
        self.caption.setObjectName("patrol_caption")
        # the caption takes the room left and is cut there, never widening the window
        self.caption.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.time_left = QProgressBar()
        self.time_left.setTextVisible(False)
        self.time_left.setFixedWidth(90)
        self.time_left.setFixedHeight(8)
        self.nothing = self._button(
            f"Nothing found · {KEYS['nothing']}",
            controller.confirm_nothing,
            "Looked: nothing to report at this camera",
        )
        self.anomaly = self._button(
            f"Anomaly · {KEYS['anomaly']}",
            controller.mark_anomaly,
            "Something is wrong here: a case with this picture",
        )
        self.acknowledge = self._button(
            f"Alarm seen · {KEYS['acknowledge']}",
            controller.acknowledge,
            "Acknowledge the alarm that holds the tour on this camera",
        )
        report = QPushButton("Patrol report…")
        report.clicked.connect(self.sig_report)
        # two rows: the tour and its controls, then the checkpoint and its confirmations
        # (one row would make the wall, and with it the window, wider than a screen)
        top, bottom = QHBoxLayout(), QHBoxLayout()
        top.addWidget(self.tours, 1)
        top.addWidget(self.start_button)
        top.addWidget(report)
        bottom.addWidget(self.caption, 1)
        bottom.addWidget(self.time_left)
        for widget in (self.nothing, self.anomaly, self.acknowledge):
            bottom.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addLayout(bottom)
        self.shortcuts: list[QShortcut] = []
        self.install_keys(self)
        self._listed_minute = -1
        controller.sig_changed.connect(self.update_state)
        self.fill_tours()
        self.update_state()

    # ---- Public API

    def install_keys(self, area: QWidget) -> None:
        """Make N, A and K work while the focus is in ``area`` (the video wall): the same
        letters work cases in the queue and the case pane."""
        for shortcut in self.shortcuts:
            shortcut.setParent(None)
            shortcut.deleteLater()
        controller = self.controller
        self.shortcuts = [
            self._shortcut(area, KEYS["nothing"], controller.confirm_nothing),
            self._shortcut(area, KEYS["anomaly"], controller.mark_anomaly),
            self._shortcut(area, KEYS["acknowledge"], controller.acknowledge),
        ]
        for shortcut in self.shortcuts:
            shortcut.setEnabled(controller.running)

    def fill_tours(self) -> list[str]:
        """List the tours, those due now first and marked; the names of those due."""
        book, now = self.controller.book, self.controller.clock.now()
        due_tours = book.due(now, self.tz, self.controller.log.last_run_at())
        due = {t.tour_id for t in due_tours}
        chosen = self.tours.currentData()
        self.tours.clear()
        for tour in sorted(book.tours, key=lambda t: (t.tour_id not in due, t.name_en)):
            mark = " · due" if tour.tour_id in due else ""
            minutes = round(tour.duration_s / 60)
            self.tours.addItem(f"{tour.name_en} ({minutes} min){mark}", tour.tour_id)
        if chosen is not None and (index := self.tours.findData(chosen)) >= 0:
            self.tours.setCurrentIndex(index)
        return [t.name_en for t in due_tours]

    def update_state(self) -> None:
        """Buttons, shortcuts and caption for what is running now."""
        self._listed_minute = -1
        controller = self.controller
        runner = controller.runner
        running = controller.running
        paused = running and runner is not None and runner.paused
        self.start_button.setText("Stop patrol" if running else "Start patrol")
        self.tours.setEnabled(not running)
        self.nothing.setEnabled(running and not paused)
        self.anomaly.setEnabled(running and not paused)
        self.acknowledge.setEnabled(bool(paused))
        for shortcut in self.shortcuts:
            shortcut.setEnabled(running)
        self.refresh()

    def refresh(self) -> None:
        """The caption and time left (frame tick)."""
        controller = self.controller
        runner = controller.runner
        current = runner.current if runner is not None else None
        if runner is None or current is None:
            self._idle()
            return
        self._say(f"{runner.tour.name_en} · {controller.caption()}")
        total = max(current.due_at - current.shown_at, 1.0)
        self.time_left.setRange(0, 1000)
        self.time_left.setValue(round(1000 * max(runner.seconds_left(), 0.0) / total))
        self.acknowledge.setEnabled(runner.paused)
        self.nothing.setEnabled(not runner.paused)
        self.anomaly.setEnabled(not runner.paused)

    # ---- Building

    def _say(self, text: str) -> None:
        """The caption (and its tooltip, for when it is cut)."""
        if self.caption.text() != text:
            self.caption.setText(text)
            self.caption.setToolTip(text)

    def _idle(self) -> None:
        """No tour running: say which are due (the list is read again each minute)."""
        minute = int(self.controller.clock.now() // 60)
        if minute != self._listed_minute:
            self._listed_minute = minute
            due = self.fill_tours()
            self._say(
                f"No patrol running · due now: {', '.join(due)}" if due else "No patrol running"
            )
            self.time_left.setValue(0)

    def _start_or_stop(self) -> None:
        if self.controller.running:
            self.controller.stop()
        elif (tour_id := self.tours.currentData()) is not None:
            self.controller.start(tour_id)

    def _button(self, text: str, slot: Callable[[], None], tip: str) -> QPushButton:
        button = QPushButton(text)
        button.setToolTip(tip)
        button.clicked.connect(lambda: slot())
        return button

    def _shortcut(self, area: QWidget, key: str, slot: Callable[[], None]) -> QShortcut:
        shortcut = QShortcut(QKeySequence(key), area)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(lambda: slot())
        return shortcut
