"""Throw-away runs of the whole console (benchmarks, screenshots): an application, a core on
a temporary database, and running the event loop for a while.

Import :mod:`console.qt.qt_env` and call ``prepare_qt_environment(headless=True)``
before importing this (it imports Qt).
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import replace
from pathlib import Path

from PySide6.QtWidgets import QApplication

from console.core.runtime import ConsoleCore, CoreOptions, build_core
from console.qt.theme import apply_theme


def scratch_app(name: str = "city-console") -> QApplication:
    """The application (made once), in the console's theme."""
    app = QApplication.instance() or QApplication([name])
    assert isinstance(app, QApplication)
    apply_theme(app)
    return app


def scratch_core(prefix: str, options: CoreOptions | None = None) -> tuple[ConsoleCore, Path]:
    """The core on a SQLite file and history in a new temporary folder; the core and folder."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    given = options or CoreOptions()
    core = build_core(
        replace(
            given,
            database_url=f"sqlite:///{folder / 'scratch.db'}",
            history_dir=folder / "history",
        )
    )
    return core, folder


def pump(app: QApplication, seconds: float) -> None:
    """Run the event loop for ``seconds`` of wall time."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.002)
