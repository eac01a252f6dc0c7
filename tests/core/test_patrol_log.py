"""The patrol log on a real SQLite file: round trip, reopening, filters, the database refusing
to rewrite the log, linking cases, and schema 0005 up and down."""

from __future__ import annotations

from datetime import date

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.exc import DatabaseError, IntegrityError

from console.core.incidents import IncidentService
from console.core.patrol import Outcome, PatrolEntry, PatrolError, PatrolLog, PatrolRun
from console.core.storage import Database, open_database
from console.core.storage.engine import alembic_config, head_revision
from console.core.storage.schema import PATROL_OUTCOMES

T0 = 1_772_413_200.0
"""2026-03-02 09:00 in Bengbu."""
DAY = date(2026, 3, 2)
TABLES = {"patrol_runs", "patrol_checks"}


def entry(run_id: int, step: int, outcome: Outcome, **fields: object) -> PatrolEntry:
    shown = T0 + 40.0 * step
    values: dict[str, object] = {
        "run_id": run_id,
        "tour_id": "bridges",
        "step_index": step,
        "camera_id": f"cam-000{step + 1}",
        "operator": "王敏",
        "shift_id": "day",
        "shift_day": DAY,
        "shown_at": shown,
        "due_at": shown + 40.0,
        "outcome": outcome,
        "confirmed_at": None if outcome is Outcome.MISSED else shown + 12.5,
    }
    values.update(fields)
    return PatrolEntry(**values)  # type: ignore[arg-type]


def test_entries_round_trip_and_survive_reopening(db_url: str) -> None:
    db = open_database(db_url)
    log = PatrolLog(db)
    run_id = log.start_run("bridges", " 王敏 ", T0)
    written = [
        entry(run_id, 0, Outcome.NOTHING_FOUND),
        entry(run_id, 1, Outcome.ANOMALY, note="桥面有抛洒物", paused_by="Deck accident"),
        entry(run_id, 2, Outcome.MISSED),
    ]
    for each in written:
        log.record(each)
    assert log.end_run(run_id, T0 + 200.0)
    assert not log.end_run(run_id, T0 + 300.0)  # once
    db.close()

    again = open_database(db_url)
    try:
        reopened = PatrolLog(again)
        assert reopened.entries() == written
        assert reopened.entry(run_id, 1) == written[1]
        assert reopened.entry(run_id, 7) is None
        assert reopened.runs() == [PatrolRun(run_id, "bridges", "王敏", T0, T0 + 200.0)]
        assert reopened.run(run_id).ended_at == T0 + 200.0
        assert isinstance(reopened.entries()[0].shift_day, date)
    finally:
        again.close()


def test_filters_by_time_operator_and_run(db: Database) -> None:
    log = PatrolLog(db)
    first = log.start_run("bridges", "王敏", T0)
    second = log.start_run("stations", "李强", T0 + 3600.0)
    log.record(entry(first, 0, Outcome.NOTHING_FOUND))
    log.record(entry(first, 1, Outcome.MISSED))
    later = T0 + 3600.0
    log.record(
        entry(
            second,
            0,
            Outcome.ANOMALY,
            tour_id="stations",
            operator="李强",
            shown_at=later,
            due_at=later + 40.0,
            confirmed_at=later + 3.0,
        )
    )
    assert [e.step_index for e in log.entries(run_id=first)] == [0, 1]
    assert [e.operator for e in log.entries(operator="李强")] == ["李强"]
    assert [e.run_id for e in log.entries(since=T0 + 40.0)] == [first, second]
    assert [e.run_id for e in log.entries(since=T0 + 41.0, until=later)] == []
    assert [e.run_id for e in log.entries(until=later)] == [first, first]
    assert [r.run_id for r in log.runs(operator="李强")] == [second]
    assert [r.run_id for r in log.runs(tour_id="bridges")] == [first]
    assert [r.run_id for r in log.runs(since=T0 + 1.0)] == [second]
    assert [r.run_id for r in log.runs(until=T0 + 1.0)] == [first]
    assert log.last_run_at() == {"bridges": T0, "stations": later}


