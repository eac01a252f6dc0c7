"""The message service: send a text to a vehicle, follow its receipts, time out the silent.

Sending is one transaction that stores the message as ``sent`` together with its
first audit row; only after the commit is :class:`VehicleMessage` posted on the
bus (posting is the sending: the terminal link picks it up from there, so the
console never holds a ``queued`` message). Receipts from terminals
(:class:`MessageReceipt`, delivered in batches) move the message on, each change
audited with the actor ``terminal:<vehicle_id>``. A receipt that cannot be applied
(unknown message, wrong vehicle, a state change that is not allowed) is counted
and quarantined on the bus with its reason, never dropped silently. Messages no
terminal confirmed within ``timeout_s`` are failed by :meth:`fail_overdue`
(actor ``system``), which the console calls about once a second. Receipts are
followed once :meth:`MessageService.attach` has subscribed to them.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from console.core.bus import Delivery, EventBus, Subscription
from console.core.clock import Clock
from console.core.events import Event, MessageReceipt, VehicleClass, VehicleMessage
from console.core.messages import store
from console.core.messages.model import (
    RECEIPT_STATES,
    SYSTEM_ACTOR,
    Message,
    MessageError,
    MessageEvent,
    MessageState,
    check_transition,
    checked_text,
)
from console.core.storage.columns import to_json
from console.core.storage.engine import Database
from console.core.storage.schema import incidents

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 120.0
"""Seconds a terminal has to confirm delivery before the message counts as failed."""

MAX_ACTOR_LENGTH = 128
_RETRIES = 3


class UnknownMessageError(MessageError):
    """A receipt names a message this centre never sent."""


def new_message_id() -> str:
    """A fresh message id, unique across workstations sharing one database."""
    return f"MSG-{uuid.uuid4().hex[:16].upper()}"


def terminal_actor(vehicle_id: int) -> str:
    """The audit actor of a vehicle's terminal."""
    return f"terminal:{vehicle_id}"


def _checked_actor(actor: str) -> str:
    actor = actor.strip()
    if not actor:
        raise MessageError("sending a message needs a named actor")
    if len(actor) > MAX_ACTOR_LENGTH:
        raise MessageError(f"actor name longer than {MAX_ACTOR_LENGTH} characters")
    return actor


def _checked_class(vehicle_class: VehicleClass | str) -> str:
    if isinstance(vehicle_class, VehicleClass):
        return vehicle_class.name.lower()
    try:
        return VehicleClass[vehicle_class.strip().upper()].name.lower()
    except KeyError:
        known = ", ".join(c.name.lower() for c in VehicleClass)
        raise MessageError(f"unknown vehicle class {vehicle_class!r} (known: {known})") from None


def _checked_vehicle(vehicle_id: int) -> int:
    if isinstance(vehicle_id, bool) or not isinstance(vehicle_id, int) or vehicle_id < 0:
        raise MessageError(f"vehicle id must be a non-negative integer, not {vehicle_id!r}")
    return vehicle_id


def _receipt_raw(receipt: MessageReceipt) -> str:
    return to_json(
        {
            "ts": receipt.ts,
            "message_id": receipt.message_id,
            "vehicle_id": receipt.vehicle_id,
            "state": receipt.state,
        }
    )


