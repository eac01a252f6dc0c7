"""Fixed sites: cameras, passenger and weigh stations, their registry and loader."""

from __future__ import annotations

from console.core.sites.loader import STREAM_SCHEMES, SiteError, load_sites, parse_sites
from console.core.sites.model import (
    Camera,
    CameraKind,
    CameraPurpose,
    Site,
    Station,
    StationKind,
)
from console.core.sites.registry import SiteRegistry

__all__ = [
    "STREAM_SCHEMES",
    "Camera",
    "CameraKind",
    "CameraPurpose",
    "Site",
    "SiteError",
    "SiteRegistry",
    "Station",
    "StationKind",
    "load_sites",
    "parse_sites",
]
