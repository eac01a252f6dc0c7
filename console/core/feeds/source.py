"""The city's MQTT broker as a source: paho's own network thread posts to the bus.

:class:`MqttSource` subscribes to ``<prefix>/v1/#`` with a persistent session
(a stable client id, ``clean_session`` off), so QoS 1 events published while
the console was away are delivered when it comes back. paho reconnects by
itself with an exponential backoff; the link state (connected / connecting /
down since when, with the last error) is readable from any thread for the
status bar, and :meth:`MqttSource.stale_feeds` says which feeds are silent.
Messages are validated at the edge by :class:`FeedIngest`.

paho reads each packet with three or more ``recv`` calls of a few bytes and
waits in ``select`` before every packet; each of those gives up the interpreter
lock, which the GUI thread may hold for milliseconds. :class:`BufferedReads`
lets it read 64 KiB at a time and take every packet that has arrived in one go.
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
from paho.mqtt.enums import MQTTErrorCode
from paho.mqtt.reasoncodes import ReasonCode

from console.core.bus import EventBus
from console.core.clock import Clock
from console.core.codec import Bbox
from console.core.feeds.broker import BrokerSettings, make_client
from console.core.feeds.ingest import FeedHealth, FeedIngest, IngestLimits
from console.core.feeds.topics import subscription_filter

log = logging.getLogger(__name__)

READ_CHUNK = 65536
"""Bytes asked of the socket at once."""
PACKETS_PER_READ = 500
"""Packets taken in one go before paho's loop may send (acks, pings) again."""


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


class BufferedReads:
    """Feeds a paho client's packet reader from large socket reads (installed on ``client``).

    paho's ``_sock_recv`` is served from a buffer refilled ``chunk`` bytes at a time,
    and ``loop_read`` takes up to ``max_packets`` packets per wake-up instead of one;
    after that it finishes what is buffered without reading the socket again, so
    nothing waits in the buffer while paho sleeps in ``select``. A new connection
    (another socket) starts with an empty buffer. Private paho methods are used:
    ``installed`` is False (the client left as it was) if they are missing.
    """

    _PAHO_NEEDS = ("_sock_recv", "_packet_read", "_loop_rc_handle")

    def __init__(
        self, client: mqtt.Client, chunk: int = READ_CHUNK, max_packets: int = PACKETS_PER_READ
    ) -> None:
        self._client = client
        self._chunk = chunk
        self._max_packets = max_packets
        self._data = b""
        self._pos = 0
        self._sock: object = None
        self._refill = True
        self.installed = all(callable(getattr(client, n, None)) for n in self._PAHO_NEEDS)
        if self.installed:
            self._socket_recv = client._sock_recv
            client._sock_recv = self.recv  # type: ignore[method-assign]
            client.loop_read = self.loop_read  # type: ignore[method-assign]
        else:
            log.warning("paho has changed: MQTT packets are read the slow way")

    @property
    def buffered(self) -> int:
        """Bytes read from the socket and not yet taken by paho."""
        return len(self._data) - self._pos

    def recv(self, bufsize: int) -> bytes:
        """Up to ``bufsize`` bytes (paho's ``_sock_recv``); BlockingIOError when none are ready."""
        sock = self._client._sock
        if sock is not self._sock:  # (re)connected: nothing of the old connection is kept
            self._sock, self._data, self._pos = sock, b"", 0
        pos = self._pos
        if pos >= len(self._data):
            if not self._refill:
                raise BlockingIOError
            data = self._socket_recv(self._chunk)
            if not data:
                return data  # the broker closed the connection
            self._data, pos = data, 0
        end = pos + bufsize
        self._pos = min(end, len(self._data))
        return self._data[pos:end]

    def loop_read(self, max_packets: int = 1) -> MQTTErrorCode:
        """Take every packet that has arrived, up to the limit (paho's ``loop_read``)."""
        client = self._client
        try:
            for _ in range(self._max_packets):
                if client._sock is None:
                    return MQTTErrorCode.MQTT_ERR_NO_CONN
                rc = client._packet_read()
                if rc > 0:
                    return client._loop_rc_handle(rc)
                if rc == MQTTErrorCode.MQTT_ERR_AGAIN:
                    return MQTTErrorCode.MQTT_ERR_SUCCESS
            self._refill = False  # enough: finish the buffer, then let paho send (acks, pings)
            while self.buffered and client._sock is not None:
                rc = client._packet_read()
                if rc > 0:
                    return client._loop_rc_handle(rc)
                if rc == MQTTErrorCode.MQTT_ERR_AGAIN:
                    break
            return MQTTErrorCode.MQTT_ERR_SUCCESS
        finally:
            self._refill = True


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
        BufferedReads(client)
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
        try:
            topic = message.topic
        except UnicodeDecodeError:
            topic = message._topic.decode("utf-8", "replace")
        self.ingest.handle(topic, bytes(message.payload))
