"""The built-in city simulation: vehicles, bridges, IoT stations, detections and the hotline.

:class:`CitySimulation` is the pure, deterministic stepper; :class:`SimulationSource`
runs it in a thread against a clock and posts to the bus.
"""

from __future__ import annotations

from console.core.sim.bridge_faults import Fault, FaultKind
from console.core.sim.config import (
    BridgeSite,
    Hotspot,
    SimulationConfig,
    Town,
)
from console.core.sim.hotline import ExternalRecord
from console.core.sim.profile import simulation_config
from console.core.sim.runner import SimulationSource, Stepper
from console.core.sim.simulation import CitySimulation, SimStep

__all__ = [
    "BridgeSite",
    "CitySimulation",
    "ExternalRecord",
    "Fault",
    "FaultKind",
    "Hotspot",
    "SimStep",
    "SimulationConfig",
    "SimulationSource",
    "Stepper",
    "Town",
    "simulation_config",
]
