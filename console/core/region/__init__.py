"""The smart region: cases handed to neighbouring centres, and their status coming back."""

from console.core.region.config import (
    Centre,
    RegionConfig,
    RegionError,
    load_region,
    neighbour_brokers,
)
from console.core.region.desk import RegionDesk, status_label
from console.core.region.store import Direction, Handoff, HandoffState

__all__ = [
    "Centre",
    "Direction",
    "Handoff",
    "HandoffState",
    "RegionConfig",
    "RegionDesk",
    "RegionError",
    "load_region",
    "neighbour_brokers",
    "status_label",
]
