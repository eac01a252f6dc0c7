"""Reading the map page's state from Qt tests (its JavaScript, answered asynchronously)."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from console.qt.panes.map_pane import MapPane

PAGE_TIMEOUT_MS = 20_000


def page_value(qtbot: QtBot, pane: MapPane, script: str) -> object:
    """What ``script`` evaluates to in ``pane``'s page (waits for the answer)."""
    results: list[object] = []
    pane.view.page().runJavaScript(script, 0, results.append)
    qtbot.waitUntil(lambda: bool(results), timeout=PAGE_TIMEOUT_MS)
    return results[0]
