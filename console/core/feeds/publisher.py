"""Publishing events into a broker: the simulation or a recording as a city feed.

:class:`MqttPublisher` puts each event at its place in the topic tree
(:func:`console.core.feeds.topics.mqtt_topic`) with its QoS. A raw external
record (the hotline gateway's JSON) is published as it came, so the consoles
validate it at their own edge.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from types import TracebackType

import paho.mqtt.client as mqtt

from console.core.events import Event, PayloadQuarantined, VehicleBatch
from console.core.feeds.broker import BrokerSettings, make_client
from console.core.feeds.topics import (
    BATCH_VEHICLES,
    encode_payload,
    feed_root,
    mqtt_topic,
    qos_of,
    split_batch,
)

log = logging.getLogger(__name__)


class PublishError(RuntimeError):
    """The broker could not be reached or refused a publish."""


class MqttPublisher:
    """A connected publishing client (use as a context manager or call close())."""

    def __init__(
        self, settings: BrokerSettings, *, client_id: str = "", timeout_s: float = 10.0
    ) -> None:
        self.settings = settings
        self.prefix = settings.prefix
        self.published = 0
        self._pending: list[mqtt.MQTTMessageInfo] = []
        self._connected = threading.Event()
        self._client = make_client(settings, client_id, persistent=False)
        self._client.max_queued_messages_set(0)
        self._client.max_inflight_messages_set(1000)
        self._client.on_connect = lambda *args: self._connected.set()
        try:
            self._client.connect(settings.host, settings.port, keepalive=settings.keepalive_s)
        except OSError as exc:
            raise PublishError(f"cannot reach {settings.describe()}: {exc}") from None
        self._client.loop_start()
        if not self._connected.wait(timeout_s):
            self._client.loop_stop()
            raise PublishError(f"{settings.describe()} did not accept the connection")

    def publish(self, event: Event) -> None:
        """Publish one event at its topic and QoS (big vehicle batches in pieces; a
        quarantine entry is not published)."""
        if isinstance(event, PayloadQuarantined):
            return
        if isinstance(event, VehicleBatch) and len(event) > BATCH_VEHICLES:
            self.publish_many(split_batch(event))
            return
        qos = qos_of(event.TOPIC)
        info = self._client.publish(mqtt_topic(event, self.prefix), encode_payload(event), qos=qos)
        self._track(info, qos)

    def publish_many(self, events: Iterable[Event]) -> None:
        """Publish events in order."""
        for event in events:
            self.publish(event)

    def publish_raw(self, event_topic: str, payload: str | bytes, qos: int | None = None) -> None:
        """Publish a payload as it is to an event topic's place in the tree."""
        topic = f"{feed_root(self.prefix)}/{event_topic.replace('.', '/')}"
        level = qos_of(event_topic) if qos is None else qos
        self._track(self._client.publish(topic, payload, qos=level), level)

    def publish_to(self, topic: str, payload: str | bytes, qos: int = 0) -> None:
        """Publish a payload to any MQTT topic (tests and tools)."""
        self._track(self._client.publish(topic, payload, qos=qos), qos)

    def _track(self, info: mqtt.MQTTMessageInfo, qos: int) -> None:
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            raise PublishError(f"publish failed: {mqtt.error_string(info.rc)}")
        self.published += 1
        if qos:
            self._pending.append(info)
            if len(self._pending) > 5000:
                self.flush()

    def flush(self, timeout_s: float = 10.0) -> None:
        """Wait until the broker acknowledged every QoS 1 publish so far."""
        pending, self._pending = self._pending, []
        for info in pending:
            info.wait_for_publish(timeout_s)
            if not info.is_published():
                raise PublishError("the broker did not acknowledge a QoS 1 publish")

    def close(self) -> None:
        """Flush, disconnect and stop the network thread."""
        try:
            self.flush()
        finally:
            self._client.disconnect()
            self._client.loop_stop()

    def __enter__(self) -> MqttPublisher:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
