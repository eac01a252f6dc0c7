"""Where the console finds its resources and keeps its data."""

from __future__ import annotations

import importlib.resources
import os
from pathlib import Path

import platformdirs

APP_NAME = "city-console"


def resources_dir() -> Path:
    """The ``resources/`` folder: ``CITY_CONSOLE_RESOURCES`` or the one beside the package."""
    override = os.environ.get("CITY_CONSOLE_RESOURCES")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "resources"


def leaflet_dir() -> Path:
    """Leaflet's files (``leaflet.js``, ``leaflet.css``, ``images/``) as installed by
    ``django-js-lib-leaflet``: the one copy the map page and the offline reports use."""
    package = importlib.resources.files("js_lib_leaflet")
    return Path(str(package)) / "static" / "js_lib_leaflet"


def city_dir(city: str = "bengbu") -> Path:
    """The data folder of one city under ``resources/cities``."""
    return resources_dir() / "cities" / city


def user_data_dir() -> Path:
    """The user's data folder for the console (database, layouts); created if missing."""
    path = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path
