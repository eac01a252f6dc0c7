"""The whole console: the real window on the real core, and the command line."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow, QTabBar
from pytestqt.qtbot import QtBot

from console.core.runtime import ConsoleCore, CoreOptions, build_core
from console.core.storage.engine import head_revision
from console.qt.console_app import build_window
from console.qt.dock_tab_bars import tab_bar_in_use
from console.qt.main_window import read_layout

ROOT = Path(__file__).resolve().parents[2]
START = 1_795_000_000.0  # a fixed simulated start


@pytest.fixture
def core(tmp_path: Path) -> Iterator[ConsoleCore]:
    options = CoreOptions(
        database_url=f"sqlite:///{tmp_path / 'c.db'}",
        history_dir=tmp_path / "history",
        speed=300,
        start=START,
    )
    built = build_core(options)
    yield built
    built.stop()


def shown_tab_bars(window: QMainWindow) -> list[QTabBar]:
    """The window's docked groups' tab bars that are shown."""
    bars = window.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly)
    return [bar for bar in bars if bar.isVisible()]


def tab_groups(window: QMainWindow) -> list[list[str]]:
    """The tabs of each shown tab bar, sorted."""
    return [sorted(bar.tabText(i) for i in range(bar.count())) for bar in shown_tab_bars(window)]


def test_window_runs_the_simulation_end_to_end(
    qtbot: QtBot, core: ConsoleCore, tmp_path: Path
) -> None:
    window = build_window(core, "op-1", tmp_path / "profile")
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    # every pane fits a 1680 px wide window (a pane's minimum width widens the window)
    assert window.minimumSizeHint().width() <= 1680
    assert set(window.docks) == {
        "map",
        "incident_queue",
        "quarantine",
        "live_charts",
        "kpi",
        "case_detail",
        "trajectory",
        "bridges",
        "video_wall",
    }
    core.start()
    map_pane = window.panes["map"]
    qtbot.waitUntil(lambda: map_pane.vehicle_count > 50_000, timeout=60_000)
    # no tab bar left behind by the arrangement floats over a pane: only the groups' own
    titles = {dock.windowTitle(): dock for dock in window.docks.values()}
    assert all(tab_bar_in_use(bar, titles) for bar in shown_tab_bars(window))
    assert sorted(tab_groups(window)) == [
        ["Bridges", "KPIs", "Live charts", "Trajectory"],
        ["Incident queue", "Quarantine"],
        ["Map", "Video wall"],
    ]
    queue = window.panes["incident_queue"]
    # at ×300 alarms arrive within simulated minutes: one opens an incident in the queue
    qtbot.waitUntil(lambda: queue.model.rowCount() > 0, timeout=90_000)
    core.simulation.stop()
    window.close()
    layout = read_layout(tmp_path / "profile" / "layout.json")
    assert layout is not None and set(layout["panes"]) == set(window.docks)


def test_layout_is_remembered(qtbot: QtBot, core: ConsoleCore, tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    window = build_window(core, "op-1", profile)
    qtbot.addWidget(window)
    window.show()
    window.docks["live_charts"].setFloating(True)
    window.panes["incident_queue"].state_filter.setCurrentText("Dispatched")
    window.close()

    again = build_window(core, "op-1", profile)
    qtbot.addWidget(again)
    again.show()
    assert again.docks["live_charts"].isFloating()
    assert again.panes["incident_queue"].state_filter.currentText() == "Dispatched"
    assert again.dockWidgetArea(again.docks["map"]) == Qt.DockWidgetArea.LeftDockWidgetArea
    again.close()


def test_a_layout_of_another_version_falls_back_to_the_default(tmp_path: Path) -> None:
    path = tmp_path / "layout.json"
    path.write_text('{"version": 999, "geometry": "", "state": ""}')
    assert read_layout(path) is None
    path.write_text("not json")
    assert read_layout(path) is None


def _run_console(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_DATA_HOME=str(tmp_path / "data"))
    return subprocess.run(
        [sys.executable, "-m", "console", "--headless", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_run_for_with_screenshot_exits_zero_and_writes_a_png(tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    db = tmp_path / "run.db"
    result = _run_console(
        tmp_path,
        "--run-for",
        "8",
        "--screenshot",
        str(shot),
        "--speed",
        "300",
        "--db",
        f"sqlite:///{db}",
        "--profile",
        str(tmp_path / "profile"),
        "--start",
        "2026-11-21T08:00",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with sqlite3.connect(db) as connection:
        (version,) = connection.execute("select version_num from alembic_version").fetchone()
    assert version == head_revision()


def test_an_error_logged_during_a_timed_run_makes_it_fail(tmp_path: Path) -> None:
    # a city without simulation data: the console cannot start its source and says so
    result = _run_console(tmp_path, "--run-for", "1", "--city", "atlantis")
    assert result.returncode != 0
    assert "atlantis" in result.stderr


def test_help_names_the_options() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "console", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    for option in ("--run-for", "--screenshot", "--db", "--speed", "--seed"):
        assert option in result.stdout


def test_times_are_the_city_s_local_time(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from console.qt.app import use_city_timezone

    monkeypatch.setenv("TZ", "UTC")
    try:
        assert use_city_timezone("bengbu") == "Asia/Shanghai"
        assert time.strftime("%H:%M", time.localtime(0)) == "08:00"
    finally:
        monkeypatch.setenv("TZ", "UTC")
        time.tzset()
