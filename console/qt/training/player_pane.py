"""The trainer's scenario player: choose, start, pause, speed up, watch the expectations, stop.

The pane plays one scenario at a time through a core
:class:`~console.core.scenarios.ScenarioPlayer` on a
:class:`~console.core.scenarios.ScenarioClock` over an injected base clock; its
own timer steps the player (whether or not the pane is shown), while the frame
tick drains the bus as always. Stopping shows the trainee's scorecard.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from console.core.bus import EventBus
from console.core.clock import Clock
from console.core.incidents.service import IncidentService
from console.core.scenarios import (
    PlaceBook,
    Scenario,
    ScenarioClock,
    ScenarioError,
    ScenarioPlayer,
    Scorecard,
    format_seconds,
    load_scenario,
)
from console.qt.panes.base import Pane
from console.qt.training.scorecard_dialog import ScorecardDialog
from console.qt.training.views import MISSED_COLOUR, ExpectationView, TimelineView

SPEEDS = (1, 2, 5, 10, 30, 60)
STEP_INTERVAL_MS = 250
_PANE_STYLE = """
QLabel#trainingClock { font-family: monospace; font-size: 16px; font-weight: 700;
                       color: #e6edf3; padding: 0 8px; }
QLabel#trainingDescription { color: #9aa4b2; }
QLabel#trainingHeading { color: #9aa4b2; font-weight: 600; text-transform: uppercase; }
QPushButton#trainingStart { background: #1f6f3f; border-color: #2ea043; color: #ffffff; }
QPushButton#trainingStop { background: #6e1f24; border-color: #da3633; color: #ffffff; }
QPushButton#trainingStart:disabled, QPushButton#trainingStop:disabled {
    background: #1c2430; border-color: #1f2933; color: #4b5563; }
