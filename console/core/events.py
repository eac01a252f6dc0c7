"""Every event that travels on the bus: typed, versioned, with its topic.

An event is a frozen dataclass. ``TOPIC`` names the stream it belongs to and
``VERSION`` its schema version; ``key()`` names the thing it describes, which is
what ``latest`` (conflated) delivery keeps one of. Times are seconds since the
Unix epoch as given by the injected clock of whoever posted the event.

The schema of every event is documented in ``docs/events.md``; external payloads
are decoded and validated in :mod:`console.core.codec`.
"""

from __future__ import annotations

import enum
from collections.abc import Hashable
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt


class VehicleClass(enum.IntEnum):
    """Classes of tracked vehicles; the integer is used in binary batches."""

    TAXI = 0
    LINER_BUS = 1
    TOURIST_BUS = 2
    CARGO = 3


class Platform(enum.StrEnum):
    """The five horizontal platforms of the 0552 model."""

    PUBLIC_MANAGEMENT = "public_management"
    PUBLIC_SERVICES = "public_services"
    PUBLIC_INFORMATION = "public_information"
    PUBLIC_UTILITIES = "public_utilities"
    PUBLIC_EMERGENCY = "public_emergency"


class ViolationKind(enum.StrEnum):
    """Kinds of traffic detection raised by roadside systems."""

    SPEEDING = "speeding"
    OVERLOAD = "overload"
    CROSS_LINE = "cross_line"


class TwoWheelerKind(enum.StrEnum):
    """Kinds of tagged two-wheelers watched by the IoT base stations."""

    BICYCLE = "bicycle"
    MOTORCYCLE = "motorcycle"
    EBIKE = "ebike"


@dataclass(frozen=True, slots=True)
class Event:
    """Base of all events: a timestamp, a topic and a schema version."""

    TOPIC: ClassVar[str] = ""
    VERSION: ClassVar[int] = 1
    IN_CITY: ClassVar[bool] = True
    """Whether ``lon``/``lat`` must lie in the receiving city's area (a feed of ours)."""

    ts: float

    def key(self) -> Hashable:
        """Identity of the thing described; ``latest`` delivery keeps one per key."""
        return None


# ---- Vehicles


@dataclass(frozen=True, slots=True)
class VehiclePosition(Event):
    """One vehicle's position report (as a field feed sends them)."""

    TOPIC: ClassVar[str] = "vehicle.position"

    vehicle_id: int
    vehicle_class: VehicleClass
    lon: float
    lat: float
    speed_kmh: float
    heading_deg: float

    def key(self) -> Hashable:
        return self.vehicle_id


@dataclass(frozen=True, slots=True, eq=False)
class VehicleBatch(Event):
    """Positions of many vehicles at once, as parallel arrays (compact and binary).

    ``ids`` are int32 vehicle ids, ``classes`` uint8 :class:`VehicleClass` values,
    ``lon``/``lat``/``speed_kmh``/``heading_deg`` float32. ``batch_id`` names the
    slice of the fleet this batch covers; a newer batch with the same id
    supersedes an older one, so ``latest`` delivery conflates on it.
    """

    TOPIC: ClassVar[str] = "vehicle.batch"

    batch_id: str
    ids: npt.NDArray[np.int32]
    classes: npt.NDArray[np.uint8]
    lon: npt.NDArray[np.float32]
    lat: npt.NDArray[np.float32]
    speed_kmh: npt.NDArray[np.float32]
    heading_deg: npt.NDArray[np.float32]

    def key(self) -> Hashable:
        return self.batch_id

    def __len__(self) -> int:
        return int(self.ids.shape[0])


# ---- Bridges


@dataclass(frozen=True, slots=True)
class BridgeReading(Event):
    """A periodic summary of one bridge's deck and channel."""

    TOPIC: ClassVar[str] = "bridge.reading"

    bridge_id: str
    deck_vehicles_up: int
    deck_vehicles_down: int
    deck_load_t: float
    strain_ue: float
    vessels_below: int

    def key(self) -> Hashable:
        return self.bridge_id


class WarningLevel(enum.IntEnum):
    """Bridge warning levels as Anhui's bridge monitoring practice numbers them (1 is worst)."""

    SEVERE = 1
    SERIOUS = 2
    MILD = 3

    @property
    def label(self) -> str:
        """``level 2 (serious)``."""
        return f"level {int(self)} ({self.name.lower()})"


@dataclass(frozen=True, slots=True)
class BridgeAlarm(Event):
    """A bridge reading beyond its threshold, or a vessel in the alarm zone.

    Version 2 adds the warning ``level`` (1 severe, 2 serious, 3 mild; 0 when the
    source does not grade it), the sensor ``channel`` it concerns, the ``plate`` of
    an overloaded truck and a ``source_key`` naming what raised it (so repeats of
    the same alarm can be folded).
    """

    TOPIC: ClassVar[str] = "alarm.bridge"
    VERSION: ClassVar[int] = 2

    bridge_id: str
    kind: str
    value: float
    threshold: float
    lon: float
    lat: float
    alarm_id: str
    level: int = 0
    channel: str = ""
    plate: str = ""
    source_key: str = ""


