"""Core tests need no Qt; they run with Qt blocked in the test command.

Case fixtures: a real SQLite file, a manual clock, a bus, Bengbu's case types
and the case service over a small fixed jurisdiction chain with its units.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.core.bus import EventBus
from console.core.city.city import City
from console.core.city.loader import default_city
from console.core.clock import ManualClock
from console.core.incidents import IncidentRules, IncidentService, load_incident_rules
from console.core.paths import city_dir
from console.core.runtime import division_name
from console.core.storage import Database, open_database
from console.core.units import UnitBoard, UnitPlan, UnitRegistry, load_unit_plan
from console.core.units.divisions import division_info_for
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


# ---- The whole of Bengbu: city, unit plan and registry (loaded once), a service over them


@pytest.fixture(scope="session")
def city() -> City:
    return default_city()


@pytest.fixture(scope="session")
def plan(city: City) -> UnitPlan:
    return load_unit_plan(city, city_dir("bengbu"))


@pytest.fixture(scope="session")
def registry(city: City, plan: UnitPlan, rules: IncidentRules) -> UnitRegistry:
    return UnitRegistry(
        plan.units, division_info_for(city), rules.office_suffix, rules.office_suffix_zh
    )


@pytest.fixture
def city_service(
    db: Database,
    bus: EventBus,
    clock: ManualClock,
    rules: IncidentRules,
    registry: UnitRegistry,
    city: City,
) -> IncidentService:
    name_of = functools.partial(division_name, city)
    return IncidentService(db, bus, clock, city.lookup, rules, registry, name_of)


@pytest.fixture
def board(
    city_service: IncidentService,
    registry: UnitRegistry,
    plan: UnitPlan,
    bus: EventBus,
    clock: ManualClock,
    city: City,
) -> Iterator[UnitBoard]:
    name_of = functools.partial(division_name, city)
    unit_board = UnitBoard(registry, clock, city_service.get, plan.shifts, "Asia/Shanghai", name_of)
    unit_board.attach(bus)
    yield unit_board
    unit_board.close()
