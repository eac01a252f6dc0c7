"""Exporting reports from a real console core with a recording: files, pictures, offline page."""

from __future__ import annotations

import csv
import math
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QSize, QUrl
from PySide6.QtGui import QImage
from PySide6.QtWebEngineCore import (
    QWebEngineProfile,
    QWebEngineUrlRequestInfo,
    QWebEngineUrlRequestInterceptor,
)
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox
from pytestqt.qtbot import QtBot

from console.core.events import BridgeAlarm, BridgeChannels, Event, HotlineCall, UnitPosition
from console.core.incidents.model import Incident
from console.core.reports import network_loads
from console.core.runtime import ConsoleCore, CoreOptions, build_core
from console.core.sites import Camera
from console.core.sites.model import CameraKind, CameraPurpose
from console.core.units.model import UnitKind
from console.qt.case_wiring import CaseWorkflow
from console.qt.reports import export_incident_report, export_shift_report
from console.qt.reports.menu import ReportExport
from console.qt.reports.snapshots import LIVE_ONLY, camera_snapshots
from tests.support.cases import CONSOLE_START

pytestmark = pytest.mark.qt

SHANGHAI = ZoneInfo("Asia/Shanghai")
BRIDGE = "jiefang_road"
ALARM_CHANNEL = "strain_s2_mid"
TIMEOUT_MS = 30_000
LOCAL_SCHEMES = {"file", "qrc", "data", "blob", "about"}
DATA_PNG = re.compile(r'<img src="data:image/png;base64,')