class MessageService:
    """Sends messages to vehicles and keeps their delivery state, every change audited."""

    def __init__(
        self,
        db: Database,
        bus: EventBus,
        clock: Clock,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        new_id: Callable[[], str] = new_message_id,
    ) -> None:
        if timeout_s <= 0:
            raise ValueError("the delivery timeout must be positive")
        self.db = db
        self.bus = bus
        self.clock = clock
        self.timeout_s = timeout_s
        self.new_id = new_id
        self.receipts_applied = 0
        self.receipts_unknown = 0
        self.receipts_refused = 0
        self._handles: list[Subscription] = []

    # ---- Wiring

    def attach(self, bus: EventBus | None = None) -> list[Subscription]:
        """Subscribe (batch) to terminal receipts; returns the handles."""
        target = bus or self.bus
        self._handles = [
            target.subscribe(
                MessageReceipt, self._on_receipts, Delivery.BATCH, name="messages.receipts"
            )
        ]
        return list(self._handles)

    def close(self) -> None:
        """Stop following receipts (idempotent)."""
        for handle in self._handles:
            handle.close()
        self._handles = []

    # ---- Commands

    def send(
        self,
        vehicle_id: int,
        vehicle_class: VehicleClass | str,
        text: str,
        actor: str,
        incident_id: int | None = None,
    ) -> Message:
        """Store and send ``text`` to one vehicle's terminal, optionally for a case.

        Refused with :class:`MessageError` (nothing stored, nothing sent) for an
        empty or too long text, an unnamed actor, an unknown class or case.
        """
        vehicle_id = _checked_vehicle(vehicle_id)
        class_name = _checked_class(vehicle_class)
        text = checked_text(text)
        actor = _checked_actor(actor)
        now = self.clock.now()
        message = Message(
            message_id=self.new_id(),
            vehicle_id=vehicle_id,
            vehicle_class=class_name,
            text=text,
            sent_by=actor,
            sent_at=now,
            state=MessageState.SENT,
            state_at=now,
            incident_id=incident_id,
            version=1,
        )
        detail: dict[str, Any] = {"vehicle_class": class_name, "text": text}
        if incident_id is not None:
            detail["incident_id"] = incident_id
        try:
            with self.db.engine.begin() as connection:
                if incident_id is not None:
                    found = connection.execute(
                        select(incidents.c.id).where(incidents.c.id == incident_id)
                    ).first()
                    if found is None:
                        raise MessageError(f"there is no case {incident_id} to send this for")
                store.insert_message(connection, message)
                store.insert_event(
                    connection, message.message_id, now, actor, None, MessageState.SENT, detail
                )
        except DBAPIError as exc:
            raise MessageError(
                f"the message to vehicle {vehicle_id} was not stored and not sent; "
                f"the database said: {exc.orig}"
            ) from exc
        self.bus.post(VehicleMessage(now, message.message_id, vehicle_id, text))
        return message

    def receive(self, receipt: MessageReceipt) -> Message:
        """Apply one terminal receipt as an audited state change; returns the message.

        Raises :class:`UnknownMessageError` for a message never sent and
        :class:`MessageError` for any other receipt that cannot be applied.
        """
        try:
            state = MessageState(receipt.state)
        except ValueError:
            raise MessageError(f"receipt state {receipt.state!r} is not a message state") from None
        if state not in RECEIPT_STATES:
            raise MessageError(f"a terminal cannot report a message as {state}")
        actor = terminal_actor(receipt.vehicle_id)
        for _ in range(_RETRIES):
            try:
                moved = self._apply(receipt, state, actor)
            except DBAPIError as exc:
                raise MessageError(
                    f"receipt for {receipt.message_id} was not stored; the database said: "
                    f"{exc.orig}"
                ) from exc
            if moved is not None:
                return moved
        raise MessageError(f"message {receipt.message_id} kept changing; receipt not applied")

    def _apply(self, receipt: MessageReceipt, state: MessageState, actor: str) -> Message | None:
        """One attempt at a receipt; None when the message changed meanwhile."""
        now = self.clock.now()
        with self.db.engine.begin() as connection:
            current = store.read(connection, receipt.message_id)
            if current is None:
                raise UnknownMessageError(f"no message {receipt.message_id!r} was sent")
            if current.vehicle_id != receipt.vehicle_id:
                raise MessageError(
                    f"message {current.message_id} went to vehicle {current.vehicle_id}, "
                    f"not to vehicle {receipt.vehicle_id}"
                )
            check_transition(current.state, state)
            if not store.update_state(connection, current, state, now):
                return None  # changed by another workstation meanwhile: look again
            detail = {"receipt_ts": receipt.ts}
            store.insert_event(
                connection, current.message_id, now, actor, current.state, state, detail
            )
        return _moved(current, state, now)

    def fail_overdue(self) -> list[Message]:
        """Fail every message no terminal confirmed within the timeout (actor ``system``)."""
        now = self.clock.now()
        failed: list[Message] = []
        detail = {"reason": "no receipt from the terminal", "timeout_s": self.timeout_s}
        with self.db.engine.begin() as connection:
            for current in store.awaiting(connection, sent_before=now - self.timeout_s):
                if store.update_state(connection, current, MessageState.FAILED, now):
                    store.insert_event(
                        connection,
                        current.message_id,
                        now,
                        SYSTEM_ACTOR,
                        current.state,
                        MessageState.FAILED,
                        detail,
                    )
                    failed.append(_moved(current, MessageState.FAILED, now))
        for message in failed:
            log.info(
                "message %s to vehicle %s failed: no receipt",
                message.message_id,
                message.vehicle_id,
            )
        return failed

    # ---- Queries

    def get(self, message_id: str) -> Message | None:
        """The message ``message_id``, or None."""
        with self.db.engine.connect() as connection:
            return store.read(connection, message_id)

    def for_vehicle(self, vehicle_id: int, limit: int = 50) -> list[Message]:
        """The newest ``limit`` messages to one vehicle, newest first."""
        with self.db.engine.connect() as connection:
            return store.for_vehicle(connection, vehicle_id, limit)

    def history(self, message_id: str) -> list[MessageEvent]:
        """Every audited state change of one message, oldest first."""
        with self.db.engine.connect() as connection:
            return store.events_of(connection, message_id)

    def pending(self) -> list[Message]:
        """Messages sent and not yet confirmed by their terminal, oldest first."""
        with self.db.engine.connect() as connection:
            return store.awaiting(connection)

    # ---- Receipts from the bus

    def _on_receipts(self, events: Sequence[Event]) -> None:
        for event in events:
            if not isinstance(event, MessageReceipt):
                continue
            try:
                self.receive(event)
            except UnknownMessageError as exc:
                self.receipts_unknown += 1
                self.bus.reject(terminal_actor(event.vehicle_id), str(exc), _receipt_raw(event))
            except MessageError as exc:
                self.receipts_refused += 1
                self.bus.reject(terminal_actor(event.vehicle_id), str(exc), _receipt_raw(event))
            else:
                self.receipts_applied += 1


def _moved(message: Message, state: MessageState, at: float) -> Message:
    return replace(message, state=state, state_at=at, version=message.version + 1)
