"""Responding units and their tracks: from event lists and from a real recording."""

from __future__ import annotations

import math
from pathlib import Path
from zoneinfo import ZoneInfo

from console.core.bus import EventBus
from console.core.clock import ManualClock
from console.core.events import BridgeChannels, HotlineCall, UnitPosition
from console.core.incidents import IncidentService
from console.core.recording import Recorder, RecordingReader
from console.core.reports import (
    TrackPoint,
    channel_series,
    gather_incident_report,
    responders,
    unit_tracks,
)
from console.core.reports.tracks import ResponderSpan, responder_tracks
from tests.support.cases import CENTRE, PEER, UNIT

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _at(unit: str, ts: float, step: int) -> UnitPosition:
    return UnitPosition(ts=ts, unit_id=unit, lon=117.30 + 0.001 * step, lat=32.90 + 0.001 * step)


def test_unit_tracks_keep_the_asked_units_in_time_order() -> None:
    events = [
        _at(UNIT, 30.0, 3),
        HotlineCall(5.0, "c1", "lost_property", "wallet", 117.3, 32.9),
        _at(PEER, 10.0, 1),
        _at(UNIT, 10.0, 1),
        _at("someone-else", 11.0, 2),
        _at(UNIT, 20.0, 2),
    ]
    tracks = unit_tracks(events, [UNIT, PEER, "silent-unit"])
    assert [p.at for p in tracks[UNIT]] == [10.0, 20.0, 30.0]
    assert tracks[UNIT][1] == TrackPoint(20.0, 117.30 + 0.002, 32.90 + 0.002)
    assert [p.at for p in tracks[PEER]] == [10.0]
    assert tracks["silent-unit"] == []
    assert "someone-else" not in tracks


def test_a_track_is_cut_to_the_units_turn_keeping_where_it_started() -> None:
    events = [_at(UNIT, float(t), t) for t in range(0, 100, 10)]
    spans = [ResponderSpan(UNIT, 25.0, 55.0), ResponderSpan(UNIT, 75.0, None)]
    track = responder_tracks(events, spans, until=85.0)[UNIT]
    assert [p.at for p in track] == [20.0, 30.0, 40.0, 50.0, 70.0, 80.0]


def test_channel_series_reads_one_bridges_channels_with_nan_kept() -> None:
    events = [
        BridgeChannels(1.0, "jiefang", ("S1", "S2"), (10.0, math.nan)),
        BridgeChannels(1.0, "g104", ("S1",), (99.0,)),
        BridgeChannels(2.0, "jiefang", ("S1", "S2"), (11.0, 5.0)),
    ]
    series = channel_series(events, "jiefang")
    assert series["S1"].times == (1.0, 2.0) and series["S1"].values == (10.0, 11.0)
    assert math.isnan(series["S2"].values[0]) and series["S2"].values[1] == 5.0
    assert set(channel_series(events, "jiefang", ["S2"])) == {"S2"}


def test_the_report_reads_the_responders_tracks_from_a_recording(
    service: IncidentService, bus: EventBus, clock: ManualClock, tmp_path: Path
) -> None:
    folder = tmp_path / "recording"
    recorder = Recorder(folder, clock)
    recorder.attach(bus)

    def drive(unit: str, steps: int) -> None:
        for step in range(steps):
            clock.advance(30.0)
            bus.post(_at(unit, clock.now(), step))
            bus.drain()

    drive(UNIT, 2)  # before the case: only the last of these is kept, as the start
    clock.advance(5.0)
    case = service.report("road_accident", *CENTRE, "collision", "op-1")
    service.act(case.id, "accept", "op-1")
    service.act(case.id, "open", "op-1")
    service.act(case.id, "dispatch", "op-1", unit_id=UNIT)
    drive(UNIT, 4)
    service.act(case.id, "sign", UNIT)
    service.act(case.id, "transfer", UNIT, unit_id=PEER, reason="closer unit")
    drive(PEER, 3)
    drive(UNIT, 2)  # after its turn: not part of its track
    bus.drain()
    recorder.close()

    trail = service.audit_trail(case.id)
    assert [s.unit_id for s in responders(trail)] == [UNIT, PEER]
    with RecordingReader(folder) as reader:
        report = gather_incident_report(
            service, case.id, tz=SHANGHAI, now=clock.now(), recording=reader
        )
    assert report.recorded
    by_unit = {r.unit_id: r for r in report.responders}
    assert len(by_unit[UNIT].track) == 1 + 4
    assert len(by_unit[PEER].track) == 3
    assert by_unit[UNIT].spans[0].end == by_unit[PEER].spans[0].start
    assert by_unit[PEER].spans[0].end is None

    without = gather_incident_report(service, case.id, tz=SHANGHAI, now=clock.now())
    assert not without.recorded
    assert all(not r.track for r in without.responders)
