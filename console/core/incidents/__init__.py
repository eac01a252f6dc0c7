"""Cases: types from city data, the case loop, the audited service, and the bus intake."""

from __future__ import annotations

from console.core.incidents.book import IncidentIntake
from console.core.incidents.lifecycle import Verb
from console.core.incidents.model import (
    SYSTEM_ACTOR,
    Attachment,
    AuditEntry,
    ConcurrentUpdateError,
    Incident,
    IncidentError,
    IncidentStatus,
    Note,
    StorageError,
)
from console.core.incidents.rules import RulesError, load_incident_rules
from console.core.incidents.service import IncidentService, Locate
from console.core.incidents.types import IncidentRules, IncidentType

__all__ = [
    "SYSTEM_ACTOR",
    "Attachment",
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
    "Note",
    "RulesError",
    "StorageError",
    "Verb",
    "load_incident_rules",
]