"""


class TrainingPane(Pane):
    """Plays training scenarios and shows the expectations ticking as the trainee works."""

    PANE_ID = "training"
    TITLE = "Training"
    DEFAULT_AREA = Qt.DockWidgetArea.LeftDockWidgetArea

    # ---- Signals

    sig_started = Signal(str)
    """A scenario started; carries its name."""
    sig_stopped = Signal(object)
    """A run ended; carries its :class:`Scorecard`."""

    def __init__(
        self,
        bus: EventBus,
        incidents: IncidentService,
        places: PlaceBook,
        base_clock: Clock,
        scenario_dir: Path,
        timezone: str = "UTC",
        trainee: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._bus = bus
        self._incidents = incidents
        self._places = places
        self._base_clock = base_clock
        self._timezone = timezone
        self._runs = 0
        self.scenario: Scenario | None = None
        self.player: ScenarioPlayer | None = None
        self.scorecard_dialog: ScorecardDialog | None = None
        self._build(trainee)
        self.setStyleSheet(_PANE_STYLE)
        self._timer = QTimer(self)
        self._timer.setInterval(STEP_INTERVAL_MS)
        self._timer.timeout.connect(self.pump)
        for path in sorted(scenario_dir.glob("*.yaml")):
            self.chooser.addItem(_title_of(path), str(path))
        if self.chooser.count():
            self.load(Path(self.chooser.currentData()))
        self.chooser.currentIndexChanged.connect(
            lambda index: self.load(Path(self.chooser.itemData(index))) if index >= 0 else None
        )

    # ---- Public API

    def load(self, path: Path) -> Scenario | None:
        """Load and validate a scenario file; its problems are shown when it is broken."""
        if not self._stopped:
            return self.scenario  # one run at a time: stop first
        try:
            scenario = load_scenario(path, self._places)
        except ScenarioError as exc:
            self.scenario = None
            self.problems.setText("\n".join(exc.errors))
            self.problems.setVisible(True)
            self._show(None)
            return None
        self.scenario = scenario
        self.problems.setVisible(False)
        self._show(scenario)
        return scenario

    def open_file(self) -> None:
        """Ask for a scenario file and load it."""
        name, _ = QFileDialog.getOpenFileName(self, "Open scenario", "", "Scenarios (*.yaml *.yml)")
        if name:
            path = Path(name)
            if self.chooser.findData(str(path)) < 0:
                self.chooser.addItem(_title_of(path), str(path))
            self.chooser.setCurrentIndex(self.chooser.findData(str(path)))
            self.load(path)

    def start(self) -> None:
        """Start the chosen scenario (a new run), at the chosen speed."""
        if self.scenario is None or not self._stopped:
            return
        self._runs += 1
        run_id = f"T{int(self._incidents.clock.now())}-{self._runs}"
        clock = ScenarioClock(self._base_clock, float(self.speed.currentData()))
        self.player = ScenarioPlayer(
            self.scenario,
            self._bus,
            self._incidents,
            self._places,
            clock,
            run_id=run_id,
            trainee=self.trainee.text().strip(),
        )
        self._show(self.scenario)
        self.player.start()
        self._timer.start()
        self._update_controls()
        self.pump()
        self.sig_started.emit(self.scenario.name)

    def toggle_pause(self) -> None:
        """Pause a running scenario, or resume a paused one."""
        if self.player is None or self._stopped:
            return
        if self.player.clock.running:
            self.player.pause()
        else:
            self.player.resume()
        self._update_controls()

    def set_speed(self, speed: float) -> None:
        """Run the scenario ``speed`` times faster (1 to 60)."""
        index = self.speed.findData(int(speed))
        if index >= 0:
            self.speed.setCurrentIndex(index)
        if self.player is not None and not self._stopped:
            self.player.set_speed(speed)

    def stop(self) -> Scorecard | None:
        """End the run and show the trainee's scorecard."""
        if self.player is None or self._stopped:
            return None
        card = self.player.stop()
        self._timer.stop()
        self.pump()
        self._update_controls()
        self.scorecard_dialog = ScorecardDialog(card, self._timezone, self)
        self.scorecard_dialog.open()
        self.sig_stopped.emit(card)
        return card

    def pump(self) -> None:
        """Step the player (post what is due) and show where the run stands."""
        player = self.player
        if player is None:
            return
        player.step()
        self.timeline.update_from(player)
        self.expectations.update_from(player)
        self._show_log(player)
        self._show_clock(player.clock.elapsed(), player.steps_posted)

    def refresh(self) -> None:
        """Repaint on the frame tick (the player's changes arrive with the drained bus)."""
        if self.player is not None and not self._stopped:
            self.expectations.update_from(self.player)

    # ---- Internals

    @property
    def _stopped(self) -> bool:
        return self.player is None or self.player.ended_at is not None

    def _build(self, trainee: str) -> None:
        self.chooser = QComboBox()
        self.chooser.setObjectName("trainingChooser")
        self.open_button = QPushButton("Open…")
        self.open_button.clicked.connect(self.open_file)
        self.title = QLabel("", objectName="trainingHeading", wordWrap=True)
        self.description = QLabel("", objectName="trainingDescription", wordWrap=True)
        self.problems = QLabel("", objectName="actionMessage", wordWrap=True)
        self.problems.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problems.setVisible(False)
        self.trainee = QLineEdit(trainee)
        self.trainee.setPlaceholderText("Trainee's name")
        self.start_button = QPushButton("Start", objectName="trainingStart")
        self.start_button.clicked.connect(self.start)
        self.pause_button = QPushButton("Pause")
        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button = QPushButton("Stop", objectName="trainingStop")
        self.stop_button.clicked.connect(self.stop)
        self.speed = QComboBox()
        for speed in SPEEDS:
            self.speed.addItem(f"{speed}×", speed)
        self.speed.setToolTip("Scenario speed: expectations are measured in scenario time")
        self.speed.currentIndexChanged.connect(
            lambda index: self.set_speed(float(self.speed.itemData(index)))
        )
        self.clock_label = QLabel("0:00", objectName="trainingClock")
        self.clock_label.setToolTip("Scenario time")
        self.steps_label = QLabel("", objectName="trainingDescription")
        self.timeline = TimelineView()
        self.expectations = ExpectationView()
        self.log = QListWidget()
        self.log.setObjectName("trainingLog")
        choose = QHBoxLayout()
        choose.addWidget(self.chooser, 1)
        choose.addWidget(self.open_button)
        controls = QHBoxLayout()
        for widget in (self.start_button, self.pause_button, self.stop_button, self.speed):
            controls.addWidget(widget)
        controls.addStretch(1)
        controls.addWidget(self.steps_label)
        controls.addWidget(self.clock_label)
        who = QHBoxLayout()
        who.addWidget(QLabel("Trainee"))
        who.addWidget(self.trainee, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        for widget in (self.timeline, self.expectations, self.log):
            split.addWidget(widget)
        split.setSizes([220, 160, 90])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(choose)
        layout.addWidget(self.title)
        layout.addWidget(self.description)
        layout.addWidget(self.problems)
        layout.addLayout(who)
        layout.addLayout(controls)
        layout.addWidget(split, 1)
        self._update_controls()

    def _show(self, scenario: Scenario | None) -> None:
        self.timeline.show_scenario(scenario)
        self.expectations.show_scenario(scenario)
        self.log.clear()
        self.title.setText(scenario.title if scenario else "")
        self.description.setText(
            f"{scenario.description.strip()}\n{scenario.area}"
            + (f" · set at {scenario.start}" if scenario.start else "")
            if scenario
            else ""
        )
        self._show_clock(0.0, 0)
        self._update_controls()

    def _show_clock(self, elapsed: float, posted: int) -> None:
        steps = len(self.scenario.steps) if self.scenario else 0
        self.clock_label.setText(format_seconds(elapsed))
        self.steps_label.setText(f"{posted}/{steps} steps")

    def _show_log(self, player: ScenarioPlayer) -> None:
        for entry in player.log[self.log.count() :]:
            item = QListWidgetItem(f"{format_seconds(entry.at_s)}  {entry.text}")
            if entry.problem:
                item.setForeground(QBrush(QColor(MISSED_COLOUR)))
            self.log.addItem(item)
        self.log.scrollToBottom()

    def _update_controls(self) -> None:
        running = not self._stopped
        self.start_button.setEnabled(self.scenario is not None and not running)
        self.pause_button.setEnabled(running)
        self.stop_button.setEnabled(running)
        self.chooser.setEnabled(not running)
        self.open_button.setEnabled(not running)
        self.trainee.setEnabled(not running)
        paused = running and self.player is not None and not self.player.clock.running
        self.pause_button.setText("Resume" if paused else "Pause")


def _title_of(path: Path) -> str:
    """A scenario file's title for the chooser (its name when the file cannot be read)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        data = None
    title = data.get("title") if isinstance(data, dict) else None
    return str(title) if title else path.stem.replace("_", " ")