class RequestLog(QWebEngineUrlRequestInterceptor):
    """Every URL a page asks for."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self.urls: list[str] = []

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:  # noqa: N802
        with self._lock:
            self.urls.append(info.requestUrl().toString())

    def network_urls(self) -> list[str]:
        with self._lock:
            return [u for u in self.urls if u.split(":", 1)[0].lower() not in LOCAL_SCHEMES]


def _painted(image: QImage, top: int = 0, bottom: int = 200) -> bool:
    """Whether rows ``top`` to ``bottom`` have been painted (some dark text among the white)."""
    dark = 0
    for y in range(top, min(image.height(), bottom), 4):
        for x in range(0, image.width(), 8):
            dark += image.pixelColor(x, y).lightness() < 100
    return dark > 20


@pytest.fixture
def recorded_core(tmp_path: Path) -> Iterator[ConsoleCore]:
    """The whole core on a SQLite file, recording every event (simulation not started)."""
    options = CoreOptions(
        database_url=f"sqlite:///{tmp_path / 'c.db'}",
        history_dir=tmp_path / "history",
        start=CONSOLE_START,
        colleague_share=0.0,
        recording_dir=tmp_path / "recording",
    )
    core = build_core(options)
    yield core
    core.stop()


def _bridge_case(core: ConsoleCore) -> Incident:
    """A strain alarm on the Jiefang Road bridge, worked by a bridge crew, its story recorded.

    The recording gets, in time order, the bridge's channels every 5 s for
    ±10 min around the alarm (a strain peak at the alarm), a few other alarms,
    the alarm itself and the crew's drive to the bridge once dispatched (2 min
    after the alarm); the crew signs for the case 6 min after the alarm.
    """
    recorder = core.recorder
    assert recorder is not None
    bridge = core.city.bridge(BRIDGE)
    monitoring = core.bridge_safety.monitor.monitoring if core.bridge_safety else None
    assert monitoring is not None
    sensors = monitoring.bridge(BRIDGE).sensors
    crew = next(iter(core.units.of_kind(UnitKind.BRIDGE_CREW)))
    t0 = core.clock.now()
    alarm = BridgeAlarm(
        ts=t0,
        bridge_id=BRIDGE,
        kind="strain",
        value=145.0,
        threshold=130.0,
        lon=bridge.lon,
        lat=bridge.lat,
        alarm_id="strain-1",
        level=2,
        channel=ALARM_CHANNEL,
        source_key=f"{BRIDGE}:{ALARM_CHANNEL}",
    )
    story: list[Event] = [alarm]
    for step in range(-120, 121):
        at = t0 + 5.0 * step
        values = []
        for number, sensor in enumerate(sensors):
            wave = 20.0 + 8.0 * math.sin(step / 9.0 + number)
            peak = (
                125.0 * math.exp(-((step / 12.0) ** 2)) if sensor.sensor_id == ALARM_CHANNEL else 0
            )
            values.append(math.nan if sensor.sensor_id == "vessels" else wave + peak)
        story.append(BridgeChannels(at, BRIDGE, tuple(s.sensor_id for s in sensors), tuple(values)))
        if step % 40 == 0:
            story.append(HotlineCall(at, f"call-{step}", "road_damage", "pothole", 117.36, 32.94))
    for step in range(8):  # the crew drives from its base to the bridge
        share = step / 7
        lon = crew.lon + (bridge.lon - crew.lon) * share
        lat = crew.lat + (bridge.lat - crew.lat) * share
        story.append(UnitPosition(t0 + 125.0 + 30.0 * step, crew.unit_id, lon, lat))
    for event in sorted(story, key=lambda e: e.ts):
        recorder.record([event], event.ts)
    recorder.flush()

    case = core.incidents.open_from_alarm(alarm)
    assert case is not None
    core.clock.skip(60.0)
    for verb in ("accept", "open"):
        core.incidents.act(case.id, verb, "op-1")
    core.clock.skip(60.0)
    core.incidents.act(case.id, "dispatch", "op-1", unit_id=crew.unit_id)
    core.clock.skip(240.0)
    core.incidents.act(case.id, "check", "op-1", item=0, done=True)
    core.incidents.act(case.id, "sign", crew.unit_id)
    return case


def test_an_incident_report_has_tracks_charts_and_snapshots(
    qtbot: QtBot, recorded_core: ConsoleCore, tmp_path: Path
) -> None:
    case = _bridge_case(recorded_core)
    written = export_incident_report(
        recorded_core, case.id, tmp_path / "out", SHANGHAI, tmp_path / "recording"
    )
    document = written.html.read_text(encoding="utf-8")
    assert network_loads(document) == []
    assert "L.polyline(" in document
    assert "Girder strain, span 2 mid (strain_s2_mid)" in document  # the alarm channel's chart
    assert "Strain sensors" in document and "Vehicle counter sensors" in document
    assert "City alarm rate" in document
    cameras = recorded_core.sites.cameras_watching(BRIDGE)
    for camera in cameras[:4]:
        assert camera.name in document
    images = len(DATA_PNG.findall(document))
    assert images == 4 + min(4, len(cameras))  # 3 bridge charts, the alarm rate, snapshots
    with written.csv.open(encoding="utf-8-sig", newline="") as file:
        actions = [row["action"] for row in csv.DictReader(file)]
    assert actions == ["Reported", "Accepted", "Opened", "Dispatched", "Checklist item done",
                       "Signed for"]  # fmt: skip


def test_without_a_recording_the_report_says_so(
    qtbot: QtBot, recorded_core: ConsoleCore, tmp_path: Path
) -> None:
    case = _bridge_case(recorded_core)
    written = export_incident_report(recorded_core, case.id, tmp_path / "out", SHANGHAI, None)
    document = written.html.read_text(encoding="utf-8")
    assert "No recording covers this case" in document
    assert "the responding units&#x27; tracks cannot be drawn" in document
    assert "L.polyline(" not in document
    assert "City alarm rate" not in document
    assert len(DATA_PNG.findall(document)) >= 1  # the simulated cameras still render


def test_a_real_camera_gets_a_note_instead_of_a_snapshot(qtbot: QtBot) -> None:
    real = Camera(
        "cam-x", "真实相机", "Real camera", CameraKind.FIXED, CameraPurpose.JUNCTION,
        117.37, 32.93, "rtsp://10.0.0.7/stream1",
    )  # fmt: skip
    simulated = Camera(
        "cam-y", "模拟相机", "Simulated camera", CameraKind.PTZ, CameraPurpose.JUNCTION,
        117.37, 32.93, "sim://cam-y",
    )  # fmt: skip
    shots = camera_snapshots([real, simulated], CONSOLE_START, SHANGHAI, QSize(160, 90))
    assert shots[0].png is None and shots[0].note == LIVE_ONLY
    assert shots[1].png is not None and shots[1].png.startswith(b"\x89PNG")


def test_the_shift_report_lists_the_shifts_cases(
    qtbot: QtBot, recorded_core: ConsoleCore, tmp_path: Path
) -> None:
    case = _bridge_case(recorded_core)
    written = export_shift_report(recorded_core, tmp_path / "shift", SHANGHAI)
    document = written.html.read_text(encoding="utf-8")
    assert network_loads(document) == []
    assert case.title in document
    with written.csv.open(encoding="utf-8-sig", newline="") as file:
        assert [row["case"] for row in csv.DictReader(file)] == [str(case.id)]


def test_the_reports_menu_writes_into_a_folder_per_case(
    qtbot: QtBot,
    console_window: tuple[QMainWindow, CaseWorkflow],
    console_core: ConsoleCore,
    tmp_path: Path,
) -> None:
    window, _workflow = console_window
    export = window.findChild(ReportExport)  # the console window installs the menu itself
    assert isinstance(export, ReportExport)
    menus = [a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == "Reports"]
    assert len(menus) == 1 and isinstance(menus[0], QMenu)
    assert [a.text() for a in menus[0].actions()] == ["Export incident report…", "Shift report…"]
    case = console_core.incidents.report("road_accident", 117.37, 32.93, "两车追尾", "op-1")
    with qtbot.waitSignal(export.sig_written, timeout=TIMEOUT_MS) as written:
        export.export_case(case.id, tmp_path)
    assert written.args == [str(tmp_path / f"case-{case.id}" / "report.html")]
    assert (tmp_path / f"case-{case.id}" / "timeline.csv").exists()
    assert f"case #{case.id} written to" in window.statusBar().currentMessage()
    shift = export.export_shift(tmp_path)
    assert shift is not None and shift.html.parent.name.startswith("shift-")
    assert shift.csv.name == "cases.csv"


def test_a_failed_export_is_shown_with_its_reason(
    qtbot: QtBot,
    console_window: tuple[QMainWindow, CaseWorkflow],
    console_core: ConsoleCore,
    tmp_path: Path,
) -> None:
    window, _workflow = console_window
    export = window.findChild(ReportExport)
    assert isinstance(export, ReportExport)
    export.incident_action.trigger()  # nothing selected: says so, asks for no folder
    assert export.message_box is not None
    assert export.message_box.text() == "Select a case in the queue first."
    export.message_box.close()
    with qtbot.assertNotEmitted(export.sig_written):
        assert export.export_case(999, tmp_path) is None
    box = export.message_box
    assert box is not None and box.isVisible()
    assert box.icon() is QMessageBox.Icon.Critical
    assert "there is no case 999" in box.text()
    box.close()
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    case = console_core.incidents.report("road_accident", 117.37, 32.93, "追尾", "op-1")
    assert export.export_case(case.id, blocked) is None  # cannot make a folder inside a file
    assert export.message_box is not None and "was not written" in export.message_box.text()
    export.message_box.close()


def test_the_report_opens_offline_in_a_browser(
    qtbot: QtBot, recorded_core: ConsoleCore, tmp_path: Path
) -> None:
    case = _bridge_case(recorded_core)
    written = export_incident_report(
        recorded_core, case.id, tmp_path / "out", SHANGHAI, tmp_path / "recording"
    )
    requests = RequestLog()
    profile = QWebEngineProfile.defaultProfile()
    profile.setUrlRequestInterceptor(requests)
    try:
        view = QWebEngineView()
        qtbot.addWidget(view)
        view.resize(1100, 3600)
        with qtbot.waitSignal(view.loadFinished, timeout=TIMEOUT_MS) as loaded:
            view.load(QUrl.fromLocalFile(str(written.html)))
            view.show()
        assert loaded.args == [True]
        results: list[object] = []
        script = "[typeof L, document.querySelectorAll('.leaflet-interactive').length].join(',')"
        view.page().runJavaScript(script, 0, results.append)
        qtbot.waitUntil(lambda: bool(results), timeout=TIMEOUT_MS)
        kind, shapes = str(results[0]).split(",")
        assert kind == "object" and int(shapes) >= 4  # outlines, track, markers
        qtbot.waitUntil(
            lambda: _painted(view.grab().toImage(), 2400, 3000), timeout=TIMEOUT_MS
        )  # the pictures far below the map are painted too
        page = view.grab().toImage()
        assert page.copy(0, 0, 1100, 1800).save("/tmp/report_incident.png")
        assert page.copy(0, 1800, 1100, 1800).save("/tmp/report_incident_lower.png")
        assert requests.network_urls() == []
    finally:
        profile.setUrlRequestInterceptor(None)
