"""Incidents: types from city data, the audited service, and the bus intake."""

from __future__ import annotations

from console.core.incidents.book import IncidentIntake
from console.core.incidents.model import (
    SYSTEM_ACTOR,
    AuditEntry,
    ConcurrentUpdateError,
    Incident,
    IncidentError,
    IncidentStatus,
    Unit,
)
from console.core.incidents.rules import RulesError, load_incident_rules
from console.core.incidents.service import IncidentService, Locate
from console.core.incidents.types import IncidentRules, IncidentType

__all__ = [
    "SYSTEM_ACTOR",
    "AuditEntry",
    "ConcurrentUpdateError",
    "Incident",
    "IncidentError",
    "IncidentIntake",
    "IncidentRules",
    "IncidentService",
    "IncidentStatus",
    "IncidentType",
    "Locate",
    "RulesError",
    "Unit",
    "load_incident_rules",
]
