"""Shelving: an operator holds back a noisy alarm source for a stated time, with a reason.

While a source is shelved its alarms open no case and do not count toward the
operator's alarm rate, but each one is kept with its payload (``alarm_log``,
disposition ``shelved``): nothing is lost. Shelving, unshelving early and
expiry are each written with who, when and why to the shelf's append-only trail
(``shelf_events``). A shelf expires by the injected clock: once its time is up
the next alarm from the source opens a case again; the expiry itself is written
to the trail (actor ``system``) the next time the shelves are looked at.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError

from console.core.alarms import store
from console.core.alarms.keys import describe_source_key
from console.core.alarms.store import Disposition, LoggedAlarm, Shelf, ShelfEvent
from console.core.clock import Clock
from console.core.storage.engine import Database

log = logging.getLogger(__name__)

SYSTEM_ACTOR = "system"
"""The actor written for an expiry (the console's own actor name for what it does itself)."""
MAX_REASON_LENGTH = 500
MAX_ACTOR_LENGTH = 128

Listener = Callable[[], None]
"""Called after this book shelved, unshelved or expired a source."""


class ShelvingError(ValueError):
    """A shelving request that is not allowed (no reason, too long, already shelved ...)."""


class ShelfBook:
    """Shelves and unshelves alarm sources; answers which sources are shelved now."""

    def __init__(self, db: Database, clock: Clock, max_duration_s: float = 12 * 3600.0) -> None:
        self.db = db
        self.clock = clock
        self.max_duration_s = max_duration_s
        self._listeners: list[Listener] = []

    # ---- Commands

    def shelve(
        self, source_key: str, duration_s: float, reason: str, actor: str, label: str = ""
    ) -> Shelf:
        """Shelve ``source_key`` for ``duration_s`` seconds from now, audited.

        Refused (:class:`ShelvingError`) without a reason or an actor, for a
        duration that is not positive or longer than the maximum, and for a
        source already shelved (unshelve it first).
        """
        source_key = source_key.strip()
        reason = reason.strip()
        actor = _checked_actor(actor)
        if not source_key:
            raise ShelvingError("only an alarm source can be shelved")
        if not reason:
            raise ShelvingError("say why the source is shelved")
        if len(reason) > MAX_REASON_LENGTH:
            raise ShelvingError(f"the reason is longer than {MAX_REASON_LENGTH} characters")
        if not 0 < duration_s <= self.max_duration_s:
            raise ShelvingError(
                f"a source is shelved for more than 0 and at most "
                f"{self.max_duration_s / 3600:g} h (asked {duration_s / 60:g} min)"
            )
        now = self.clock.now()
        label = label.strip() or describe_source_key(source_key)
        with self.db.engine.begin() as connection:
            current = store.active_shelf(connection, source_key, now)
            if current is not None:
                raise ShelvingError(
                    f"{current.label} is already shelved by {current.shelved_by} "
                    f"for {(current.until - now) / 60:.0f} more min; unshelve it first"
                )
            values = {
                "source_key": source_key,
                "label": label,
                "reason": reason,
                "shelved_by": actor,
                "shelved_at": now,
                "until": now + duration_s,
            }
            shelf_id = store.insert_shelf(connection, values)
            detail = {"source_key": source_key, "reason": reason, "until": now + duration_s}
            store.insert_shelf_event(connection, shelf_id, now, actor, "shelved", detail)
            shelf = store.read_shelf(connection, shelf_id)
        assert shelf is not None
        self._tell()
        return shelf

    def unshelve(self, shelf_id: int, actor: str, reason: str = "") -> Shelf:
        """End shelf ``shelf_id`` now (before its time), audited; refused if it has ended."""
        actor = _checked_actor(actor)
        reason = reason.strip()[:MAX_REASON_LENGTH]
        now = self.clock.now()
        with self.db.engine.begin() as connection:
            shelf = store.read_shelf(connection, shelf_id)
            if shelf is None:
                raise ShelvingError(f"there is no shelf {shelf_id}")
            if not shelf.is_active(now):
                raise ShelvingError(f"{shelf.label} is no longer shelved")
            store.end_shelf(connection, shelf_id, now, actor, reason or "unshelved early")
            detail = {"source_key": shelf.source_key, "reason": reason, "was_until": shelf.until}
            store.insert_shelf_event(connection, shelf_id, now, actor, "unshelved", detail)
            ended = store.read_shelf(connection, shelf_id)
        assert ended is not None
        self._tell()
        return ended

    def expire_due(self) -> list[Shelf]:
        """Write the expiry of every shelf whose time is up (actor ``system``, at its end)."""
        now = self.clock.now()
        expired: list[Shelf] = []
        with self.db.engine.begin() as connection:
            for shelf in store.lapsed_shelves(connection, now):
                if store.end_shelf(connection, shelf.id, shelf.until, SYSTEM_ACTOR, "expired"):
                    detail = {"source_key": shelf.source_key, "until": shelf.until}
                    store.insert_shelf_event(
                        connection, shelf.id, shelf.until, SYSTEM_ACTOR, "expired", detail
                    )
                    expired.append(shelf)
        if expired:
            self._tell()
        return expired

    def keep_alarm(
        self, shelf: Shelf, topic: str, alarm_id: str, at: float, payload: Mapping[str, Any]
    ) -> bool:
        """Keep an alarm held back by ``shelf``; False if that alarm was kept before."""
        try:
            with self.db.engine.begin() as connection:
                store.insert_logged_alarm(
                    connection,
                    topic=topic,
                    alarm_id=alarm_id,
                    source_key=shelf.source_key,
                    at=at,
                    received_at=self.clock.now(),
                    disposition=Disposition.SHELVED,
                    payload=payload,
                    shelf_id=shelf.id,
                )
        except IntegrityError:
            with self.db.engine.connect() as connection:
                if store.is_logged(connection, topic, alarm_id):
                    return False
            raise
        return True

    # ---- Reading

    def shelf_for(self, source_key: str) -> Shelf | None:
        """The shelf holding back ``source_key`` now, or None."""
        with self.db.engine.connect() as connection:
            return store.active_shelf(connection, source_key, self.clock.now())

    def active(self) -> list[Shelf]:
        """Every shelf in force now, soonest to expire first (expiries are written first)."""
        self.expire_due()
        with self.db.engine.connect() as connection:
            return store.active_shelves(connection, self.clock.now())

    def recent(self, limit: int = 50) -> list[Shelf]:
        """The most recently made shelves (in force or ended), newest first."""
        with self.db.engine.connect() as connection:
            return store.recent_shelves(connection, limit)

    def trail(self, shelf_id: int) -> list[ShelfEvent]:
        """Everything done to shelf ``shelf_id``, oldest first."""
        with self.db.engine.connect() as connection:
            return store.shelf_event_rows(connection, shelf_id)

    def held_back(self, shelf_id: int) -> list[LoggedAlarm]:
        """The alarms shelf ``shelf_id`` held back, oldest first, with their payloads."""
        with self.db.engine.connect() as connection:
            return store.logged_alarms(connection, shelf_id=shelf_id)

    def held_back_counts(self, shelf_ids: list[int]) -> dict[int, int]:
        """How many alarms each shelf held back (0 for none)."""
        with self.db.engine.connect() as connection:
            found = store.logged_counts(connection, shelf_ids)
        return {shelf_id: found.get(shelf_id, 0) for shelf_id in shelf_ids}

    def held_back_since(self, since: float) -> int:
        """How many alarms from shelved sources were kept from ``since`` on."""
        with self.db.engine.connect() as connection:
            return store.shelved_count_since(connection, since)

    # ---- Listeners

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener`` after every change this book makes."""
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        """Stop calling ``listener``."""
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _tell(self) -> None:
        for listener in list(self._listeners):
            try:
                listener()
            except Exception:
                log.exception("a shelf listener failed")


def _checked_actor(actor: str) -> str:
    actor = actor.strip()
    if not actor:
        raise ShelvingError("every shelving action needs a named actor")
    if len(actor) > MAX_ACTOR_LENGTH:
        raise ShelvingError(f"actor name longer than {MAX_ACTOR_LENGTH} characters")
    return actor
