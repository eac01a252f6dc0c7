"""Plain types of the city model: levels, divisions, jurisdiction paths, bridges."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Level(enum.IntEnum):
    """The five vertical levels, top (city) to bottom (grid)."""

    CITY = 0
    COUNTY = 1
    STREET = 2
    COMMUNITY = 3
    GRID = 4

    @property
    def label(self) -> str:
        """Human name of the level."""
        return _LEVEL_LABELS[self]


_LEVEL_LABELS = {
    Level.CITY: "City",
    Level.COUNTY: "County / district",
    Level.STREET: "Street / township",
    Level.COMMUNITY: "Community / village",
    Level.GRID: "Grid",
}


@dataclass(frozen=True, slots=True)
class Division:
    """One administrative (or generated grid) unit at one level."""

    code: str
    name: str
    level: Level
    parent_code: str | None
    name_en: str = ""
    generated: bool = False


@dataclass(frozen=True, slots=True)
class JurisdictionPath:
    """The chain of divisions responsible for a point, grid up to city (codes)."""

    grid: str
    community: str
    street: str
    county: str
    city: str

    def at(self, level: Level) -> str:
        """The code responsible at ``level``."""
        return (self.city, self.county, self.street, self.community, self.grid)[level]

    def chain(self) -> tuple[str, str, str, str, str]:
        """Codes from the grid up to the city."""
        return (self.grid, self.community, self.street, self.county, self.city)


@dataclass(frozen=True, slots=True)
class Bridge:
    """A monitored bridge (position editable in the city's data files)."""

    bridge_id: str
    name_zh: str
    name_en: str
    lon: float
    lat: float