def test_entries_that_do_not_fit_their_run_are_refused(db: Database) -> None:
    log = PatrolLog(db)
    run_id = log.start_run("bridges", "王敏", T0)
    log.record(entry(run_id, 0, Outcome.NOTHING_FOUND))
    with pytest.raises(PatrolError, match="already logged"):
        log.record(entry(run_id, 0, Outcome.ANOMALY))
    with pytest.raises(PatrolError, match="of tour 'bridges'"):
        log.record(entry(run_id, 1, Outcome.MISSED, tour_id="stations"))
    with pytest.raises(PatrolError, match="no patrol run 99"):
        log.record(entry(99, 1, Outcome.MISSED))
    with pytest.raises(PatrolError, match="missed checkpoint has no confirmation"):
        log.record(entry(run_id, 1, Outcome.MISSED, confirmed_at=T0))
    with pytest.raises(PatrolError, match="needs its time"):
        log.record(entry(run_id, 1, Outcome.ANOMALY, confirmed_at=None))
    with pytest.raises(PatrolError, match="operator"):
        log.record(entry(run_id, 1, Outcome.MISSED, operator=""))
    with pytest.raises(PatrolError, match="operator"):
        log.start_run("bridges", "  ", T0)
    log.end_run(run_id, T0 + 50.0)
    with pytest.raises(PatrolError, match="has ended"):
        log.record(entry(run_id, 1, Outcome.MISSED))
    assert len(log.entries()) == 1


def test_a_case_is_linked_once(db: Database, service: IncidentService) -> None:
    log = PatrolLog(db)
    run_id = log.start_run("bridges", "王敏", T0)
    log.record(entry(run_id, 0, Outcome.ANOMALY))
    case = service.report("video_patrol_anomaly", 117.38, 32.96, "桥面抛洒物", "王敏")
    linked = log.set_case(run_id, 0, case.id)
    assert linked.case_id == case.id and log.entries()[0].case_id == case.id
    with pytest.raises(PatrolError, match=f"already case {case.id}"):
        log.set_case(run_id, 0, case.id)
    with pytest.raises(PatrolError, match="no logged checkpoint 3"):
        log.set_case(run_id, 3, case.id)
    log.record(entry(run_id, 1, Outcome.ANOMALY))
    with pytest.raises(IntegrityError):  # no such case
        log.set_case(run_id, 1, 999)


def test_the_database_refuses_rewriting_the_log(db: Database) -> None:
    log = PatrolLog(db)
    run_id = log.start_run("bridges", "王敏", T0)
    log.record(entry(run_id, 0, Outcome.MISSED))
    log.end_run(run_id, T0 + 60.0)
    refused = [
        "UPDATE patrol_checks SET outcome = 'nothing_found', confirmed_at = 1.0",
        "UPDATE patrol_checks SET operator = 'someone else'",
        "DELETE FROM patrol_checks",
        "UPDATE patrol_runs SET ended_at = 1.0",
        "UPDATE patrol_runs SET operator = 'someone else'",
        "DELETE FROM patrol_runs",
    ]
    for statement in refused:
        with pytest.raises(DatabaseError), db.engine.begin() as connection:
            connection.execute(text(statement))
    with pytest.raises(IntegrityError), db.engine.begin() as connection:  # checks hold too
        connection.execute(
            text(
                "INSERT INTO patrol_checks VALUES (:run, 1, 'cam-1', 'op', 'day', '2026-03-02',"
                " 10.0, 50.0, 'nothing_found', NULL, '', NULL, '')"
            ),
            {"run": run_id},
        )
    assert [e.outcome for e in log.entries()] == [Outcome.MISSED]
    assert log.run(run_id).ended_at == T0 + 60.0
    assert tuple(o.value for o in Outcome) == PATROL_OUTCOMES


def test_0005_downgrades_to_0004_and_back(db: Database, service: IncidentService) -> None:
    case = service.report("road_accident", 117.37, 32.93, "追尾", "王敏")
    log = PatrolLog(db)
    log.start_run("bridges", "王敏", T0)
    config = alembic_config(db.engine)
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0004")
    assert db.schema_version == "0004"
    assert not TABLES & set(inspect(db.engine).get_table_names())
    assert service.get(case.id) is not None
    db.migrate()
    assert db.schema_version == head_revision()
    assert set(inspect(db.engine).get_table_names()) >= TABLES
    assert log.runs() == []
    run_id = log.start_run("bridges", "王敏", T0)
    log.record(entry(run_id, 0, Outcome.NOTHING_FOUND))
    with pytest.raises(DatabaseError), db.engine.begin() as connection:
        connection.execute(text("DELETE FROM patrol_checks"))  # the guards are back
