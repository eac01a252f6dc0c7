"""Geofences around the monitored bridges, built from the city's ``geofences.json``.

Each rule in ``bridge_fences`` becomes one circle around every bridge: the deck
and approach zone (trucks and tourist buses; a stop longer than the dwell limit
opens a case) and the vessel zones of bridge anti-collision systems (a 2 km
tracking zone that only reports, a 500 m alarm zone that opens a case).
``bridge_overrides`` changes a rule's values for one bridge. Radii, classes,
limits and which fences open cases are data, not code.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from console.core.city.model import Bridge
from console.core.geofence.model import (
    Circle,
    FenceKind,
    Geofence,
    GeofenceError,
    class_names,
)
from console.core.paths import city_dir

FILENAME = "geofences.json"
RULE_KEYS = {"kind", "suffix", "name", "radius_m", "classes", "dwell_limit_s", "opens_case"}
OVERRIDE_KEYS = {"name", "radius_m", "classes", "dwell_limit_s", "opens_case"}


@dataclass(frozen=True, slots=True)
class BridgeFenceRule:
    """One fence to build around every bridge."""

    kind: FenceKind
    suffix: str
    name: str
    """Name template: ``{name_en}``, ``{name_zh}`` and ``{bridge_id}`` are filled in."""
    radius_m: float
    classes: frozenset[str]
    dwell_limit_s: float | None
    opens_case: bool


@dataclass(frozen=True, slots=True)
class BridgeFenceConfig:
    """The rules for bridge fences, and per-bridge changes to them."""

    rules: tuple[BridgeFenceRule, ...]
    overrides: Mapping[str, Mapping[str, Mapping[str, Any]]] = field(default_factory=dict)


def _rule(raw: Mapping[str, Any], where: str) -> BridgeFenceRule:
    if not isinstance(raw, Mapping):
        raise GeofenceError(f"{where}: a rule is an object, got {raw!r}")
    missing = sorted(RULE_KEYS - raw.keys())
    extra = sorted(raw.keys() - RULE_KEYS)
    if missing or extra:
        raise GeofenceError(f"{where}: missing keys {missing}, unknown keys {extra}")
    try:
        kind = FenceKind(raw["kind"])
    except ValueError as exc:
        raise GeofenceError(f"{where}: unknown fence kind {raw['kind']!r}") from exc
    limit = raw["dwell_limit_s"]
    if not isinstance(raw["radius_m"], int | float) or not isinstance(raw["opens_case"], bool):
        raise GeofenceError(f"{where}: radius_m must be a number and opens_case true/false")
    if limit is not None and not isinstance(limit, int | float):
        raise GeofenceError(f"{where}: dwell_limit_s must be a number or null")
    suffix = raw["suffix"]
    if not isinstance(suffix, str) or not suffix or ":" in suffix:
        raise GeofenceError(f"{where}: suffix must be a non-empty word without ':'")
    return BridgeFenceRule(
        kind=kind,
        suffix=suffix,
        name=str(raw["name"]),
        radius_m=float(raw["radius_m"]),
        classes=class_names(raw["classes"]),
        dwell_limit_s=None if limit is None else float(limit),
        opens_case=raw["opens_case"],
    )


def parse_bridge_fence_config(data: Mapping[str, Any], where: str = FILENAME) -> BridgeFenceConfig:
    """Check and read the bridge-fence part of a ``geofences.json`` document."""
    if not isinstance(data, Mapping) or data.get("format_version") != 1:
        raise GeofenceError(f"{where}: expected an object with format_version 1")
    rules_raw = data.get("bridge_fences")
    if not isinstance(rules_raw, list) or not rules_raw:
        raise GeofenceError(f"{where}: bridge_fences must be a non-empty list")
    rules = tuple(_rule(r, f"{where} bridge_fences[{k}]") for k, r in enumerate(rules_raw))
    suffixes = [r.suffix for r in rules]
    if len(set(suffixes)) != len(suffixes):
        raise GeofenceError(f"{where}: bridge fence suffixes must be unique, got {suffixes}")
    overrides = data.get("bridge_overrides", {})
    if not isinstance(overrides, Mapping):
        raise GeofenceError(f"{where}: bridge_overrides must be an object")
    for bridge_id, per_rule in overrides.items():
        if not isinstance(per_rule, Mapping):
            raise GeofenceError(f"{where}: bridge_overrides.{bridge_id} must be an object")
        for suffix, values in per_rule.items():
            label = f"{where}: bridge_overrides.{bridge_id}.{suffix}"
            if suffix not in suffixes:
                raise GeofenceError(f"{label}: no bridge fence has suffix {suffix!r}")
            if not isinstance(values, Mapping) or not values.keys() <= OVERRIDE_KEYS:
                raise GeofenceError(f"{label}: may only set {sorted(OVERRIDE_KEYS)}")
    return BridgeFenceConfig(rules, overrides)


def load_bridge_fence_config(path: Path | None = None) -> BridgeFenceConfig:
    """Read ``geofences.json`` (default: Bengbu's) for the bridge fences."""
    path = path or city_dir("bengbu") / FILENAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise GeofenceError(f"cannot read {path}: {exc}") from exc
    return parse_bridge_fence_config(data, str(path))


def bridge_fences(bridges: Sequence[Bridge], config: BridgeFenceConfig) -> list[Geofence]:
    """Every rule's fence around every bridge, with ids ``bridge:<bridge_id>:<suffix>``."""
    fences: list[Geofence] = []
    for bridge in bridges:
        per_rule = config.overrides.get(bridge.bridge_id, {})
        for rule in config.rules:
            values = dict(per_rule.get(rule.suffix, {}))
            template = str(values.get("name", rule.name))
            limit = values.get("dwell_limit_s", rule.dwell_limit_s)
            fences.append(
                Geofence(
                    fence_id=f"bridge:{bridge.bridge_id}:{rule.suffix}",
                    name=template.format(
                        name_en=bridge.name_en, name_zh=bridge.name_zh, bridge_id=bridge.bridge_id
                    ),
                    shape=Circle(
                        bridge.lon, bridge.lat, float(values.get("radius_m", rule.radius_m))
                    ),
                    classes=class_names(values.get("classes", rule.classes)),
                    dwell_limit_s=None if limit is None else float(limit),
                    opens_case=bool(values.get("opens_case", rule.opens_case)),
                    kind=rule.kind,
                )
            )
    return fences
