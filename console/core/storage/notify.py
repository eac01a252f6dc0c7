"""Several consoles on one PostgreSQL database: listening to each other's changes, the catch-up.

Each case write announces itself in its own transaction
(:mod:`console.core.storage.announce`). :class:`DatabaseChanges` is a thread per
console that ``LISTEN``s, reads each announced case and posts
:class:`IncidentChanged` (with the case snapshot) on the console's own bus,
skipping what the console itself announced (its
:class:`~console.core.storage.health.DatabaseHealth` learns of a lost connection).

NOTIFYs sent while the listener is away (a server restart, a network cut) are
lost, so after every (re)connect the listener catches up: it ``LISTEN``s first,
then reads the audit rows written since the newest one it knew of, and posts
each other console's change it has not posted yet, exactly as a notification
would have. Nothing falls between the two: what commits after the ``LISTEN`` is
notified, what committed before it is read.

On SQLite (one console) announcing and listening are no-ops.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from console.core.bus import EventBus
from console.core.events import IncidentChanged
from console.core.incidents.model import Incident, StorageError, reason_in
from console.core.incidents.service import IncidentService
from console.core.incidents.snapshot import case_snapshot
from console.core.storage.announce import (
    CASE_CHANNEL,
    MAX_REASON_CHARS,
    PRESENCE_CHANNEL,
    CaseAnnouncement,
    CaseAnnouncer,
    ChangeKey,
    OwnWrites,
    is_shared,
)
from console.core.storage.health import DatabaseHealth, first_line
from console.core.storage.schema import audit

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)

RECONNECT_DELAYS_S = (0.2, 0.5, 1.0, 2.0, 5.0)
"""Waits between attempts to listen again after the connection is lost."""
HOLES_KEPT = 1_000
"""How many skipped audit ids (writes still committing at a catch-up) are looked at again."""

CATCH_UP_SQL = """
SELECT a.id, a.incident_id, a.at, a.actor, a.action, a.detail,
       (SELECT count(*) FROM audit b WHERE b.incident_id = a.incident_id AND b.id <= a.id)
FROM audit a
WHERE a.id > %(mark)s OR a.id = ANY(%(holes)s::integer[])
ORDER BY a.id
"""
"""Audit rows after ``mark`` (and the skipped ids ``holes``), each with the case version it made.

