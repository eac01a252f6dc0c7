"""Review: a recording replayed through the same core shows the cases as they were."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from console.core.clock import CompressedClock, ManualClock
from console.core.events import HotlineCall, IncidentChanged, VehicleBatch
from console.core.incidents.lifecycle import Verb
from console.core.incidents.model import Incident
from console.core.patrol.model import Outcome, PatrolEntry
from console.core.review import READ_ONLY_REASON, build_review_core
from console.core.runtime import ConsoleCore, build_core
from console.core.storage.read_only import ReadOnlyError
from tests.core.test_runtime import _options

T0 = 1_767_225_600.0  # 2026-01-01 00:00 UTC


Moments = list[tuple[float, list[Incident]]]


def _drain(core: ConsoleCore) -> None:
    while core.bus.drain():
        pass  # cases opened by a drain are announced on the next one


def _record_a_shift(tmp_path: Path) -> Moments:
    """A live run: positions, calls that open cases, operator actions; the cases after each."""
    wall = ManualClock(0.0)  # the monotonic time the simulated clock runs on
    options = replace(
        _options(tmp_path, colleague_share=0.0), recording_dir=tmp_path / "rec", start=T0
    )
    core = build_core(options, clock=CompressedClock(T0, 1.0, monotonic=wall.now))
    moments: Moments = []
    try:
        for minute in range(8):
            wall.advance(60.0)
            core.simulation.step_once()
            if minute < 5:
                call = HotlineCall(
                    core.clock.now(), f"12328-{minute}", "taxi_refusal", "拒载", 117.36, 32.94
                )
                core.bus.post(call)
            _drain(core)
            if minute == 3:
                run = _patrol(core)
            if minute == 6:
                assert core.patrol_log is not None
                core.patrol_log.end_run(run, core.clock.now())
            if minute >= 2:
                first_open = min(case.id for case in core.incidents.list_open())
                verb = Verb.ACCEPT if minute % 2 == 0 else Verb.REJECT
                params = {"grounds": "invalid", "reason": "测试"} if verb is Verb.REJECT else {}
                core.incidents.act(first_open, verb, "op-li", **params)
                _drain(core)
            moments.append((core.clock.now(), core.incidents.list_all()))
    finally:
        core.stop()
    return moments


def _patrol(core: ConsoleCore) -> int:
    """A patrol run started now, its first checkpoint confirmed a minute later."""
    assert core.patrol_log is not None
    now = core.clock.now()
    run = core.patrol_log.start_run("tour-bridges", "op-li", now)
    entry = PatrolEntry(
        run,
        "tour-bridges",
        0,
        "cam-1",
        "op-li",
        "day",
        dt.date(2026, 1, 1),
        now,
        now + 60,
        Outcome.NOTHING_FOUND,
        now + 30,
    )
    core.patrol_log.record(entry)
    return run


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Moments]:
    folder = tmp_path_factory.mktemp("shift")
    return folder, _record_a_shift(folder)


@pytest.fixture
def review(recorded: tuple[Path, Moments]) -> Iterator[ConsoleCore]:
    core = build_review_core(recorded[0] / "rec")
    core.start()
    yield core
    core.stop()


def _queue_at(core: ConsoleCore, at: float) -> list[Incident]:
    assert core.review is not None
    core.review.jump(at)
    _drain(core)
    return core.incidents.list_all()


def test_a_jump_shows_the_cases_as_the_operator_saw_them_live(
    recorded: tuple[Path, Moments], review: ConsoleCore
) -> None:
    moments = recorded[1]
    assert len(moments[-1][1]) >= 5  # the calls, and what the simulation raised
    for at, live in reversed(moments):  # backwards too: every jump rebuilds the moment
        assert _queue_at(review, at) == live


def test_playing_forward_reaches_the_same_cases_as_jumping(
    recorded: tuple[Path, Moments], review: ConsoleCore
) -> None:
    assert review.review is not None
    clock = review.review.clock
    review.review.jump(clock.start)
    for at, live in recorded[1]:
        clock.seek(at)  # the cursor moves on; the pump posts what was recorded up to it
        review.review.pump()
        _drain(review)
        assert review.incidents.list_all() == live


def test_the_same_recording_replayed_twice_gives_the_same_queue_at_every_moment(
    recorded: tuple[Path, Moments],
) -> None:
    runs = []
    for _ in range(2):
        core = build_review_core(recorded[0] / "rec")
        try:
            runs.append([_queue_at(core, at) for at, _ in recorded[1]])
        finally:
            core.stop()
    assert runs[0] == runs[1]
    assert all(states for states in runs[0][1:])


def test_the_audit_trail_at_the_cursor_keeps_the_recorded_reasons(
    recorded: tuple[Path, Moments], review: ConsoleCore
) -> None:
    end = recorded[1][-1][0]
    _queue_at(review, end)
    rejected = [c for c in review.incidents.list_all() if c.status.value == "rejected"]
    assert rejected
    trail = review.incidents.audit_trail(rejected[0].id)
    assert trail[0].action == "reported"
    assert trail[-1].reason == "测试" and trail[-1].actor == "op-li"


def test_nothing_in_a_review_can_change_data(
    recorded: tuple[Path, Moments], review: ConsoleCore
) -> None:
    live_db = recorded[0] / "c.db"  # the live run's database (see _options)
    before = hashlib.sha256(live_db.read_bytes()).hexdigest()
    cases = _queue_at(review, recorded[1][-1][0])
    open_case = next(case for case in cases if case.is_open)
    with pytest.raises(ReadOnlyError, match="recording under review"):
        review.incidents.act(open_case.id, Verb.ACCEPT, "op-wang")
    with pytest.raises(ReadOnlyError):
        review.incidents.report("road_accident", 117.36, 32.94, "追尾", "op-wang")
    with pytest.raises(ReadOnlyError):
        assert review.patrol_log is not None
        review.patrol_log.start_run("tour-1", "op-wang", review.clock.now())
    review.step_automatic()  # nothing runs by itself in review
    assert review.incidents.get(open_case.id) == open_case
    assert READ_ONLY_REASON.startswith("This is a recording")
    assert hashlib.sha256(live_db.read_bytes()).hexdigest() == before


def test_a_jump_posts_the_positions_and_cases_of_the_moment(
    recorded: tuple[Path, Moments], review: ConsoleCore
) -> None:
    seen: list[object] = []
    review.bus.subscribe(VehicleBatch, seen.extend)
    review.bus.subscribe(IncidentChanged, seen.extend)
    assert review.review is not None
    review.review.jump(recorded[1][4][0])
    _drain(review)
    assert any(isinstance(e, VehicleBatch) for e in seen)
    assert not any(isinstance(e, IncidentChanged) for e in seen)  # cases are shown whole


def test_the_patrol_log_at_the_cursor_is_the_log_as_it_was(
    recorded: tuple[Path, Moments], review: ConsoleCore
) -> None:
    moments = recorded[1]
    assert review.patrol_log is not None
    _queue_at(review, moments[1][0])
    assert review.patrol_log.runs() == []
    _queue_at(review, moments[4][0])
    (run,) = review.patrol_log.runs()
    assert run.operator == "op-li" and run.ended_at is None
    (check,) = review.patrol_log.entries()
    assert check.outcome is Outcome.NOTHING_FOUND and check.shift_day == dt.date(2026, 1, 1)
    _queue_at(review, moments[-1][0])
    assert review.patrol_log.runs()[0].ended_at is not None
