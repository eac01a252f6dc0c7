"""Patrol shifts and tours: the day tiled by shifts, shift days, due slots, the loader's checks,
and Bengbu's own patrol_tours.json."""

from __future__ import annotations

import copy
import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from console.core.city import City
from console.core.paths import city_dir
from console.core.patrol import (
    PatrolBook,
    PatrolError,
    Shift,
    Tour,
    TourStep,
    load_patrol_book,
    parse_patrol_book,
)
from console.core.sites import Camera, CameraKind, CameraPurpose, SiteRegistry, load_sites

CST = timezone(timedelta(hours=8))
SHIFTS = (
    Shift("day", "白班", "Day shift", "08:00", "16:00"),
    Shift("evening", "中班", "Evening shift", "16:00", "24:00"),
    Shift("night", "夜班", "Night shift", "00:00", "08:00"),
)


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> float:
    """Epoch seconds of 2026-03-<day> hour:minute:second in Bengbu (UTC+8)."""
    return datetime(2026, 3, day, hour, minute, second, tzinfo=CST).timestamp()


def tour(tour_id: str, shifts: tuple[str, ...], every_min: int) -> Tour:
    steps = (TourStep("cam-1", 30.0), TourStep("cam-2", 30.0))
    return Tour(tour_id, tour_id, tour_id, steps, shifts, every_min)


# ---- Shifts


def test_every_minute_of_the_day_has_its_shift() -> None:
    book = PatrolBook(SHIFTS)
    assert book.shift_at(at(2, 8), "Asia/Shanghai").shift_id == "day"
    assert book.shift_at(at(2, 15, 59, 59), "Asia/Shanghai").shift_id == "day"
    assert book.shift_at(at(2, 16), "Asia/Shanghai").shift_id == "evening"
    assert book.shift_at(at(2, 23, 59), CST).shift_id == "evening"
    assert book.shift_at(at(3, 0), 8.0).shift_id == "night"
    assert book.shift_at(at(3, 7, 59), "Asia/Shanghai").shift_id == "night"
    # the same instant in UTC is eight hours earlier on the clock
    assert book.shift_at(at(2, 9), "UTC").shift_id == "night"
    assert [s.length_minutes for s in SHIFTS] == [480, 480, 480]


def test_a_shift_across_midnight_belongs_to_the_day_it_started() -> None:
    shifts = (
        Shift("day", "白班", "Day", "08:00", "20:00"),
        Shift("night", "夜班", "Night", "20:00", "08:00"),
    )
    book = PatrolBook(shifts)
    assert shifts[1].covers(23 * 60) and shifts[1].covers(7 * 60) and not shifts[1].covers(8 * 60)
    assert book.shift_at(at(3, 2), CST).shift_id == "night"
    assert book.shift_day(at(3, 2), CST) == date(2026, 3, 2)
    assert book.shift_day(at(2, 21), CST) == date(2026, 3, 2)
    assert book.shift_day(at(3, 9), CST) == date(2026, 3, 3)
    assert book.shift_started_at(at(3, 2), CST) == at(2, 20)
    # Bengbu's night shift starts at midnight: it belongs to the same day
    assert PatrolBook(SHIFTS).shift_day(at(3, 2), CST) == date(2026, 3, 3)


def test_one_shift_round_the_clock_may_start_at_any_time() -> None:
    book = PatrolBook((Shift("all", "全天", "All day", "06:00", "06:00"),))
    assert book.shift_at(at(3, 5, 59), CST).shift_id == "all"
    assert book.shift_day(at(3, 5, 59), CST) == date(2026, 3, 2)
    assert book.shift_day(at(3, 6), CST) == date(2026, 3, 3)


@pytest.mark.parametrize(
    ("shifts", "message"),
    [
        (SHIFTS[:2], "no shift covers 00:00"),
        ((*SHIFTS, Shift("late", "晚", "Late", "22:00", "02:00")), "overlaps"),
        ((), "at least one shift"),
        ((*SHIFTS, SHIFTS[0]), "overlaps|unique"),
    ],
)
def test_shifts_that_do_not_tile_the_day_are_refused(
    shifts: tuple[Shift, ...], message: str
) -> None:
    with pytest.raises(PatrolError, match=message):
        PatrolBook(shifts)


