"""Training in the Qt console: the trainer's scenario player, the scorecard, the banner."""

from console.qt.training.banner import TrainingBanner, install_banner
from console.qt.training.install import MonotonicClock, Training, install_training
from console.qt.training.player_pane import TrainingPane
from console.qt.training.scorecard_dialog import ScorecardDialog

__all__ = [
    "MonotonicClock",
    "ScorecardDialog",
    "Training",
    "TrainingBanner",
    "TrainingPane",
    "install_banner",
    "install_training",
]
