"""The unit registry: every response unit of the city, and each division's command office.

Field units come from the city's unit plan; every division also has a command
office, made on demand, so that a case always has exactly one responsible unit,
even before it is dispatched to the field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from console.core.city.model import Level
from console.core.units.model import OFFICE_PREFIX, ResponseUnit, UnitKind, office_id

DivisionInfo = Callable[[str], tuple[str, str, Level, float, float]]
"""For a division code: (name, English name, level, lon, lat of a point inside it)."""


class UnitRegistry:
    """Looks up units by id, by home division and by kind; offices included."""

    def __init__(
        self,
        units: Iterable[ResponseUnit],
        division_info: DivisionInfo,
        office_suffix: str = " command office",
        office_suffix_zh: str = "指挥中心",
    ) -> None:
        self._units: dict[str, ResponseUnit] = {}
        self._by_home: dict[str, list[ResponseUnit]] = {}
        for unit in units:
            if unit.unit_id in self._units:
                raise ValueError(f"duplicate unit id {unit.unit_id!r}")
            if unit.unit_id.startswith(OFFICE_PREFIX):
                raise ValueError(f"unit id {unit.unit_id!r} uses the office prefix")
            self._units[unit.unit_id] = unit
            self._by_home.setdefault(unit.home_code, []).append(unit)
        self._division_info = division_info
        self._office_suffix = office_suffix
        self._office_suffix_zh = office_suffix_zh
        self._offices: dict[str, ResponseUnit] = {}

    def __len__(self) -> int:
        return len(self._units)

    def __iter__(self) -> Iterator[ResponseUnit]:
        """Every field unit (offices are not listed)."""
        return iter(self._units.values())

    def get(self, unit_id: str) -> ResponseUnit:
        """The unit ``unit_id`` (field unit or ``office:<code>``); KeyError if unknown."""
        unit = self._units.get(unit_id)
        if unit is not None:
            return unit
        if unit_id.startswith(OFFICE_PREFIX):
            return self.office(unit_id.removeprefix(OFFICE_PREFIX))
        raise KeyError(f"unknown unit {unit_id!r}")

    def office(self, code: str) -> ResponseUnit:
        """The command office of division ``code``; KeyError if there is no such division."""
        found = self._offices.get(code)
        if found is None:
            name, name_en, level, lon, lat = self._division_info(code)
            found = ResponseUnit(
                unit_id=office_id(code),
                name=f"{name}{self._office_suffix_zh}",
                name_en=f"{name_en or name}{self._office_suffix}",
                kind=UnitKind.COMMAND_OFFICE,
                level=level,
                home_code=code,
                lon=lon,
                lat=lat,
                speed_kmh=0.0,
            )
            self._offices[code] = found
        return found

    def based_in(self, code: str) -> list[ResponseUnit]:
        """Field units whose home jurisdiction is division ``code``."""
        return list(self._by_home.get(code, ()))

    def of_kind(self, *kinds: UnitKind) -> list[ResponseUnit]:
        """Field units of any of ``kinds``."""
        wanted = set(kinds)
        return [unit for unit in self._units.values() if unit.kind in wanted]
