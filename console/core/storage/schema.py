"""The tables: cases (incidents), their audit trail, notes and attachments, quarantined payloads,
messages, geofences, the alarm-flood tables (shelved sources, alarms that opened no case), and
the video patrol log (runs of tours and their checkpoints), and cases handed to or taken from
neighbouring centres with their outbox.

Times are floats, seconds since the Unix epoch from the injected clock. JSON
columns are text (portable across SQLite and PostgreSQL). Every change to this
module needs a new migration in ``migrations/versions``; a test compares the
migrated database with these declarations.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Stable constraint names, so later migrations can alter them (also on SQLite)."""

STATUSES = (
    "reported",
    "accepted",
    "rejected",
    "opened",
    "dispatched",
    "signed",
    "in_hand",
    "handled",
    "verified",
    "closed",
    "pending",
    "merged",
)
"""Every case state the database accepts."""

STATUS_CHECK = "status IN (" + ", ".join(f"'{s}'" for s in STATUSES) + ")"
"""The check constraint on a case's state (shared with the migration that sets it)."""


class Base(DeclarativeBase):
    """Declarative base holding the console's metadata."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class IncidentRow(Base):
    """One incident: what happened, where, who is responsible, and its state."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_type: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str] = mapped_column(Text)
    priority: Mapped[int] = mapped_column(Integer)
    platform: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    outside_city: Mapped[bool] = mapped_column(Boolean)
    grid_code: Mapped[str | None] = mapped_column(String(32))
    community_code: Mapped[str | None] = mapped_column(String(32))
    street_code: Mapped[str | None] = mapped_column(String(32))
    county_code: Mapped[str | None] = mapped_column(String(32))
    city_code: Mapped[str | None] = mapped_column(String(32))
    responsible_level: Mapped[int] = mapped_column(Integer)
    responsible_unit_id: Mapped[str] = mapped_column(String(64))
    responsible_unit: Mapped[str] = mapped_column(Text)
    dispatcher_unit_id: Mapped[str | None] = mapped_column(String(64))
    handler: Mapped[str | None] = mapped_column(String(128))
    source_topic: Mapped[str | None] = mapped_column(String(64))
    source_alarm_id: Mapped[str | None] = mapped_column(String(128))
    detail: Mapped[str] = mapped_column(Text)
    resolution: Mapped[str | None] = mapped_column(Text)
    reported_at: Mapped[float] = mapped_column(Float)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)
    due_at: Mapped[float] = mapped_column(Float)
    accepted_at: Mapped[float | None] = mapped_column(Float)
    opened_at: Mapped[float | None] = mapped_column(Float)
    dispatched_at: Mapped[float | None] = mapped_column(Float)
    signed_at: Mapped[float | None] = mapped_column(Float)
    handle_due_at: Mapped[float | None] = mapped_column(Float)
    handled_at: Mapped[float | None] = mapped_column(Float)
    verified_at: Mapped[float | None] = mapped_column(Float)
    closed_at: Mapped[float | None] = mapped_column(Float)
    dispatch_count: Mapped[int] = mapped_column(Integer)
    bounce_count: Mapped[int] = mapped_column(Integer)
    rework_count: Mapped[int] = mapped_column(Integer)
    extension_count: Mapped[int] = mapped_column(Integer)
    escalation_count: Mapped[int] = mapped_column(Integer)
    alert_count: Mapped[int] = mapped_column(Integer)
    merged_count: Mapped[int] = mapped_column(Integer)
    repeat_count: Mapped[int] = mapped_column(
        Integer,
        CheckConstraint("repeat_count >= 0", name="repeat_count_positive"),
        server_default="0",
    )
    """Repeats of the opening alarm folded into this case (alarms from the same source)."""
    merged_into: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    paused_status: Mapped[str | None] = mapped_column(String(16))
    checklist_done: Mapped[str] = mapped_column(Text)
    fired: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        UniqueConstraint("source_topic", "source_alarm_id"),
        CheckConstraint("priority BETWEEN 1 AND 4", name="priority_range"),
        CheckConstraint(STATUS_CHECK, name="status_known"),
        CheckConstraint("extension_count BETWEEN 0 AND 1", name="one_extension"),
        CheckConstraint("responsible_level BETWEEN 0 AND 4", name="level_range"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_incidents_status", "status"),
        Index("ix_incidents_updated_at", "updated_at"),
        Index("ix_incidents_responsible_unit_id", "responsible_unit_id"),
    )


class AuditRow(Base):
    """One thing done to an incident, by whom, when, and the state change."""

    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    at: Mapped[float] = mapped_column(Float)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("actor <> ''", name="actor_named"),
        Index("ix_audit_incident_id", "incident_id", "id"),
    )


class NoteRow(Base):
    """A note an operator or unit wrote on a case."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    at: Mapped[float] = mapped_column(Float)
    actor: Mapped[str] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index("ix_notes_incident_id", "incident_id", "id"),)


class AttachmentRow(Base):
    """A file (a photo of the scene, usually) attached to a case."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    at: Mapped[float] = mapped_column(Float)
    actor: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (Index("ix_attachments_incident_id", "incident_id", "id"),)


