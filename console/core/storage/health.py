"""Whether the database answers: :class:`DatabaseHealth` notices an unreachable
database (a failed statement, a check), tells the status bar since when and why, and
turns a lost connection into a clear :class:`StorageError` so actions are refused."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy import event, text
from sqlalchemy.engine import ExceptionContext

from console.core.clock import Clock
from console.core.incidents.model import StorageError
from console.core.storage.engine import Database


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
            self.mark_down(first_line(exc))
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
        reason = first_line(context.original_exception)
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


def first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
