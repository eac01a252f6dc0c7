"""Plain types of response units: kinds, statuses, and one unit as registered."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from console.core.city.model import Level

OFFICE_PREFIX = "office:"
"""Unit ids of division command offices are this prefix plus the division code."""


class UnitKind(enum.StrEnum):
    """What a response unit is (the kinds an incident type can be handled by)."""

    COMMAND_OFFICE = "command_office"
    TRAFFIC_POLICE = "traffic_police"
    BRIDGE_CREW = "bridge_crew"
    GRID_WORKER = "grid_worker"
    COMMUNITY_OFFICER = "community_officer"
    CITY_MANAGEMENT = "city_management"
    EMERGENCY_TEAM = "emergency_team"


class UnitStatus(enum.StrEnum):
    """What a unit is doing now."""

    AVAILABLE = "available"
    ASSIGNED = "assigned"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    OFF_DUTY = "off_duty"


@dataclass(frozen=True, slots=True)
class ResponseUnit:
    """One responding unit: who it is, where it belongs, and where it is based."""

    unit_id: str
    name: str
    name_en: str
    kind: UnitKind
    level: Level
    home_code: str
    lon: float
    lat: float
    speed_kmh: float

    @property
    def is_office(self) -> bool:
        """Whether this is a division's command office (not a unit in the field)."""
        return self.kind is UnitKind.COMMAND_OFFICE


def office_id(code: str) -> str:
    """The unit id of the command office of division ``code``."""
    return f"{OFFICE_PREFIX}{code}"


@dataclass(frozen=True, slots=True)
class Recommendation:
    """A unit proposed for a case, ranked, with the reason shown to the operator."""

    unit: ResponseUnit
    status: UnitStatus
    distance_km: float
    eta_minutes: float
    in_jurisdiction: bool
    reason: str
    position: tuple[float, float] | None = None
    """Where the unit is now (lon, lat) if known from the bus; else it is at its base."""

    @property
    def lon_lat(self) -> tuple[float, float]:
        """The unit's live position, or its base when none was reported."""
        return self.position if self.position is not None else (self.unit.lon, self.unit.lat)