@pytest.mark.parametrize(
    ("start", "end"),
    [("8:00", "16:00"), ("24:00", "08:00"), ("08:60", "16:00"), ("08:00", "25:00")],
)
def test_bad_times_of_day_are_refused(start: str, end: str) -> None:
    with pytest.raises(PatrolError, match="time"):
        Shift("x", "x", "x", start, end)


# ---- Due tours


def test_a_tour_is_due_once_per_slot_counted_from_the_shift_start() -> None:
    hourly = tour("hourly", ("day", "evening"), 60)
    nightly = tour("nightly", ("night",), 120)
    book = PatrolBook(SHIFTS, (hourly, nightly))
    tz = "Asia/Shanghai"
    assert book.due(at(2, 9, 10), tz) == [hourly]
    assert book.slot_start(hourly, at(2, 9, 10), tz) == at(2, 9)
    assert book.slot_start(nightly, at(2, 9, 10), tz) is None
    assert book.due(at(2, 9, 10), tz, {"hourly": at(2, 9, 2)}) == []
    assert book.due(at(2, 10, 0), tz, {"hourly": at(2, 9, 2)}) == [hourly]
    # a run started late in one slot does not cover the next one
    assert book.due(at(2, 10, 0), tz, {"hourly": at(2, 9, 59)}) == [hourly]
    # the night: slots every two hours from midnight
    assert book.due(at(3, 3, 30), tz, {"hourly": at(2, 23)}) == [nightly]
    assert book.slot_start(nightly, at(3, 3, 30), tz) == at(3, 2)
    assert book.due(at(3, 3, 30), tz, {"nightly": at(3, 2, 5)}) == []


def test_unknown_ids_are_named() -> None:
    book = PatrolBook(SHIFTS, (tour("a", ("day",), 60),))
    with pytest.raises(KeyError, match="'b'"):
        book.tour("b")
    with pytest.raises(KeyError, match="'late'"):
        book.shift("late")
    with pytest.raises(PatrolError, match=r"tour 'c'.*'late'"):
        PatrolBook(SHIFTS, (tour("c", ("late",), 60),))


# ---- The loader


def camera(camera_id: str) -> Camera:
    return Camera(
        camera_id,
        f"路口 {camera_id}",
        f"Junction {camera_id}",
        CameraKind.FIXED,
        CameraPurpose.JUNCTION,
        117.38,
        32.93,
        f"sim://{camera_id}",
    )


SITES = SiteRegistry([camera("cam-1"), camera("cam-2"), camera("cam-3")])


def document() -> dict[str, Any]:
    return {
        "format_version": 1,
        "note": "test",
        "shifts": [
            {"id": "day", "name": "白班", "name_en": "Day", "start": "08:00", "end": "20:00"},
            {"id": "night", "name": "夜班", "name_en": "Night", "start": "20:00", "end": "08:00"},
        ],
        "tours": [
            {
                "id": "junctions",
                "name": "路口巡查",
                "name_en": "Junctions",
                "shifts": ["day"],
                "every_min": 30,
                "steps": [
                    {"camera": "cam-1", "dwell_s": 20},
                    {"camera": "cam-2", "dwell_s": 45.5},
                    {"camera": "cam-3", "dwell_s": 30},
                ],
            }
        ],
    }


def test_a_valid_document_loads() -> None:
    book = parse_patrol_book(document(), SITES)
    junctions = book.tour("junctions")
    assert junctions.camera_ids == ("cam-1", "cam-2", "cam-3")
    assert junctions.steps[1] == TourStep("cam-2", 45.5)
    assert junctions.duration_s == 95.5
    assert (junctions.shifts, junctions.every_min, junctions.name) == (("day",), 30, "路口巡查")
    assert [s.label for s in book.shifts] == ["08:00-20:00", "20:00-08:00"]


