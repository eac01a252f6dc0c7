"""A training scenario as plain values: its timeline, conditions and expectations.

The YAML format is documented in ``resources/scenarios/README.md``; the loader
(:mod:`console.core.scenarios.loader`) validates a file into these values.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from console.core.city.model import Level
from console.core.incidents.lifecycle import Verb
from console.core.incidents.model import IncidentStatus

FORMAT_VERSION = 1
"""The scenario format this console reads (``format: 1``)."""


class ScenarioError(ValueError):
    """A scenario file that cannot be played; ``errors`` lists every problem (file:line: ...)."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


class PlaceKind(enum.StrEnum):
    """What a named place in a scenario refers to."""

    BRIDGE = "bridge"
    WEIGH_STATION = "weigh_station"
    CAMERA = "camera"
    IOT_STATION = "iot_station"
    VEHICLE = "vehicle"
    """A vehicle by its plate: where it is when the step is played."""
    POINT = "point"
    """Plain lon/lat."""


@dataclass(frozen=True, slots=True)
class Place:
    """Where an event happens: a named place (or a point), shifted by metres east/north."""

    kind: PlaceKind
    ref: str = ""
    """The bridge, station or camera id, IoT station index or plate ("" for a point)."""
    lon: float = 0.0
    lat: float = 0.0
    east_m: float = 0.0
    north_m: float = 0.0


@dataclass(frozen=True, slots=True)
class Post:
    """An event to post: its topic, the fields given in the file and where it happens."""

    topic: str
    fields: Mapping[str, Any]
    place: Place | None = None


@dataclass(frozen=True, slots=True)
class Act:
    """A command a simulated department gives the case (e.g. returning it)."""

    verb: Verb
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Step:
    """One timeline entry: post ``post`` ``at_s`` seconds after the scenario starts."""

    step_id: str
    at_s: float
    post: Post
    note: str = ""
    line: int = 0


@dataclass(frozen=True, slots=True)
class Condition:
    """When the case of step ``case_step`` reaches ``status``, wait ``after_s`` then act.

    It fires at most ``times`` times (each time the case newly reaches the
    status); ``post`` (an event) or ``act`` (a command on that case) is what it does.
    """

    condition_id: str
    case_step: str
    status: IncidentStatus
    after_s: float = 0.0
    times: int = 1
    post: Post | None = None
    act: Act | None = None
    note: str = ""
    line: int = 0


class Check(enum.StrEnum):
    """What an expectation waits for (the ``<check>_within`` key of the file)."""

    ACCEPTED = "accepted"
    DISPATCHED = "dispatched"
    ESCALATED = "escalated"
    MERGED = "merged"
    CLOSED = "closed"
    MESSAGED = "messaged"


CHECK_LIMITS: Mapping[Check, str] = {Check.ACCEPTED: "accept", Check.CLOSED: "resolve"}
"""The case type's time limit (see ``IncidentType.limits``) a check is scored against."""


@dataclass(frozen=True, slots=True)
class Expectation:
    """What the trainee should do to the case of ``case_step`` within ``within_s`` seconds.

    Time counts from when that case appears (for ``messaged``: from the step).
    The qualifiers narrow it: the kind or unit dispatched to, the level escalated
    to, the step whose case it is merged into, the plate messaged.
    """

    expectation_id: str
    case_step: str
    check: Check
    within_s: float
    unit_kind: str = ""
    unit_id: str = ""
    level: Level | None = None
    into_step: str = ""
    plate: str = ""
    line: int = 0

    def describe(self) -> str:
        """The expectation in one English line (for the trainer's list and the scorecard)."""
        within = format_seconds(self.within_s)
        subject = f"case of {self.case_step}"
        if self.check is Check.MESSAGED:
            return f"message vehicle {self.plate} within {within} of {self.case_step}"
        if self.check is Check.DISPATCHED:
            to = self.unit_id or (self.unit_kind.replace("_", " ") if self.unit_kind else "")
            return f"{subject} dispatched{' to ' + to if to else ''} within {within}"
        if self.check is Check.ESCALATED:
            level = f" to the {self.level.name.lower()} level" if self.level is not None else ""
            return f"{subject} escalated{level} within {within}"
        if self.check is Check.MERGED:
            return f"{subject} merged into the case of {self.into_step} within {within}"
        return f"{subject} {self.check.value} within {within}"


@dataclass(frozen=True, slots=True)
class Scenario:
    """A whole scenario, validated."""

    name: str
    title: str
    description: str
    area: str
    """The part of the city it exercises."""
    start: str
    """Local time of day the story is set at (``HH:MM``), or "" when it does not matter."""
    steps: tuple[Step, ...]
    conditions: tuple[Condition, ...] = ()
    expectations: tuple[Expectation, ...] = ()
    path: Path | None = None

    @property
    def duration_s(self) -> float:
        """When the last step is posted."""
        return max((step.at_s for step in self.steps), default=0.0)

    def step(self, step_id: str) -> Step | None:
        """The step called ``step_id`` (None if none)."""
        return next((s for s in self.steps if s.step_id == step_id), None)


def format_seconds(value: float) -> str:
    """``90`` as ``1:30``, ``3725`` as ``1:02:05``."""
    total = max(round(value), 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
