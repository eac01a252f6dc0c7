"""Core tests need no Qt; they run with Qt blocked in the test command.

Case fixtures: a real SQLite file, a manual clock, a bus, Bengbu's case types
and the case service over a small fixed jurisdiction chain with its units.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from console.core.bus import EventBus
from console.core.clock import ManualClock
from console.core.incidents import IncidentRules, IncidentService, load_incident_rules
from console.core.storage import Database, open_database
from tests.support.cases import fixed_registry, locate, name_of


@pytest.fixture(scope="session")
def rules() -> IncidentRules:
    return load_incident_rules()


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'console.db'}"


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = open_database(db_url)
    yield database
    database.close()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=2000.0)


@pytest.fixture
def bus(clock: ManualClock) -> EventBus:
    return EventBus(clock)


@pytest.fixture
def service(
    db: Database, bus: EventBus, clock: ManualClock, rules: IncidentRules
) -> IncidentService:
    return IncidentService(db, bus, clock, locate, rules, fixed_registry(), name_of)
