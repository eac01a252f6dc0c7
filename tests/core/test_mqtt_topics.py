"""The MQTT topic tree, QoS choices, broker URLs and the documented table."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.core.events import (
    CASE_TOPICS,
    EVENT_TYPES,
    IncidentChanged,
    PatrolLogged,
    UnitPosition,
    VehiclePosition,
)
from console.core.feeds import mqtt_topic, parse_broker_url, qos_of, subscription_filter
from console.core.feeds.topics import FEED_TOPICS, event_topic_of, topic_table

DOCS = Path(__file__).resolve().parents[2] / "docs" / "mqtt.md"


def test_alarms_cases_and_logs_travel_at_qos1_positions_at_qos0() -> None:
    for topic in (*CASE_TOPICS, IncidentChanged.TOPIC, PatrolLogged.TOPIC):
        assert qos_of(topic) == 1, topic
    for topic in ("vehicle.position", "vehicle.batch", "bridge.channels", "unit.position"):
        assert qos_of(topic) == 0, topic


def test_every_feed_topic_maps_to_a_path_and_back() -> None:
    assert set(FEED_TOPICS) == set(EVENT_TYPES) - {"bus.quarantined"}
    for topic in FEED_TOPICS:
        path = "bengbu/v1/" + topic.replace(".", "/")
        assert event_topic_of(path) == topic
        assert event_topic_of(path + "/some-key") == topic
        assert event_topic_of(path + "/a/b") is None


def test_key_level_is_safe_and_the_prefix_is_per_city() -> None:
    unit = UnitPosition(0.0, "unit/a+b#", 117.4, 32.9)
    assert mqtt_topic(unit, "huainan") == "huainan/v1/unit/position/unit_a_b_"
    vehicle = VehiclePosition(0.0, 42, 0, 117.4, 32.9, 0.0, 0.0)  # type: ignore[arg-type]
    assert mqtt_topic(vehicle) == "bengbu/v1/vehicle/position/42"
    assert event_topic_of("bengbu/v1/vehicle/position/42", "huainan") is None
    assert event_topic_of("bengbu/v2/vehicle/position") is None
    assert event_topic_of("bengbu/v1/vehicle") is None
    assert subscription_filter("anhui/bengbu") == "anhui/bengbu/v1/#"
    with pytest.raises(ValueError):
        subscription_filter("bengbu/#")


def test_broker_urls_with_login_tls_and_options() -> None:
    plain = parse_broker_url("mqtt://broker.local")
    assert (plain.host, plain.port, plain.tls, plain.prefix) == (
        "broker.local",
        1883,
        False,
        "bengbu",
    )
    secure = parse_broker_url(
        "mqtts://ops:p%40ss@10.0.0.5?prefix=huainan&client_id=desk-2", ca_file="/etc/ca.pem"
    )
    assert (secure.port, secure.tls, secure.username, secure.password) == (
        8883,
        True,
        "ops",
        "p@ss",
    )
    assert (secure.prefix, secure.client_id, str(secure.ca_file)) == (
        "huainan",
        "desk-2",
        "/etc/ca.pem",
    )
    assert "p@ss" not in secure.describe()
    assert parse_broker_url("mqtt://h:1884", cert_file="c.pem", key_file="k.pem").tls
    for bad in ("http://h", "mqtt://", "mqtt://h?colour=red"):
        with pytest.raises(ValueError):
            parse_broker_url(bad)
    with pytest.raises(ValueError):
        parse_broker_url("mqtt://h", port=1)


def test_the_documented_topic_table_is_the_one_in_the_code() -> None:
    assert topic_table() in DOCS.read_text(encoding="utf-8")
