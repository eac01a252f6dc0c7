"""Trainer scenarios: a YAML timeline of events, conditions and expectations, played into
a console running on the training database, and the trainee's scorecard.

Format: ``resources/scenarios/README.md``.
"""

from console.core.scenarios.clock import ScenarioClock
from console.core.scenarios.loader import (
    load_scenario,
    parse_scenario,
    scenario_dir,
    shipped_scenarios,
)
from console.core.scenarios.model import (
    Check,
    Condition,
    Expectation,
    Scenario,
    ScenarioError,
    Step,
    format_seconds,
)
from console.core.scenarios.places import PlaceBook, place_book_for_city, place_book_for_core
from console.core.scenarios.player import LogEntry, ScenarioPlayer
from console.core.scenarios.report import scorecard_html
from console.core.scenarios.scorecard import Scorecard, ScoreLine
from console.core.scenarios.tracking import ExpectationState, Outcome
from console.core.scenarios.training import training_database_path, training_database_url

__all__ = [
    "Check",
    "Condition",
    "Expectation",
    "ExpectationState",
    "LogEntry",
    "Outcome",
    "PlaceBook",
    "Scenario",
    "ScenarioClock",
    "ScenarioError",
    "ScenarioPlayer",
    "ScoreLine",
    "Scorecard",
    "Step",
    "format_seconds",
    "load_scenario",
    "parse_scenario",
    "place_book_for_city",
    "place_book_for_core",
    "scenario_dir",
    "scorecard_html",
    "shipped_scenarios",
    "training_database_path",
    "training_database_url",
]
