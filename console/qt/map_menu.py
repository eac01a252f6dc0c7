"""The window's Map menu, shared by the map's tools (layers, basemap, zones, selection)."""

from __future__ import annotations

from PySide6.QtWidgets import QMainWindow, QMenu

MAP_MENU_NAME = "map_menu"


def map_menu(window: QMainWindow) -> QMenu:
    """The ``&Map`` menu of ``window``, created before Help the first time it is asked for."""
    bar = window.menuBar()
    found = bar.findChild(QMenu, MAP_MENU_NAME)
    if found is not None:
        return found
    menu = QMenu("&Map", bar)
    menu.setObjectName(MAP_MENU_NAME)
    actions = bar.actions()
    help_action = next((a for a in actions if a.text().replace("&", "") == "Help"), None)
    if help_action is not None:
        bar.insertMenu(help_action, menu)
    else:
        bar.addMenu(menu)
    return menu
