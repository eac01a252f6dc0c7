"""The edge of the MQTT feed: one received message becomes an event or a quarantine entry.

:class:`FeedIngest` is what the network thread calls for each message. It never
raises: a message that cannot become a trustworthy event (not in the topic
tree, too large, not UTF-8, not JSON, wrong types, coordinates out of range,
already received, too old, or from the future) goes to ``bus.reject`` with its
reason; everything else goes to ``bus.post``. It also keeps, thread-safely, the
time of the last message of every feed, for the "which feeds are stale" view.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

from console.core.bus import EventBus
from console.core.clock import Clock
from console.core.codec import (
    DEFAULT_MAX_FUTURE_S,
    MAX_PAYLOAD_BYTES,
    Bbox,
    PayloadError,
    decode_payload,
    raw_text,
)
from console.core.feeds.topics import DEFAULT_PREFIX, event_topic_of, identity_of, qos_of

log = logging.getLogger(__name__)

RAW_KEEP = 4096
"""Characters of a rejected payload kept in the quarantine."""


TOPIC_CACHE = 200_000
"""MQTT topics whose event topic is remembered (one per vehicle, unit, bridge...)."""


@dataclass(frozen=True, slots=True)
class IngestLimits:
    """What the edge accepts."""

    max_bytes: int = MAX_PAYLOAD_BYTES
    max_future_s: float = DEFAULT_MAX_FUTURE_S
    max_age_s: float = 24 * 3600.0
    """Alarms, cases and messages older than this are refused (a replay)."""
    max_position_age_s: float = 600.0
    """Positions and readings older than this are refused (stale)."""
    remember_ids: int = 100_000
    """How many QoS 1 event identities are kept to detect replays."""


@dataclass(frozen=True, slots=True)
class FeedHealth:
    """One feed's last message and whether it is stale."""

    topic: str
    last_message: float | None
    """Clock time of the last accepted message (None: nothing yet)."""
    stale: bool


class FeedIngest:
    """Validates MQTT messages of one city's tree and posts them (thread-safe)."""

    def __init__(
        self,
        bus: EventBus,
        clock: Clock,
        *,
        prefix: str = DEFAULT_PREFIX,
        source: str = "mqtt",
        bbox: Bbox | None = None,
        limits: IngestLimits | None = None,
        expected: Mapping[str, float] | None = None,
    ) -> None:
        self.bus = bus
        self.clock = clock
        self.prefix = prefix
        self.source = source
        self.bbox = bbox
        self.limits = limits or IngestLimits()
        self.expected: dict[str, float] = dict(expected or {})
        """Feeds that should be talking: event topic -> stale after this many seconds."""
        self.default_stale_s = 60.0
        """Any other continuous feed (positions, readings: QoS 0) seen so far is stale after
        this much silence; alarms, cases and hand-offs come when something happens."""
        self._lock = threading.Lock()
        self._seen: OrderedDict[tuple[object, ...], None] = OrderedDict()
        self._last: dict[str, float] = {}
        self._started = clock.now()
        self._topics: dict[str, str | None] = {}
        self.accepted = 0
        self.rejected = 0

    def handle(self, topic: str, payload: bytes) -> bool:
        """Post the event ``payload`` carries or quarantine it; True if posted. Never raises."""
        try:
            reason = self._handle(topic, payload)
        except Exception as exc:  # a bug must not take the feed down
            log.exception("feed %s: unexpected error on %r", self.source, topic)
            reason = f"internal error: {type(exc).__name__}: {exc}"
        if reason is None:
            return True
        with self._lock:
            self.rejected += 1
        try:
            self.bus.reject(f"{self.source}:{topic}"[:200], reason, raw_text(payload, RAW_KEEP))
        except Exception:
            log.exception("feed %s: could not quarantine a payload", self.source)
        return False

    def _handle(self, topic: str, payload: bytes) -> str | None:
        event_topic = self._topics.get(topic, "")
        if event_topic == "":
            event_topic = event_topic_of(topic, self.prefix)
            if len(self._topics) >= TOPIC_CACHE:
                self._topics.clear()  # many distinct keys (or a flood of bad topics)
            self._topics[topic] = event_topic
        if event_topic is None:
            return f"unknown topic {topic!r} (not in the {self.prefix} feed tree)"
        limits = self.limits
        now = self.clock.now()
        try:
            event = decode_payload(
                event_topic,
                payload,
                now=now,
                max_future_s=limits.max_future_s,
                bbox=self.bbox,
                max_bytes=limits.max_bytes,
            )
        except PayloadError as exc:
            return exc.reason
        max_age = limits.max_age_s if qos_of(event_topic) else limits.max_position_age_s
        if event.ts < now - max_age:
            return f"too old: {now - event.ts:.0f} s > {max_age:.0f} s (a replay or a stale feed)"
        identity = identity_of(event)
        with self._lock:
            if identity is not None:
                if identity in self._seen:
                    return f"replayed: {event_topic} {identity[1:]!r} was already received"
                self._seen[identity] = None
                if len(self._seen) > limits.remember_ids:
                    self._seen.popitem(last=False)
            self._last[event_topic] = now
            self.accepted += 1
        self.bus.post(event)
        return None

    # ---- Feed health (any thread)

    def last_messages(self) -> dict[str, float]:
        """Clock time of the last accepted message, per event topic."""
        with self._lock:
            return dict(self._last)

    def health(self) -> list[FeedHealth]:
        """Every expected or seen continuous feed with its last message and staleness."""
        now = self.clock.now()
        with self._lock:
            last = dict(self._last)
        out = []
        continuous = {topic for topic in last if not qos_of(topic)}
        for topic in sorted(continuous | set(self.expected)):
            limit = self.expected.get(topic, self.default_stale_s)
            seen = last.get(topic)
            reference = seen if seen is not None else self._started
            out.append(FeedHealth(topic, seen, now - reference > limit))
        return out

    def stale_feeds(self) -> list[str]:
        """Event topics of the feeds that have been silent too long."""
        return [h.topic for h in self.health() if h.stale]
