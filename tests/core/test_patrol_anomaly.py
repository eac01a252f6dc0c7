"""An anomaly marked on a patrol becomes a case: its type, place, position and level path, the
snapshot attached byte for byte, and the patrol log pointing at the case."""

from __future__ import annotations

import struct
import zlib

import pytest

from console.core.city import City
from console.core.clock import ManualClock
from console.core.incidents import IncidentService, IncidentStatus
from console.core.paths import city_dir
from console.core.patrol import (
    ANOMALY_TYPE,
    Outcome,
    PatrolBook,
    PatrolError,
    PatrolLog,
    Shift,
    Tour,
    TourRunner,
    TourStep,
    report_anomaly,
    report_patrol_anomaly,
    snapshot_name,
)
from console.core.sites import SiteRegistry, load_sites
from console.core.storage import Database

TZ = "Asia/Shanghai"


def png(width: int = 4, height: int = 3) -> bytes:
    """A real (tiny, grey) PNG image, built without Qt."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + bytes([128]) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def sites(city: City) -> SiteRegistry:
    return load_sites(city_dir("bengbu"), city)


def test_an_anomaly_becomes_a_case_at_the_camera_with_its_snapshot(
    city_service: IncidentService, sites: SiteRegistry, clock: ManualClock
) -> None:
    camera = sites.camera("cam-0004")  # Jiefang Road bridge, channel upstream
    snapshot = png()
    taken_at = clock.now()  # 1970-01-01 08:33:20 in Bengbu
    case = report_anomaly(
        city_service, camera, "王敏", "  船只偏离航道靠近桥墩 ", snapshot, taken_at, tz=TZ
    )
    assert case.incident_type == ANOMALY_TYPE
    assert city_service.type_of(case).topic is None
    assert (case.title, case.title_en) == (
        "视频巡查发现异常：船只偏离航道靠近桥墩",
        "Video patrol anomaly: 船只偏离航道靠近桥墩",
    )
    assert (case.priority, case.status) == (2, IncidentStatus.REPORTED)
    assert (case.lon, case.lat) == (camera.lon, camera.lat)
    assert case.path is not None and tuple(reversed(case.path.chain())) == camera.jurisdiction
    assert case.detail["report"]["place"] == camera.name

    (attachment,) = city_service.attachments(case.id)
    assert attachment.name == "snapshot-cam-0004-19700101-083320.png"
    assert (attachment.media_type, attachment.size) == ("image/png", len(snapshot))
    assert city_service.attachment_data(attachment.id) == snapshot
    (note,) = city_service.notes(case.id)
    assert "cam-0004" in note.text and "王敏" in note.text
    assert all(code in note.text for code in camera.jurisdiction)
    assert "蚌埠市" in note.text  # the level path is named, not only numbered
    assert [e.action for e in city_service.audit_trail(case.id)] == ["reported", "noted"]


def test_without_a_note_the_description_names_the_camera(
    city_service: IncidentService, sites: SiteRegistry
) -> None:
    camera = sites.camera("cam-0166")
    case = report_anomaly(city_service, camera, "李强", "", png(), 1_772_413_200.0, tz=TZ)
    assert case.title_en == (
        "Video patrol anomaly: Railway station two-wheeler theft watch 03 (cam-0166)"
    )
    (attachment,) = city_service.attachments(case.id)
    assert attachment.name == snapshot_name("cam-0166", 1_772_413_200.0, TZ)
    assert attachment.name == "snapshot-cam-0166-20260302-090000.png"


def test_a_snapshot_must_be_a_png(city_service: IncidentService, sites: SiteRegistry) -> None:
    with pytest.raises(PatrolError, match="not a PNG"):
        report_anomaly(city_service, sites.camera("cam-0001"), "王敏", "x", b"GIF89a", 0.0, tz=TZ)
    assert city_service.list_open() == []


def test_a_patrol_anomaly_is_linked_to_its_case_in_the_log(
    db: Database, city_service: IncidentService, sites: SiteRegistry, clock: ManualClock
) -> None:
    shifts = (Shift("all", "全天", "All day", "00:00", "24:00"),)
    steps = (TourStep("cam-0001", 30.0), TourStep("cam-0006", 30.0))
    tour = Tour("bridges", "桥梁", "Bridges", steps, ("all",), 60)
    log = PatrolLog(db)
    runner = TourRunner(tour, "王敏", clock, log, book=PatrolBook(shifts, (tour,)), tz=TZ)
    runner.start()
    clock.advance(8.0)
    first = runner.confirm(Outcome.NOTHING_FOUND)
    clock.advance(12.0)
    snapshot = png(8, 6)
    taken_at = clock.now()
    anomaly = runner.confirm(Outcome.ANOMALY, "桥面货物抛洒")

    with pytest.raises(PatrolError, match="not an anomaly"):
        report_patrol_anomaly(
            city_service, log, first, sites.camera("cam-0001"), snapshot, taken_at, tz=TZ
        )
    with pytest.raises(PatrolError, match="showed cam-0006, not cam-0001"):
        report_patrol_anomaly(
            city_service, log, anomaly, sites.camera("cam-0001"), snapshot, taken_at, tz=TZ
        )
    assert city_service.list_open() == []

    case = report_patrol_anomaly(
        city_service, log, anomaly, sites.camera("cam-0006"), snapshot, taken_at, tz=TZ
    )
    assert city_service.get(case.id) == case
    assert case.title == "视频巡查发现异常：桥面货物抛洒"
    (attachment,) = city_service.attachments(case.id)
    assert city_service.attachment_data(attachment.id) == snapshot
    assert [(e.camera_id, e.case_id) for e in log.entries()] == [
        ("cam-0001", None),
        ("cam-0006", case.id),
    ]
