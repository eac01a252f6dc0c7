"""Camera snapshots for a report: the cameras watching the case's bridge, or those near it.

A simulated camera's picture at the moment of the report is rendered by its
:class:`SimScene` (deterministic: the same picture the operator saw then). A
real camera's stream cannot be gone back to, so it gets a note instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtCore import QSize

from console.core.reports import MapPlace, ReportImage
from console.core.sites import Camera, SiteRegistry
from console.qt.reports.pictures import png_bytes
from console.qt.sim_camera import SimScene

SNAPSHOT_SIZE = QSize(480, 270)
NEAR_RADIUS_M = 400.0
"""How close a camera must be to a case (not on a bridge) to be shown."""
MAX_CAMERAS = 4
LIVE_ONLY = "no snapshot (live stream)"


def cameras_for(
    sites: SiteRegistry, lon: float, lat: float, bridge_id: str | None
) -> tuple[Camera, ...]:
    """The cameras a report shows: those watching the bridge, else the nearest few."""
    if bridge_id is not None:
        watching = sites.cameras_watching(bridge_id)
        if watching:
            return watching[:MAX_CAMERAS]
    return sites.cameras_near(lon, lat, NEAR_RADIUS_M)[:MAX_CAMERAS]


def camera_snapshots(
    cameras: Sequence[Camera], at: float, tz: dt.tzinfo, size: QSize = SNAPSHOT_SIZE
) -> list[ReportImage]:
    """One picture per camera at ``at`` (simulated ones rendered; real ones: a note)."""
    images = []
    for camera in cameras:
        title = f"{camera.name} · {camera.name_en}"
        if camera.simulated:
            picture = SimScene(camera, tz).render(size, at)
            images.append(ReportImage(title, png_bytes(picture), f"{camera.camera_id}, simulated"))
        else:
            images.append(ReportImage(title, None, camera.camera_id, note=LIVE_ONLY))
    return images


def camera_places(cameras: Sequence[Camera]) -> list[MapPlace]:
    """The cameras as places on the report's map."""
    return [MapPlace(camera.name, camera.lon, camera.lat, "camera") for camera in cameras]
