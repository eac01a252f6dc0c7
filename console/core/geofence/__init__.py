"""Geofences: shapes, the engine that watches tracks against them, bridge fences, storage."""

from console.core.geofence.bridge import (
    BridgeFenceConfig,
    bridge_fences,
    load_bridge_fence_config,
)
from console.core.geofence.engine import Crossing, GeofenceEngine, Occupant
from console.core.geofence.model import (
    TRACK_CLASS_CODES,
    VESSEL,
    VESSEL_CODE,
    Circle,
    FenceKind,
    Geofence,
    GeofenceError,
    Polygon,
    Shape,
    shape_from_json,
)

__all__ = [
    "TRACK_CLASS_CODES",
    "VESSEL",
    "VESSEL_CODE",
    "BridgeFenceConfig",
    "Circle",
    "Crossing",
    "FenceKind",
    "Geofence",
    "GeofenceEngine",
    "GeofenceError",
    "Occupant",
    "Polygon",
    "Shape",
    "bridge_fences",
    "load_bridge_fence_config",
    "shape_from_json",
]
