"""Rebuilding a case from its audit trail (review, and the proof that the trail is whole).

Every audit row keeps the fields its action wrote (``detail["values"]``); the
first row, ``reported``, keeps them all. Folding the rows in order gives the
case's stored fields, as JSON values, and its version.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from console.core.incidents.model import AuditEntry, IncidentError


def replay(trail: Sequence[AuditEntry]) -> dict[str, Any]:
    """The fields of a case rebuilt from its audit rows (oldest first), with its version."""
    if not trail or trail[0].action != "reported":
        raise IncidentError("an audit trail starts with the report of the case")
    fields: dict[str, Any] = {}
    for version, entry in enumerate(trail, start=1):
        values = entry.detail.get("values")
        if not isinstance(values, dict):
            raise IncidentError(f"audit row {entry.id} ({entry.action}) keeps no values")
        fields.update(values)
        fields["version"] = version
    return fields
