"""Opening a recording for review: the same core as live, fed by the recording.

:func:`build_review_core` assembles a :class:`~console.core.runtime.ConsoleCore`
whose source is a :class:`ReviewSource` and whose clock is a
:class:`ReplayClock`. Nothing in it can change live data: it never opens the
live database (its cases live in a scratch SQLite file, deleted on close, that
only the replay may write), and nothing that acts by itself (simulated crews,
colleagues, automatic rules, alarm intake, geofences, position history) is
attached. Everything those did live was recorded and is replayed instead.
"""

from __future__ import annotations

import functools
import logging
import tempfile
from dataclasses import replace
from pathlib import Path

from sqlalchemy import text

from console.core.alarms import AlarmFlood, load_alarm_flood_config
from console.core.bridges.config import load_bridge_monitoring
from console.core.bridges.enrich import CaseEnricher
from console.core.bridges.monitor import BridgeSafety, BridgeSafetyMonitor
from console.core.bus import EventBus
from console.core.city.loader import load_city
from console.core.incidents.automatic import AutomaticRules
from console.core.incidents.book import IncidentIntake
from console.core.paths import city_dir
from console.core.patrol import PatrolLog, load_patrol_book
from console.core.recording import RecordingReader
from console.core.recording.streams import Stream
from console.core.review.cases import ReviewCases
from console.core.review.clock import ReplayClock
from console.core.review.patrol import ReviewPatrol
from console.core.review.source import ReviewSource
from console.core.review.timeline import ReviewTimeline
from console.core.runtime import (
    ConsoleCore,
    CoreOptions,
    case_service,
    city_simulation,
    city_timezone,
    division_name,
    know_fleet,
)
from console.core.sites import load_sites
from console.core.storage.engine import Database, open_database
from console.core.storage.read_only import WriteGate
from console.core.units.board import UnitBoard

log = logging.getLogger(__name__)

READ_ONLY_REASON = "This is a recording under review: nothing in it can be changed."


class EmptyRecordingError(ValueError):
    """The folder holds no readable record."""


def build_review_core(folder: Path, options: CoreOptions | None = None) -> ConsoleCore:
    """A core that replays the recording in ``folder``, paused at its first moment.

    The recording's own ``recording.json`` names its city and simulation seed
    (used for plates and station positions); ``options`` fills what it does not say.
    """
    reader = RecordingReader(folder)
    span = reader.time_range()
    if span is None:
        reader.close()
        raise EmptyRecordingError(f"{folder} holds no readable recording")
    options = _options(reader, options or CoreOptions())
    directory = city_dir(options.city)
    city = load_city(directory)
    clock = ReplayClock(span[0], span[1], factor=1.0)
    bus = EventBus(clock)
    scratch = Path(tempfile.mkdtemp(prefix="review-"))
    database = open_database(f"sqlite:///{scratch / 'review.sqlite'}")
    gate = WriteGate(database, READ_ONLY_REASON)
    plan, units, incidents = case_service(city, directory, database, bus, clock)
    name_of = functools.partial(division_name, city)
    timeline = ReviewTimeline(reader.events_between(span[0], span[1], {Stream.EVENTS}))
    _drop_guards(database, gate)  # the scratch file's append-only rows are rebuilt at jumps
    cases = ReviewCases(database, gate, timeline)
    cases.attach(bus)  # before anything that reads cases from storage
    patrol = ReviewPatrol(database, gate, timeline)
    patrol.attach(bus)
    flood = AlarmFlood.build(database, clock, bus, load_alarm_flood_config(directory))
    board = UnitBoard(units, clock, incidents.get, plan.shifts, city_timezone(city), name_of)
    board.attach(bus)
    source = ReviewSource(reader, timeline, bus, clock, [cases, patrol])
    source.on_jump(lambda _at: board.load(incidents.list_open()))
    core = ConsoleCore(
        city,
        bus,
        clock,
        database,
        incidents,
        IncidentIntake(incidents, flood),  # not attached: the recorded cases are replayed
        source,
        units,
        plan,
        board,
        None,
        AutomaticRules(incidents),  # not attached
    )
    core.review = source
    core.sites = load_sites(directory, city)
    core.patrol_book = load_patrol_book(directory, core.sites)
    core.patrol_log = PatrolLog(database)
    _config, stepper = city_simulation(city, core.sites, options)
    know_fleet(core, stepper)
    monitoring = load_bridge_monitoring(directory, [b.bridge_id for b in city.bridges])
    monitor = BridgeSafetyMonitor(
        bus, monitoring, [s.station_id for s in core.sites.weigh_stations]
    )
    core.bridge_safety = BridgeSafety(monitor, CaseEnricher(incidents, monitor, core.sites))
    core.scratch_dir = scratch
    log.info(
        "reviewing %s: %d cases, %.1f h, %d problems",
        folder,
        len(timeline.versions),
        (span[1] - span[0]) / 3600.0,
        len(reader.problems),
    )
    return core


def _options(reader: RecordingReader, options: CoreOptions) -> CoreOptions:
    """``options`` with what the recording says it was made with."""
    meta = reader.meta
    city = meta.get("city")
    seed = meta.get("seed")
    return replace(
        options,
        city=city if isinstance(city, str) else options.city,
        seed=seed if isinstance(seed, int) else options.seed,
        colleague_share=0.0,
    )


def _drop_guards(database: Database, gate: WriteGate) -> None:
    """Drop the scratch database's triggers (the append-only guards of audit and patrol
    rows): review rebuilds those rows at every jump, and no one else may write."""
    with gate.open(), database.engine.begin() as connection:
        query = text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        for name in list(connection.execute(query).scalars()):
            connection.execute(text(f'DROP TRIGGER "{name}"'))
