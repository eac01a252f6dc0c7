"""Several consoles on one PostgreSQL database: change announcements and database health.

Each case write announces itself with ``pg_notify`` inside its own transaction
(:func:`announce_changes` installs that on the case service), so PostgreSQL tells
the other consoles only when it commits, and never a rolled-back change.
:class:`DatabaseChanges` is a thread per console that ``LISTEN``s, reads each
announced case and posts :class:`IncidentChanged` (with the case snapshot) on
the console's own bus, skipping what the console itself announced.
:class:`DatabaseHealth` tells whether the database answers (for the status bar)
and turns a lost connection into a clear :class:`StorageError`.

On SQLite (one console) announcing and listening are no-ops.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, event, text
from sqlalchemy.engine import ExceptionContext

from console.core.bus import EventBus
from console.core.clock import Clock
from console.core.events import IncidentChanged
from console.core.incidents.model import Incident, StorageError
from console.core.incidents.service import IncidentService
from console.core.incidents.snapshot import case_snapshot
from console.core.storage.engine import Database

log = logging.getLogger(__name__)

CASE_CHANNEL = "console_case_changed"
"""The NOTIFY channel every case write is announced on."""
PRESENCE_CHANNEL = "console_presence"
"""The NOTIFY channel of who has which case open (see :mod:`console.core.storage.presence`)."""
MAX_REASON_CHARS = 1000
"""Longer reasons are cut in the announcement (a NOTIFY payload is at most 8000 bytes)."""
RECONNECT_DELAYS_S = (0.2, 0.5, 1.0, 2.0, 5.0)
"""Waits between attempts to listen again after the connection is lost."""


def is_shared(database: Database) -> bool:
    """Whether ``database`` can be shared by several consoles (PostgreSQL)."""
    return database.engine.dialect.name == "postgresql"


def notify(connection: Connection, channel: str, payload: dict[str, Any]) -> None:
    """``pg_notify`` ``payload`` (JSON) on ``channel``; delivered when the transaction commits."""
    message = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    connection.execute(
        text("SELECT pg_notify(:channel, :payload)"), {"channel": channel, "payload": message}
    )


def announce_changes(service: IncidentService, console_id: str) -> None:
    """Make every case write of ``service`` announce itself to the other consoles (PostgreSQL)."""
    if not is_shared(service.db):
        return

    def stored(
        connection: Connection, case: Incident, action: str, actor: str, reason: str
    ) -> None:
        payload = {
            "case": case.id,
            "version": case.version,
            "action": action,
            "actor": actor,
            "reason": reason[:MAX_REASON_CHARS],
            "at": case.updated_at,
            "origin": console_id,
        }
        notify(connection, CASE_CHANNEL, payload)

    service.stored_hooks.append(stored)


@dataclass(frozen=True, slots=True)
class CaseAnnouncement:
    """One announced case write, as another console sent it."""

    case_id: int
    version: int
    action: str
    actor: str
    reason: str
    at: float
    origin: str

    @classmethod
    def parse(cls, payload: str) -> CaseAnnouncement:
        """The announcement in a NOTIFY payload (ValueError, KeyError or TypeError if malformed)."""
        data = json.loads(payload)
        return cls(
            case_id=int(data["case"]),
            version=int(data["version"]),
            action=str(data["action"]),
            actor=str(data["actor"]),
            reason=str(data.get("reason", "")),
            at=float(data["at"]),
            origin=str(data["origin"]),
        )


class DatabaseChanges:
    """Listens for other consoles' case writes and posts them on this console's bus.

    ``on_presence`` receives each presence payload (a dict) from the listening
    thread; ``health`` (optional) is told when the listening connection is lost
    and when it is back.
    """

    def __init__(
        self,
        service: IncidentService,
        bus: EventBus,
        console_id: str,
        *,
        health: DatabaseHealth | None = None,
        on_presence: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.service = service
        self.bus = bus
        self.console_id = console_id
        self.health = health
        self.on_presence = on_presence
        self.posted = 0
        """How many changes by other consoles were posted on the bus."""
        self.listening = threading.Event()
        """Set while the LISTEN connection is up."""
        self._posted_changed = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def shared(self) -> bool:
        """Whether there is anything to listen to (PostgreSQL)."""
        return is_shared(self.service.db)

    def start(self) -> None:
        """Start listening in a background thread (no-op on SQLite or when started)."""
        if not self.shared or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="database-changes", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop listening and wait for the thread (idempotent)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
            self._thread = None

    def _conninfo(self) -> str:
        url = self.service.db.engine.url.set(drivername="postgresql")
        return url.render_as_string(hide_password=False)

    def _run(self) -> None:
        import psycopg  # only PostgreSQL consoles need the driver

        attempt = 0
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo(), autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {CASE_CHANNEL}")
                    conn.execute(f"LISTEN {PRESENCE_CHANNEL}")
                    attempt = 0
                    if self.health is not None:
                        self.health.check()
                    self.listening.set()
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=0.25):
                            self._handle(note.channel, note.payload)
                        conn.execute("SELECT 1")  # notices a lost server at once
                        if self.health is not None and not self.health.state.ok:
                            self.health.check()  # the server answers again
            except psycopg.Error as exc:
                self.listening.clear()
                if self.health is not None:
                    self.health.mark_down(str(exc).strip().splitlines()[0] if str(exc) else "")
                delay = RECONNECT_DELAYS_S[min(attempt, len(RECONNECT_DELAYS_S) - 1)]
                attempt += 1
                self._stop.wait(delay)
        self.listening.clear()

    def _handle(self, channel: str, payload: str) -> None:
        try:
            if channel == PRESENCE_CHANNEL:
                if self.on_presence is not None:
                    self.on_presence(json.loads(payload))
                return
            self.receive(CaseAnnouncement.parse(payload))
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("ignored a malformed %s announcement %r: %s", channel, payload[:200], exc)

    def receive(self, announcement: CaseAnnouncement) -> bool:
        """Post one announced change on the bus (False: it was ours, or the case is gone)."""
        if announcement.origin == self.console_id:
            return False
        case = self.service.get(announcement.case_id)
        if case is None:
            return False
        self.bus.post(
            IncidentChanged(
                ts=announcement.at,
                incident_id=case.id,
                status=case.status.value,
                action=announcement.action,
                actor=announcement.actor,
                case=case_snapshot(case),
                reason=announcement.reason,
            )
        )
        with self._posted_changed:
            self.posted += 1
            self._posted_changed.notify_all()
        return True

    def wait_posted(self, count: int, timeout: float) -> bool:
        """Wait until at least ``count`` changes were posted (False on timeout)."""
        with self._posted_changed:
            return self._posted_changed.wait_for(lambda: self.posted >= count, timeout)


@dataclass(frozen=True, slots=True)
class HealthState:
    """Whether the database answers: ``ok``, since when it is down, and why."""

    ok: bool
    down_since: float | None = None
    reason: str = ""

    def describe(self) -> str:
        """A short line for the status bar."""
        return "database ok" if self.ok else f"database unreachable: {self.reason}"


class DatabaseHealth:
    """Notices an unreachable database (a failed statement, a check) and when it is back.

    While installed, a lost connection surfaces from any database call as
    :class:`StorageError` "the database is unreachable: ...", so an action taken
    while it is down is refused with that message.
    """

    def __init__(self, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock
        self._lock = threading.Lock()
        self._state = HealthState(ok=True)
        event.listen(database.engine, "handle_error", self._on_error)

    @property
    def state(self) -> HealthState:
        """The current state (thread-safe)."""
        with self._lock:
            return self._state

    def mark_down(self, reason: str) -> None:
        """Record that the database did not answer (the first time starts ``down_since``)."""
        with self._lock:
            since = self._state.down_since if not self._state.ok else self.clock.now()
            self._state = HealthState(ok=False, down_since=since, reason=reason or "no answer")

    def mark_up(self) -> None:
        """Record that the database answers again."""
        with self._lock:
            self._state = HealthState(ok=True)

    def check(self) -> HealthState:
        """Ask the database a trivial question now; the resulting state."""
        try:
            with self.database.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except StorageError:
            return self.state  # marked down by the error handler
        except Exception as exc:
            self.mark_down(_first_line(exc))
            return self.state
        self.mark_up()
        return self.state

    def refuse_if_down(self) -> None:
        """Raise :class:`StorageError` while the database is known to be unreachable."""
        state = self.state
        if not state.ok:
            raise StorageError(f"the database is unreachable: {state.reason}; nothing was changed")

    def close(self) -> None:
        """Stop watching the engine's errors (idempotent)."""
        if event.contains(self.database.engine, "handle_error", self._on_error):
            event.remove(self.database.engine, "handle_error", self._on_error)

    def _on_error(self, context: ExceptionContext) -> BaseException | None:
        if context.is_pre_ping or not _is_unreachable(context):
            return None
        reason = _first_line(context.original_exception)
        self.mark_down(reason)
        return StorageError(f"the database is unreachable: {reason}; nothing was changed")


def _is_unreachable(context: ExceptionContext) -> bool:
    """Whether the error means the server cannot be reached (not a refused statement)."""
    if context.is_disconnect:
        return True
    try:
        import psycopg
    except ImportError:  # a SQLite-only installation
        return False
    original = context.original_exception
    state = getattr(original, "sqlstate", "")
    if not isinstance(original, psycopg.OperationalError):
        return False
    # no SQLSTATE: the client could not connect; class 08: connection exception;
    # 57P01..57P03: the server is shutting down or starting
    return not state or state.startswith("08") or state in ("57P01", "57P02", "57P03")


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
