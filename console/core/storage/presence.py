"""Who else has a case open: presence shared between consoles through PostgreSQL NOTIFY.

A console announces ``open``/``close`` of a case by an operator, re-announces
what it has open every ``heartbeat_s`` (a heartbeat) and answers a newcomer's
``hello`` with what it has open. Every console keeps what it heard, so
``viewers(case_id)`` is an in-memory look (cheap enough for every frame); an
entry not heard again within ``expiry_s`` (a console that crashed or lost its
network) is dropped. Nothing is stored: presence is only about now.

On SQLite (one console) announcements go nowhere and nobody else is seen.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from console.core.clock import Clock
from console.core.incidents.model import StorageError
from console.core.storage.announce import PRESENCE_CHANNEL, is_shared, notify
from console.core.storage.engine import Database

log = logging.getLogger(__name__)

HEARTBEAT_S = 10.0
"""How often a console re-announces the cases it has open (seconds of its clock)."""
EXPIRY_S = 30.0
"""A viewer not heard of for this long is gone."""


@dataclass(frozen=True, slots=True)
class Viewer:
    """Someone on another console who has a case open."""

    operator: str
    console_id: str
    since: float
    """When this console first heard of it (its own clock)."""


class PresenceBoard:
    """This console's open cases, announced to the others, and theirs as heard.

    ``receive`` is fed the presence payloads (from :class:`DatabaseChanges`'s
    thread); ``tick`` (about once a second) sends due heartbeats and forgets
    silent viewers. ``clock`` is the one both intervals are read on. Presence is
    best effort: an announcement the database does not take is only logged.
    """

    def __init__(
        self,
        database: Database,
        console_id: str,
        clock: Clock,
        *,
        heartbeat_s: float = HEARTBEAT_S,
        expiry_s: float = EXPIRY_S,
    ) -> None:
        self.database = database
        self.console_id = console_id
        self.clock = clock
        self.heartbeat_s = heartbeat_s
        self.expiry_s = expiry_s
        self._lock = threading.Lock()
        self._mine: dict[int, str] = {}
        self._heard: dict[tuple[int, str, str], tuple[float, float]] = {}
        """(case, console, operator) -> (first heard, last heard)."""
        self._last_beat = clock.now()

    # ---- This console

    def open_case(self, case_id: int, operator: str) -> None:
        """``operator`` opened case ``case_id`` here: tell the others."""
        with self._lock:
            self._mine[case_id] = operator
        self._send([{"kind": "open", "case": case_id, "operator": operator}])

    def close_case(self, case_id: int) -> None:
        """The case is no longer open here: tell the others (no-op if it was not open)."""
        with self._lock:
            operator = self._mine.pop(case_id, None)
        if operator is not None:
            self._send([{"kind": "close", "case": case_id, "operator": operator}])

    def close_all(self) -> None:
        """Close every case open here (the console is stopping)."""
        with self._lock:
            cases = list(self._mine)
        for case_id in cases:
            self.close_case(case_id)

    def hello(self) -> None:
        """Ask the other consoles what they have open (at start)."""
        self._send([{"kind": "hello"}])

    def tick(self) -> None:
        """Send the heartbeat when due and forget viewers not heard of within the expiry."""
        now = self.clock.now()
        with self._lock:
            for key, (_first, last) in list(self._heard.items()):
                if now - last > self.expiry_s:
                    del self._heard[key]
            due = now - self._last_beat >= self.heartbeat_s
            if due:
                self._last_beat = now
        if due:
            self._announce_mine()

    # ---- The others

    def receive(self, payload: dict[str, Any]) -> None:
        """Take in one presence announcement (ours are ignored; malformed ones too)."""
        origin = payload.get("origin")
        kind = payload.get("kind")
        if not isinstance(origin, str) or origin == self.console_id:
            return
        if kind == "hello":
            self._announce_mine()
            return
        case_id, operator = payload.get("case"), payload.get("operator")
        if not isinstance(case_id, int) or not isinstance(operator, str) or not operator:
            return
        key = (case_id, origin, operator)
        now = self.clock.now()
        with self._lock:
            if kind == "close":
                self._heard.pop(key, None)
            elif kind == "open":
                first, _last = self._heard.get(key, (now, now))
                self._heard[key] = (first, now)

    def viewers(self, case_id: int) -> list[Viewer]:
        """Who on other consoles has ``case_id`` open now, earliest first."""
        now = self.clock.now()
        with self._lock:
            found = [
                Viewer(operator, console, first)
                for (case, console, operator), (first, last) in self._heard.items()
                if case == case_id and now - last <= self.expiry_s
            ]
        return sorted(found, key=lambda viewer: (viewer.since, viewer.operator))

    # ---- Internals

    def _announce_mine(self) -> None:
        with self._lock:
            mine = list(self._mine.items())
        self._send(
            [{"kind": "open", "case": case, "operator": operator} for case, operator in mine]
        )

    def _send(self, payloads: list[dict[str, Any]]) -> None:
        if not payloads or not is_shared(self.database):
            return
        try:
            with self.database.engine.begin() as connection:
                for payload in payloads:
                    notify(connection, PRESENCE_CHANNEL, {**payload, "origin": self.console_id})
        except (SQLAlchemyError, StorageError) as exc:
            # presence is best effort: the heartbeat tells the others again once it is back
            log.info("presence not announced: %s", exc)