def _tour(doc: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = doc["tours"][0]
    return found


def _step(doc: dict[str, Any], index: int) -> dict[str, Any]:
    found: dict[str, Any] = _tour(doc)["steps"][index]
    return found


BAD = [
    (
        "unknown camera",
        lambda d: _step(d, 1).update(camera="cam-99"),
        r"tour junctions\): steps\[1\]: unknown camera id 'cam-99'",
    ),
    ("empty tour", lambda d: _tour(d).update(steps=[]), r"tour junctions\): the tour has no steps"),
    ("no steps", lambda d: _tour(d).pop("steps"), r"tour junctions\): the tour has no steps"),
    (
        "unknown shift",
        lambda d: _tour(d).update(shifts=["day", "late"]),
        r"tour junctions\): unknown shift\(s\) \['late'\]",
    ),
    ("no shifts", lambda d: _tour(d).update(shifts=[]), r"tour junctions\): shifts must be"),
    (
        "bad start",
        lambda d: d["shifts"][0].update(start="8h"),
        r"shift day\): time '8h' is not HH:MM",
    ),
    ("bad end", lambda d: d["shifts"][1].update(end="08:75"), r"shift night\): time '08:75'"),
    ("gap", lambda d: d["shifts"][1].update(end="07:00"), r"no shift covers 07:00"),
    (
        "zero dwell",
        lambda d: _step(d, 0).update(dwell_s=0),
        r"steps\[0\] \(cam-1\): dwell_s must lie in",
    ),
    (
        "text dwell",
        lambda d: _step(d, 2).update(dwell_s="30"),
        r"steps\[2\] \(cam-3\): dwell_s must be a number",
    ),
    (
        "long dwell",
        lambda d: _step(d, 2).update(dwell_s=601),
        r"steps\[2\] \(cam-3\): dwell_s must lie in",
    ),
    ("period", lambda d: _tour(d).update(every_min=0), r"tour junctions\): every_min must be"),
    ("too short period", lambda d: _tour(d).update(every_min=1), r"longer than its period"),
    (
        "unknown field",
        lambda d: _step(d, 0).update(zoom=3),
        r"steps\[0\]: unknown fields \['zoom'\]",
    ),
    (
        "duplicate tour",
        lambda d: d["tours"].append(copy.deepcopy(_tour(d))),
        r"tour ids must be unique",
    ),
    ("version", lambda d: d.update(format_version=2), r"format_version must be 1"),
    ("no name", lambda d: _tour(d).update(name_en=""), r"tour junctions\): name_en must be"),
]


@pytest.mark.parametrize(("label", "spoil", "message"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_document_is_refused_naming_the_tour_and_step(
    label: str, spoil: Any, message: str
) -> None:
    doc = document()
    spoil(doc)
    with pytest.raises(PatrolError, match=message):
        parse_patrol_book(doc, SITES, source="tours.json")


def test_files_unreadable_or_missing(tmp_path: Path) -> None:
    (tmp_path / "patrol_tours.json").write_text("{not json", "utf-8")
    with pytest.raises(PatrolError, match="cannot read"):
        load_patrol_book(tmp_path, SITES)
    (tmp_path / "patrol_tours.json").write_text(json.dumps(document()), "utf-8")
    assert load_patrol_book(tmp_path, SITES).tour("junctions").every_min == 30
    empty = load_patrol_book(tmp_path / "elsewhere", SITES)
    assert empty.tours == () and len(empty.shifts) == 1
    assert empty.shift_at(at(2, 3), CST) is empty.shifts[0]


# ---- Bengbu's tours


@pytest.fixture(scope="module")
def bengbu(city: City) -> PatrolBook:
    return load_patrol_book(city_dir("bengbu"), load_sites(city_dir("bengbu"), city))


def test_bengbu_has_three_shifts_and_realistic_tours(bengbu: PatrolBook, city: City) -> None:
    assert [(s.shift_id, s.label) for s in bengbu.shifts] == [
        ("day", "08:00-16:00"),
        ("evening", "16:00-24:00"),
        ("night", "00:00-08:00"),
    ]
    assert 4 <= len(bengbu.tours) <= 6
    sites = load_sites(city_dir("bengbu"), city)
    purposes: set[CameraPurpose] = set()
    for each in bengbu.tours:
        assert 6 <= len(each.steps) <= 12, each.tour_id
        assert all(20 <= step.dwell_s <= 45 for step in each.steps), each.tour_id
        assert len(set(each.camera_ids)) == len(each.camera_ids), each.tour_id
        purposes.update(sites.camera(c).purpose for c in each.camera_ids)
    assert purposes == set(CameraPurpose)
    bridge_cameras = {c for t in bengbu.tours for c in t.camera_ids if c <= "cam-0015"}
    assert {sites.camera(c).watches for c in bridge_cameras} == {b.bridge_id for b in city.bridges}
    # something is due in every shift
    for hour in (3, 10, 20):
        assert bengbu.due(at(2, hour), "Asia/Shanghai"), hour
