"""Reports for reviewers: an incident's report (HTML + timeline CSV) and a shift's report.

Everything here is plain Python (no Qt): the data is gathered from the case
service and a recording, and written as self-contained HTML that works with no
network (Leaflet inlined, pictures as data: URIs) and UTF-8 CSV for Excel.
Pictures (charts, camera snapshots) are made by the caller and handed in.
"""

from console.core.reports.csv_export import timeline_rows, write_csv, write_timeline_csv
from console.core.reports.files import (
    CASES_CSV,
    REPORT_HTML,
    TIMELINE_CSV,
    WrittenReport,
    write_incident_report,
    write_shift_report,
)
from console.core.reports.html_parts import ReportImage, network_loads
from console.core.reports.incident import IncidentReport, gather_incident_report, track_window
from console.core.reports.incident_html import ReportMedia, incident_report_html
from console.core.reports.offline_map import MapPlace, bridge_id_of
from console.core.reports.shift import ShiftReport, gather_shift_report, shift_rows
from console.core.reports.shift_html import shift_report_html
from console.core.reports.timeline import SlaVerdict, TimelineRow, case_timeline
from console.core.reports.tracks import (
    ChannelSeries,
    ResponderSpan,
    TrackPoint,
    channel_series,
    recorded_events,
    responders,
    unit_tracks,
)

__all__ = [
    "CASES_CSV",
    "REPORT_HTML",
    "TIMELINE_CSV",
    "ChannelSeries",
    "IncidentReport",
    "MapPlace",
    "ReportImage",
    "ReportMedia",
    "ResponderSpan",
    "ShiftReport",
    "SlaVerdict",
    "TimelineRow",
    "TrackPoint",
    "WrittenReport",
    "bridge_id_of",
    "case_timeline",
    "channel_series",
    "gather_incident_report",
    "gather_shift_report",
    "incident_report_html",
    "network_loads",
    "recorded_events",
    "responders",
    "shift_report_html",
    "shift_rows",
    "timeline_rows",
    "track_window",
    "unit_tracks",
    "write_csv",
    "write_incident_report",
    "write_shift_report",
    "write_timeline_csv",
]
