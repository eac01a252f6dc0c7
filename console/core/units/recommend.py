"""Which units to send to a case: a pure ranking with the reason shown to the operator.

Candidates are field units of the kinds the case type is handled by, based at
or below the level now responsible for the case (dispatch goes down the chain).
A unit is in jurisdiction when its home division is the case's division at the
unit's level. Order:

1. available units in jurisdiction, by ETA;
2. available units outside it, by ETA;
3. busy or off-duty units (in jurisdiction first), by ETA: still listed, so the
   operator can override, with the reason saying why they rank low.

ETA is the great-circle distance times a road detour factor over the unit's
speed. A case outside the city has nobody in jurisdiction and ranks by distance.

Only the nearest units of each kind are looked at (plus every unit in
jurisdiction), found with one vectorised distance pass over that kind's live
positions, so a recommendation over the whole city's ~9,900 units takes about
a millisecond.
"""

from __future__ import annotations

import math

import numpy as np

from console.core.city.model import Level
from console.core.geo import distance_km, great_circle_km
from console.core.incidents.model import Incident
from console.core.incidents.types import IncidentType
from console.core.units.board import UnitBoard
from console.core.units.model import Recommendation, ResponseUnit, UnitKind, UnitStatus
from console.core.units.registry import UnitRegistry

ROAD_DETOUR = 1.3
"""Road distance over straight-line distance, for ETAs."""
MAX_WALK = 400
"""At most this many nearest units per kind are checked for one that is free."""

_BUSY_LABELS = {
    UnitStatus.ASSIGNED: "assigned to case #{case}",
    UnitStatus.EN_ROUTE: "en route to case #{case}",
    UnitStatus.ON_SCENE: "on scene at case #{case}",
}


def eta_minutes(distance_km: float, speed_kmh: float) -> float:
    """Estimated travel time (minutes) over ``distance_km`` straight line at ``speed_kmh``."""
    if speed_kmh <= 0:
        return math.inf
    return distance_km * ROAD_DETOUR / speed_kmh * 60.0


def case_unit_kinds(incident_type: IncidentType) -> list[UnitKind]:
    """The field-unit kinds a case type is handled by (unknown names skipped)."""
    kinds: list[UnitKind] = []
    for name in incident_type.unit_kinds:
        try:
            kind = UnitKind(name)
        except ValueError:
            continue
        if kind is not UnitKind.COMMAND_OFFICE and kind not in kinds:
            kinds.append(kind)
    return kinds


def recommend_units(
    case: Incident,
    incident_type: IncidentType,
    registry: UnitRegistry,
    board: UnitBoard,
    limit: int = 5,
) -> list[Recommendation]:
    """The ``limit`` best field units for ``case``, best first, each with its reason."""
    if limit <= 0:
        return []
    level = int(case.responsible_level)
    chosen: dict[str, ResponseUnit] = {}
    for kind in case_unit_kinds(incident_type):
        for unit in _in_jurisdiction(case, registry, kind, level):
            chosen[unit.unit_id] = unit
        for unit in _nearest(case, board, kind, level, limit):
            chosen.setdefault(unit.unit_id, unit)
    ranked = [_recommend(case, unit, board) for unit in chosen.values()]
    ranked.sort(key=lambda r: (_group(case, r), _cost(case, r), r.unit.unit_id))
    return ranked[:limit]


# ---- Candidates


def _in_jurisdiction(
    case: Incident, registry: UnitRegistry, kind: UnitKind, level: int
) -> list[ResponseUnit]:
    if case.path is None:
        return []
    found: list[ResponseUnit] = []
    for unit_level in Level:
        if unit_level < level:
            continue
        code = case.path.at(unit_level)
        found.extend(u for u in registry.based_in(code) if u.kind is kind and u.level == unit_level)
    return found


def _nearest(
    case: Incident, board: UnitBoard, kind: UnitKind, level: int, limit: int
) -> list[ResponseUnit]:
    """The nearest eligible units of ``kind`` until ``limit`` free ones are among them."""
    table = board.kind_table(kind)
    if table is None:
        return []
    distances = great_circle_km(case.lon, case.lat, table.lon, table.lat)
    distances[table.level < level] = np.inf
    eligible = int(np.count_nonzero(np.isfinite(distances)))
    if eligible == 0:
        return []
    walk = min(eligible, MAX_WALK)
    nearest = np.argpartition(distances, walk - 1)[:walk]
    order = nearest[np.argsort(distances[nearest], kind="stable")]
    on_shift = board.on_shift(kind)
    found: list[ResponseUnit] = []
    free = busy = 0
    for i in order:
        unit = table.units[int(i)]
        if board.status_of(unit.unit_id) is UnitStatus.AVAILABLE:
            free += 1
            found.append(unit)
        elif busy < limit:
            busy += 1
            found.append(unit)
        if free >= limit or (not on_shift and busy >= limit):
            break
    return found


# ---- Ranking and reasons


def _recommend(case: Incident, unit: ResponseUnit, board: UnitBoard) -> Recommendation:
    lon, lat = board.position_of(unit.unit_id)
    distance = distance_km(case.lon, case.lat, lon, lat)
    eta = eta_minutes(distance, unit.speed_kmh)
    status = board.status_of(unit.unit_id)
    in_jurisdiction = case.path is not None and case.path.at(unit.level) == unit.home_code
    return Recommendation(
        unit=unit,
        status=status,
        distance_km=distance,
        eta_minutes=eta,
        in_jurisdiction=in_jurisdiction,
        reason=_reason(case, unit, status, distance, eta, in_jurisdiction, board),
        position=(lon, lat),
    )


def _group(case: Incident, item: Recommendation) -> int:
    free = item.status is UnitStatus.AVAILABLE
    if case.path is None:
        return 0 if free else 2
    if free:
        return 0 if item.in_jurisdiction else 1
    return 2 if item.in_jurisdiction else 3


def _cost(case: Incident, item: Recommendation) -> float:
    return item.distance_km if case.path is None else item.eta_minutes


def _reason(
    case: Incident,
    unit: ResponseUnit,
    status: UnitStatus,
    distance: float,
    eta: float,
    in_jurisdiction: bool,
    board: UnitBoard,
) -> str:
    parts: list[str] = []
    if status is UnitStatus.AVAILABLE:
        parts.append("available")
    elif status is UnitStatus.OFF_DUTY:
        parts.append(f"off duty ({board.off_duty_reason(unit.unit_id)})")
    else:
        parts.append(_BUSY_LABELS[status].format(case=board.case_of(unit.unit_id)))
    home = board.name_of(unit.home_code)
    if case.path is None:
        parts.append("case outside the city")
    elif in_jurisdiction:
        parts.append(f"in {home}")
    else:
        parts.append(f"outside jurisdiction ({home})")
    parts.append(f"{distance:.1f} km")
    parts.append(f"ETA {max(1, math.ceil(eta))} min" if math.isfinite(eta) else "no ETA")
    return " · ".join(parts)