class QuarantineRow(Base):
    """One external payload that failed validation, kept with its reason."""

    __tablename__ = "quarantine"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(Text)
    raw: Mapped[str] = mapped_column(Text)


incidents: Table = Base.metadata.tables["incidents"]
audit: Table = Base.metadata.tables["audit"]
quarantine: Table = Base.metadata.tables["quarantine"]
notes: Table = Base.metadata.tables["notes"]
attachments: Table = Base.metadata.tables["attachments"]


MESSAGE_STATES = ("queued", "sent", "delivered", "read", "failed")
"""Every delivery state of a message to a vehicle that the database accepts."""

MESSAGE_STATE_CHECK = "state IN (" + ", ".join(f"'{s}'" for s in MESSAGE_STATES) + ")"
"""The check constraint on a message's state (shared with the migration that sets it)."""


class MessageRow(Base):
    """One text sent to a vehicle's terminal and its current delivery state."""

    __tablename__ = "messages"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(Integer)
    vehicle_class: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    sent_by: Mapped[str] = mapped_column(String(128))
    sent_at: Mapped[float] = mapped_column(Float)
    state: Mapped[str] = mapped_column(String(16))
    state_at: Mapped[float] = mapped_column(Float)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    version: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        CheckConstraint(MESSAGE_STATE_CHECK, name="state_known"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_messages_vehicle_id", "vehicle_id"),
        Index("ix_messages_state", "state", "state_at"),
    )


class MessageEventRow(Base):
    """One state change of a message (append-only), by whom and when."""

    __tablename__ = "message_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("messages.id"))
    at: Mapped[float] = mapped_column(Float)
    actor: Mapped[str] = mapped_column(String(128))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("actor <> ''", name="actor_named"),
        Index("ix_message_events_message_id", "message_id", "id"),
    )


class GeofenceRow(Base):
    """One geofence: a named shape on the map and the vehicle classes it watches."""

    __tablename__ = "geofences"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    shape: Mapped[str] = mapped_column(Text)
    classes: Mapped[str] = mapped_column(Text)
    dwell_limit_s: Mapped[float | None] = mapped_column(Float)
    opens_case: Mapped[bool] = mapped_column(Boolean)
    active: Mapped[bool] = mapped_column(Boolean)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)


messages: Table = Base.metadata.tables["messages"]
message_events: Table = Base.metadata.tables["message_events"]
geofences: Table = Base.metadata.tables["geofences"]


# ---- Alarm-flood protection (schema 0004)

ALARM_DISPOSITIONS = ("repeat", "shelved")
"""Why an alarm opened no case: folded into an open case, or its source was shelved."""

ALARM_DISPOSITION_CHECK = "disposition IN (" + ", ".join(f"'{d}'" for d in ALARM_DISPOSITIONS) + ")"
"""The check constraint on an alarm's disposition (shared with the migration that sets it)."""


class ShelfRow(Base):
    """An alarm source shelved by an operator: who, when, why, until when, and how it ended."""

    __tablename__ = "shelves"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_key: Mapped[str] = mapped_column(String(160))
    label: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    shelved_by: Mapped[str] = mapped_column(String(128))
    shelved_at: Mapped[float] = mapped_column(Float)
    until: Mapped[float] = mapped_column(Float)
    ended_at: Mapped[float | None] = mapped_column(Float)
    ended_by: Mapped[str | None] = mapped_column(String(128))
    end_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("until > shelved_at", name="until_after_start"),
        CheckConstraint("reason <> ''", name="reason_given"),
        CheckConstraint("shelved_by <> ''", name="actor_named"),
        Index("ix_shelves_source_key", "source_key", "until"),
    )


class ShelfEventRow(Base):
    """One thing done to a shelf (shelved, unshelved, expired): append-only."""

    __tablename__ = "shelf_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shelf_id: Mapped[int] = mapped_column(ForeignKey("shelves.id"))
    at: Mapped[float] = mapped_column(Float)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("actor <> ''", name="actor_named"),
        Index("ix_shelf_events_shelf_id", "shelf_id", "id"),
    )


class AlarmLogRow(Base):
    """An alarm that opened no case (a folded repeat, or from a shelved source), with its
    payload: append-only, one row per alarm id of a topic."""

    __tablename__ = "alarm_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic: Mapped[str] = mapped_column(String(64))
    alarm_id: Mapped[str] = mapped_column(String(128))
    source_key: Mapped[str] = mapped_column(String(160))
    at: Mapped[float] = mapped_column(Float)
    received_at: Mapped[float] = mapped_column(Float)
    disposition: Mapped[str] = mapped_column(String(16))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    shelf_id: Mapped[int | None] = mapped_column(ForeignKey("shelves.id"))
    payload: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("topic", "alarm_id"),
        CheckConstraint(ALARM_DISPOSITION_CHECK, name="disposition_known"),
        Index("ix_alarm_log_received_at", "disposition", "received_at"),
        Index("ix_alarm_log_incident_id", "incident_id"),
        Index("ix_alarm_log_shelf_id", "shelf_id", "id"),
    )


