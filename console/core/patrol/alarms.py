"""Alarms that pause a patrol: a case opened by an alarm near a camera puts that camera up.

:class:`AlarmPause` follows new cases on the bus; for a case opened by an alarm
(not one reported by hand) it finds the nearest camera within ``radius_m`` and
calls :meth:`TourRunner.alarm_near` on the tour running at the time, with the
case's title as the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from console.core.bus import Delivery, EventBus, Subscription
from console.core.events import Event, IncidentChanged
from console.core.incidents.model import Incident
from console.core.patrol.runner import TourRunner
from console.core.sites.model import Camera
from console.core.sites.registry import SiteRegistry

ALARM_RADIUS_M = 300.0
"""How near a camera an alarm must be to pause a patrol on it."""


def camera_for_case(
    sites: SiteRegistry, case: Incident, radius_m: float = ALARM_RADIUS_M
) -> Camera | None:
    """The camera nearest an alarm case within ``radius_m``; None for a case reported by hand
    or far from every camera."""
    if case.source_topic is None:
        return None
    near = sites.cameras_near(case.lon, case.lat, radius_m)
    return near[0] if near else None


class AlarmPause:
    """Pauses the running patrol tour on the camera nearest each new alarm case.

    ``runner`` is the tour running now (None when there is none); the wall sets it.
    """

    def __init__(
        self,
        read_case: Callable[[int], Incident | None],
        sites: SiteRegistry,
        radius_m: float = ALARM_RADIUS_M,
    ) -> None:
        self.read_case = read_case
        self.sites = sites
        self.radius_m = radius_m
        self.runner: TourRunner | None = None
        self._handle: Subscription | None = None

    def attach(self, bus: EventBus) -> Subscription:
        """Follow new cases on ``bus``; returns the handle (closed by :meth:`close`)."""
        self.close()
        self._handle = bus.subscribe(
            IncidentChanged, self._on_changed, Delivery.BATCH, name="patrol.alarm-pause"
        )
        return self._handle

    def close(self) -> None:
        """Stop following cases."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def on_case(self, case: Incident) -> bool:
        """Pause the running tour for a new ``case`` if it is an alarm near a camera;
        whether it paused."""
        runner = self.runner
        if runner is None or runner.finished:
            return False
        camera = camera_for_case(self.sites, case, self.radius_m)
        if camera is None:
            return False
        return runner.alarm_near(camera.camera_id, case.title_en or case.title)

    def _on_changed(self, events: Sequence[Event]) -> None:
        if self.runner is None or self.runner.finished:
            return  # no tour running: no case is read
        for event in events:
            if not isinstance(event, IncidentChanged) or event.action != "reported":
                continue
            case = self.read_case(event.incident_id)
            if case is not None:
                self.on_case(case)
