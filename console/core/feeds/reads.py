"""Fast reads under paho: large socket reads, and plain QoS 0 publishes taken whole.

paho reads each packet with three or more ``recv`` calls of a few bytes, waits
in ``select`` before every packet, and builds an ``MQTTMessage`` and matches
callbacks for each; every ``recv`` gives up the interpreter lock, which the GUI
thread may hold for milliseconds. :class:`BufferedReads` lets it read 64 KiB
at a time and take every packet that has arrived in one go, and hands a plain
QoS 0 ``PUBLISH`` (positions, readings: most of the traffic) found whole in the
buffer straight to the receiver. Everything else (QoS 1 with its
acknowledgement, retained messages, acks, pings, a packet split across reads)
stays with paho, in the order the bytes came.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import paho.mqtt.client as mqtt
from paho.mqtt.enums import MQTTErrorCode

log = logging.getLogger(__name__)

READ_CHUNK = 65536
"""Bytes asked of the socket at once."""
PACKETS_PER_READ = 500
"""Packets taken in one go before paho's loop may send (acks, pings) again."""
PLAIN_PUBLISH = 0x30
"""The first byte of a PUBLISH at QoS 0, neither retained nor a duplicate."""

PublishReceiver = Callable[[bytes, bytes], object]
"""Called with the raw topic and payload of a plain QoS 0 publish (network thread)."""


class BufferedReads:
    """Feeds a paho client's packet reader from large socket reads (installed on ``client``).

    paho's ``_sock_recv`` is served from a buffer refilled ``chunk`` bytes at a time,
    and ``loop_read`` takes up to ``max_packets`` packets per wake-up instead of one;
    after that it finishes what is buffered without reading the socket again, so
    nothing waits in the buffer while paho sleeps in ``select``. A new connection
    (another socket) starts with an empty buffer. With ``on_publish``, plain QoS 0
    publishes whole in the buffer go to it instead of through paho's ``on_message``.
    Private paho members are used: ``installed`` is False (the client left as it
    was) if they are missing.
    """

    _PAHO_NEEDS = ("_sock_recv", "_packet_read", "_loop_rc_handle")
    _PAHO_STATE = ("_in_packet", "_msgtime_mutex", "_last_bytes_received")

    def __init__(
        self,
        client: mqtt.Client,
        chunk: int = READ_CHUNK,
        max_packets: int = PACKETS_PER_READ,
        on_publish: PublishReceiver | None = None,
    ) -> None:
        self._client = client
        self._chunk = chunk
        self._max_packets = max_packets
        self._on_publish = on_publish if getattr(client, "_protocol", None) != mqtt.MQTTv5 else None
        """MQTT 5 puts properties between topic and payload: its publishes stay with paho."""
        self._data = b""
        self._pos = 0
        self._sock: object = None
        self._refill = True
        self.taken_whole = 0
        """Publishes handed to ``on_publish`` without paho."""
        self.installed = all(callable(getattr(client, n, None)) for n in self._PAHO_NEEDS) and all(
            hasattr(client, n) for n in self._PAHO_STATE
        )
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
        taken = self.taken_whole
        try:
            for _ in range(self._max_packets):
                if client._sock is None:
                    return MQTTErrorCode.MQTT_ERR_NO_CONN
                if (done := self._take_one()) is not None:
                    return done
            self._refill = False  # enough: finish the buffer, then let paho send (acks, pings)
            while self.buffered and client._sock is not None:
                if (done := self._take_one()) is not None:
                    return done
            return MQTTErrorCode.MQTT_ERR_SUCCESS
        finally:
            self._refill = True
            if self.taken_whole != taken:  # for paho's keepalive: the broker is talking
                with client._msgtime_mutex:
                    client._last_bytes_received = mqtt.time_func()

    def _take_one(self) -> MQTTErrorCode | None:
        """Take one packet (None); or what ``loop_read`` returns now: paho's handling of an
        error, or success when nothing whole is waiting."""
        if self._take_plain_publish():
            return None
        rc = self._client._packet_read()
        if rc > 0:
            return self._client._loop_rc_handle(rc)
        if rc == MQTTErrorCode.MQTT_ERR_AGAIN:
            return MQTTErrorCode.MQTT_ERR_SUCCESS
        return None

    def _take_plain_publish(self) -> bool:
        """Hand the next packet to ``on_publish`` if it is a plain QoS 0 publish, whole in the
        buffer, and paho is not in the middle of a packet (True if taken)."""
        data, pos = self._data, self._pos
        if (
            self._on_publish is None
            or pos >= len(data)
            or data[pos] != PLAIN_PUBLISH
            or self._client._in_packet["command"]
            or self._client._sock is not self._sock
        ):
            return False
        length, shift, at = 0, 0, pos + 1
        while True:  # the remaining length: up to four 7-bit digits, least significant first
            if at >= len(data) or shift > 21:
                return False
            digit = data[at]
            at += 1
            length |= (digit & 0x7F) << shift
            shift += 7
            if not digit & 0x80:
                break
        end = at + length
        if end > len(data) or length < 2:
            return False
        topic_end = at + 2 + ((data[at] << 8) | data[at + 1])
        if topic_end > end:
            return False  # malformed: paho reports it
        self._pos = end
        self.taken_whole += 1
        self._on_publish(data[at + 2 : topic_end], data[topic_end:end])
        return True
