"""Keeps the map's incident markers in step with the stored open incidents."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, QTimer

from console.core.bus import Delivery, EventBus, Subscription
from console.core.events import Event, IncidentChanged
from console.core.incidents.service import IncidentService
from console.qt.panes.map_pane import MapPane

REFRESH_MS = 500


class IncidentMarkers(QObject):
    """Re-reads the open incidents when any changes and hands them to the map."""

    def __init__(self, service: IncidentService, map_pane: MapPane) -> None:
        super().__init__()
        self._service = service
        self._map = map_pane
        self._handles: list[Subscription] = []
        self._dirty = True
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.update_markers)
        self._timer.start()

    # ---- Public API

    def attach(self, bus: EventBus) -> None:
        """Follow incident changes."""
        self.detach()
        self._handles = [
            bus.subscribe(IncidentChanged, self._on_changed, Delivery.BATCH, name="map.incidents")
        ]

    def detach(self) -> None:
        """Stop following incident changes."""
        for handle in self._handles:
            handle.close()
        self._handles = []

    def update_markers(self) -> None:
        """Send the open incidents to the map if any changed since the last update."""
        if not self._dirty or not self._map.page_ready:
            return
        self._dirty = False
        self._map.set_incidents(
            {
                "id": incident.id,
                "lon": incident.lon,
                "lat": incident.lat,
                "priority": incident.priority,
                "status": str(incident.status),
                "title": incident.title,
            }
            for incident in self._service.list_open()
        )

    def focus(self, incident_id: int) -> None:
        """Centre the map on an incident."""
        incident = self._service.get(incident_id)
        if incident is not None:
            self._map.center_on(incident.lon, incident.lat)

    # ---- Subscribers

    def _on_changed(self, _events: Sequence[Event]) -> None:
        self._dirty = True
