"""Division facts a unit registry needs: names, level and a point inside each division."""

from __future__ import annotations

import functools

import shapely

from console.core.city.city import City
from console.core.city.model import Level
from console.core.units.registry import DivisionInfo


def division_info_for(city: City) -> DivisionInfo:
    """A cached lookup of (name, English name, level, lon, lat) for a division code of ``city``.

    The point is a representative point of the division's area (always inside
    it); a division without geometry falls back to the city centre.
    """

    @functools.lru_cache(maxsize=4096)
    def info(code: str) -> tuple[str, str, Level, float, float]:
        division = city.divisions.get(code)
        if division is None:
            raise KeyError(f"unknown division {code!r}")
        lon, lat = city.center
        try:
            geometry = city.geometry(code)
        except KeyError:
            geometry = None
        if geometry is not None and not geometry.is_empty:
            point = shapely.point_on_surface(geometry)
            lon, lat = float(point.x), float(point.y)
        return division.name, division.name_en, division.level, lon, lat

    return info
