"""Exporting reports: gather a case (or a shift), draw its pictures, write the files.

:func:`export_incident_report` writes ``report.html`` and ``timeline.csv`` of a
case into a folder: the data from the case service, the responders' tracks,
the bridge's channels and the alarm rate from the recording (when one covers
the case), and camera snapshots. :func:`export_shift_report` writes a shift's
``report.html`` and ``cases.csv``. Both take the target folder as a parameter
(the menu asks for it; tests give one).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator
from pathlib import Path

from console.core.events import Event
from console.core.incidents.kpi import KpiWindow, shift_window
from console.core.incidents.model import IncidentError
from console.core.recording import RecordingReader
from console.core.recording.streams import Stream
from console.core.reports import (
    IncidentReport,
    ReportImage,
    ReportMedia,
    WrittenReport,
    bridge_id_of,
    channel_series,
    gather_incident_report,
    gather_shift_report,
    recorded_events,
    write_incident_report,
    write_shift_report,
)
from console.core.runtime import ConsoleCore
from console.qt.reports.charts import RATE_WINDOW_S, WINDOW_S, alarm_rate_chart, bridge_charts
from console.qt.reports.snapshots import camera_places, camera_snapshots, cameras_for

TRACK_MARGIN_S = 600.0


class StreamsOf:
    """A recording read through some of its streams only (less to decompress)."""

    def __init__(self, reader: RecordingReader, streams: Collection[Stream]) -> None:
        self.reader = reader
        self.streams = frozenset(streams)

    def events_between(self, t0: float, t1: float) -> Iterator[tuple[float, Event]]:
        """Every (time, event) of the chosen streams between ``t0`` and ``t1``."""
        return self.reader.events_between(t0, t1, self.streams)


def covers(reader: RecordingReader, t0: float, t1: float) -> bool:
    """Whether the recording holds anything between ``t0`` and ``t1``."""
    span = reader.time_range()
    return span is not None and span[0] <= t1 and span[1] >= t0


def _charts(
    core: ConsoleCore, report: IncidentReport, reader: RecordingReader | None, tz: dt.tzinfo
) -> tuple[list[ReportImage], str]:
    """The chart pictures and, when there are none, why."""
    centre = report.case.reported_at
    if reader is None:
        return [], "No recording covers this case: no chart of the moments around it."
    images: list[ReportImage] = []
    bridge_id = bridge_id_of(report)
    monitoring = core.bridge_safety.monitor.monitoring if core.bridge_safety else None
    if bridge_id is not None and monitoring is not None and bridge_id in monitoring.bridges:
        readings = StreamsOf(reader, {Stream.READINGS})
        events = recorded_events(readings, centre - WINDOW_S, centre + WINDOW_S)
        series = channel_series(events, bridge_id)
        alarm = report.case.detail.get("alarm")
        channel = str(alarm.get("channel", "")) if isinstance(alarm, dict) else ""
        images += bridge_charts(series, monitoring.bridge(bridge_id), channel, centre, tz)
    sparse = StreamsOf(reader, {Stream.EVENTS})
    rate = alarm_rate_chart(
        recorded_events(sparse, centre - RATE_WINDOW_S, centre + RATE_WINDOW_S), centre, tz
    )
    if rate is not None:
        images.append(rate)
    note = "The recording holds no sensor samples or alarms around this case."
    return images, note


def incident_media(
    core: ConsoleCore, report: IncidentReport, reader: RecordingReader | None, tz: dt.tzinfo
) -> ReportMedia:
    """The pictures of a case's report: charts from the recording, camera snapshots."""
    case = report.case
    charts, chart_note = _charts(core, report, reader, tz)
    cameras = cameras_for(core.sites, case.lon, case.lat, bridge_id_of(report))
    return ReportMedia(
        charts=charts,
        chart_note=chart_note,
        snapshots=camera_snapshots(cameras, case.reported_at, tz),
        snapshot_note="No camera watches this place (none within 400 m).",
        places=camera_places(cameras),
    )


def export_incident_report(
    core: ConsoleCore,
    case_id: int,
    folder: Path,
    tz: dt.tzinfo,
    recording_folder: Path | None = None,
) -> WrittenReport:
    """Write case ``case_id``'s ``report.html`` and ``timeline.csv`` into ``folder``."""
    case = core.incidents.get(case_id)
    if case is None:
        raise IncidentError(f"there is no case {case_id}")
    now = core.clock.now()
    reader = RecordingReader(recording_folder) if recording_folder is not None else None
    try:
        end = case.closed_at if case.closed_at is not None else now
        if reader is not None and not covers(
            reader, case.reported_at - TRACK_MARGIN_S, end + TRACK_MARGIN_S
        ):
            reader.close()
            reader = None
        positions = StreamsOf(reader, {Stream.UNITS}) if reader is not None else None
        report = gather_incident_report(
            core.incidents, case_id, tz=tz, now=now, recording=positions
        )
        media = incident_media(core, report, reader, tz)
    finally:
        if reader is not None:
            reader.close()
    return write_incident_report(report, folder, core.city, media)


def export_shift_report(
    core: ConsoleCore, folder: Path, tz: dt.tzinfo, window: KpiWindow | None = None
) -> WrittenReport:
    """Write a shift's ``report.html`` and ``cases.csv`` into ``folder`` (default: this shift)."""
    now = core.clock.now()
    window = window or shift_window(now, tz=tz)
    report = gather_shift_report(core.incidents, window, tz=tz, now=now)
    return write_shift_report(report, folder)
