"""The incident intake: alarms from the bus become incidents; rejected payloads are kept.

:class:`IncidentIntake` subscribes (``Delivery.BATCH``, so nothing is conflated)
to every alarm topic and opens an incident for each alarm, and to
:class:`PayloadQuarantined`, storing every quarantined payload. An alarm that
cannot be stored as an incident is stored in quarantine instead, with the
reason: nothing is lost.

With alarm-flood protection (``flood``, see :mod:`console.core.alarms`), before
opening a case the intake asks, for each alarm with a source key:

1. was this alarm seen before (it opened a case, or was kept without one)? Refused;
2. is its source shelved? It is kept in the alarm log under the shelf, no case;
3. is a case of its type from the same source still open, opened within the fold
   window? It folds into that case as a repeat (audited, counted, announced; a case
   changed meanwhile, e.g. by another console's intake, is folded into again);
4. otherwise it opens a case, as without protection.
"""

from __future__ import annotations

import enum
import json
import logging
from collections.abc import Sequence

from console.core.alarms.flood import AlarmFlood
from console.core.alarms.keys import source_key_of
from console.core.bus import Delivery, EventBus, Subscription
from console.core.events import CASE_TOPICS, Event, GeofenceEvent, PayloadQuarantined, describe
from console.core.incidents import store
from console.core.incidents.model import ConcurrentUpdateError, IncidentError, StorageError
from console.core.incidents.service import IncidentService
from console.core.incidents.types import alarm_id
from console.core.storage.quarantine import save_quarantined

log = logging.getLogger(__name__)

INTAKE_SOURCE = "incident-intake"
"""The quarantine source recorded for alarms that could not open an incident."""
FOLD_ATTEMPTS = 5
"""How often a repeat is folded again into a case that changed under it (another console)."""


class Outcome(enum.Enum):
    """What the intake did with one alarm."""

    OPENED = "opened"
    DUPLICATE = "duplicate"
    FOLDED = "folded"
    SHELVED = "shelved"


class IncidentIntake:
    """Bus subscriber that opens incidents from alarms and stores quarantined payloads."""

    def __init__(self, service: IncidentService, flood: AlarmFlood | None = None) -> None:
        self.service = service
        self.flood = flood
        """Alarm-flood protection (folding, shelving, the rate meter); None: every alarm opens."""
        self.opened = 0
        self.duplicates = 0
        self.folded = 0
        self.shelved = 0
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
        """Close every subscription made by :meth:`attach` (and the flood protection's)."""
        for handle in self._handles:
            handle.close()
        self._handles.clear()
        if self.flood is not None:
            self.flood.close()

    def on_alarms(self, events: Sequence[Event]) -> None:
        """Open an incident for each alarm (a seen alarm opens nothing; see the module)."""
        for event in events:
            if isinstance(event, GeofenceEvent) and not event.opens_case:
                continue  # a fence that only watches: the event is for the map and charts
            try:
                outcome = self.take(event)
            except Exception as exc:
                self.failed += 1
                log.exception("could not open an incident for %s", event.TOPIC)
                self._keep_failed(event, exc)
                continue
            if outcome is Outcome.OPENED:
                self.opened += 1
            elif outcome is Outcome.FOLDED:
                self.folded += 1
            elif outcome is Outcome.SHELVED:
                self.shelved += 1
            else:
                self.duplicates += 1

    def take(self, event: Event) -> Outcome:
        """Open a case for one alarm, or fold, shelve or refuse it; says which."""
        flood = self.flood
        key = source_key_of(event) if flood is not None else None
        if flood is not None and key is not None:
            if self._seen(flood, event):
                return Outcome.DUPLICATE
            shelf = flood.shelves.shelf_for(key)
            if shelf is not None:
                kept = flood.shelves.keep_alarm(
                    shelf, event.TOPIC, alarm_id(event), event.ts, describe(event)
                )
                return Outcome.SHELVED if kept else Outcome.DUPLICATE
            folded = self._fold(event, key, flood.config.fold_window_s)
            if folded is not None:
                return folded
        incident = self.service.open_from_alarm(event)
        return Outcome.OPENED if incident is not None else Outcome.DUPLICATE

    def _fold(self, event: Event, key: str, window_s: float) -> Outcome | None:
        """Fold a repeat into its open case; None: there is none, the alarm opens a case.

        A case changed meanwhile (another console folded another repeat into it,
        an operator acted) is a conflict: the fold is tried again on the case as
        it now stands.
        """
        for _attempt in range(FOLD_ATTEMPTS):
            target = self.service.find_repeat_target(event, key, window_s)
            if target is None:
                return None
            try:
                folded = self.service.fold_repeat(target.id, event, key)
            except ConcurrentUpdateError:
                log.info("case %s changed meanwhile: folding the repeat again", target.id)
                continue
            except StorageError:
                raise
            except IncidentError:
                log.info("case %s closed meanwhile: the alarm opens a new case", target.id)
                return None
            return Outcome.FOLDED if folded is not None else Outcome.DUPLICATE
        log.warning("its case kept changing: alarm %s opens a case of its own", alarm_id(event))
        return None

    def on_quarantined(self, events: Sequence[Event]) -> None:
        """Store every quarantined payload, in one transaction per batch."""
        entries = [
            (event.ts, event.source, event.reason, event.raw)
            for event in events
            if isinstance(event, PayloadQuarantined)
        ]
        self.quarantined += save_quarantined(self.service.db, entries)

    def _seen(self, flood: AlarmFlood, event: Event) -> bool:
        """Whether the alarm opened a case or was kept without one before."""
        topic, source_id = event.TOPIC, alarm_id(event)
        with self.service.db.engine.connect() as connection:
            if store.find_by_alarm(connection, topic, source_id) is not None:
                return True
        return flood.is_logged(topic, source_id)

    def _keep_failed(self, event: Event, exc: Exception) -> None:
        raw = json.dumps(describe(event), ensure_ascii=False, default=str)
        reason = f"could not open an incident: {type(exc).__name__}: {exc}"
        try:
            save_quarantined(self.service.db, [(event.ts, INTAKE_SOURCE, reason, raw)])
        except Exception:
            log.exception("could not keep the failed alarm either: %s", raw)
