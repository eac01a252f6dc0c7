"""Who responded to a case, when, and where they drove (from recorded unit positions).

Units report their positions as :class:`UnitPosition` events; the recording
keeps every one. :func:`unit_tracks` takes any iterable of events (a
recording's, or a plain list in tests) and keeps the positions of the units
asked for. :func:`responders` reads from a case's audit trail which field units
held it and from when to when, so each track can be cut to the unit's part.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from console.core.events import BridgeChannels, Event, UnitPosition
from console.core.incidents.model import AuditEntry
from console.core.units.model import OFFICE_PREFIX

HANDED_TO_UNIT = frozenset({"dispatched", "transferred", "verification_failed"})
"""Audit actions that hand the case to the unit in their ``unit_id`` parameter."""
TAKEN_BACK = frozenset({"returned", "escalated", "handed_down", "handled"})
"""Audit actions after which the unit that held the case no longer responds to it."""
FINISHED = frozenset({"closed", "rejected", "merged"})


class EventSource(Protocol):
    """A recording read by time (:class:`console.core.recording.RecordingReader`)."""

    def events_between(self, t0: float, t1: float) -> Iterator[tuple[float, Event]]:
        """Every (time, event) recorded between ``t0`` and ``t1``."""
        ...


def recorded_events(source: EventSource, t0: float, t1: float) -> Iterator[Event]:
    """The events a recording holds between ``t0`` and ``t1`` (without their record times)."""
    for _at, event in source.events_between(t0, t1):
        yield event


@dataclass(frozen=True, slots=True)
class TrackPoint:
    """One reported position of a unit."""

    at: float
    lon: float
    lat: float


@dataclass(frozen=True, slots=True)
class ResponderSpan:
    """A field unit's turn on a case: from when it was handed the case until it let go."""

    unit_id: str
    start: float
    end: float | None
    """None: it still held the case when the report was made."""

    def covers(self, at: float, until: float) -> bool:
        """Whether ``at`` falls in the span (an open span runs to ``until``)."""
        end = self.end if self.end is not None else until
        return self.start <= at <= end


def responders(trail: Sequence[AuditEntry]) -> list[ResponderSpan]:
    """The field units that held the case, in order, with their spans (offices left out)."""
    spans: list[ResponderSpan] = []
    current: tuple[str, float] | None = None

    def let_go(at: float) -> None:
        nonlocal current
        if current is not None:
            spans.append(ResponderSpan(current[0], current[1], at))
            current = None

    for entry in trail:
        params = entry.detail.get("params", {})
        unit_id = params.get("unit_id") if isinstance(params, Mapping) else None
        if entry.action in HANDED_TO_UNIT and isinstance(unit_id, str):
            let_go(entry.at)
            if not unit_id.startswith(OFFICE_PREFIX):
                current = (unit_id, entry.at)
        elif entry.action in TAKEN_BACK or entry.action in FINISHED:
            let_go(entry.at)
    if current is not None:
        spans.append(ResponderSpan(current[0], current[1], None))
    return spans


def unit_tracks(events: Iterable[Event], unit_ids: Iterable[str]) -> dict[str, list[TrackPoint]]:
    """The positions of ``unit_ids`` among ``events``, per unit, in time order.

    Every asked unit has an entry (an empty list when it reported nothing).
    """
    wanted: dict[str, list[TrackPoint]] = {unit_id: [] for unit_id in unit_ids}
    for event in events:
        if isinstance(event, UnitPosition):
            track = wanted.get(event.unit_id)
            if track is not None:
                track.append(TrackPoint(event.ts, event.lon, event.lat))
    for track in wanted.values():
        track.sort(key=lambda point: point.at)
    return wanted


def responder_tracks(
    events: Iterable[Event], spans: Sequence[ResponderSpan], until: float
) -> dict[str, list[TrackPoint]]:
    """Each responding unit's track, cut to its spans on the case (open spans end at ``until``).

    The last position before a span starts is kept as the track's start (where
    the unit was when it was handed the case).
    """
    tracks = unit_tracks(events, {span.unit_id for span in spans})
    out: dict[str, list[TrackPoint]] = {}
    for unit_id, points in tracks.items():
        own = [span for span in spans if span.unit_id == unit_id]
        kept: list[TrackPoint] = []
        for span in own:
            before = [p for p in points if p.at < span.start]
            if before:
                kept.append(before[-1])
            kept.extend(p for p in points if span.covers(p.at, until))
        out[unit_id] = sorted(set(kept), key=lambda point: point.at)
    return out


@dataclass(frozen=True, slots=True)
class ChannelSeries:
    """The samples of one bridge sensor channel over a time window."""

    channel: str
    times: tuple[float, ...]
    values: tuple[float, ...]


def channel_series(
    events: Iterable[Event], bridge_id: str, channels: Iterable[str] | None = None
) -> dict[str, ChannelSeries]:
    """The channel values of ``bridge_id`` among ``events`` (all its channels, or ``channels``).

    NaN samples (a sensor that did not answer) are kept as NaN.
    """
    wanted = set(channels) if channels is not None else None
    times: dict[str, list[float]] = {}
    values: dict[str, list[float]] = {}
    for event in events:
        if not isinstance(event, BridgeChannels) or event.bridge_id != bridge_id:
            continue
        for channel, value in zip(event.channels, event.values, strict=False):
            if wanted is not None and channel not in wanted:
                continue
            times.setdefault(channel, []).append(event.ts)
            values.setdefault(channel, []).append(float(value))
    return {
        channel: ChannelSeries(channel, tuple(times[channel]), tuple(values[channel]))
        for channel in times
    }
