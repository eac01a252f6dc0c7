"""Qt test fixtures: a real bus, a real SQLite file, the real incident service."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from console.core.bus import EventBus
from console.core.clock import ManualClock
from console.core.incidents import IncidentIntake, IncidentService, load_incident_rules
from console.core.paths import city_dir
from console.core.runtime import ConsoleCore, CoreOptions, build_core
from console.core.storage import Database, open_database
from console.qt.case_wiring import CaseWorkflow
from console.qt.console_app import build_console
from console.qt.main_window import MainWindow
from tests.support.cases import CONSOLE_START, PATH, fixed_registry, locate, name_of

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


@pytest.fixture
def console_core(tmp_path: Path) -> Iterator[ConsoleCore]:
    """The whole core on a SQLite file (simulation not started, no simulated colleagues)."""
    options = CoreOptions(
        database_url=f"sqlite:///{tmp_path / 'c.db'}",
        history_dir=tmp_path / "history",
        start=CONSOLE_START,
        colleague_share=0.0,
    )
    built = build_core(options)
    yield built
    built.stop()


@pytest.fixture
def console_window(
    qtbot: QtBot, console_core: ConsoleCore, tmp_path: Path
) -> Iterator[tuple[MainWindow, CaseWorkflow]]:
    """The console's window and case workflow on :func:`console_core`, shown at 1400x900."""
    window, workflow = build_console(console_core, "op-1", tmp_path / "profile")
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    yield window, workflow
    window.close()
