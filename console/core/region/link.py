"""Delivering the outbox to the neighbouring centres' brokers.

:class:`RegionLinks` keeps one MQTT connection per neighbour with a broker
and a thread that sends what the outbox holds for it (QoS 1, oldest first) to
``<their prefix>/v1/region/...``; a message counts as sent only when the broker
acknowledged it. While a neighbour is unreachable its messages wait in the
database, so a restart of the console, the broker or the network loses none.
Several consoles of one centre may run links: each message is claimed for a
while by the console sending it, and a receiver recognises a repeat anyway.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import paho.mqtt.client as mqtt

from console.core.clock import Clock
from console.core.feeds.broker import BrokerSettings, make_client, parse_broker_url
from console.core.feeds.source import LinkState
from console.core.feeds.topics import feed_root
from console.core.region import store
from console.core.region.config import Centre, RegionConfig
from console.core.region.store import OutboxItem
from console.core.storage.engine import Database

log = logging.getLogger(__name__)

LEASE_S = 30.0
"""How long a console's claim on a message lasts before another console may send it."""
ACK_TIMEOUT_S = 5.0
"""How long to wait for the broker's acknowledgement of one message."""


@dataclass(frozen=True, slots=True)
class NeighbourLink:
    """One neighbour's link, for the operator."""

    centre: Centre
    state: LinkState
    """STOPPED: no broker configured for it."""
    since: float
    error: str = ""
    sent: int = 0


class _Peer:
    """One neighbour's connection (its own paho network thread)."""

    def __init__(
        self, centre: Centre, settings: BrokerSettings, client_id: str, now: float
    ) -> None:
        self.centre = centre
        self.settings = settings
        self.state = LinkState.CONNECTING
        self.since = now
        self.error = ""
        self.sent = 0
        self.client = make_client(settings, client_id, persistent=False)
        self.client.max_queued_messages_set(0)


