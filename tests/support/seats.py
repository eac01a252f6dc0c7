"""Two consoles' case services on one PostgreSQL database, each with its own clock, bus and
listener (the multi-seat tests' fixture body)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from console.core.bus import EventBus
from console.core.clock import ManualClock
from console.core.events import Event, IncidentChanged
from console.core.incidents import IncidentRules, IncidentService
from console.core.storage import Database, open_database
from console.core.storage.announce import announce_changes
from console.core.storage.notify import RECONNECT_DELAYS_S, DatabaseChanges
from tests.support.cases import fixed_registry, locate


@dataclass
class Seat:
    """One console's storage, clock, bus, case service and listener."""

    console_id: str
    db: Database
    clock: ManualClock
    bus: EventBus
    service: IncidentService
    changes: DatabaseChanges

    def seen(self) -> list[IncidentChanged]:
        """Drain this console's bus; the IncidentChanged events delivered."""
        got: list[IncidentChanged] = []

        def keep(events: Sequence[Event]) -> None:
            got.extend(e for e in events if isinstance(e, IncidentChanged))

        handle = self.bus.subscribe(IncidentChanged, keep)
        self.bus.drain()
        handle.close()
        return got


def two_seats(
    pg_url: str, rules: IncidentRules, reconnect_delays: tuple[float, ...] = RECONNECT_DELAYS_S
) -> Iterator[tuple[Seat, Seat]]:
    """Consoles ``desk-a`` and ``desk-b`` listening to each other, closed after."""
    made: list[Seat] = []
    for console_id in ("desk-a", "desk-b"):
        db = open_database(pg_url)
        clock = ManualClock(start=5000.0)
        bus = EventBus(clock)
        service = IncidentService(db, bus, clock, locate, rules, fixed_registry())
        announce_changes(service, console_id)
        changes = DatabaseChanges(service, bus, console_id, reconnect_delays=reconnect_delays)
        changes.start()
        made.append(Seat(console_id, db, clock, bus, service, changes))
    for seat in made:
        assert seat.changes.wait_connects(1, 5.0)
    try:
        yield made[0], made[1]
    finally:
        for seat in made:
            seat.changes.close()
            seat.db.close()
