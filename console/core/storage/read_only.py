"""A database that refuses every write but those of one trusted writer.

Review opens a scratch database that only the replay may fill: every other
INSERT, UPDATE or DELETE (an operator action, a patrol confirmation, a saved
fence) raises :class:`ReadOnlyError` before it reaches the database, whichever
service or thread tries it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from console.core.storage.engine import Database

_READS = ("SELECT", "PRAGMA", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "WITH")


class ReadOnlyError(PermissionError):
    """A write was tried on a read-only database; the message says why it is read-only."""


class WriteGate:
    """Guards ``database``: writes pass only inside :meth:`open` on the same thread."""

    def __init__(self, database: Database, reason: str) -> None:
        self.reason = reason
        self.refused = 0
        """Writes refused so far."""
        self._local = threading.local()
        event.listen(database.engine, "before_cursor_execute", self._check)

    @contextmanager
    def open(self) -> Iterator[None]:
        """Let this thread write while the block runs (the replay's own writes)."""
        depth = getattr(self._local, "depth", 0)
        self._local.depth = depth + 1
        try:
            yield
        finally:
            self._local.depth = depth

    def _check(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if getattr(self._local, "depth", 0):
            return
        if statement.lstrip()[:9].upper().startswith(_READS):
            return
        self.refused += 1
        raise ReadOnlyError(self.reason)