class RegionLinks:
    """Connections to the neighbours' brokers and the thread that empties the outbox."""

    def __init__(
        self,
        config: RegionConfig,
        database: Database,
        clock: Clock,
        console_id: str,
        *,
        poll_s: float = 2.0,
        lease_s: float = LEASE_S,
    ) -> None:
        self.config = config
        self.database = database
        self.clock = clock
        """Real time (claims are compared across consoles)."""
        self.console_id = console_id
        self.poll_s = poll_s
        self.lease_s = lease_s
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._idle = threading.Event()
        self._thread: threading.Thread | None = None
        self._peers: dict[str, _Peer] = {}
        self._waiting: dict[str, int] | None = None

    # ---- Public API

    def start(self) -> None:
        """Connect to every neighbour with a broker and start sending (idempotent)."""
        if self._thread is not None:
            return
        for centre in self.config.neighbours:
            if centre.broker is None:
                continue
            try:
                settings = parse_broker_url(centre.broker, prefix=centre.prefix)
            except ValueError as exc:
                log.error("region: neighbour %s: %s", centre.centre_id, exc)
                continue
            client_id = f"{self.console_id}-to-{centre.centre_id}"[:64]
            peer = _Peer(centre, settings, client_id, self.clock.now())
            self._connect(peer)
            self._peers[centre.centre_id] = peer
        self._count_waiting()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="region-links", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop sending and disconnect (what is unsent stays in the outbox)."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        self._wake.set()
        thread.join(timeout=10)
        for peer in self._peers.values():
            peer.client.disconnect()
            peer.client.loop_stop()
        self._peers.clear()

    def wake(self) -> None:
        """Send what is queued now rather than at the next poll (any thread)."""
        self._idle.clear()
        self._wake.set()

    def wait_idle(self, timeout: float) -> bool:
        """Block until a pass of the sender found nothing it could send (tests)."""
        self.wake()
        return self._idle.wait(timeout)

    def waiting(self) -> dict[str, int] | None:
        """Messages per neighbour not yet acknowledged, as the sender last counted them
        (at start and after each pass; None while the database cannot be read). Costs no
        query, so the status bar can ask every second."""
        with self._lock:
            return None if self._waiting is None else dict(self._waiting)

    def links(self) -> list[NeighbourLink]:
        """Every neighbour's link (not configured ones as STOPPED), in the region's order."""
        out = []
        with self._lock:
            for centre in self.config.neighbours:
                peer = self._peers.get(centre.centre_id)
                if peer is None:
                    why = "not started" if centre.broker else "no broker configured"
                    out.append(NeighbourLink(centre, LinkState.STOPPED, 0.0, why))
                else:
                    out.append(NeighbourLink(centre, peer.state, peer.since, peer.error, peer.sent))
        return out

    # ---- Connections (paho threads)

    def _connect(self, peer: _Peer) -> None:
        client = peer.client
        client.reconnect_delay_set(1, 30)

        def connected(c: mqtt.Client, u: object, f: object, reason: object, p: object) -> None:
            failed = getattr(reason, "is_failure", False)
            self._set(peer, LinkState.DOWN if failed else LinkState.CONNECTED, str(reason))
            if not failed:
                self.wake()

        def disconnected(c: mqtt.Client, u: object, f: object, reason: object, p: object) -> None:
            self._set(peer, LinkState.DOWN, f"disconnected: {reason}")

        client.on_connect = connected
        client.on_disconnect = disconnected
        client.on_connect_fail = lambda c, u: self._set(peer, LinkState.DOWN, "broker unreachable")
        client.connect_async(peer.settings.host, peer.settings.port, peer.settings.keepalive_s)
        client.loop_start()

    def _set(self, peer: _Peer, state: LinkState, error: str) -> None:
        with self._lock:
            if state is not peer.state:
                peer.since = self.clock.now()
            peer.state = state
            peer.error = "" if state is LinkState.CONNECTED else error

    # ---- The sender (its own thread)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.poll_s)
            self._wake.clear()
            try:
                busy = [self._send_to(peer) for peer in list(self._peers.values())]
            except Exception:  # the database is away: try again at the next poll
                log.exception("region: could not read the outbox")
                busy = []
            if any(busy):  # every neighbour had its turn; more waits
                self._wake.set()
            else:
                self._count_waiting()
                self._idle.set()

    def _count_waiting(self) -> None:
        try:
            with self.database.engine.connect() as connection:
                counts: dict[str, int] | None = store.waiting_counts(connection)
        except Exception as exc:  # the database is away: unknown until the next pass
            log.debug("region: waiting messages not countable: %s", exc)
            counts = None
        with self._lock:
            self._waiting = counts

    def _send_to(self, peer: _Peer) -> bool:
        """Send one batch to ``peer``; True if it sent something (there may be more)."""
        if peer.state is not LinkState.CONNECTED:
            return False
        now = self.clock.now()
        with self.database.engine.begin() as connection:
            items = store.claim_messages(
                connection, peer.centre.centre_id, self.console_id, now, self.lease_s
            )
        if not items:
            return False
        done: list[OutboxItem] = []
        try:
            for item in items:
                if self._stop.is_set() or not self._publish(peer, item):
                    break
                done.append(item)
        finally:
            self._settle(items, done)
        with self._lock:
            peer.sent += len(done)
        return len(done) == len(items)

    def _publish(self, peer: _Peer, item: OutboxItem) -> bool:
        kind = item.topic.split(".", 1)[1]
        topic = f"{feed_root(peer.centre.prefix)}/region/{kind}/{item.handoff_id}"
        info = peer.client.publish(topic, item.payload.encode(), qos=1)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            return False
        try:
            info.wait_for_publish(ACK_TIMEOUT_S)
        except (RuntimeError, ValueError):
            return False
        return info.is_published()

    def _settle(self, items: list[OutboxItem], done: list[OutboxItem]) -> None:
        now = self.clock.now()
        sent = {item.item_id for item in done}
        with self.database.engine.begin() as connection:
            for item in done:
                store.mark_message_sent(connection, item.item_id, now)
                if item.topic == "region.handoff":
                    store.mark_handoff_sent(connection, item.handoff_id, now)
            store.release_messages(connection, [i.item_id for i in items if i.item_id not in sent])
