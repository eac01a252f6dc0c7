"""Following cases on the bus: each changed case, re-read from storage, handed to a subclass."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from console.core.bus import Delivery, EventBus, Subscription
from console.core.events import Event, IncidentChanged
from console.core.incidents.model import Incident

ReadCase = Callable[[int], Incident | None]
"""Reads the stored case of an id (None if there is none)."""


class CaseFollower:
    """Base of whatever keeps a plan per case: told of every case as stored after a change."""

    def __init__(self, read_case: ReadCase, name: str) -> None:
        self._read_case = read_case
        self._name = name
        self._handles: list[Subscription] = []

    def attach(self, bus: EventBus) -> list[Subscription]:
        """Follow case changes on ``bus``; returns the handle."""
        handle = bus.subscribe(IncidentChanged, self._on_changed, Delivery.BATCH, name=self._name)
        self._handles.append(handle)
        return [handle]

    def close(self) -> None:
        """Stop following case changes."""
        for handle in self._handles:
            handle.close()
        self._handles.clear()

    def load(self, cases: Sequence[Incident]) -> None:
        """Take in ``cases`` as they are (the open cases at start-up)."""
        for case in cases:
            self.on_case(case)

    def on_case(self, case: Incident) -> None:
        """A case as stored now; subclasses plan what to do with it."""
        raise NotImplementedError

    def _on_changed(self, events: Sequence[Event]) -> None:
        for case_id in {e.incident_id for e in events if isinstance(e, IncidentChanged)}:
            case = self._read_case(case_id)
            if case is not None:
                self.on_case(case)
