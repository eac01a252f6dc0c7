"""Handing cases to neighbouring centres and taking theirs (the smart region).

Sending: :meth:`RegionDesk.hand_off` stores, in one transaction, the audited
``handed_off`` action on the case, the hand-off and its message in the outbox;
:class:`~console.core.region.link.RegionLinks` delivers the outbox to the
neighbour's broker (``<their prefix>/v1/region/handoff/<id>``) when it can.

Taking: a :class:`RegionHandoff` arriving on this centre's own feed opens a
case (once, however many consoles receive it). Every later change of that case,
on any console, queues a :class:`RegionStatus` for the sender in the change's
own transaction, so the sender hears of each step, in order (``seq`` is the
case's version), even across restarts.

Reports coming back are written on the sending case as ``neighbour_reported``.
A hand-off or report that cannot be used goes to the quarantine with its reason.
One that arrives while the database is unreachable is held, in order, and taken
when the database answers again (:meth:`RegionDesk.retry_held`).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Sequence

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError, IntegrityError

from console.core.bus import Delivery, EventBus, Subscription
from console.core.clock import Clock
from console.core.events import Event, RegionHandoff, RegionStatus, describe
from console.core.feeds.topics import encode_payload
from console.core.incidents.lifecycle import Verb
from console.core.incidents.model import (
    ConcurrentUpdateError,
    Incident,
    IncidentError,
    IncidentStatus,
    StorageError,
)
from console.core.incidents.service import IncidentService
from console.core.incidents.types import REGIONAL_TYPE_ID
from console.core.region import store
from console.core.region.config import Centre, RegionConfig
from console.core.region.store import Direction, Handoff, HandoffState

log = logging.getLogger(__name__)

SOURCE = "region"
"""The quarantine source of hand-offs and reports that cannot be used."""
REFUSED = "refused"
"""The status a centre reports when it could not take a case."""
HANDOFF_DETAIL = "handoff"
"""The key of a taken case's detail holding the hand-off it was opened from."""
CONFLICT_RETRIES = 3
"""How often a report is written again when the case changed under it."""
HELD_LIMIT = 10_000
"""Hand-offs and reports held while the database is unreachable (beyond: the oldest
go to the quarantine)."""


def status_label(status: str) -> str:
    """A reported case state as an operator reads it (``Dispatched``; unknown: as sent)."""
    try:
        return IncidentStatus(status).label
    except ValueError:
        return "Refused" if status == REFUSED else status