shelves: Table = Base.metadata.tables["shelves"]
shelf_events: Table = Base.metadata.tables["shelf_events"]
alarm_log: Table = Base.metadata.tables["alarm_log"]


# ---- Video patrols (schema 0005)

PATROL_OUTCOMES = ("nothing_found", "anomaly", "missed")
"""How a patrol checkpoint can end."""

PATROL_OUTCOME_CHECK = "outcome IN (" + ", ".join(f"'{o}'" for o in PATROL_OUTCOMES) + ")"
"""The check constraint on a checkpoint's outcome (shared with the migration that sets it)."""

PATROL_CONFIRMED_CHECK = "(outcome = 'missed') = (confirmed_at IS NULL)"
"""A checkpoint has a confirmation time exactly when it was not missed."""


class PatrolRunRow(Base):
    """One run of a patrol tour: which tour, by whom, when it started and ended."""

    __tablename__ = "patrol_runs"

    run_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tour_id: Mapped[str] = mapped_column(String(64))
    operator: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[float] = mapped_column(Float)
    ended_at: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (
        CheckConstraint("operator <> ''", name="actor_named"),
        CheckConstraint("ended_at >= started_at", name="ended_after_start"),
        Index("ix_patrol_runs_started_at", "started_at"),
        Index("ix_patrol_runs_tour_id", "tour_id", "started_at"),
    )


class PatrolCheckRow(Base):
    """One checkpoint of a run: the camera shown, to whom, when, and how it ended."""

    __tablename__ = "patrol_checks"

    run_id: Mapped[int] = mapped_column(ForeignKey("patrol_runs.run_id"), primary_key=True)
    step_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    camera_id: Mapped[str] = mapped_column(String(64))
    operator: Mapped[str] = mapped_column(String(128))
    shift_id: Mapped[str] = mapped_column(String(32))
    shift_day: Mapped[date] = mapped_column(Date)
    shown_at: Mapped[float] = mapped_column(Float)
    due_at: Mapped[float] = mapped_column(Float)
    outcome: Mapped[str] = mapped_column(String(16))
    confirmed_at: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    paused_by: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint(PATROL_OUTCOME_CHECK, name="outcome_known"),
        CheckConstraint(PATROL_CONFIRMED_CHECK, name="confirmed_unless_missed"),
        CheckConstraint("step_index >= 0", name="step_index_positive"),
        CheckConstraint("due_at >= shown_at", name="due_after_shown"),
        CheckConstraint("operator <> ''", name="actor_named"),
        Index("ix_patrol_checks_shown_at", "shown_at"),
        Index("ix_patrol_checks_operator", "operator", "shown_at"),
        Index("ix_patrol_checks_case_id", "case_id"),
    )


patrol_runs: Table = Base.metadata.tables["patrol_runs"]
patrol_checks: Table = Base.metadata.tables["patrol_checks"]


# ---- Smart region: cases handed between neighbouring centres (schema 0006)

HANDOFF_DIRECTIONS = ("out", "in")
"""A hand-off this centre sent (``out``) or took (``in``)."""

HANDOFF_STATES = ("queued", "sent", "received", "refused", "taken")
"""``out``: stored, not yet with the neighbour's broker (queued); with it (sent); the
neighbour opened a case (received) or could not (refused). ``in``: a case was opened (taken)."""


class RegionHandoffRow(Base):
    """One case handed to or taken from a neighbouring centre, and the newest state the
    other side reported."""

    __tablename__ = "region_handoffs"

    handoff_id: Mapped[str] = mapped_column(String(96), primary_key=True)
    direction: Mapped[str] = mapped_column(String(3), primary_key=True)
    peer: Mapped[str] = mapped_column(String(64))
    peer_name: Mapped[str] = mapped_column(String(128))
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    state: Mapped[str] = mapped_column(String(16))
    remote_case_id: Mapped[int | None] = mapped_column(Integer)
    remote_status: Mapped[str | None] = mapped_column(String(32))
    last_seq: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[float] = mapped_column(Float)
    sent_at: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)

    __table_args__ = (
        CheckConstraint(
            "direction IN (" + ", ".join(f"'{d}'" for d in HANDOFF_DIRECTIONS) + ")",
            name="direction_known",
        ),
        CheckConstraint(
            "state IN (" + ", ".join(f"'{s}'" for s in HANDOFF_STATES) + ")", name="state_known"
        ),
        Index("ix_region_handoffs_incident_id", "incident_id"),
    )


class RegionOutboxRow(Base):
    """A message to a neighbouring centre, stored with the action that caused it and
    kept until the neighbour's broker acknowledged it."""

    __tablename__ = "region_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    peer: Mapped[str] = mapped_column(String(64))
    topic: Mapped[str] = mapped_column(String(32))
    handoff_id: Mapped[str] = mapped_column(String(96))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[float] = mapped_column(Float)
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claimed_at: Mapped[float | None] = mapped_column(Float)
    sent_at: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (Index("ix_region_outbox_peer", "peer", "sent_at"),)


region_handoffs: Table = Base.metadata.tables["region_handoffs"]
region_outbox: Table = Base.metadata.tables["region_outbox"]
