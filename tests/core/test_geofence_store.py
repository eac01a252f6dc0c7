"""Stored geofences round-trip through a real SQLite file."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from console.core.geofence import (
    Circle,
    FenceKind,
    Geofence,
    GeofenceEngine,
    GeofenceError,
    Polygon,
)
from console.core.geofence.store import deactivate_fence, load_fences, save_fence
from console.core.storage import Database, open_database, schema

RING = ((117.37, 32.96), (117.39, 32.96), (117.39, 32.97), (117.37, 32.97))


def yard() -> Geofence:
    return Geofence(
        fence_id="user:yard",
        name="Freight yard 货场",
        shape=Polygon(RING),
        classes=frozenset({"cargo", "tourist_bus"}),
        dwell_limit_s=900.0,
        opens_case=True,
    )


def station() -> Geofence:
    return Geofence(
        fence_id="user:station",
        name="Coach station",
        shape=Circle(117.36, 32.94, 300.0),
        classes=frozenset({"liner_bus"}),
    )


def stored_row(db: Database, fence_id: str) -> dict[str, object]:
    table = schema.geofences
    with db.engine.connect() as connection:
        row = connection.execute(select(table).where(table.c.id == fence_id)).one()
    return dict(row._mapping)


def test_fences_round_trip_through_a_sqlite_file(db_url: str) -> None:
    db = open_database(db_url)
    try:
        assert load_fences(db) == []
        assert save_fence(db, yard(), "operator 7", now=100.0) == yard()
        assert save_fence(db, station(), "operator 9", now=200.0) == station()
    finally:
        db.close()
    reopened = open_database(db_url)
    try:
        assert load_fences(reopened) == [yard(), station()]
        row = stored_row(reopened, "user:yard")
        assert row["created_by"] == "operator 7"
        assert (row["created_at"], row["updated_at"]) == (100.0, 100.0)
        assert row["kind"] == "user" and row["dwell_limit_s"] == 900.0
    finally:
        reopened.close()


def test_saving_again_updates_and_keeps_who_created_it(db: Database) -> None:
    save_fence(db, yard(), "operator 7", now=100.0)
    moved = Geofence(
        "user:yard",
        "Freight yard (north)",
        Circle(117.38, 32.98, 400.0),
        frozenset({"cargo"}),
        None,
        False,
        FenceKind.USER,
    )
    assert save_fence(db, moved, "operator 9", now=300.0) == moved
    assert load_fences(db) == [moved]
    row = stored_row(db, "user:yard")
    assert (row["created_by"], row["created_at"], row["updated_at"]) == ("operator 7", 100.0, 300.0)


def test_deactivated_fences_are_kept_but_not_loaded_by_default(db: Database) -> None:
    save_fence(db, yard(), "operator 7", now=100.0)
    save_fence(db, station(), "operator 7", now=110.0)
    off = deactivate_fence(db, "user:yard", "operator 8", now=500.0)
    assert off.fence_id == "user:yard" and not off.active
    assert load_fences(db) == [station()]
    assert [f.fence_id for f in load_fences(db, include_inactive=True)] == [
        "user:yard",
        "user:station",
    ]
    assert stored_row(db, "user:yard")["updated_at"] == 500.0
    with pytest.raises(KeyError):
        deactivate_fence(db, "user:nowhere", "operator 8", now=600.0)


def test_stored_fences_feed_the_engine(db: Database) -> None:
    save_fence(db, yard(), "operator 7", now=100.0)
    engine = GeofenceEngine(load_fences(db))
    crossings = engine.observe(0.0, [3], [3], [117.38], [32.965])
    assert [(c.fence.fence_id, c.crossing.value) for c in crossings] == [("user:yard", "entry")]


def test_operator_name_is_required_and_bad_rows_are_reported(db: Database) -> None:
    with pytest.raises(GeofenceError, match="operator's name"):
        save_fence(db, yard(), " ", now=1.0)
    save_fence(db, yard(), "operator 7", now=1.0)
    with db.engine.begin() as connection:
        connection.execute(update(schema.geofences).values(classes='["hovercraft"]'))
    with pytest.raises(GeofenceError, match="unknown class"):
        load_fences(db)