class RegionDesk:
    """Sends this centre's hand-offs and takes the neighbours'; one per console."""

    def __init__(
        self,
        config: RegionConfig,
        service: IncidentService,
        bus: EventBus,
        clock: Clock,
        *,
        wake: Callable[[], None] = lambda: None,
        database_ok: Callable[[], bool] = lambda: True,
    ) -> None:
        self.config = config
        self.service = service
        self.bus = bus
        self.clock = clock
        self.wake = wake
        """Told after a commit that queued messages (the link sends them at once)."""
        self.database_ok = database_ok
        """Whether the database is thought to answer (held messages are retried only then)."""
        self._held: list[RegionHandoff | RegionStatus] = []
        self.taken = 0
        self.reports = 0
        self._subscriptions: list[Subscription] = []

    @property
    def centre(self) -> Centre:
        """This centre."""
        return self.config.centre

    def attach(self) -> None:
        """Take hand-offs and reports from the bus; report changes of taken cases."""
        self._subscriptions = [
            self.bus.subscribe(RegionHandoff.TOPIC, self._arrived, Delivery.BATCH, "region"),
            self.bus.subscribe(RegionStatus.TOPIC, self._arrived, Delivery.BATCH, "region"),
        ]
        self.service.stored_hooks.append(self._report_change)

    def close(self) -> None:
        """Stop taking events (idempotent)."""
        for subscription in self._subscriptions:
            subscription.close()
        self._subscriptions = []
        if self._report_change in self.service.stored_hooks:
            self.service.stored_hooks.remove(self._report_change)

    # ---- Sending

    def hand_off(
        self,
        incident_id: int,
        centre_id: str,
        actor: str,
        reason: str,
        *,
        expected_version: int | None = None,
    ) -> Handoff:
        """Hand case ``incident_id`` to neighbour ``centre_id``; stored before it returns.

        :class:`IncidentError` when the neighbour is unknown or has no broker, the
        case is closed, or it is already with that neighbour (not refused).
        """
        try:
            neighbour = self.config.neighbour(centre_id)
        except KeyError:
            raise IncidentError(f"{centre_id!r} is not a neighbouring centre of this one") from None
        if neighbour.broker is None:
            raise IncidentError(
                f"{neighbour.label} cannot be reached: no broker is configured for it "
                f"(--neighbour {centre_id}=mqtt://host:port)"
            )
        handoff_id = f"{self.centre.centre_id}-{incident_id}-{uuid.uuid4().hex[:12]}"
        now = self.clock.now()
        stored: list[Handoff] = []

        def write(connection: Connection, case: Incident) -> bool:
            for earlier in store.handoffs_of_case(connection, case.id):
                if (
                    earlier.peer == centre_id
                    and earlier.direction is Direction.OUT
                    and earlier.state is not HandoffState.REFUSED
                ):
                    raise IncidentError(
                        f"case {case.id} is already handed to {neighbour.label} "
                        f"({earlier.state.label.lower()})"
                    )
            handoff = Handoff(
                handoff_id, Direction.OUT, centre_id, neighbour.label, case.id,
                HandoffState.QUEUED, None, None, 0, reason.strip(), actor.strip(), now, None, now,
            )  # fmt: skip
            store.insert_handoff(connection, handoff)
            event = self._handoff_event(case, handoff, now)
            payload = encode_payload(event).decode()
            store.queue_message(connection, centre_id, event.TOPIC, handoff_id, payload, now)
            stored.append(handoff)
            return True

        self.service.act(
            incident_id,
            Verb.HAND_OFF,
            actor,
            expected_version=expected_version,
            within=write,
            centre=neighbour.label,
            reason=reason,
            handoff_id=handoff_id,
        )
        self.wake()
        return stored[0]

    def _handoff_event(self, case: Incident, handoff: Handoff, now: float) -> RegionHandoff:
        place = ""
        if case.path is not None:
            codes = (case.path.county, case.path.street, case.path.community)
            place = " ".join(self.service.name_of(code) for code in codes)
        return RegionHandoff(
            ts=now,
            handoff_id=handoff.handoff_id,
            origin=self.centre.centre_id,
            origin_name=self.centre.label,
            case_id=case.id,
            incident_type=case.incident_type,
            title=case.title,
            title_en=case.title_en,
            priority=case.priority,
            lon=case.lon,
            lat=case.lat,
            reported_at=case.reported_at,
            reason=handoff.reason,
            actor=handoff.actor,
            place=place,
        )

    # ---- Reading

    def handoffs(self, incident_id: int) -> list[Handoff]:
        """Every hand-off of a case (sent or taken), oldest first."""
        with self.service.db.engine.connect() as connection:
            return store.handoffs_of_case(connection, incident_id)

    def recent(self, limit: int = 200) -> list[Handoff]:
        """The newest hand-offs of this centre, both ways."""
        with self.service.db.engine.connect() as connection:
            return store.recent_handoffs(connection, limit)

    def waiting(self) -> dict[str, int]:
        """Messages per neighbour not yet acknowledged by its broker."""
        with self.service.db.engine.connect() as connection:
            return store.waiting_counts(connection)

    # ---- Held while the database is unreachable (bus thread)

    @property
    def held(self) -> int:
        """Hand-offs and reports waiting for the database."""
        return len(self._held)

    def retry_held(self) -> int:
        """Take the held hand-offs and reports, in order, while the database answers (call
        it about once a second); returns how many are still held."""
        while self._held and self.database_ok():
            if not self._use(self._held[0]):
                break
            self._held.pop(0)
        return len(self._held)

    def _arrived(self, events: Sequence[Event]) -> None:
        for event in events:
            assert isinstance(event, RegionHandoff | RegionStatus)
            if self._held or not self._use(event):  # behind the held ones: order is kept
                self._hold(event)

    def _use(self, event: RegionHandoff | RegionStatus) -> bool:
        """Take a hand-off or keep a report; False if the database is unreachable."""
        try:
            if isinstance(event, RegionHandoff):
                self._take_handoff(event)
            else:
                self._keep_report(event)
        except StorageError as exc:
            if self.database_ok():  # the database answers but refused it: no use waiting
                self._quarantine(event, f"not kept, the database failed: {exc}")
                return True
            log.warning(
                "region: %s %s waits for the database: %s", event.TOPIC, event.handoff_id, exc
            )
            return False
        return True

    def _hold(self, event: RegionHandoff | RegionStatus) -> None:
        self._held.append(event)
        while len(self._held) > HELD_LIMIT:
            oldest = self._held.pop(0)
            self._quarantine(oldest, "not kept: the database was unreachable too long")

    # ---- Taking

    def _take_handoff(self, event: RegionHandoff) -> None:
        try:
            self.take(event)
        except StorageError:
            raise  # held and taken later
        except IncidentError as exc:
            self._quarantine(event, f"hand-off not taken: {exc}")
            self._refuse_quietly(event, str(exc))

    def take(self, event: RegionHandoff) -> Incident | None:
        """Open a case for a neighbour's hand-off; None if it was taken before."""
        if event.origin == self.centre.centre_id:
            raise IncidentError("a hand-off from this centre to itself")
        sender = self.config.by_prefix(event.origin)
        sender_name = sender.label if sender is not None else event.origin_name or event.origin
        peer = self._peer_of(event.origin)
        if why := store.unstorable_ids(event.handoff_id, peer):
            raise IncidentError(f"a hand-off this centre cannot keep: {why}")
        type_id = event.incident_type
        try:
            self.service.rules.by_id(type_id)
        except KeyError:
            type_id = REGIONAL_TYPE_ID
        now = self.clock.now()
        detail = {HANDOFF_DETAIL: describe(event)}

        def keep(connection: Connection, case: Incident) -> None:
            handoff = Handoff(
                event.handoff_id, Direction.IN, peer, sender_name, case.id,
                HandoffState.TAKEN, event.case_id, None, 0, event.reason, event.actor,
                now, None, now,
            )  # fmt: skip
            store.insert_handoff(connection, handoff)

        titles = (
            f"{sender_name}移交：{event.title}"[:500],
            f"From {sender.name_en if sender else event.origin}: {event.title_en}"[:500],
        )
        try:
            case = self.service.report_handed_over(
                type_id,
                event.lon,
                event.lat,
                titles,
                event.priority,
                event.reported_at,
                f"{sender_name} ({event.actor})"[:128],
                detail,
                keep,
            )
        except DBAPIError as exc:
            if isinstance(exc, IntegrityError):
                with self.service.db.engine.connect() as connection:
                    if store.find_handoff(connection, event.handoff_id, Direction.IN) is not None:
                        return None  # another console of this centre took it
            raise StorageError(
                f"hand-off {event.handoff_id} was not stored; the database said: {exc.orig}"
            ) from exc
        self.taken += 1
        self.wake()
        return case

    def _report_change(
        self, connection: Connection, case: Incident, action: str, actor: str, reason: str
    ) -> None:
        """Queue a report to the sender when a case taken from a neighbour changes."""
        if HANDOFF_DETAIL not in case.detail:
            return  # this centre's own case: no query on the path of every case write
        taken = store.taken_handoff(connection, case.id)
        if taken is None:
            return
        event = RegionStatus(
            ts=case.updated_at,
            handoff_id=taken.handoff_id,
            centre=self.centre.centre_id,
            seq=case.version,
            case_id=case.id,
            status=case.status.value,
            action=action,
            actor=actor,
            note=reason[:1000],
        )
        payload = encode_payload(event).decode()
        store.queue_message(
            connection, taken.peer, event.TOPIC, taken.handoff_id, payload, case.updated_at
        )

    # ---- Reports on what this centre sent

    def _keep_report(self, event: RegionStatus) -> None:
        for attempt in range(CONFLICT_RETRIES, -1, -1):
            try:
                self.record(event)
            except ConcurrentUpdateError:
                if attempt:
                    continue  # an operator changed the case meanwhile: write it again
                self._quarantine(event, "report not kept: the case kept changing")
            except StorageError:
                raise  # held and kept later
            except IncidentError as exc:
                self._quarantine(event, f"report not kept: {exc}")
            break

    def record(self, event: RegionStatus) -> Incident | None:
        """Write a neighbour's report on the case it was handed; None if not newer."""
        with self.service.db.engine.connect() as connection:
            handoff = store.find_handoff(connection, event.handoff_id, Direction.OUT)
        if handoff is None:
            raise IncidentError(f"hand-off {event.handoff_id!r} was not sent by this centre")
        if self._peer_of(event.centre) != handoff.peer:
            raise IncidentError(
                f"hand-off {event.handoff_id!r} went to {handoff.peer}, "
                f"but {event.centre} reports on it"
            )
        if event.seq <= handoff.last_seq:
            return None  # already kept (a redelivery)
        refused = event.status == REFUSED
        state = HandoffState.REFUSED if refused else HandoffState.RECEIVED
        now = self.clock.now()
        summary = f"{handoff.peer_name} case #{event.case_id}: {status_label(event.status)}"
        if refused:
            summary = f"{handoff.peer_name} refused the case"
        if event.note:
            summary += f" ({event.note})"

        def keep(connection: Connection, case: Incident) -> bool:
            return store.record_report(
                connection, event.handoff_id, event.seq, state, event.case_id, event.status, now
            )

        case = self.service.act(
            handoff.incident_id,
            Verb.NEIGHBOUR_REPORT,
            f"{handoff.peer_name} ({event.actor})"[:128],
            within=keep,
            centre=handoff.peer_name,
            status=event.status,
            case_id=event.case_id,
            handoff_id=event.handoff_id,
            reason=summary[:1000],
        )
        self.reports += 1
        return case

    def refuse(self, event: RegionHandoff, why: str) -> None:
        """Tell the sender this centre cannot take its hand-off (queued like any report)."""
        report = RegionStatus(
            ts=self.clock.now(),
            handoff_id=event.handoff_id,
            centre=self.centre.centre_id,
            seq=1,
            case_id=0,
            status=REFUSED,
            action=REFUSED,
            actor=self.centre.label,
            note=why[:1000],
        )
        with self.service.db.engine.begin() as connection:
            store.queue_message(
                connection,
                self._peer_of(event.origin),
                report.TOPIC,
                event.handoff_id,
                encode_payload(report).decode(),
                report.ts,
            )
        self.wake()

    def _peer_of(self, prefix: str) -> str:
        """The neighbour's id for the prefix its messages carry (its outbox and links are
        by id; they differ when its broker URL says ``?prefix=``)."""
        neighbour = self.config.by_prefix(prefix)
        return neighbour.centre_id if neighbour is not None else prefix

    def _quarantine(self, event: Event, reason: str) -> None:
        log.warning("region: %s", reason)
        raw = json.dumps(describe(event), ensure_ascii=False)
        self.bus.reject(SOURCE, reason, raw)

    def _refuse_quietly(self, event: RegionHandoff, why: str) -> None:
        if event.origin == self.centre.centre_id:
            return
        try:
            self.refuse(event, why)
        except Exception:  # the quarantine keeps the hand-off; the sender hears nothing
            log.exception("region: could not queue a refusal for %s", event.handoff_id)
