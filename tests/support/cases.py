"""A small, fixed piece of the city for case tests: one jurisdiction chain and its units.

The chain is real Bengbu codes (蚌山区 天桥街道 ...); the units are placed on it
(and one beside it) so that dispatch, transfer, escalation and recommendation
can be tested without loading the whole city.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from console.core.city.model import JurisdictionPath, Level
from console.core.events import BridgeAlarm, Platform
from console.core.incidents.model import Incident, IncidentStatus
from console.core.units.model import ResponseUnit, UnitKind, office_id
from console.core.units.registry import UnitRegistry

PATH = JurisdictionPath(
    grid="340303001001001",
    community="340303001001",
    street="340303001",
    county="340303",
    city="340300",
)
NAMES = {
    "340300": ("蚌埠市", "Bengbu", Level.CITY),
    "340303": ("蚌山区", "Bengshan District", Level.COUNTY),
    "340302": ("龙子湖区", "Longzihu District", Level.COUNTY),
    "340303001": ("天桥街道", "Tianqiao Street", Level.STREET),
    "340303001001": ("天桥社区", "Tianqiao Community", Level.COMMUNITY),
    "340303001001001": ("第1网格", "Grid 1", Level.GRID),
}
CENTRE = (117.37, 32.93)
"""A point inside the chain (what ``locate`` answers PATH for)."""


def name_of(code: str) -> str:
    """Chinese name of a division of the fixed chain (the code if unknown)."""
    return NAMES[code][0] if code in NAMES else code


def locate(lon: float, lat: float) -> JurisdictionPath | None:
    """PATH for points near Bengbu, None elsewhere (outside the city)."""
    return PATH if 117.0 < lon < 118.0 and 32.5 < lat < 33.5 else None


def _division_info(code: str) -> tuple[str, str, Level, float, float]:
    name, name_en, level = NAMES[code]
    return name, name_en, level, CENTRE[0], CENTRE[1]


def _unit(
    unit_id: str, kind: UnitKind, level: Level, home: str, dx: float, speed: float = 30.0
) -> ResponseUnit:
    return ResponseUnit(
        unit_id=unit_id,
        name=f"{name_of(home)} {unit_id}",
        name_en=unit_id,
        kind=kind,
        level=level,
        home_code=home,
        lon=CENTRE[0] + dx,
        lat=CENTRE[1],
        speed_kmh=speed,
    )


FIELD_UNITS = (
    _unit("TP-340303-01", UnitKind.TRAFFIC_POLICE, Level.COUNTY, "340303", 0.01, 40.0),
    _unit("TP-340303-02", UnitKind.TRAFFIC_POLICE, Level.COUNTY, "340303", 0.05, 40.0),
    _unit("TP-340302-01", UnitKind.TRAFFIC_POLICE, Level.COUNTY, "340302", 0.02, 40.0),
    _unit("ET-340303-01", UnitKind.EMERGENCY_TEAM, Level.COUNTY, "340303", 0.03, 35.0),
    _unit("BC-340300-01", UnitKind.BRIDGE_CREW, Level.CITY, "340300", 0.04, 30.0),
    _unit("CM-340303001-01", UnitKind.CITY_MANAGEMENT, Level.STREET, "340303001", 0.01),
    _unit("CO-340303001001", UnitKind.COMMUNITY_OFFICER, Level.COMMUNITY, "340303001001", 0.0),
    _unit("GW-340303001001001", UnitKind.GRID_WORKER, Level.GRID, "340303001001001", 0.0, 5.0),
)


def fixed_registry() -> UnitRegistry:
    """A registry of the fixed chain's units and offices."""
    return UnitRegistry(FIELD_UNITS, _division_info)


_REGISTRY = fixed_registry()
UNIT = "TP-340303-01"
"""A field unit on the chain (county traffic police)."""
PEER = "TP-340303-02"
"""Its peer at the same level, for transfers."""


def case(status: IncidentStatus = IncidentStatus.REPORTED, **fields: Any) -> Incident:
    """A road-accident case on the fixed chain, held by the county office unless told."""
    base = Incident(
        id=7,
        incident_type="road_accident",
        title="道路交通事故：追尾",
        title_en="Road accident: rear-end",
        priority=1,
        platform=Platform.PUBLIC_EMERGENCY,
        status=status,
        lon=117.37,
        lat=32.93,
        path=PATH,
        outside_city=False,
        responsible_level=Level.COUNTY,
        responsible_unit_id=office_id(PATH.county),
        responsible_unit="蚌山区指挥中心",
        dispatcher_unit_id=None,
        handler=None,
        source_topic=None,
        source_alarm_id=None,
        reported_at=1000.0,
        created_at=1000.0,
        updated_at=1000.0,
        due_at=1000.0 + 3600.0,
    )
    return replace(base, **fields)


def held_by_unit(status: IncidentStatus, unit_id: str = UNIT, **fields: Any) -> Incident:
    """The :func:`case` held by field unit ``unit_id``, dispatched by the county office."""
    unit = _REGISTRY.get(unit_id)
    return case(
        status,
        responsible_unit_id=unit.unit_id,
        responsible_unit=unit.name,
        responsible_level=unit.level,
        dispatcher_unit_id=office_id(PATH.county),
        dispatched_at=4000.0,
        dispatch_count=1,
        **fields,
    )


CONSOLE_START = 1_795_000_000.0
"""The simulated start of the whole-console test fixtures."""


def strain_alarm(
    alarm_id: str, ts: float = 2000.0, source_key: str = "jiefang:S3", value: float = 182.0
) -> BridgeAlarm:
    """A level-2 strain alarm of gauge S3 on the Jiefang bridge (the folding/shelving tests')."""
    return BridgeAlarm(
        ts=ts,
        bridge_id="jiefang",
        kind="strain",
        value=value,
        threshold=150.0,
        lon=117.37,
        lat=32.93,
        alarm_id=alarm_id,
        level=2,
        channel="S3",
        source_key=source_key,
    )
