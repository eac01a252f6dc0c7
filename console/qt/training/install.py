"""Training in the console window: the scenario player pane and the TRAINING banner.

The console started for training runs its core on the training database
(:func:`console.core.scenarios.training_database_url`); :func:`install_training`
then adds everything the trainer needs to the window in one call.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import QDockWidget

from console.core.clock import Clock
from console.core.runtime import ConsoleCore
from console.core.scenarios import place_book_for_core, scenario_dir
from console.qt.main_window import MainWindow
from console.qt.training.banner import TrainingBanner, install_banner
from console.qt.training.player_pane import TrainingPane


class MonotonicClock:
    """The machine's monotonic clock, for scenario time (never jumps with the wall clock)."""

    def now(self) -> float:
        """Seconds on the monotonic clock."""
        return time.monotonic()


@dataclass
class Training:
    """The parts of training in a console window."""

    pane: TrainingPane
    dock: QDockWidget
    banner: TrainingBanner


def install_training(
    window: MainWindow,
    core: ConsoleCore,
    scenarios: Path | None = None,
    *,
    trainee: str = "",
    base_clock: Clock | None = None,
) -> Training:
    """Add the Training pane (scenarios from ``scenarios``, default the shipped ones) and the
    TRAINING banner and title to ``window``; ``base_clock`` drives scenario time
    (default: the monotonic clock)."""
    pane = TrainingPane(
        core.bus,
        core.incidents,
        place_book_for_core(core),
        base_clock or MonotonicClock(),
        scenarios or scenario_dir(),
        timezone=core.timezone,
        trainee=trainee,
    )
    dock = window.add_pane(pane)
    banner = install_banner(window)
    pane.sig_started.connect(
        lambda name: window.statusBar().showMessage(f"Training scenario {name} started", 8000)
    )
    return Training(pane, dock, banner)