Every write stores one audit row and raises the case's version by one, in one
transaction, so the n-th audit row of a case made version n.
"""


class DatabaseChanges:
    """Listens for other consoles' case writes and posts them on this console's bus.

    ``on_presence`` receives each presence payload (a dict) from the listening
    thread; ``health`` (optional) is told when the listening connection is lost
    and when it is back. Changes committed after construction are never missed:
    after each (re)connect what was written meanwhile is caught up (see the
    module), and no change is posted twice.
    """

    def __init__(
        self,
        service: IncidentService,
        bus: EventBus,
        console_id: str,
        *,
        health: DatabaseHealth | None = None,
        on_presence: Callable[[dict[str, Any]], None] | None = None,
        reconnect_delays: Sequence[float] = RECONNECT_DELAYS_S,
    ) -> None:
        self.service = service
        self.bus = bus
        self.console_id = console_id
        self.health = health
        self.on_presence = on_presence
        self.reconnect_delays = tuple(reconnect_delays) or RECONNECT_DELAYS_S
        self.application_name = f"console-listener {console_id}"[:63]
        """How the listening connection names itself to the server (pg_stat_activity)."""
        self.posted = 0
        """How many changes by other consoles were posted on the bus."""
        self.caught_up = 0
        """How many of those a catch-up found (written while the listener was away)."""
        self.connects = 0
        """How many times the listener connected (and caught up)."""
        self.losses = 0
        """How many times the listening connection was lost or could not be made."""
        self.listening = threading.Event()
        """Set while the LISTEN connection is up."""
        self._changed = threading.Condition()
        self._posted_versions: dict[int, int] = {}
        self._own = self._own_writes() if self.shared else None
        self._holes: list[int] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._mark = self._newest_audit_id() if self.shared else None

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

    def receive(self, announcement: CaseAnnouncement) -> bool:
        """Post one announced change on the bus (False: it was ours, was posted already,
        or the case is gone)."""
        if announcement.origin == self.console_id or self._is_own(announcement.key):
            return False
        if self._was_posted(announcement):
            return False
        return self._post(announcement, self.service.get(announcement.case_id))

    def wait_posted(self, count: int, timeout: float) -> bool:
        """Wait until at least ``count`` changes were posted (False on timeout)."""
        return self._wait(lambda: self.posted >= count, timeout)

    def wait_connects(self, count: int, timeout: float) -> bool:
        """Wait until the listener connected and caught up ``count`` times (False on timeout)."""
        return self._wait(lambda: self.connects >= count, timeout)

    def wait_losses(self, count: int, timeout: float) -> bool:
        """Wait until the listening connection was lost ``count`` times (False on timeout)."""
        return self._wait(lambda: self.losses >= count, timeout)

    # ---- The listening thread

    def _conninfo(self) -> str:
        url = self.service.db.engine.url.set(drivername="postgresql")
        return url.render_as_string(hide_password=False)

    def _run(self) -> None:
        import psycopg  # only PostgreSQL consoles need the driver

        attempt = 0
        while not self._stop.is_set():
            try:
                with psycopg.connect(
                    self._conninfo(),
                    autocommit=True,
                    connect_timeout=5,
                    application_name=self.application_name,
                ) as conn:
                    conn.execute(f"LISTEN {CASE_CHANNEL}")
                    conn.execute(f"LISTEN {PRESENCE_CHANNEL}")
                    self._catch_up(conn)  # after LISTEN: later commits are notified
                    attempt = 0
                    if self.health is not None:
                        self.health.check()
                    self._count_connect()
                    self.listening.set()
                    self._follow(conn)
                continue  # stopped
            except psycopg.OperationalError as exc:
                if self.health is not None:
                    self.health.mark_down(first_line(exc))
            except (psycopg.Error, SQLAlchemyError, StorageError) as exc:
                # a read that failed (the cases are read through the console's own pool):
                # listen again; the catch-up brings what was missed
                log.warning("listening for other consoles' changes again: %s", first_line(exc))
            self.listening.clear()
            with self._changed:
                self.losses += 1
                self._changed.notify_all()
            delays = self.reconnect_delays
            self._stop.wait(delays[min(attempt, len(delays) - 1)])
            attempt += 1
        self.listening.clear()

    def _follow(self, conn: psycopg.Connection[Any]) -> None:
        while not self._stop.is_set():
            for note in conn.notifies(timeout=0.25):
                self._handle(note.channel, note.payload)
            conn.execute("SELECT 1")  # notices a lost server at once
            if self.health is not None and not self.health.state.ok:
                self.health.check()  # the server answers again

    def _handle(self, channel: str, payload: str) -> None:
        try:
            if channel == PRESENCE_CHANNEL:
                if self.on_presence is not None:
                    self.on_presence(json.loads(payload))
                return
            self.receive(CaseAnnouncement.parse(payload))
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("ignored a malformed %s announcement %r: %s", channel, payload[:200], exc)

    def _catch_up(self, conn: psycopg.Connection[Any]) -> None:
        """Post the other consoles' writes stored since the newest audit row known."""
        if self._mark is None:  # the database did not answer at construction: start from now
            row = conn.execute("SELECT coalesce(max(id), 0) FROM audit").fetchone()
            self._mark = int(row[0]) if row is not None else 0
            return
        rows = conn.execute(CATCH_UP_SQL, {"mark": self._mark, "holes": self._holes}).fetchall()
        cases: dict[int, Incident | None] = {}
        for _audit_id, case_id, at, actor, action, detail, version in rows:
            announcement = CaseAnnouncement(
                case_id=case_id,
                version=int(version),
                action=action,
                actor=actor,
                reason=_reason_in(detail),
                at=at,
                origin="",
            )
            if self._is_own(announcement.key) or self._was_posted(announcement):
                continue
            if case_id not in cases:
                cases[case_id] = self.service.get(case_id)
            if self._post(announcement, cases[case_id]):
                with self._changed:
                    self.caught_up += 1
        self._advance_mark([int(row[0]) for row in rows])

    def _advance_mark(self, fetched_ids: list[int]) -> None:
        """Move the mark to the newest row read; ids skipped below it are writes that were
        still committing (or were rolled back): they are looked at again next time."""
        assert self._mark is not None
        fetched = set(fetched_ids)
        newest = max(fetched, default=self._mark)
        skipped = (i for i in range(self._mark + 1, newest) if i not in fetched)
        holes = [i for i in self._holes if i not in fetched]
        holes.extend(skipped)
        self._holes = holes[-HOLES_KEPT:]
        self._mark = max(newest, self._mark)

    # ---- Bookkeeping

    def _newest_audit_id(self) -> int | None:
        """The newest audit row now (None: the database did not answer)."""
        try:
            with self.service.db.engine.connect() as connection:
                newest = connection.execute(select(func.coalesce(func.max(audit.c.id), 0)))
                return int(newest.scalar_one())
        except (SQLAlchemyError, StorageError) as exc:
            log.warning("could not read the newest case change: %s", first_line(exc))
            return None

    def _own_writes(self) -> OwnWrites:
        """Where this console's writes are remembered (the announcer's, else a hook of ours)."""
        for hook in self.service.stored_hooks:
            if isinstance(hook, CaseAnnouncer):
                return hook.own
            if isinstance(hook, OwnWrites):
                return hook
        own = OwnWrites()
        self.service.stored_hooks.append(own)
        return own

    def _is_own(self, key: ChangeKey) -> bool:
        return self._own is not None and key in self._own

    def _was_posted(self, announcement: CaseAnnouncement) -> bool:
        with self._changed:
            return announcement.version <= self._posted_versions.get(announcement.case_id, 0)

    def _post(self, announcement: CaseAnnouncement, case: Incident | None) -> bool:
        """Post ``announcement`` with ``case`` as stored now, unless that version was posted
        (a case's writes come in version order, by notification and by catch-up)."""
        if case is None:
            return False
        with self._changed:
            if announcement.version <= self._posted_versions.get(case.id, 0):
                return False
            self._posted_versions[case.id] = announcement.version
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
            self.posted += 1
            self._changed.notify_all()
        return True

    def _count_connect(self) -> None:
        with self._changed:
            self.connects += 1
            self._changed.notify_all()

    def _wait(self, ready: Callable[[], bool], timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(ready, timeout)


def _reason_in(detail: str) -> str:
    """The reason of an audit row's detail, as its announcement carried it."""
    try:
        params = json.loads(detail).get("params", {})
    except (ValueError, AttributeError):
        return ""
    return reason_in(params)[:MAX_REASON_CHARS] if isinstance(params, dict) else ""
