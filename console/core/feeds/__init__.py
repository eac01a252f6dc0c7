"""Real feeds: the city's MQTT broker as a source, and publishing into it."""

from console.core.feeds.broker import BrokerSettings, parse_broker_url
from console.core.feeds.ingest import FeedHealth, FeedIngest, IngestLimits
from console.core.feeds.publisher import MqttPublisher, PublishError
from console.core.feeds.source import LinkState, LinkStatus, MqttSource
from console.core.feeds.topics import mqtt_topic, qos_of, subscription_filter
from console.core.feeds.wiring import link_text

__all__ = [
    "BrokerSettings",
    "FeedHealth",
    "FeedIngest",
    "IngestLimits",
    "LinkState",
    "LinkStatus",
    "MqttPublisher",
    "MqttSource",
    "PublishError",
    "link_text",
    "mqtt_topic",
    "parse_broker_url",
    "qos_of",
    "subscription_filter",
]