@dataclass(frozen=True, slots=True)
class BridgeWarning(Event):
    """A bridge sensor's warning level changed (``level`` 0: back to normal).

    Posted for every change, mild ones included; only the rules that ask for a
    case also post a :class:`BridgeAlarm`. ``rule`` names what fired:
    ``threshold``, ``rate``, ``overload``, ``vessel`` or ``deck_accident``.
    """

    TOPIC: ClassVar[str] = "bridge.warning"

    bridge_id: str
    sensor_id: str
    level: int
    value: float
    threshold: float
    rule: str
    message: str

    def key(self) -> Hashable:
        return (self.bridge_id, self.sensor_id)


@dataclass(frozen=True, slots=True)
class BridgeChannels(Event):
    """One sample of every sensor channel of a bridge: parallel channel ids and values.

    Channel ids are the sensor ids of the bridge's monitoring configuration
    (``resources/cities/<city>/bridge_monitoring.json``); values are in each
    sensor's unit. A NaN value is a sensor that did not answer.
    """

    TOPIC: ClassVar[str] = "bridge.channels"

    bridge_id: str
    channels: tuple[str, ...]
    values: tuple[float, ...]

    def key(self) -> Hashable:
        return self.bridge_id


@dataclass(frozen=True, slots=True)
class AxleWeighing(Event):
    """One vehicle weighed in motion: on a bridge deck or at an overload checkpoint."""

    TOPIC: ClassVar[str] = "wim.record"

    record_id: str
    site_id: str
    """The bridge id or weigh station id."""
    direction: str
    """``up`` or ``down`` on a bridge; the lane's direction at a checkpoint."""
    plate: str
    vehicle_class: VehicleClass
    gross_t: float
    axle_loads_t: tuple[float, ...]
    speed_kmh: float
    lon: float
    lat: float


@dataclass(frozen=True, slots=True)
class VesselPosition(Event):
    """A vessel's position from AIS or radar near a monitored bridge."""

    TOPIC: ClassVar[str] = "vessel.position"

    vessel_id: str
    """MMSI for AIS targets, ``radar-<n>`` for radar-only targets."""
    name: str
    lon: float
    lat: float
    course_deg: float
    speed_kn: float
    bridge_id: str = ""
    """The bridge whose tracking zone the vessel is in ("" if none)."""

    def key(self) -> Hashable:
        return self.vessel_id


# ---- IoT base stations


@dataclass(frozen=True, slots=True)
class IotStationReport(Event):
    """Tag detections counted by one IoT base station since its last report."""

    TOPIC: ClassVar[str] = "iot.report"

    station_id: int
    detections: int

    def key(self) -> Hashable:
        return self.station_id


@dataclass(frozen=True, slots=True)
class TheftAlarm(Event):
    """A tag reported stolen was detected by an IoT base station."""

    TOPIC: ClassVar[str] = "alarm.theft"

    alarm_id: str
    station_id: int
    tag_id: str
    two_wheeler: TwoWheelerKind
    lon: float
    lat: float


# ---- Roadside detection


@dataclass(frozen=True, slots=True)
class TrafficViolation(Event):
    """A speeding, overload or cross-line detection with the plate."""

    TOPIC: ClassVar[str] = "alarm.traffic"

    alarm_id: str
    kind: ViolationKind
    plate: str
    vehicle_class: VehicleClass
    value: float
    limit: float
    lon: float
    lat: float


# ---- 12328 hotline


@dataclass(frozen=True, slots=True)
class HotlineCall(Event):
    """A call to the 12328 transport hotline, with the place it concerns."""

    TOPIC: ClassVar[str] = "hotline.call"

    call_id: str
    category: str
    summary: str
    lon: float
    lat: float


# ---- Geofences and messages to vehicles


class GeofenceCrossing(enum.StrEnum):
    """What a vehicle did at a geofence."""

    ENTRY = "entry"
    EXIT = "exit"
    DWELL = "dwell"


@dataclass(frozen=True, slots=True)
class GeofenceEvent(Event):
    """A watched vehicle entered or left a geofence, or stayed in it beyond its dwell limit.

    ``opens_case`` is set when the fence's rule asks for a case (the intake opens it).
    """

    TOPIC: ClassVar[str] = "geofence.event"

    event_id: str
    fence_id: str
    fence_name: str
    crossing: GeofenceCrossing
    vehicle_id: int
    vehicle_class: VehicleClass
    lon: float
    lat: float
    dwell_s: float = 0.0
    opens_case: bool = False


@dataclass(frozen=True, slots=True)
class VehicleMessage(Event):
    """A text sent from the centre to one vehicle's terminal (stored first, then posted)."""

    TOPIC: ClassVar[str] = "vehicle.message"

    message_id: str
    vehicle_id: int
    text: str


@dataclass(frozen=True, slots=True)
class MessageReceipt(Event):
    """A vehicle terminal's answer about a message: delivered, read, or failed."""

    TOPIC: ClassVar[str] = "vehicle.message_receipt"

    message_id: str
    vehicle_id: int
    state: str

    def key(self) -> Hashable:
        return self.message_id


