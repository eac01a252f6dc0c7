"""Simulated vehicle terminals: taxis and buses answer the centre's messages.

For the built-in simulation only. Each :class:`VehicleMessage` on the bus is
answered with a :class:`MessageReceipt` ``delivered`` after a short delay and,
usually, ``read`` a while later. A few terminals never answer (switched off, out
of coverage), so the message service's timeout can be seen failing them, and a
few drivers never open the message. Every choice for a message is drawn from a
generator seeded by (seed, message id), so a run is the same whatever order
messages arrive in. Receipts are posted by :meth:`SimulatedTerminals.step`, which
the console calls about once a second on the GUI thread.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Sequence

from console.core.bus import Delivery, EventBus, Subscription
from console.core.events import Event, MessageReceipt, VehicleMessage

DELIVER_DELAY_S = (2.0, 20.0)
"""A terminal confirms delivery this many simulated seconds after the message (uniform)."""
READ_DELAY_S = (10.0, 180.0)
"""The driver reads the message this many simulated seconds after delivery (uniform)."""
SILENT_FRACTION = 0.04
"""Share of terminals that never answer (switched off, no coverage)."""
UNREAD_FRACTION = 0.1
"""Share of delivered messages the driver never opens."""


class SimulatedTerminals:
    """Answers messages to vehicles with delivery and read receipts after seeded delays."""

    def __init__(
        self,
        bus: EventBus,
        *,
        seed: int = 0,
        silent_fraction: float = SILENT_FRACTION,
        unread_fraction: float = UNREAD_FRACTION,
        deliver_delay_s: tuple[float, float] = DELIVER_DELAY_S,
        read_delay_s: tuple[float, float] = READ_DELAY_S,
    ) -> None:
        for name, share in (("silent", silent_fraction), ("unread", unread_fraction)):
            if not 0.0 <= share <= 1.0:
                raise ValueError(f"{name} fraction must be between 0 and 1")
        self.bus = bus
        self.seed = seed
        self.silent_fraction = silent_fraction
        self.unread_fraction = unread_fraction
        self.deliver_delay_s = deliver_delay_s
        self.read_delay_s = read_delay_s
        self.received = 0
        self.silent = 0
        """Messages whose terminal will never answer."""
        self.posted = 0
        """Receipts posted on the bus."""
        self._due: list[tuple[float, int, MessageReceipt]] = []
        self._order = 0
        self._handles: list[Subscription] = []

    # ---- Wiring

    def attach(self, bus: EventBus | None = None) -> list[Subscription]:
        """Subscribe (batch) to messages sent to vehicles; returns the handles."""
        target = bus or self.bus
        self._handles = [
            target.subscribe(VehicleMessage, self._on_messages, Delivery.BATCH, name="terminals")
        ]
        return list(self._handles)

    def close(self) -> None:
        """Close the subscription and forget every planned answer (idempotent)."""
        for handle in self._handles:
            handle.close()
        self._handles = []
        self._due.clear()

    # ---- Stepping

    @property
    def waiting(self) -> int:
        """Receipts planned and not yet posted."""
        return len(self._due)

    def step(self, now: float) -> int:
        """Post every receipt due at simulated time ``now``; returns how many."""
        ready: list[MessageReceipt] = []
        while self._due and self._due[0][0] <= now:
            ready.append(heapq.heappop(self._due)[2])
        if ready:
            self.bus.post_many(ready)
            self.posted += len(ready)
        return len(ready)

    def _on_messages(self, events: Sequence[Event]) -> None:
        for event in events:
            if isinstance(event, VehicleMessage):
                self._plan(event)

    def _plan(self, message: VehicleMessage) -> None:
        self.received += 1
        rng = random.Random(f"{self.seed}:{message.message_id}")
        if rng.random() < self.silent_fraction:
            self.silent += 1
            return
        delivered_at = message.ts + rng.uniform(*self.deliver_delay_s)
        self._schedule(
            MessageReceipt(delivered_at, message.message_id, message.vehicle_id, "delivered")
        )
        if rng.random() >= self.unread_fraction:
            read_at = delivered_at + rng.uniform(*self.read_delay_s)
            self._schedule(MessageReceipt(read_at, message.message_id, message.vehicle_id, "read"))

    def _schedule(self, receipt: MessageReceipt) -> None:
        self._order += 1
        heapq.heappush(self._due, (receipt.ts, self._order, receipt))
