"""Edge decoding of external payloads: valid ones round-trip, bad ones get a clear reason."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console.core import codec as codec_module
from console.core.bus import Delivery, EventBus
from console.core.clock import ManualClock
from console.core.codec import (
    MAX_PAYLOAD_BYTES,
    PayloadError,
    decode_payload,
    event_from_dict,
    raw_text,
)
from console.core.events import (
    EVENT_TYPES,
    AxleWeighing,
    BridgeAlarm,
    BridgeChannels,
    BridgeReading,
    BridgeWarning,
    Event,
    GeofenceCrossing,
    GeofenceEvent,
    HotlineCall,
    IncidentChanged,
    IotStationReport,
    MessageReceipt,
    PatrolLogged,
    PayloadQuarantined,
    RegionHandoff,
    RegionStatus,
    TheftAlarm,
    TrafficViolation,
    TwoWheelerKind,
    UnitPosition,
    VehicleBatch,
    VehicleClass,
    VehicleMessage,
    VehiclePosition,
    VesselPosition,
    ViolationKind,
    describe,
)
from console.core.feeds.topics import encode_payload

NOW = 1_767_225_600.0


def _batch() -> VehicleBatch:
    return VehicleBatch(
        ts=NOW,
        batch_id="taxi",
        ids=np.array([1, 2, 3], dtype=np.int32),
        classes=np.array([0, 0, 3], dtype=np.uint8),
        lon=np.array([117.38, 117.39, 117.4001], dtype=np.float32),
        lat=np.array([32.93, 32.94, 32.95], dtype=np.float32),
        speed_kmh=np.array([0.0, 35.5, 61.25], dtype=np.float32),
        heading_deg=np.array([0.0, 90.0, 359.9], dtype=np.float32),
    )


SAMPLES: list[Event] = [
    VehiclePosition(NOW, 7, VehicleClass.CARGO, 117.38, 32.93, 54.5, 181.0),
    _batch(),
    BridgeReading(NOW, "jiefang", 31, 28, 512.4, 56.3, 1),
    BridgeAlarm(NOW, "jiefang", "strain", 171.2, 150.0, 117.38, 32.965, "BRG-jiefang-1-00001"),
    IotStationReport(NOW, 12, 40),
    TheftAlarm(NOW, "THEFT-1-00001", 12, "TAG-0000ABCD", TwoWheelerKind.EBIKE, 117.4, 32.9),
    TrafficViolation(
        NOW,
        "TRF-1-00001",
        ViolationKind.SPEEDING,
        "皖CA12B3",
        VehicleClass.TAXI,
        71.5,
        60.0,
        117.38,
        32.93,
    ),
    HotlineCall(NOW, "12328-20260101-00001", "taxi_refusal", "Taxi 皖CA12B3 refused", 117.3, 32.9),
    UnitPosition(NOW, "TP-340303-01", 117.37, 32.93, False),
    GeofenceEvent(
        NOW,
        "GF-1-00001",
        "jiefang-approach",
        "解放路淮河大桥桥头",
        GeofenceCrossing.DWELL,
        7,
        VehicleClass.CARGO,
        117.38,
        32.95,
        640.0,
        True,
    ),
    VehicleMessage(NOW, "MSG-1", 12, "请联系 12328：乘客遗失手机"),
    MessageReceipt(NOW, "MSG-1", 12, "delivered"),
    IncidentChanged(NOW, 5, "open", "created", "operator1"),
    PatrolLogged(NOW, "check", 3, '{"run_id":3,"step_index":0,"outcome":"nothing_found"}'),
    RegionHandoff(
        NOW,
        "bengbu-12-0a1b2c3d4e5f",
        "bengbu",
        "蚌埠市",
        12,
        "road_accident",
        "追尾",
        "Rear-end",
        1,
        116.99,
        32.62,
        NOW - 60,
        "the driver fled to Huainan",
        "王敏",
        "龙子湖区",
    ),
    RegionStatus(NOW, "bengbu-12-0a1b2c3d4e5f", "huainan", 3, 41, "opened", "opened", "李娜"),
    PayloadQuarantined(NOW, "mqtt", "bad", "{raw}"),
    BridgeChannels(NOW, "jiefang", ("strain_g1", "deflection_mid"), (71.5, 23.0)),
    BridgeWarning(NOW, "jiefang", "strain_g1", 2, 134.0, 130.0, "threshold", "strain level 2"),
    AxleWeighing(
        NOW,
        "WIM-1",
        "jiefang",
        "up",
        "皖C12345",
        VehicleClass.CARGO,
        58.2,
        (7.0, 11.2, 20.0, 20.0),
        42.0,
        117.38,
        32.965,
    ),
    VesselPosition(NOW, "413000001", "皖蚌埠货1234", 117.38, 32.96, 275.0, 6.5, "jiefang"),
]


def _text(event: Event) -> str:
    return json.dumps(describe(event), ensure_ascii=False)


def test_every_event_type_has_a_sample() -> None:
    assert {type(e) for e in SAMPLES} == set(EVENT_TYPES.values())


@pytest.mark.parametrize("event", SAMPLES, ids=lambda e: e.TOPIC)
def test_valid_payload_round_trips(event: Event) -> None:
    decoded = decode_payload(event.TOPIC, _text(event), now=NOW)
    assert type(decoded) is type(event)
    assert describe(decoded) == describe(event)
    if not isinstance(event, VehicleBatch):
        assert decoded == event


def test_bytes_payload_and_enum_conversion() -> None:
    event = SAMPLES[6]
    decoded = decode_payload(event.TOPIC, _text(event).encode("utf-8"))
    assert isinstance(decoded, TrafficViolation)
    assert decoded.kind is ViolationKind.SPEEDING
    assert decoded.vehicle_class is VehicleClass.TAXI


def test_batch_arrays_get_their_dtypes() -> None:
    decoded = decode_payload(VehicleBatch.TOPIC, _text(_batch()))
    assert isinstance(decoded, VehicleBatch)
    assert decoded.ids.dtype == np.int32
    assert decoded.classes.dtype == np.uint8
    assert decoded.lon.dtype == np.float32
    assert np.array_equal(decoded.speed_kmh, _batch().speed_kmh)


def _call(**changes: Any) -> str:
    data = describe(SAMPLES[7])
    for key, value in changes.items():
        if value is _DROP:
            del data[key]
        else:
            data[key] = value
    return json.dumps(data, ensure_ascii=False)


_DROP = object()
HOT = HotlineCall.TOPIC
BATCH = VehicleBatch.TOPIC

BAD: list[tuple[str, str, str | bytes, str]] = [
    ("bad utf-8", HOT, b'{"v": 1, "ts": \xff\xfe}', "invalid UTF-8"),
    ("malformed json", HOT, '{"v": 1, "ts": ', "malformed JSON"),
    ("not an object", HOT, "[1, 2, 3]", "not a JSON object"),
    ("missing coordinates", HOT, _call(lon=_DROP, lat=_DROP), "missing field(s): 'lon', 'lat'"),
    ("missing version", HOT, _call(v=_DROP), "missing field 'v'"),
    ("unknown field", HOT, _call(colour="red"), "unknown field(s): 'colour'"),
    ("garbled number", HOT, _call(lat="32.93°N"), "field 'lat': expected a number"),
    ("bool for number", HOT, _call(lon=True), "field 'lon': expected a number"),
    ("number for text", HOT, _call(summary=5), "field 'summary': expected a string"),
    ("unknown topic", "weather.report", _call(), "unknown topic 'weather.report'"),
    ("topic mismatch", HOT, _call(topic="alarm.theft"), "topic mismatch"),
    ("future version", HOT, _call(v=2), "unsupported schema version 2"),
    ("latitude range", HOT, _call(lat=117.38), "field 'lat' out of range"),
    ("longitude range", HOT, _call(lon=-190.0), "field 'lon' out of range"),
    ("nan literal", HOT, _call().replace("117.3", "NaN"), "non-finite number NaN"),
    ("infinity literal", HOT, _call().replace("117.3", "-Infinity"), "non-finite number"),
    ("overflowing number", HOT, _call().replace("117.3", "1e999"), "not a finite number"),
    ("future timestamp", HOT, _call(ts=NOW + 3600), "3600 s in the future"),
    ("negative timestamp", HOT, _call(ts=-5), "negative timestamp"),
    ("oversized", HOT, _call(summary="x" * MAX_PAYLOAD_BYTES), "payload too large"),
    (
        "unknown enum value",
        TrafficViolation.TOPIC,
        _text(SAMPLES[6]).replace('"speeding"', '"drifting"'),
        "field 'kind': unknown value 'drifting'",
    ),
    (
        "integer expected",
        IotStationReport.TOPIC,
        _text(SAMPLES[4]).replace("40", "40.5"),
        "field 'detections': expected an integer",
    ),
    (
        "boolean expected",
        UnitPosition.TOPIC,
        _text(SAMPLES[8]).replace("false", '"no"'),
        "field 'on_duty': expected true or false, got a string",
    ),
    (
        "ragged arrays",
        BATCH,
        _text(_batch()).replace('"ids": [1, 2, 3]', '"ids": [1, 2]'),
        "array fields differ in length",
    ),
    (
        "array out of dtype range",
        BATCH,
        _text(_batch()).replace('"classes": [0, 0, 3]', '"classes": [0, 0, 300]'),
        "field 'classes': value out of range for uint8",
    ),
    (
        "array of text",
        BATCH,
        _text(_batch()).replace('"ids": [1, 2, 3]', '"ids": [1, "2", 3]'),
        "field 'ids': expected an array of numbers",
    ),
]


@pytest.mark.parametrize(
    ("topic", "payload", "reason"), [b[1:] for b in BAD], ids=[b[0] for b in BAD]
)
def test_malformed_payload_raises_with_reason(
    topic: str, payload: str | bytes, reason: str
) -> None:
    with pytest.raises(PayloadError) as info:
        decode_payload(topic, payload, now=NOW)
    assert reason in info.value.reason


def test_bbox_limits_coordinates() -> None:
    bbox = (116.7, 32.7, 118.1, 33.5)
    assert isinstance(decode_payload(HOT, _call(), bbox=bbox), HotlineCall)
    with pytest.raises(PayloadError, match="outside the area"):
        decode_payload(HOT, _call(lon=100.0), bbox=bbox)
    handoff = next(e for e in SAMPLES if isinstance(e, RegionHandoff))
    assert handoff.lat < bbox[1]  # a neighbour's case lies outside the city: still valid
    decoded = decode_payload(handoff.TOPIC, encode_payload(handoff), bbox=bbox)
    assert decoded == handoff
    with pytest.raises(PayloadError, match="out of range"):
        decode_payload(handoff.TOPIC, encode_payload(replace(handoff, lat=95.0)), bbox=bbox)


def test_future_check_needs_now_and_allows_skew() -> None:
    assert isinstance(decode_payload(HOT, _call(ts=NOW + 3600)), HotlineCall)
    assert isinstance(decode_payload(HOT, _call(ts=NOW + 60), now=NOW), HotlineCall)


def test_each_malformed_payload_is_quarantined_on_the_bus() -> None:
    bus = EventBus(ManualClock(NOW))
    seen: list[Event] = []
    bus.subscribe(PayloadQuarantined, seen.extend, Delivery.BATCH)
    for _name, topic, payload, _reason in BAD:
        try:
            bus.post(decode_payload(topic, payload, now=NOW))
        except PayloadError as exc:
            bus.reject("test-gateway", exc.reason, raw_text(payload))
    bus.drain()
    assert bus.quarantine.count == len(BAD)
    reasons = [e.reason for e in seen if isinstance(e, PayloadQuarantined)]
    assert all(expected in got for (*_, expected), got in zip(BAD, reasons, strict=True))
    assert all(len(e.raw) <= MAX_PAYLOAD_BYTES for e in seen if isinstance(e, PayloadQuarantined))


def test_a_missing_channel_reading_travels_as_null_and_comes_back_as_nan() -> None:
    event = BridgeChannels(NOW, "jiefang", ("strain_g1", "deflection_mid"), (71.5, math.nan))
    text = _text(event)
    assert json.loads(text)["values"] == [71.5, None]
    decoded = decode_payload(event.TOPIC, text, now=NOW)
    assert isinstance(decoded, BridgeChannels)
    assert decoded.values[0] == 71.5 and math.isnan(decoded.values[1])


def test_channel_values_must_be_numbers() -> None:
    payload = describe(SAMPLES[-4]) | {"values": [1.0, "high"]}
    with pytest.raises(PayloadError, match="expected an array of numbers"):
        decode_payload(BridgeChannels.TOPIC, json.dumps(payload), now=NOW)


# ---- The fast path for single vehicle positions

POSITION_BBOX = (116.7, 32.7, 118.1, 33.6)
_EDGES = [0.0, -0.0, -1.0, 1e308, 116.69, 118.11, 32.69, 33.61, -90.5, 95.0, -181.0, 200.0]
_EDGES += [NOW + 299.0, NOW + 301.0, 0, 1, 3, 4, -1]
_ODD_VALUES = st.one_of(
    st.sampled_from(_EDGES),
    st.integers(-(10**400), 10**400),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
    st.text(max_size=3),
    st.lists(st.integers(0, 3), max_size=2),
)


Checks = tuple[float | None, tuple[float, float, float, float] | None]


def _answer(decode: Callable[[], Event]) -> object:
    """The event, or the reason (or the exception) a payload is refused with."""
    try:
        return decode()
    except PayloadError as exc:
        return exc.reason
    except Exception as exc:  # the generic path's own behaviour, kept as it was
        return f"{type(exc).__name__}: {exc}"


def _fast_and_generic(data: dict[str, object], checks: Checks) -> tuple[object, object]:
    """What decode_payload answers, and what the generic path alone answers."""
    now, bbox = checks
    text = json.dumps(data)
    fast = _answer(lambda: decode_payload(VehiclePosition.TOPIC, text, now=now, bbox=bbox))
    generic = _answer(lambda: event_from_dict(VehiclePosition, data, now=now, bbox=bbox))
    return fast, generic


CHECKS: list[Checks] = [(NOW, POSITION_BBOX), (None, None)]


@settings(max_examples=600, deadline=None)
@given(
    changes=st.dictionaries(
        st.sampled_from([*describe(SAMPLES[0]), "colour"]), _ODD_VALUES, max_size=3
    ),
    dropped=st.sets(st.sampled_from(["topic", "v", "ts", "vehicle_class", "lat"]), max_size=2),
    checks=st.sampled_from(CHECKS),
)
def test_position_fast_path_answers_as_the_generic_path(
    changes: dict[str, object], dropped: set[str], checks: Checks
) -> None:
    data: dict[str, object] = describe(SAMPLES[0]) | changes
    for name in dropped:
        data.pop(name, None)
    fast, generic = _fast_and_generic(data, checks)
    assert fast == generic


def test_position_fast_path_answers_as_the_generic_path_at_every_edge() -> None:
    junk: list[object] = [True, None, "1", [1], 10**400, 2.5, "vehicle.position", 2]
    for name in [*describe(SAMPLES[0]), "colour"]:
        for value in [*_EDGES, *junk]:
            for checks in CHECKS:
                fast, generic = _fast_and_generic(describe(SAMPLES[0]) | {name: value}, checks)
                assert fast == generic, (name, value, checks)


def test_a_plain_position_takes_the_fast_path() -> None:
    data = describe(SAMPLES[0])
    fast = codec_module._plain_position(data, NOW, 300.0, POSITION_BBOX)
    assert fast == SAMPLES[0] == decode_payload(VehiclePosition.TOPIC, json.dumps(data), now=NOW)
    del data["topic"]  # the topic is optional
    assert codec_module._plain_position(data, NOW, 300.0, POSITION_BBOX) == SAMPLES[0]
    assert codec_module._plain_position(data | {"lon": 100.0}, NOW, 300.0, POSITION_BBOX) is None


def test_a_byte_order_mark_is_refused_as_before() -> None:
    with pytest.raises(PayloadError, match="malformed JSON: Unexpected UTF-8 BOM"):
        decode_payload(VehiclePosition.TOPIC, "\ufeff" + _text(SAMPLES[0]), now=NOW)
