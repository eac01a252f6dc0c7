"""The city's MQTT broker as a source: paho's own network thread posts to the bus.

:class:`MqttSource` subscribes to ``<prefix>/v1/#`` with a persistent session
(a stable client id, ``clean_session`` off), so QoS 1 events published while
the console was away are delivered when it comes back. paho reconnects by
itself with an exponential backoff; the link state (connected / connecting /
down since when, with the last error) is readable from any thread for the
status bar, and :meth:`MqttSource.stale_feeds` says which feeds are silent.
Messages are validated at the edge by :class:`FeedIngest`; paho's reads are
made fast by :class:`console.core.feeds.reads.BufferedReads`.
"""

from __future__ import annotations

import enum
import logging
import socket
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.reasoncodes import ReasonCode

from console.core.bus import EventBus
from console.core.clock import Clock
from console.core.codec import Bbox
from console.core.feeds.broker import BrokerSettings, make_client
from console.core.feeds.ingest import FeedHealth, FeedIngest, IngestLimits
from console.core.feeds.reads import BufferedReads
from console.core.feeds.topics import subscription_filter

log = logging.getLogger(__name__)


class LinkState(enum.StrEnum):
    """The state of the link to the broker."""

    STOPPED = "stopped"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    DOWN = "down"


@dataclass(frozen=True, slots=True)
class LinkStatus:
    """A snapshot of the link for the status bar."""

    state: LinkState
    since: float
    """Clock time the link entered ``state``."""
    broker: str
    error: str = ""
    """Why the link is down ('' when it is not)."""
    connects: int = 0
    """Successful connections since start (more than 1: it reconnected)."""
    accepted: int = 0
    rejected: int = 0


def default_client_id(prefix: str) -> str:
    """``city-console-<prefix>-<host>``: stable across restarts of this workstation's console.

    Several consoles on one machine need their own ids (``client_id=``): the broker
    lets only one connection hold an id and keeps one session per id.
    """
    host = socket.gethostname().split(".")[0] or "host"
    return f"city-console-{prefix.replace('/', '-')}-{host}"[:64]


class MqttSource:
    """Subscribes to one city's feeds on a broker; start()/stop() like the simulation."""

    def __init__(
        self,
        settings: BrokerSettings,
        bus: EventBus,
        clock: Clock,
        *,
        name: str = "mqtt",
        bbox: Bbox | None = None,
        limits: IngestLimits | None = None,
        expected: Mapping[str, float] | None = None,
        reconnect_min_s: int = 1,
        reconnect_max_s: int = 30,
    ) -> None:
        self.settings = settings
        self.bus = bus
        self.clock = clock
        self.name = name
        self.client_id = settings.client_id or default_client_id(settings.prefix)
        self.ingest = FeedIngest(
            bus,
            clock,
            prefix=settings.prefix,
            source=name,
            bbox=bbox,
            limits=limits,
            expected=expected,
        )
        self._lock = threading.Lock()
        self._state = LinkState.STOPPED
        self._since = clock.now()
        self._error = ""
        self._connects = 0
        self._connected = threading.Condition(self._lock)
        self._reconnect = (reconnect_min_s, reconnect_max_s)
        self._client: mqtt.Client | None = None
        self._running = False

    # ---- Public API

    @property
    def running(self) -> bool:
        """Whether the network thread was started and not stopped."""
        return self._running

    def start(self) -> None:
        """Connect in the background and keep connected (no effect if running)."""
        if self._running:
            return
        self._running = True
        self._set_state(LinkState.CONNECTING)
        # A fresh client each time: paho's loop_start does not reuse the old wake-up sockets.
        client = self._client = make_client(self.settings, self.client_id, persistent=True)
        BufferedReads(client, on_publish=self._on_plain_publish)
        client.reconnect_delay_set(*self._reconnect)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_connect_fail = self._on_connect_fail
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        client.connect_async(self.settings.host, self.settings.port, self.settings.keepalive_s)
        client.loop_start()

    def stop(self) -> None:
        """Disconnect and end the network thread (idempotent; the session stays on the broker)."""
        if not self._running:
            return
        self._running = False
        client, self._client = self._client, None
        if client is not None:
            client.disconnect()
            client.loop_stop()
        self._set_state(LinkState.STOPPED)

    def status(self) -> LinkStatus:
        """The link's state now (thread-safe)."""
        with self._lock:
            return LinkStatus(
                self._state,
                self._since,
                self.settings.describe(),
                self._error,
                self._connects,
                self.ingest.accepted,
                self.ingest.rejected,
            )

    def wait_connected(self, timeout: float, connects: int = 1) -> bool:
        """Block until connected with at least ``connects`` connections so far (False: timeout)."""
        with self._connected:
            return self._connected.wait_for(
                lambda: self._state is LinkState.CONNECTED and self._connects >= connects, timeout
            )

    def health(self) -> list[FeedHealth]:
        """Every known feed with its last message and whether it is stale."""
        return self.ingest.health()

    def stale_feeds(self) -> list[str]:
        """Event topics of the feeds that are silent too long (all of them while down)."""
        return self.ingest.stale_feeds()

    # ---- paho callbacks (network thread)

    def _set_state(self, state: LinkState, error: str = "") -> None:
        with self._lock:
            if state is not self._state:
                self._since = self.clock.now()
            self._state = state
            self._error = error
            if state is LinkState.CONNECTED:
                self._connects += 1
            self._connected.notify_all()

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.ConnectFlags,
        reason: ReasonCode,
        properties: Any,
    ) -> None:
        if reason.is_failure:
            self._set_state(LinkState.DOWN, f"refused: {reason}")
            return
        client.subscribe(subscription_filter(self.settings.prefix), qos=1)
        log.info("MQTT connected to %s (session kept: %s)", self.settings.describe(), flags)

    def _on_subscribe(
        self,
        client: mqtt.Client,
        userdata: Any,
        mid: int,
        reasons: list[ReasonCode],
        properties: Any,
    ) -> None:
        """Connected only once the broker confirmed the subscription (SUBACK): before
        that, what is published is not yet routed to this console."""
        refused = [reason for reason in reasons if reason.is_failure]
        if refused:
            filter_ = subscription_filter(self.settings.prefix)
            self._set_state(LinkState.DOWN, f"the broker refused the subscription to {filter_}")
            return
        self._set_state(LinkState.CONNECTED)

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.DisconnectFlags,
        reason: ReasonCode,
        properties: Any,
    ) -> None:
        if not self._running:
            return
        self._set_state(LinkState.DOWN, f"disconnected: {reason}")
        log.warning("MQTT link to %s lost: %s", self.settings.describe(), reason)

    def _on_connect_fail(self, client: mqtt.Client, userdata: Any) -> None:
        self._set_state(LinkState.DOWN, "broker unreachable")

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        self._on_plain_publish(message._topic, bytes(message.payload))

    def _on_plain_publish(self, topic: bytes, payload: bytes) -> None:
        """A message's raw topic and payload (from paho, or a QoS 0 publish taken straight
        from the socket buffer): a topic that is not UTF-8 is kept readable."""
        try:
            text = topic.decode("utf-8")
        except UnicodeDecodeError:
            text = topic.decode("utf-8", "replace")
        self.ingest.handle(text, payload)
