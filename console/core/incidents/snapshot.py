"""A case as one JSON text (the ``case`` of :class:`~console.core.events.IncidentChanged`).

The text holds the case's stored column values, exactly as the case table keeps
them, so a recording can rebuild the queue as it was at any moment and a reader
needs nothing but the text.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from console.core.incidents.model import Incident, IncidentError
from console.core.incidents.store import to_columns, to_incident

SNAPSHOT_FIELDS = tuple(f.name for f in dataclasses.fields(Incident))


def case_snapshot(incident: Incident) -> str:
    """``incident`` as the JSON text of its stored columns."""
    return json.dumps(incident_columns(incident), ensure_ascii=False, separators=(",", ":"))


def incident_columns(incident: Incident) -> dict[str, Any]:
    """``incident``'s values as the case table stores them."""
    return to_columns({name: getattr(incident, name) for name in SNAPSHOT_FIELDS})


def case_columns(text: str) -> dict[str, Any]:
    """The stored column values a snapshot holds (:class:`IncidentError` if malformed)."""
    try:
        columns = json.loads(text)
    except ValueError as exc:
        raise IncidentError(f"malformed case snapshot: {exc}") from None
    if not isinstance(columns, dict) or not isinstance(columns.get("id"), int):
        raise IncidentError("a case snapshot is a JSON object with an integer id")
    return columns


def case_from_snapshot(text: str) -> Incident:
    """The case a snapshot holds (:class:`IncidentError` if malformed)."""
    try:
        return to_incident(case_columns(text))  # type: ignore[arg-type]
    except (KeyError, TypeError, ValueError) as exc:
        raise IncidentError(f"incomplete case snapshot: {exc}") from None
