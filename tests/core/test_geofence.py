"""Geofence engine: entries, exits, dwells, fences changing at run time, bridge fences."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import shapely

from console.core.bus import EventBus
from console.core.city.city import City
from console.core.events import GeofenceCrossing, GeofenceEvent, VehicleBatch, VehicleClass
from console.core.geofence import (
    VESSEL,
    VESSEL_CODE,
    Circle,
    FenceKind,
    Geofence,
    GeofenceEngine,
    GeofenceError,
    Polygon,
    bridge_fences,
    load_bridge_fence_config,
    shape_from_json,
)
from console.core.geofence.bridge import parse_bridge_fence_config
from console.core.geofence.model import CLASS_NAMES, METRES_PER_DEGREE
from console.core.paths import city_dir

LON, LAT = 117.38, 32.965
CARGO = int(VehicleClass.CARGO)
TAXI = int(VehicleClass.TAXI)
ENTRY, EXIT, DWELL = GeofenceCrossing.ENTRY, GeofenceCrossing.EXIT, GeofenceCrossing.DWELL


def metres_east(metres: float) -> float:
    """Longitude ``metres`` east of the test centre."""
    return LON + metres / (METRES_PER_DEGREE * math.cos(math.radians(LAT)))


def circle_fence(**kwargs: object) -> Geofence:
    values: dict[str, object] = {
        "fence_id": "depot",
        "name": "Depot",
        "shape": Circle(LON, LAT, 500.0),
        "classes": frozenset({"cargo"}),
        "dwell_limit_s": 600.0,
        "opens_case": True,
    }
    values.update(kwargs)
    return Geofence(**values)  # type: ignore[arg-type]


def at(engine: GeofenceEngine, ts: float, metres: float, cls: int = CARGO, vid: int = 7) -> list:
    """Observe one vehicle ``metres`` east of the centre; the crossings."""
    return engine.observe(ts, [vid], [cls], [metres_east(metres)], [LAT])


def kinds(crossings: list) -> list[GeofenceCrossing]:
    return [c.crossing for c in crossings]


# ---- Entry, exit, dwell


def test_entry_then_exit_with_stay_length() -> None:
    engine = GeofenceEngine([circle_fence()])
    assert at(engine, 0.0, 900.0) == []
    entry = at(engine, 10.0, 100.0)
    assert kinds(entry) == [ENTRY]
    assert (entry[0].fence.fence_id, entry[0].track_id, entry[0].class_name) == (
        "depot",
        7,
        "cargo",
    )
    assert at(engine, 20.0, 200.0) == []
    exit_ = at(engine, 130.0, 700.0)
    assert kinds(exit_) == [EXIT]
    assert exit_[0].dwell_s == pytest.approx(120.0)
    assert at(engine, 140.0, 800.0) == []


def test_dwell_is_raised_once_per_stay_and_again_after_reentry() -> None:
    engine = GeofenceEngine([circle_fence(dwell_limit_s=300.0)])
    assert kinds(at(engine, 0.0, 0.0)) == [ENTRY]
    assert at(engine, 299.0, 10.0) == []
    dwell = at(engine, 300.0, 20.0)
    assert kinds(dwell) == [DWELL]
    assert dwell[0].dwell_s == pytest.approx(300.0)
    assert dwell[0].opens_case  # a fence with a dwell limit opens its case on the dwell
    assert at(engine, 900.0, 30.0) == []
    assert kinds(at(engine, 1000.0, 600.0)) == [EXIT]
    reentry = at(engine, 1100.0, 0.0)
    assert kinds(reentry) == [ENTRY]
    assert not reentry[0].opens_case
    assert kinds(at(engine, 1400.0, 0.0)) == [DWELL]


def test_fence_without_dwell_limit_opens_its_case_on_entry() -> None:
    engine = GeofenceEngine([circle_fence(dwell_limit_s=None)])
    entry = at(engine, 0.0, 0.0)
    assert kinds(entry) == [ENTRY] and entry[0].opens_case
    assert at(engine, 1e6, 0.0) == []
    exit_ = at(engine, 1e6 + 1, 900.0)
    assert kinds(exit_) == [EXIT] and not exit_[0].opens_case


def test_unwatched_classes_are_ignored() -> None:
    engine = GeofenceEngine([circle_fence()])
    assert at(engine, 0.0, 0.0, cls=TAXI) == []
    assert at(engine, 1000.0, 0.0, cls=TAXI) == []
    assert engine.occupants("depot") == []


def test_vehicles_not_in_a_batch_keep_their_state() -> None:
    engine = GeofenceEngine([circle_fence()])
    assert kinds(at(engine, 0.0, 0.0, vid=1)) == [ENTRY]
    assert kinds(at(engine, 10.0, 0.0, vid=2)) == [ENTRY]  # vehicle 1 not reported: no exit
    assert [o.track_id for o in engine.occupants("depot")] == [1, 2]


def test_a_track_reported_twice_in_one_batch_counts_once_by_its_last_report() -> None:
    engine = GeofenceEngine([circle_fence()])
    far, near = metres_east(900.0), metres_east(0.0)
    crossings = engine.observe(0.0, [4, 4, 5], [CARGO] * 3, [near, far, near], [LAT] * 3)
    assert [(c.track_id, c.crossing) for c in crossings] == [(5, ENTRY)]
    crossings = engine.observe(10.0, [4, 4], [CARGO, CARGO], [far, near], [LAT, LAT])
    assert [(c.track_id, c.crossing) for c in crossings] == [(4, ENTRY)]


def test_polygon_fence() -> None:
    square = Polygon(((117.37, 32.96), (117.39, 32.96), (117.39, 32.97), (117.37, 32.97)))
    engine = GeofenceEngine([circle_fence(fence_id="yard", shape=square)])
    assert engine.observe(0.0, [1, 2], [CARGO, CARGO], [117.38, 117.40], [32.965, 32.965]) != []
    crossings = engine.observe(10.0, [1, 2], [CARGO, CARGO], [117.395, 117.38], [32.965, 32.965])
    assert sorted((c.track_id, c.crossing) for c in crossings) == [(1, EXIT), (2, ENTRY)]


def test_fences_added_changed_and_removed_at_run_time() -> None:
    engine = GeofenceEngine()
    assert at(engine, 0.0, 0.0) == []
    engine.put(circle_fence())
    assert kinds(at(engine, 10.0, 0.0)) == [ENTRY]
    engine.put(circle_fence(name="Depot (renamed)"))  # same place: no new entry
    assert at(engine, 20.0, 0.0) == []
    engine.put(circle_fence(shape=Circle(metres_east(5000.0), LAT, 500.0)))  # moved away
    assert kinds(at(engine, 30.0, 0.0)) == [EXIT]
    engine.put(circle_fence(classes=frozenset({"taxi"})))
    assert at(engine, 40.0, 0.0) == []  # cargo no longer watched
    assert engine.remove("depot") is not None
    assert engine.remove("depot") is None
    assert at(engine, 50.0, 0.0, cls=TAXI) == []
    assert engine.fences == []


def test_inactive_fence_is_not_evaluated() -> None:
    engine = GeofenceEngine([circle_fence(active=False)])
    assert at(engine, 0.0, 0.0) == []
    engine.put(circle_fence())
    assert kinds(at(engine, 10.0, 0.0)) == [ENTRY]


def test_vessels_are_tracks_of_their_own_class() -> None:
    fence = circle_fence(classes=frozenset({VESSEL}), dwell_limit_s=None)
    engine = GeofenceEngine([fence])
    assert at(engine, 0.0, 0.0, cls=CARGO) == []
    crossings = at(engine, 0.0, 0.0, cls=VESSEL_CODE)  # same id as the truck, another track
    assert [(c.class_name, c.crossing) for c in crossings] == [(VESSEL, ENTRY)]
    with pytest.raises(GeofenceError, match="not a vehicle event"):
        crossings[0].to_event()


# ---- Many vehicles: vectorised engine against a plain loop


def naive_run(fences: list[Geofence], steps: list[tuple]) -> list[tuple]:
    """Per-fence, per-vehicle Python loop with a dict of stays."""
    stays: dict[tuple[str, int, int], list[float]] = {}
    out: list[tuple] = []
    for ts, ids, classes, lon, lat in steps:
        for fence in fences:
            shape = fence.shape
            if isinstance(shape, Circle):
                kx = METRES_PER_DEGREE * math.cos(math.radians(shape.lat))
            for i in range(len(ids)):
                name = CLASS_NAMES[int(classes[i])]
                if name not in fence.classes:
                    continue
                x, y = float(lon[i]), float(lat[i])
                if isinstance(shape, Circle):
                    dx, dy = (x - shape.lon) * kx, (y - shape.lat) * METRES_PER_DEGREE
                    inside = dx * dx + dy * dy <= shape.radius_m * shape.radius_m
                else:
                    inside = shape.geometry.contains(shapely.Point(x, y))
                key = (fence.fence_id, int(classes[i]), int(ids[i]))
                stay = stays.get(key)
                if inside and stay is None:
                    stays[key] = [ts, 0.0]
                    out.append((fence.fence_id, int(ids[i]), "entry", ts, 0.0))
                elif inside and stay is not None:
                    limit = fence.dwell_limit_s
                    if limit is not None and not stay[1] and ts - stay[0] >= limit:
                        stay[1] = 1.0
                        out.append((fence.fence_id, int(ids[i]), "dwell", ts, ts - stay[0]))
                elif stay is not None:
                    del stays[key]
                    out.append((fence.fence_id, int(ids[i]), "exit", ts, ts - stay[0]))
    return sorted(out)


def random_fences(rng: np.random.Generator, count: int) -> list[Geofence]:
    fences = []
    names = ["taxi", "liner_bus", "tourist_bus", "cargo"]
    for k in range(count):
        lon, lat = 117.38 + rng.uniform(-0.03, 0.03), 32.96 + rng.uniform(-0.03, 0.03)
        if k % 2:
            shape: Circle | Polygon = Circle(lon, lat, float(rng.uniform(300.0, 2500.0)))
        else:
            angles = (np.arange(7) + rng.uniform(0.0, 0.8, 7)) * (2 * np.pi / 7)  # star-shaped
            radii = rng.uniform(0.005, 0.02, 7)
            shape = Polygon(
                tuple(zip(lon + radii * np.cos(angles), lat + radii * np.sin(angles), strict=True))
            )
        classes = frozenset(rng.choice(names, size=int(rng.integers(1, 4)), replace=False))
        limit = None if k % 3 == 0 else float(rng.uniform(100.0, 400.0))
        fences.append(Geofence(f"f{k}", f"Fence {k}", shape, classes, limit, bool(k % 2)))
    return fences


def test_vectorised_engine_matches_a_plain_loop_on_random_data() -> None:
    rng = np.random.default_rng(3)
    n = 4000
    fences = random_fences(rng, 8)
    ids = rng.permutation(np.arange(100_000, 100_000 + n)).astype(np.int32)
    classes = rng.integers(0, 4, n).astype(np.uint8)
    lon = (117.38 + rng.uniform(-0.05, 0.05, n)).astype(np.float32)
    lat = (32.96 + rng.uniform(-0.05, 0.05, n)).astype(np.float32)
    halves = [np.arange(0, n // 2), np.arange(n // 2, n)]
    steps = []
    engine = GeofenceEngine(fences)
    ours = []
    for k in range(12):
        lon += rng.normal(0, 0.003, n).astype(np.float32)
        lat += rng.normal(0, 0.003, n).astype(np.float32)
        part = halves[k % 2] if k < 6 else rng.permutation(halves[k % 2])  # slots out of order
        step = (60.0 * k, ids[part], classes[part], lon[part].copy(), lat[part].copy())
        steps.append(step)
        ours += engine.observe(*step, group=f"half{k % 2}" if k % 3 else None)
    expected = naive_run(fences, steps)
    got = sorted((c.fence.fence_id, c.track_id, c.crossing.value, c.ts, c.dwell_s) for c in ours)
    assert len(expected) > 200 and {e[2] for e in expected} == {"entry", "exit", "dwell"}
    assert got == expected
    assert len({c.event_id for c in ours}) == len(ours)


def test_event_ids_are_deterministic() -> None:
    def run() -> list[str]:
        rng = np.random.default_rng(11)
        engine = GeofenceEngine(random_fences(np.random.default_rng(5), 6))
        ids = np.arange(2000, dtype=np.int32)
        classes = rng.integers(0, 4, 2000).astype(np.uint8)
        lon = (117.38 + rng.uniform(-0.05, 0.05, 2000)).astype(np.float32)
        lat = (32.96 + rng.uniform(-0.05, 0.05, 2000)).astype(np.float32)
        out = []
        for k in range(5):
            lon += rng.normal(0, 0.004, 2000).astype(np.float32)
            out += [c.event_id for c in engine.observe(100.0 * k, ids, classes, lon, lat)]
        return out

    first, second = run(), run()
    assert first and first == second
    assert len(set(first)) == len(first)


# ---- The bus


def batch(ts: float, ids: list[int], lon: list[float], lat: list[float]) -> VehicleBatch:
    n = len(ids)
    return VehicleBatch(
        ts=ts,
        batch_id="cargo",
        ids=np.array(ids, dtype=np.int32),
        classes=np.full(n, CARGO, dtype=np.uint8),
        lon=np.array(lon, dtype=np.float32),
        lat=np.array(lat, dtype=np.float32),
        speed_kmh=np.zeros(n, dtype=np.float32),
        heading_deg=np.zeros(n, dtype=np.float32),
    )


def test_engine_attached_to_the_bus_posts_geofence_events(bus: EventBus) -> None:
    engine = GeofenceEngine([circle_fence()])
    before = bus.subscription_count
    engine.attach(bus)
    seen: list[GeofenceEvent] = []
    bus.subscribe(GeofenceEvent, lambda events: seen.extend(events))  # type: ignore[arg-type]
    bus.post(batch(0.0, [1, 2], [LON, metres_east(2000.0)], [LAT, LAT]))
    bus.drain()
    bus.drain()
    assert [(e.vehicle_id, e.crossing, e.vehicle_class) for e in seen] == [
        (1, ENTRY, VehicleClass.CARGO)
    ]
    assert seen[0].fence_name == "Depot" and seen[0].event_id.startswith("GF:depot:")
    engine.close()
    engine.close()
    assert bus.subscription_count == before + 1  # only the test's own subscription is left


# ---- Bridge fences


def test_bridge_fences_are_built_from_bengbu_data(city: City) -> None:
    fences = bridge_fences(city.bridges, load_bridge_fence_config())
    assert len(fences) == 3 * len(city.bridges) == 9
    by_id = {f.fence_id: f for f in fences}
    g104 = city.bridge("g104")
    approach = by_id["bridge:g104:approach"]
    assert approach.kind is FenceKind.BRIDGE_APPROACH
    assert approach.shape == Circle(g104.lon, g104.lat, 400.0)  # per-bridge override
    assert approach.classes == {"cargo", "tourist_bus"}
    assert approach.dwell_limit_s == 900.0
    assert approach.case_crossing is None  # reported, no case, until the decks are surveyed
    tracking = by_id["bridge:jiefang_road:vessel_tracking"]
    alarm = by_id["bridge:jiefang_road:vessel_alarm"]
    assert isinstance(tracking.shape, Circle) and tracking.shape.radius_m == 2000.0
    assert tracking.classes == {VESSEL} and tracking.case_crossing is None
    assert isinstance(alarm.shape, Circle) and alarm.shape.radius_m == 500.0
    assert alarm.case_crossing is ENTRY
    assert "Jiefang Road" in alarm.name


def test_truck_stopped_on_a_bridge_approach_raises_a_dwell_event(city: City) -> None:
    engine = GeofenceEngine(bridge_fences(city.bridges, load_bridge_fence_config()))
    bridge = city.bridge("chaoyang_road")
    assert kinds(engine.observe(0.0, [5], [CARGO], [bridge.lon], [bridge.lat])) == [ENTRY]
    assert engine.observe(899.0, [5], [CARGO], [bridge.lon], [bridge.lat]) == []
    dwell = engine.observe(901.0, [5], [CARGO], [bridge.lon], [bridge.lat])
    assert [(c.fence.fence_id, c.crossing, c.opens_case) for c in dwell] == [
        ("bridge:chaoyang_road:approach", DWELL, False)
    ]
    vessel = engine.observe(1000.0, [5], [VESSEL_CODE], [bridge.lon], [bridge.lat])
    assert {(c.fence.kind, c.opens_case) for c in vessel} == {
        (FenceKind.VESSEL_TRACKING, False),
        (FenceKind.VESSEL_ALARM, True),
    }


def test_bad_bridge_fence_data_is_refused(tmp_path: Path) -> None:
    data = json.loads((city_dir("bengbu") / "geofences.json").read_text(encoding="utf-8"))
    data["bridge_fences"][0]["classes"] = ["lorry"]
    with pytest.raises(GeofenceError, match="unknown class"):
        parse_bridge_fence_config(data)
    data["bridge_fences"][0].pop("classes")
    with pytest.raises(GeofenceError, match="missing keys \\['classes'\\]"):
        parse_bridge_fence_config(data)
    broken = tmp_path / "geofences.json"
    broken.write_text("{", encoding="utf-8")
    with pytest.raises(GeofenceError, match="cannot read"):
        load_bridge_fence_config(broken)


# ---- Bad definitions


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Circle(LON, LAT, 0.0), "radius must be more than 0"),
        (lambda: Circle(LON, 95.0, 100.0), "not a WGS-84"),
        (lambda: Circle(float("nan"), LAT, 100.0), "finite"),
        (lambda: Polygon(((0.0, 0.0), (1.0, 1.0))), "at least 3 distinct points"),
        (lambda: Polygon(((0, 0), (1, 1), (1, 0), (0, 1))), "not simple"),
        (lambda: Polygon(((0, 0), (1, 1), (2, 2))), "not simple|no area"),
        (lambda: circle_fence(fence_id=" "), "non-empty id"),
        (lambda: circle_fence(fence_id="x" * 65), "longer than 64"),
        (lambda: circle_fence(name=""), "needs a name"),
        (lambda: circle_fence(classes=frozenset()), "at least one class"),
        (lambda: circle_fence(classes=frozenset({"bicycle"})), "unknown class"),
        (lambda: circle_fence(classes="cargo"), "not one string"),
        (lambda: circle_fence(dwell_limit_s=0.0), "dwell limit must be a positive"),
        (lambda: circle_fence(kind="parking"), "unknown fence kind"),
        (lambda: circle_fence(shape=(LON, LAT, 5.0)), "Circle or a Polygon"),
        (lambda: shape_from_json({"circle": [LON, LAT]}), "malformed circle"),
        (lambda: shape_from_json({"square": [1, 2]}), "unknown shape"),
    ],
)
def test_bad_fence_definitions_are_refused_clearly(make: object, message: str) -> None:
    with pytest.raises(GeofenceError, match=message):
        make()  # type: ignore[operator]


def test_shapes_round_trip_through_their_stored_form() -> None:
    circle = Circle(LON, LAT, 250.0)
    ring = ((117.37, 32.96), (117.39, 32.96), (117.38, 32.97), (117.37, 32.96))
    polygon = Polygon(ring)
    assert polygon.ring == ring[:3]  # the closing point is dropped
    assert shape_from_json(circle.to_json()) == circle
    assert shape_from_json(json.loads(json.dumps(polygon.to_json()))) == polygon
