"""Response units: the registry, their live status and position, and recommendation."""

from __future__ import annotations

from console.core.units.board import UnitBoard
from console.core.units.model import (
    OFFICE_PREFIX,
    Recommendation,
    ResponseUnit,
    UnitKind,
    UnitStatus,
    office_id,
)
from console.core.units.plan import (
    ShiftHours,
    UnitPlan,
    UnitPlanError,
    load_unit_plan,
    load_units,
)
from console.core.units.recommend import recommend_units
from console.core.units.registry import UnitRegistry

__all__ = [
    "OFFICE_PREFIX",
    "Recommendation",
    "ResponseUnit",
    "ShiftHours",
    "UnitBoard",
    "UnitKind",
    "UnitPlan",
    "UnitPlanError",
    "UnitRegistry",
    "UnitStatus",
    "load_unit_plan",
    "load_units",
    "office_id",
    "recommend_units",
]
