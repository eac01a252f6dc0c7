"""The ``expectations:`` of a scenario file: what the trainee should do, and how fast."""

from __future__ import annotations

from typing import Any

import yaml

from console.core.city.model import Level
from console.core.incidents.types import LevelName
from console.core.scenarios import nodes
from console.core.scenarios.model import Check, Expectation
from console.core.scenarios.places import PlaceBook
from console.core.scenarios.refs import StepIds

EXPECTATION_KEYS = (
    "id",
    "case",
    *(f"{check.value}_within" for check in Check),
    "dispatched_to_kind",
    "dispatched_to_unit",
    "escalated_to_level",
    "merged_into",
    "messaged_vehicle",
)
QUALIFIERS = {
    "dispatched_to_kind": Check.DISPATCHED,
    "dispatched_to_unit": Check.DISPATCHED,
    "escalated_to_level": Check.ESCALATED,
    "merged_into": Check.MERGED,
    "messaged_vehicle": Check.MESSAGED,
}


def read_expectation(
    node: Any, number: int, problems: nodes.Problems, book: PlaceBook, refs: StepIds
) -> Expectation | None:
    """One expectation from its node (every problem recorded); None when unusable."""
    p = problems
    what = f"expectation {number}"
    values: dict[str, Any] = {}
    keys: dict[str, Any] = {}
    for key, key_node, value in nodes.entries(node, p, what):
        if key in EXPECTATION_KEYS:
            values[key], keys[key] = value, key_node
        else:
            nodes.unknown_key(p, key_node, what, EXPECTATION_KEYS)
    if not isinstance(node, yaml.MappingNode):
        return None
    expectation_id = (
        nodes.text(values["id"], p, f"{what} id") or f"e{number}"
        if "id" in values
        else f"e{number}"
    )
    checks = [c for c in Check if f"{c.value}_within" in values]
    if len(checks) != 1:
        expected = ", ".join(f"{c.value}_within" for c in Check)
        p.add(node, f"{what} needs exactly one of: {expected}")
        return None
    check = checks[0]
    within = nodes.seconds(values[f"{check.value}_within"], p, f"{what} {check.value}_within")
    if "case" not in values:
        p.add(node, f"{what} needs 'case' (the id of the step whose case it is about)")
    case_step = refs.case_ref(values["case"], f"{what} case", check) if "case" in values else None
    for qualifier, belongs in QUALIFIERS.items():
        if qualifier in values and belongs is not check:
            p.add(keys[qualifier], f"{what}: {qualifier} goes with {belongs.value}_within")
    extra = _qualifiers(values, check, what, node, problems, book, refs)
    if within is None or case_step is None or extra is None:
        return None
    return Expectation(
        expectation_id, case_step, check, within, line=node.start_mark.line + 1, **extra
    )


def _qualifiers(
    values: dict[str, Any],
    check: Check,
    what: str,
    node: Any,
    problems: nodes.Problems,
    book: PlaceBook,
    refs: StepIds,
) -> dict[str, Any] | None:
    p = problems
    extra: dict[str, Any] = {}
    if check is Check.DISPATCHED:
        if "dispatched_to_kind" in values:
            kind = nodes.text(values["dispatched_to_kind"], p, f"{what} dispatched_to_kind")
            if kind is not None and kind not in book.unit_kinds:
                known = ", ".join(sorted(book.unit_kinds))
                p.add(
                    values["dispatched_to_kind"],
                    f"{what}: unknown unit kind {kind!r} (expected one of: {known})",
                )
            extra["unit_kind"] = kind or ""
        if "dispatched_to_unit" in values:
            unit = nodes.text(values["dispatched_to_unit"], p, f"{what} dispatched_to_unit")
            if unit is not None and not book.unit_exists(unit):
                p.add(values["dispatched_to_unit"], f"{what}: there is no unit {unit!r}")
            extra["unit_id"] = unit or ""
    elif check is Check.ESCALATED and "escalated_to_level" in values:
        name = nodes.text(values["escalated_to_level"], p, f"{what} escalated_to_level")
        try:
            extra["level"] = LevelName(name).level if name else None
        except ValueError:
            known = ", ".join(level.value for level in LevelName)
            p.add(
                values["escalated_to_level"],
                f"{what}: unknown level {name!r} (expected one of: {known})",
            )
            return None
        if extra["level"] is Level.GRID:
            p.add(values["escalated_to_level"], f"{what}: nothing is escalated to the grid level")
    elif check is Check.MERGED:
        if "merged_into" not in values:
            p.add(node, f"{what}: merged_within needs merged_into (the step whose case it joins)")
            return None
        extra["into_step"] = refs.case_ref(values["merged_into"], f"{what} merged_into")
    elif check is Check.MESSAGED:
        if "messaged_vehicle" not in values:
            p.add(node, f"{what}: messaged_within needs messaged_vehicle (a plate)")
            return None
        plate = nodes.text(values["messaged_vehicle"], p, f"{what} messaged_vehicle")
        if plate is not None and book.vehicle_of_plate(plate) is None:
            p.add(values["messaged_vehicle"], f"{what}: no vehicle has the plate {plate!r}")
        extra["plate"] = plate or ""
    return extra
