"""The incident intake: alarms from the bus become incidents; rejected payloads are kept.

:class:`IncidentIntake` subscribes (``Delivery.BATCH``, so nothing is conflated)
to every alarm topic and opens an incident for each alarm, and to
:class:`PayloadQuarantined`, storing every quarantined payload. An alarm that
cannot be stored as an incident is stored in quarantine instead, with the
reason: nothing is lost.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

from console.core.bus import Delivery, EventBus, Subscription
from console.core.events import CASE_TOPICS, Event, GeofenceEvent, PayloadQuarantined, describe
from console.core.incidents.service import IncidentService
from console.core.storage.quarantine import save_quarantined

log = logging.getLogger(__name__)

INTAKE_SOURCE = "incident-intake"
"""The quarantine source recorded for alarms that could not open an incident."""


class IncidentIntake:
    """Bus subscriber that opens incidents from alarms and stores quarantined payloads."""

    def __init__(self, service: IncidentService) -> None:
        self.service = service
        self.opened = 0
        self.duplicates = 0
        self.failed = 0
        self.quarantined = 0
        self._handles: list[Subscription] = []

    def attach(self, bus: EventBus) -> list[Subscription]:
        """Subscribe to every alarm topic and to quarantined payloads; returns the handles."""
        handles = [
            bus.subscribe(topic, self.on_alarms, Delivery.BATCH, name=f"incident intake {topic}")
            for topic in CASE_TOPICS
        ]
        handles.append(
            bus.subscribe(
                PayloadQuarantined, self.on_quarantined, Delivery.BATCH, name="quarantine store"
            )
        )
        self._handles.extend(handles)
        return handles

    def close(self) -> None:
        """Close every subscription made by :meth:`attach`."""
        for handle in self._handles:
            handle.close()
        self._handles.clear()

    def on_alarms(self, events: Sequence[Event]) -> None:
        """Open an incident for each alarm (an alarm seen before opens nothing)."""
        for event in events:
            if isinstance(event, GeofenceEvent) and not event.opens_case:
                continue  # a fence that only watches: the event is for the map and charts
            try:
                incident = self.service.open_from_alarm(event)
            except Exception as exc:
                self.failed += 1
                log.exception("could not open an incident for %s", event.TOPIC)
                self._keep_failed(event, exc)
                continue
            if incident is None:
                self.duplicates += 1
            else:
                self.opened += 1

    def on_quarantined(self, events: Sequence[Event]) -> None:
        """Store every quarantined payload, in one transaction per batch."""
        entries = [
            (event.ts, event.source, event.reason, event.raw)
            for event in events
            if isinstance(event, PayloadQuarantined)
        ]
        self.quarantined += save_quarantined(self.service.db, entries)

    def _keep_failed(self, event: Event, exc: Exception) -> None:
        raw = json.dumps(describe(event), ensure_ascii=False, default=str)
        reason = f"could not open an incident: {type(exc).__name__}: {exc}"
        try:
            save_quarantined(self.service.db, [(event.ts, INTAKE_SOURCE, reason, raw)])
        except Exception:
            log.exception("could not keep the failed alarm either: %s", raw)
