"""Benchmark: recommending units for a case over Bengbu's whole unit plan (~9,900 units).

Run from the repository root: ``python bench/recommend_units.py``. Prints the plan
load time and ``RESULT recommend_ms <median ms per case> ms ratio=<baseline / ours>``,
where the baseline, measured in the same run on the same cases, scans every unit
of the city (distance and status of each), keeps the candidates and sorts them all.
"""

from __future__ import annotations

import functools
import math
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from console.core.bus import EventBus
from console.core.city import default_city
from console.core.clock import ManualClock
from console.core.incidents import Incident, IncidentService, Verb, load_incident_rules
from console.core.paths import city_dir
from console.core.runtime import division_name
from console.core.storage import open_database
from console.core.units import UnitBoard, UnitRegistry, UnitStatus, load_unit_plan
from console.core.units.divisions import division_info_for
from console.core.units.recommend import ROAD_DETOUR, case_unit_kinds, recommend_units

CASES = 60
BUSY_SHARE = 0.3
ROUNDS = 5
SEED = 11
TYPES = ("road_accident", "street_light_fault", "flooding", "lost_property", "illegal_parking")
MORNING = datetime(2026, 1, 5, 10, 0, tzinfo=timezone(timedelta(hours=8))).timestamp()


def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in km (the baseline's per-unit distance)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlon = math.radians(lon2 - lon1)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlon / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(min(h, 1.0)))


def naive(
    case: Incident, service: IncidentService, registry: UnitRegistry, board: UnitBoard, limit: int
) -> list[str]:
    """Scan every unit of the city (distance and status of each), then rank the candidates."""
    kinds = set(case_unit_kinds(service.type_of(case)))
    rows = []
    for unit in registry:
        km = haversine_km(case.lon, case.lat, *board.position_of(unit.unit_id))
        free = board.status_of(unit.unit_id) is UnitStatus.AVAILABLE
        if unit.kind not in kinds or unit.level < case.responsible_level:
            continue
        eta = km * ROAD_DETOUR / unit.speed_kmh * 60
        inside = case.path is not None and case.path.at(unit.level) == unit.home_code
        group = (0 if inside else 1) if free else (2 if inside else 3)
        rows.append((group, eta, unit.unit_id))
    return [unit_id for _, _, unit_id in sorted(rows)[:limit]]


def main() -> None:
    """Build the city's units and cases, measure both rankings, print the result line."""
    city = default_city()
    start = time.perf_counter()
    plan = load_unit_plan(city, city_dir("bengbu"))
    plan_s = time.perf_counter() - start
    rules = load_incident_rules()
    registry = UnitRegistry(
        plan.units, division_info_for(city), rules.office_suffix, rules.office_suffix_zh
    )
    clock = ManualClock(start=MORNING)
    bus = EventBus(clock)
    name_of = functools.partial(division_name, city)
    with tempfile.TemporaryDirectory() as folder:
        database = open_database(f"sqlite:///{Path(folder) / 'bench.db'}")
        service = IncidentService(database, bus, clock, city.lookup, rules, registry, name_of)
        board = UnitBoard(registry, clock, service.get, plan.shifts, "Asia/Shanghai", name_of)
        board.attach(bus)
        rng = np.random.default_rng(SEED)
        x0, y0, x1, y1 = city.bbox
        cases: list[Incident] = []
        while len(cases) < CASES:
            lon, lat = float(rng.uniform(x0, x1)), float(rng.uniform(y0, y1))
            if city.lookup(lon, lat) is None:
                continue
            type_id = TYPES[len(cases) % len(TYPES)]
            case = service.report(type_id, lon, lat, "bench", "bench")
            service.act(case.id, Verb.ACCEPT, "bench")
            cases.append(service.act(case.id, Verb.OPEN, "bench"))
        for case in cases[: int(CASES * BUSY_SHARE)]:
            best = recommend_units(case, service.type_of(case), registry, board, 1)[0]
            service.act(case.id, Verb.DISPATCH, "bench", unit_id=best.unit.unit_id, reason="b")
        bus.drain()
        open_cases = [c for c in (service.get(case.id) for case in cases) if c is not None]

        ours_ms: list[float] = []
        for _ in range(ROUNDS):
            for case in open_cases:
                kind = service.type_of(case)
                begin = time.perf_counter()
                recommend_units(case, kind, registry, board, 5)
                ours_ms.append((time.perf_counter() - begin) * 1e3)
        naive_ms: list[float] = []
        agree = 0
        for case in open_cases:
            begin = time.perf_counter()
            expected = naive(case, service, registry, board, 5)
            naive_ms.append((time.perf_counter() - begin) * 1e3)
            got = recommend_units(case, service.type_of(case), registry, board, 5)
            agree += [r.unit.unit_id for r in got] == expected
        board.close()
        database.close()
    ours, base = statistics.median(ours_ms), statistics.median(naive_ms)
    print(f"units {len(registry)}, plan expanded in {plan_s * 1e3:.0f} ms")
    print(f"cases {len(open_cases)} ({int(CASES * BUSY_SHARE)} dispatched, their units busy)")
    print(f"naive scan {base:.1f} ms/case; same top 5 on {agree}/{len(open_cases)} cases")
    print(f"ours p90 {statistics.quantiles(ours_ms, n=10)[-1]:.2f} ms")
    print(f"RESULT recommend_ms {ours:.2f} ms ratio={base / ours:.0f}")


if __name__ == "__main__":
    main()
