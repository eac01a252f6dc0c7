"""The local event bus: sources post from any thread, one consumer thread drains.

``post`` only appends to a staging queue, so it is cheap and safe from source
threads. The consumer (the GUI thread, on its frame tick) calls :meth:`EventBus.drain`,
which hands every subscriber what arrived since the last drain:

* ``Delivery.BATCH`` subscribers get every event, in order (alarms, incidents);
* ``Delivery.LATEST`` subscribers get only the newest event per ``key()``
  (positions), so any ingest rate costs at most one delivery per key per tick.

``subscribe`` returns a :class:`Subscription`; closing it stops delivery. A topic
ending in ``.*`` subscribes to every topic with that prefix; the topic ``*``
subscribes to every topic (the recorder uses it).
"""

from __future__ import annotations

import enum
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from console.core.clock import Clock
from console.core.events import Event, PayloadQuarantined

log = logging.getLogger(__name__)

Callback = Callable[[Sequence[Event]], None]

ALL_TOPICS = "*"
"""The topic that matches every topic."""


class Delivery(enum.Enum):
    """How a subscriber wants its events."""

    LATEST = "latest"
    BATCH = "batch"


class Subscription:
    """A handle on one subscription; ``close()`` ends it (idempotent)."""

    __slots__ = ("_bus", "callback", "closed", "delivery", "name", "topic")

    def __init__(
        self, bus: EventBus, topic: str, callback: Callback, delivery: Delivery, name: str
    ) -> None:
        self._bus = bus
        self.topic = topic
        self.callback = callback
        self.delivery = delivery
        self.name = name
        self.closed = False

    def matches(self, topic: str) -> bool:
        """Whether events of ``topic`` go to this subscription."""
        if self.topic == ALL_TOPICS:
            return True
        if self.topic.endswith(".*"):
            return topic.startswith(self.topic[:-1])
        return topic == self.topic

    def close(self) -> None:
        """Stop delivery to this subscriber."""
        if not self.closed:
            self.closed = True
            self._bus._remove(self)

    def __repr__(self) -> str:
        return f"<Subscription {self.name!r} {self.topic} {self.delivery.value}>"


@dataclass(frozen=True, slots=True)
class QuarantineEntry:
    """One payload set aside at the edge, with why."""

    ts: float
    source: str
    reason: str
    raw: str


class Quarantine:
    """Counts and keeps the most recent rejected payloads (thread-safe).

    Each rejected payload is also posted on the bus as
    :class:`PayloadQuarantined`, so storage keeps all of them and panes can
    show them; this in-memory list is for the operator's quick look.
    """

    def __init__(self, keep: int = 500) -> None:
        self._lock = threading.Lock()
        self._recent: deque[QuarantineEntry] = deque(maxlen=keep)
        self._count = 0

    def add(self, entry: QuarantineEntry) -> None:
        """Record one rejected payload."""
        with self._lock:
            self._recent.append(entry)
            self._count += 1

    @property
    def count(self) -> int:
        """How many payloads were rejected since start."""
        with self._lock:
            return self._count

    def recent(self) -> list[QuarantineEntry]:
        """The most recent rejected payloads, oldest first."""
        with self._lock:
            return list(self._recent)


class EventBus:
    """Thread-safe posting, single-consumer draining, typed topics."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.quarantine = Quarantine()
        self._pending: deque[Event] = deque()
        self._subs: list[Subscription] = []
        self._subs_lock = threading.Lock()
        self._routes: dict[str, tuple[list[Subscription], list[Subscription]]] = {}
        self.delivered_total = 0
        self.subscriber_errors = 0

    # ---- Posting (any thread)

    def post(self, event: Event) -> None:
        """Queue one event for the next drain."""
        self._pending.append(event)

    def post_many(self, events: Iterable[Event]) -> None:
        """Queue many events for the next drain, in order."""
        self._pending.extend(events)

    def reject(self, source: str, reason: str, raw: str) -> None:
        """Quarantine an external payload that failed validation."""
        ts = self.clock.now()
        self.quarantine.add(QuarantineEntry(ts, source, reason, raw))
        log.warning("quarantined payload from %s: %s", source, reason)
        self._pending.append(PayloadQuarantined(ts=ts, source=source, reason=reason, raw=raw))

    @property
    def pending(self) -> int:
        """Events posted and not yet drained."""
        return len(self._pending)

    # ---- Subscribing

    def subscribe(
        self,
        topic: str | type[Event],
        callback: Callback,
        delivery: Delivery = Delivery.BATCH,
        name: str = "",
    ) -> Subscription:
        """Deliver events of ``topic`` to ``callback`` on each drain."""
        topic_name = topic if isinstance(topic, str) else topic.TOPIC
        if not topic_name:
            raise ValueError("a subscription needs a topic")
        sub = Subscription(self, topic_name, callback, delivery, name or repr(callback))
        with self._subs_lock:
            self._subs.append(sub)
            self._routes.clear()
        return sub

    def _remove(self, sub: Subscription) -> None:
        with self._subs_lock:
            if sub in self._subs:
                self._subs.remove(sub)
            self._routes.clear()

    @property
    def subscription_count(self) -> int:
        """Open subscriptions."""
        with self._subs_lock:
            return len(self._subs)

    def _route(self, topic: str) -> tuple[list[Subscription], list[Subscription]]:
        route = self._routes.get(topic)
        if route is None:
            with self._subs_lock:
                subs = [s for s in self._subs if s.matches(topic)]
                route = (
                    [s for s in subs if s.delivery is Delivery.BATCH],
                    [s for s in subs if s.delivery is Delivery.LATEST],
                )
                self._routes[topic] = route
        return route

    # ---- Draining (the consumer thread only)

    def drain(self) -> int:
        """Deliver everything posted since the last drain; returns the event count."""
        pending = self._pending
        count = len(pending)
        if not count:
            return 0
        popleft = pending.popleft
        by_topic: dict[str, list[Event]] = {}
        for _ in range(count):
            event = popleft()
            bucket = by_topic.get(event.TOPIC)
            if bucket is None:
                by_topic[event.TOPIC] = bucket = []
            bucket.append(event)
        for topic, events in by_topic.items():
            batch_subs, latest_subs = self._route(topic)
            for sub in batch_subs:
                self._deliver(sub, events)
            if latest_subs:
                newest = list({e.key(): e for e in events}.values())
                for sub in latest_subs:
                    self._deliver(sub, newest)
        self.delivered_total += count
        return count

    def _deliver(self, sub: Subscription, events: Sequence[Event]) -> None:
        if sub.closed:
            return
        try:
            sub.callback(events)
        except Exception:
            self.subscriber_errors += 1
            log.exception(
                "subscriber %s failed on %d %s event(s)", sub.name, len(events), sub.topic
            )
