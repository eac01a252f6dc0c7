"""Qt test fixtures: a real bus, a real SQLite file, the real incident service."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from console.core.bus import EventBus
from console.core.clock import ManualClock
from console.core.incidents import IncidentIntake, IncidentService, load_incident_rules
from console.core.paths import city_dir
from console.core.storage import Database, open_database
from tests.support.cases import PATH, fixed_registry, locate, name_of

__all__ = ["PATH"]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=1_795_000_000.0)


@pytest.fixture
def bus(clock: ManualClock) -> EventBus:
    return EventBus(clock)


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    db = open_database(f"sqlite:///{tmp_path / 'console.db'}")
    yield db
    db.close()


@pytest.fixture
def service(database: Database, bus: EventBus, clock: ManualClock) -> IncidentService:
    rules = load_incident_rules(city_dir("bengbu") / "incident_types.json")
    return IncidentService(database, bus, clock, locate, rules, fixed_registry(), name_of)


@pytest.fixture
def intake(service: IncidentService, bus: EventBus) -> Iterator[IncidentIntake]:
    book = IncidentIntake(service)
    book.attach(bus)
    yield book
    book.close()


@pytest.fixture(scope="session", autouse=True)
def _delete_widgets_before_exit(qapp: object) -> Iterator[None]:
    """Delete every widget (and so every web page) before Qt tears down its profiles."""
    yield
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QApplication

    for widget in QApplication.topLevelWidgets():
        widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
