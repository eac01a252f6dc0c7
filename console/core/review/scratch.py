"""What keeps a part of the review's scratch database at the cursor (cases, patrol log).

A subclass stores the state at a moment (:meth:`ScratchStore.show`, at every
jump) and applies each replayed event of its type while the recording plays
(:meth:`ScratchStore.apply`, inside one transaction per drain, through the
database's :class:`WriteGate`).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from console.core.bus import Delivery, EventBus, Subscription
from console.core.events import Event
from console.core.review.timeline import ReviewTimeline
from console.core.storage.engine import Database
from console.core.storage.read_only import WriteGate


class ScratchStore:
    """Base of the scratch database's writers; ``EVENT`` is the event type it follows."""

    EVENT: type[Event] = Event

    def __init__(self, database: Database, gate: WriteGate, timeline: ReviewTimeline) -> None:
        self.database = database
        self.gate = gate
        self.timeline = timeline
        self._subscription: Subscription | None = None

    def attach(self, bus: EventBus) -> Subscription:
        """Apply every replayed event (subscribe before anything that reads the store)."""
        self._subscription = bus.subscribe(
            self.EVENT, self._on_events, Delivery.BATCH, name=f"review-{self.EVENT.TOPIC}"
        )
        return self._subscription

    def close(self) -> None:
        """Stop applying replayed events."""
        if self._subscription is not None:
            self._subscription.close()
            self._subscription = None

    def show(self, at: float) -> int:
        """Replace the stored state with the state at ``at``; returns the rows written."""
        raise NotImplementedError

    def apply(self, connection: Connection, event: Event) -> None:
        """Store what one replayed event changed."""
        raise NotImplementedError

    def _on_events(self, events: Sequence[Event]) -> None:
        with self.gate.open(), self.database.engine.begin() as connection:
            for event in events:
                self.apply(connection, event)
