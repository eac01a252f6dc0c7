"""The incident report's HTML: map, timeline, checklist, pictures; escaped; no network loads."""

from __future__ import annotations

import base64
import re
import struct
import zlib
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

from console.core.bus import EventBus
from console.core.city.city import City
from console.core.clock import ManualClock
from console.core.events import UnitPosition
from console.core.incidents import IncidentService
from console.core.recording import Recorder, RecordingReader
from console.core.reports import (
    MapPlace,
    ReportImage,
    ReportMedia,
    gather_incident_report,
    incident_report_html,
    network_loads,
    write_incident_report,
)
from console.core.reports.html_parts import esc
from console.core.reports.incident_html import NO_RECORDING
from tests.core.test_report_timeline import drive_full_case
from tests.support.cases import CENTRE, UNIT, strain_alarm

SHANGHAI = ZoneInfo("Asia/Shanghai")
RESOURCE_TAGS = re.compile(
    r"<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=\s*(?![\"']?data:)", re.IGNORECASE
)
"""An element that loads a file (anything but an inlined data: URI)."""


def tiny_png(red: int, green: int, blue: int) -> bytes:
    """A real 2x2 PNG of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + bytes((red, green, blue)) * 2 for _ in range(2))
    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


class _Tables(HTMLParser):
    """Counts elements and collects text, to check the page parses as expected."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[str, int] = {}
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] = self.tags.get(tag, 0) + 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(document: str) -> _Tables:
    parser = _Tables()
    parser.feed(document)
    parser.close()
    return parser


def _recorded_case(
    service: IncidentService, bus: EventBus, clock: ManualClock, folder: Path
) -> int:
    recorder = Recorder(folder, clock)
    recorder.attach(bus)
    case = drive_full_case(service, clock, *CENTRE)
    trail = service.audit_trail(case.id)
    dispatched = next(e.at for e in trail if e.action == "dispatched")
    handled = next(e.at for e in trail if e.action == "handled")
    for step in range(6):  # the unit's positions, recorded as they came in
        at = dispatched + step * (handled - dispatched) / 5
        position = UnitPosition(at, UNIT, CENTRE[0] + 0.01 - 0.002 * step, CENTRE[1] + 0.001 * step)
        recorder.record([position], at)
    recorder.close()
    return case.id


def test_the_report_has_map_timeline_checklist_and_pictures_and_loads_nothing(
    service: IncidentService, bus: EventBus, clock: ManualClock, city: City, tmp_path: Path
) -> None:
    case_id = _recorded_case(service, bus, clock, tmp_path / "rec")
    photo = tiny_png(30, 160, 30)
    service.attach(case_id, "TP-王", "现场.png", "image/png", photo)
    service.attach(case_id, "TP-王", "log.txt", "text/plain", b"not a picture")
    with RecordingReader(tmp_path / "rec") as reader:
        report = gather_incident_report(
            service, case_id, tz=SHANGHAI, now=clock.now(), recording=reader
        )
    chart, snapshot = tiny_png(200, 30, 30), tiny_png(30, 30, 200)
    media = ReportMedia(
        charts=[ReportImage("Strain S3", chart, "±10 min around the report")],
        snapshots=[
            ReportImage("天桥 camera 1", snapshot, "simulated"),
            ReportImage("Station camera", None, note="no snapshot (live stream)"),
        ],
        places=[MapPlace("天桥 camera 1", CENTRE[0] + 0.002, CENTRE[1], "camera")],
    )
    written = write_incident_report(report, tmp_path / "out", city, media)
    document = written.html.read_text(encoding="utf-8")

    assert network_loads(document) == []
    assert RESOURCE_TAGS.search(document) is None  # nothing linked: every part inline
    assert "L.map(" in document and 'class="folium-map"' in document
    assert "L.polyline(" in document  # the unit's track
    start = report.responders[0].track[0]
    assert f"[{start.lat}, {start.lon}]" in document  # its start marker
    assert "L.geoJson(" in document  # the grid and street outlines
    assert esc(NO_RECORDING) not in document

    parsed = _parse(document)
    text = " ".join(parsed.text)
    for item in report.incident_type.checklist:
        assert item.zh in text and item.en in text
    assert "Checklist (1 of 4 done)" in text
    assert "late by 5m (10m of 5m sign)" in text
    assert "late by 10m (1h10 of 1h00 resolve)" in text
    assert "no snapshot (live stream)" in text
    assert parsed.tags["tr"] >= len(report.timeline) + len(report.checklist)
    assert [p.title for p in report.photos] == ["现场.png"]  # the text file is listed only
    assert "log.txt" in text
    for png in (chart, snapshot, photo):
        assert f"data:image/png;base64,{base64.b64encode(png).decode()}" in document
    assert written.csv.read_bytes().startswith(b"\xef\xbb\xbf")


def test_text_from_the_case_is_escaped(
    service: IncidentService, clock: ManualClock, city: City
) -> None:
    case = service.report(
        "road_accident", *CENTRE, "<script>alert('x')</script>", "op-1", place="<b>桥</b>"
    )
    service.act(case.id, "note", "op-1", text='</script><img src="http://evil/x.png">')
    report = gather_incident_report(service, case.id, tz=SHANGHAI, now=clock.now())
    document = incident_report_html(report, city)
    assert "<script>alert(" not in document
    assert '<img src="http://evil' not in document
    assert "&lt;/script&gt;&lt;img src=&quot;http://evil/x.png&quot;&gt;" in document
    assert network_loads(document) == []
    assert esc(NO_RECORDING) in document  # no recording handed in: the map says so
    assert "No chart data for this case." in document


def test_a_bridge_case_draws_its_bridge_and_the_checker_catches_remote_loads(
    service: IncidentService, clock: ManualClock, city: City
) -> None:
    bridge = city.bridge("jiefang_road")
    alarm = strain_alarm("a-1", ts=clock.now())
    case = service.open_from_alarm(replace(alarm, bridge_id=bridge.bridge_id))
    assert case is not None
    report = gather_incident_report(service, case.id, tz=SHANGHAI, now=clock.now())
    document = incident_report_html(report, city)
    assert bridge.name_en in document
    assert f"[{bridge.lat}, {bridge.lon}]" in document
    broken = document.replace(
        "</head>", '<script src="https://cdn.example/leaflet.js"></script></head>'
    )
    broken = broken.replace("<body>", '<body><img src="//cdn.example/a.png">', 1)
    assert network_loads(broken) == [
        "<script src='https://cdn.example/leaflet.js'>",
        "<img src='//cdn.example/a.png'>",
    ]