# ---- Response units


@dataclass(frozen=True, slots=True)
class UnitPosition(Event):
    """A response unit's position report from its terminal (and whether it is on duty)."""

    TOPIC: ClassVar[str] = "unit.position"

    unit_id: str
    lon: float
    lat: float
    on_duty: bool = True

    def key(self) -> Hashable:
        return self.unit_id


# ---- Incidents (posted by the console itself after storage commits)


@dataclass(frozen=True, slots=True)
class IncidentChanged(Event):
    """An incident was created or changed; the stored state is the truth.

    ``case`` is the case as stored after the change (JSON of its columns, see
    :mod:`console.core.incidents.snapshot`), so a recording can show the queue as
    it was; empty where the sender does not know it.
    """

    TOPIC: ClassVar[str] = "incident.changed"
    VERSION: ClassVar[int] = 2

    incident_id: int
    status: str
    action: str
    actor: str
    case: str = field(default="", repr=False)
    reason: str = ""
    """The reason or note the actor gave ('' if none)."""

    def key(self) -> Hashable:
        return self.incident_id


# ---- Patrol log (posted by the console itself after storage commits)


@dataclass(frozen=True, slots=True)
class PatrolLogged(Event):
    """The patrol log stored a row: a run started or ended (``table`` "run"), or a
    checkpoint was logged or linked to its case ("check"). ``row`` is the stored row's
    columns as JSON, so a recording can show the patrol log as it was."""

    TOPIC: ClassVar[str] = "patrol.logged"

    table: str
    run_id: int
    row: str = field(repr=False)


# ---- Smart region: cases handed between neighbouring centres


@dataclass(frozen=True, slots=True)
class RegionHandoff(Event):
    """A neighbouring centre hands a case to this one (published into this centre's tree).

    ``origin`` is the sending centre's topic prefix; its status reports go back
    there as :class:`RegionStatus`. The place may lie outside this city.
    """

    TOPIC: ClassVar[str] = "region.handoff"
    IN_CITY: ClassVar[bool] = False

    handoff_id: str
    origin: str
    origin_name: str
    case_id: int
    """The case's number at the sending centre."""
    incident_type: str
    title: str
    title_en: str
    priority: int
    lon: float
    lat: float
    reported_at: float
    reason: str
    """Why it is handed over."""
    actor: str
    place: str = ""

    def key(self) -> Hashable:
        return self.handoff_id


@dataclass(frozen=True, slots=True)
class RegionStatus(Event):
    """The centre that took a handed-over case reports its state (published into the
    sender's tree). ``seq`` rises with every report of one hand-off (the taker's case
    version); ``status`` is ``refused`` when it could not take the case."""

    TOPIC: ClassVar[str] = "region.status"

    handoff_id: str
    centre: str
    """The reporting centre's topic prefix."""
    seq: int
    case_id: int
    """The case's number at the reporting centre (0: none)."""
    status: str
    action: str
    actor: str
    note: str = ""

    def key(self) -> Hashable:
        return self.handoff_id


# ---- Quarantine


@dataclass(frozen=True, slots=True)
class PayloadQuarantined(Event):
    """An external payload failed validation and was set aside with its reason."""

    TOPIC: ClassVar[str] = "bus.quarantined"

    source: str
    reason: str
    raw: str = field(repr=False)


ALARM_TOPICS: tuple[str, ...] = (
    BridgeAlarm.TOPIC,
    TheftAlarm.TOPIC,
    TrafficViolation.TOPIC,
    HotlineCall.TOPIC,
)
"""Topics whose events are alarms: each reports a case."""

CASE_TOPICS: tuple[str, ...] = (*ALARM_TOPICS, GeofenceEvent.TOPIC)
"""Topics whose events can report a case: every alarm, and geofence events whose
fence asks for one (``opens_case``)."""

EVENT_TYPES: dict[str, type[Event]] = {
    cls.TOPIC: cls
    for cls in (
        VehiclePosition,
        VehicleBatch,
        BridgeReading,
        BridgeAlarm,
        BridgeChannels,
        BridgeWarning,
        AxleWeighing,
        VesselPosition,
        IotStationReport,
        TheftAlarm,
        TrafficViolation,
        HotlineCall,
        UnitPosition,
        GeofenceEvent,
        VehicleMessage,
        MessageReceipt,
        IncidentChanged,
        PatrolLogged,
        RegionHandoff,
        RegionStatus,
        PayloadQuarantined,
    )
}
"""Every event type by its topic."""


def describe(event: Event) -> dict[str, Any]:
    """The event's fields as plain values (for logs, quarantine and recordings)."""
    out: dict[str, Any] = {"topic": event.TOPIC, "v": event.VERSION}
    for item in fields(event):
        value = getattr(event, item.name)
        if isinstance(value, np.ndarray):
            value = value.tolist()
        elif isinstance(value, enum.Enum):
            value = value.value
        elif isinstance(value, tuple):  # a missing reading (NaN) is JSON null
            value = [None if isinstance(x, float) and x != x else x for x in value]
        out[item.name] = value
    return out
