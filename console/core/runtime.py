"""Assembles the core of a running console: city, bus, clock, storage, incidents, sources.

Live, training and review differ only in the source and the clock handed in
here; the Qt layer builds its window on top of a :class:`ConsoleCore`.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import shutil
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from console.core.alarms import AlarmFlood, load_alarm_flood_config
from console.core.bridges.monitor import BridgeSafety, install_bridge_monitoring
from console.core.bus import EventBus
from console.core.city.city import City
from console.core.city.loader import load_city
from console.core.clock import CompressedClock, SpeedClock, WallClock
from console.core.geofence import GeofenceEngine, bridge_fences, load_bridge_fence_config
from console.core.geofence.store import load_fences
from console.core.history import HistoryRecorder, HistoryStore, load_history_config
from console.core.incidents.automatic import AutomaticRules
from console.core.incidents.book import IncidentIntake
from console.core.incidents.model import Incident
from console.core.incidents.rules import load_incident_rules
from console.core.incidents.service import IncidentService
from console.core.messages import MessageService
from console.core.paths import city_dir, user_data_dir
from console.core.patrol import PatrolBook, PatrolLog, load_patrol_book
from console.core.recording import Recorder
from console.core.search import SearchIndex, build_search_index, pinyin_romaniser
from console.core.sim import CitySimulation, SimulationSource, simulation_config
from console.core.sim.colleagues import SimulatedColleagues
from console.core.sim.config import SimulationConfig
from console.core.sim.geo import FloatArray
from console.core.sim.responders import SimulatedResponders
from console.core.sim.terminals import SimulatedTerminals
from console.core.sites import SiteRegistry, load_sites
from console.core.storage.announce import announce_changes
from console.core.storage.engine import Database, open_database
from console.core.storage.health import DatabaseHealth
from console.core.storage.notify import DatabaseChanges
from console.core.storage.presence import PresenceBoard
from console.core.units.board import UnitBoard
from console.core.units.divisions import division_info_for
from console.core.units.model import Recommendation
from console.core.units.plan import UnitPlan, load_unit_plan
from console.core.units.recommend import recommend_units
from console.core.units.registry import UnitRegistry

if TYPE_CHECKING:
    from console.core.feeds.source import MqttSource
    from console.core.region import RegionDesk
    from console.core.region.link import RegionLinks
    from console.core.review.source import ReviewSource

log = logging.getLogger(__name__)


class Source(Protocol):
    """What feeds the bus: the simulation, or a recording under review."""

    def start(self) -> None:
        """Begin posting."""
        ...

    def stop(self) -> None:
        """Stop posting (idempotent)."""
        ...


@dataclass(frozen=True, slots=True)
class CoreOptions:
    """What the command line decides about the core."""

    city: str = "bengbu"
    database_url: str | None = None
    seed: int = 552
    speed: float = 10.0
    start: float = 0.0
    """Simulated start time (epoch seconds)."""
    colleague_share: float = 0.7
    """Share of new cases the simulated colleague desks work (0: none)."""
    history_dir: Path | None = None
    """Where vehicle position history is kept (default: the user data folder's ``history``)."""
    recording_dir: Path | None = None
    """Where every bus event is recorded (None: no recording)."""
    quiet_city: bool = False
    """The simulation raises no alarm by itself (training: only the scenario does)."""
    bus_url: str | None = None
    """Take the city's feeds from this MQTT broker (``mqtt[s]://…``) instead of the
    built-in simulation; the field (crews, terminals, colleagues) is then not simulated."""
    console_id: str = ""
    """This console's name among several on one database ('': host name and process id)."""
    bus_options: tuple[tuple[str, str], ...] = ()
    """Broker login and TLS options (``username``, ``password``, ``ca_file``, ``cert_file``,
    ``key_file``, ``prefix``, ``client_id``) as name/value pairs."""
    neighbours: tuple[tuple[str, str], ...] = ()
    """Neighbouring centres' brokers (id, ``mqtt[s]://…``) beside those in ``region.json``."""


@dataclass(slots=True)
class ConsoleCore:
    """Everything below the window, wired together."""

    city: City
    bus: EventBus
    clock: SpeedClock
    database: Database
    incidents: IncidentService
    intake: IncidentIntake
    simulation: Source
    units: UnitRegistry
    plan: UnitPlan
    board: UnitBoard
    responders: SimulatedResponders | None
    automatic: AutomaticRules
    colleagues: SimulatedColleagues | None = None
    geofences: GeofenceEngine | None = None
    history: HistoryStore | None = None
    history_recorder: HistoryRecorder | None = None
    messages: MessageService | None = None
    terminals: SimulatedTerminals | None = None
    city_simulation: CitySimulation | None = None
    """The built-in simulation's stepper (for scripted faults), when it is the source."""
    plate_of: Callable[[int], str] | None = None
    """The licence plate of a vehicle id (from the source that knows the fleet)."""
    operator_of: Callable[[int], str] | None = None
    """The company operating a vehicle id (from the source that knows the fleet)."""
    iot_stations: tuple[FloatArray, FloatArray] | None = None
    """lon and lat of every IoT base station (station id = index)."""
    sites: SiteRegistry = field(default_factory=SiteRegistry)
    """Cameras, passenger stations and weigh stations."""
    patrol_book: PatrolBook | None = None
    """The city's shifts and camera tours."""
    patrol_log: PatrolLog | None = None
    """Who looked at which camera when, on patrol."""
    recorder: Recorder | None = None
    """Records every bus event to disk (when ``CoreOptions.recording_dir`` is set)."""
    review: ReviewSource | None = None
    """The recording this core replays (None: live); nothing can be changed then."""
    changes: DatabaseChanges | None = None
    """Case changes other consoles on the same PostgreSQL database made (LISTEN/NOTIFY)."""
    presence: PresenceBoard | None = None
    """Which cases the operators at other consoles have open."""
    health: DatabaseHealth | None = None
    """Whether the database can be reached (ok / down since / why)."""
    feed: MqttSource | None = None
    """The city's feeds from an MQTT broker (None: the built-in simulation or a recording)."""
    scratch_dir: Path | None = None
    """A folder of the core's own, deleted when it stops (review's scratch database)."""
    bridge_safety: BridgeSafety | None = None
    """The bridge safety monitor (levels, alarms, vessels) and the bridge case enricher."""
    region: RegionDesk | None = None
    """Hands cases to neighbouring centres and takes theirs (None under review)."""
    region_links: RegionLinks | None = None
    """Delivers the hand-offs and reports to the neighbours' brokers (None: none configured)."""
    _search: SearchIndex | None = None

    def start(self) -> None:
        """Start the sources and the listener for other consoles' changes."""
        self.simulation.start()
        if self.region_links is not None:
            self.region_links.start()
        if self.changes is not None:
            self.changes.start()
        if self.presence is not None:
            self.presence.hello()

    def step_automatic(self) -> None:
        """One step of what runs by itself: simulated crews, then the automatic case rules.

        Called on the GUI thread (about once a second of wall time); every
        change goes through the case service, audited.
        """
        if self.recorder is not None:
            self.recorder.poll()  # written out even while the bus is quiet
        if self.presence is not None:
            self.presence.tick()
        listening = self.changes is not None and self.changes.shared
        if self.health is not None and not self.health.state.ok and not listening:
            self.health.check()  # SQLite: no listener notices the way back
        if self.review is not None:
            return  # a recording shows what happened; nothing runs by itself
        if self.region is not None:
            self.region.retry_held()  # what came from neighbours while the database was down
        now = self.clock.now()
        if self.responders is not None:
            self.responders.step(now)
        if self.colleagues is not None:
            self.colleagues.step(now)
        if self.terminals is not None:
            self.terminals.step(now)
        if self.messages is not None:
            self.messages.fail_overdue()
        self.automatic.step()

    def search_index(self) -> SearchIndex:
        """The find index: divisions, bridges, units and every vehicle's plate (built once)."""
        if self._search is None:
            fleet = sum(self.city.fleet_counts.values())
            plate_of = self.plate_of
            plates = [plate_of(i) for i in range(fleet)] if plate_of is not None else []
            self._search = build_search_index(self.city, self.units, plates, pinyin_romaniser())
        return self._search

    def recommend(self, case: Incident) -> list[Recommendation]:
        """The best units for ``case`` now, best first, with reasons."""
        return recommend_units(case, self.incidents.type_of(case), self.units, self.board, limit=9)

    def stop(self) -> None:
        """Stop the sources, close subscriptions and the database (idempotent)."""
        self.simulation.stop()
        if self.region_links is not None:
            self.region_links.stop()
        if self.region is not None:
            self.region.close()
        if self.recorder is not None:
            self.bus.drain()  # what is still queued is recorded too
            self.recorder.close()
            self.recorder = None
        if self.geofences is not None:
            self.geofences.close()
        if self.responders is not None:
            self.responders.close()
        if self.colleagues is not None:
            self.colleagues.close()
        if self.terminals is not None:
            self.terminals.close()
        if self.messages is not None:
            self.messages.close()
        if self.history_recorder is not None:
            self.history_recorder.close()
            self.history_recorder = None
        if self.history is not None:
            self.history.close()  # writes the open hour; waits for the writer thread
            self.history = None
        if self.bridge_safety is not None:
            self.bridge_safety.close()
        self.automatic.close()
        self.board.close()
        self.intake.close()
        if self.presence is not None:
            self.presence.close_all()
        if self.changes is not None:
            self.changes.close()
        if self.health is not None:
            self.health.close()
        self.database.close()
        if self.scratch_dir is not None:
            shutil.rmtree(self.scratch_dir, ignore_errors=True)
            self.scratch_dir = None

    @property
    def timezone(self) -> str:
        """The city's time zone name (e.g. ``Asia/Shanghai``)."""
        return city_timezone(self.city)

    def name_of(self, code: str) -> str:
        """Display name of a division code (the code itself if unknown)."""
        return division_name(self.city, code)


def city_timezone(city: City) -> str:
    """The time zone the city's clocks are read in (``timezone`` in city.json; UTC if unset)."""
    return str(city.config.get("timezone", "UTC"))


def division_name(city: City, code: str) -> str:
    """Display name of a division code in ``city`` (the code itself if unknown)."""
    division = city.divisions.get(code)
    return division.name if division is not None else code


def build_core(
    options: CoreOptions, city_path: Path | None = None, clock: CompressedClock | None = None
) -> ConsoleCore:
    """Load the city, open storage and wire the bus, incidents and the simulation.

    ``clock`` (default: simulated time from ``options.start`` at ``options.speed``)
    is the one clock every part reads.
    """
    directory = city_path or city_dir(options.city)
    city = load_city(directory)
    clock = clock or CompressedClock(start=options.start, factor=options.speed)
    bus = EventBus(clock)
    database = open_database(options.database_url)
    log.info("database: %s (schema %s)", database.describe(), database.schema_version)

    plan, units, incidents = case_service(city, directory, database, bus, clock)
    name_of = functools.partial(division_name, city)
    flood = AlarmFlood.build(database, clock, bus, load_alarm_flood_config(directory))
    intake = IncidentIntake(incidents, flood)
    intake.attach(bus)
    open_cases = incidents.list_open()
    board = UnitBoard(units, clock, incidents.get, plan.shifts, city_timezone(city), name_of)
    board.attach(bus)
    board.load(open_cases)
    simulated_field = options.bus_url is None
    responders: SimulatedResponders | None = None
    if simulated_field:
        responders = SimulatedResponders(incidents, board, bus, seed=options.seed)
        responders.attach()
        responders.load(open_cases)
    automatic = AutomaticRules(incidents)
    automatic.attach(bus)
    automatic.load(open_cases)
    sites = load_sites(directory, city)
    config, stepper = city_simulation(city, sites, options)
    feed = broker_source(options, bus, clock, city) if options.bus_url is not None else None
    simulation: Source = feed or SimulationSource(stepper, bus, clock, bbox=city.bbox)
    core = ConsoleCore(
        city,
        bus,
        clock,
        database,
        incidents,
        intake,
        simulation,
        units,
        plan,
        board,
        responders,
        automatic,
    )
    core.sites = sites
    core.feed = feed
    share_database(core, options)
    join_region(core, options, directory)
    core.patrol_book = load_patrol_book(directory, sites)
    core.patrol_log = PatrolLog(database, bus)
    core.bridge_safety = install_bridge_monitoring(core, config.bridge_monitoring)
    know_fleet(core, stepper)
    fence_file = directory / "geofences.json"
    fixed_fences = (
        bridge_fences(city.bridges, load_bridge_fence_config(fence_file))
        if fence_file.exists()
        else []
    )
    core.geofences = GeofenceEngine(fixed_fences + load_fences(database))
    core.geofences.attach(bus)
    core.history = HistoryStore(
        options.history_dir or user_data_dir() / "history",
        load_history_config(directory / "history.json"),
    )
    core.history_recorder = HistoryRecorder(core.history)
    core.history_recorder.attach(bus)
    core.messages = MessageService(database, bus, clock)
    core.messages.attach()
    if simulated_field:
        core.terminals = SimulatedTerminals(bus, seed=options.seed)
        core.terminals.attach()
    if options.colleague_share > 0 and simulated_field:
        colleagues = SimulatedColleagues(
            incidents, core.recommend, seed=options.seed, share=options.colleague_share
        )
        colleagues.attach(bus)
        colleagues.load(open_cases)
        core.colleagues = colleagues
    if options.recording_dir is not None:
        meta = {"city": options.city, "seed": options.seed, "speed": options.speed}
        core.recorder = Recorder(options.recording_dir, clock, meta=meta)
        core.recorder.attach(bus)  # a crash's torn tail is reported in recorder.problems
    return core


def case_service(
    city: City, directory: Path, database: Database, bus: EventBus, clock: SpeedClock
) -> tuple[UnitPlan, UnitRegistry, IncidentService]:
    """The city's unit plan, its units and the case service on ``database``."""
    rules = load_incident_rules(directory / "incident_types.json")
    plan = load_unit_plan(city, directory)
    units = UnitRegistry(
        plan.units, division_info_for(city), rules.office_suffix, rules.office_suffix_zh
    )
    name_of = functools.partial(division_name, city)
    return plan, units, IncidentService(database, bus, clock, city.lookup, rules, units, name_of)


def city_simulation(
    city: City, sites: SiteRegistry, options: CoreOptions
) -> tuple[SimulationConfig, CitySimulation]:
    """The built-in simulation of ``city`` (its fleet, plates, stations) for ``options``."""
    config = simulation_config(
        city.directory,
        city.boundary,
        [(b.bridge_id, b.lon, b.lat) for b in city.bridges],
        city.fleet_counts,
        iot_station_count=city.iot_base_stations,
        hotline_calls_per_day=city.hotline_calls_per_day,
        seed=options.seed,
        time_compression=options.speed,
        weigh_stations=[(s.station_id, s.lon, s.lat) for s in sites.weigh_stations],
    )
    if options.quiet_city:
        config = dataclasses.replace(
            config,
            thefts_per_day=0.0,
            hotline_calls_per_day=0.0,
            violations_per_hour=0.0,
            off_course_vessels_per_bridge_week=0.0,
            weigh_station_overload_share=0.0,
            heavy_over_legal_share=0.0,
        )
    return config, CitySimulation(config, start=options.start)


def know_fleet(core: ConsoleCore, stepper: CitySimulation) -> None:
    """Let ``core`` name the simulated fleet: plates, operators, IoT stations."""
    core.city_simulation = stepper
    core.plate_of = stepper.plate
    core.operator_of = stepper.operator
    core.iot_stations = (stepper.iot.lon, stepper.iot.lat)


def broker_source(options: CoreOptions, bus: EventBus, clock: SpeedClock, city: City) -> MqttSource:
    """The MQTT source of ``options.bus_url`` for ``city`` (its feeds checked against its area)."""
    from console.core.feeds.broker import parse_broker_url  # paho only where a broker is used
    from console.core.feeds.source import MqttSource

    assert options.bus_url is not None
    settings = parse_broker_url(options.bus_url, **dict(options.bus_options))
    return MqttSource(settings, bus, clock, bbox=city.bbox)


def share_database(core: ConsoleCore, options: CoreOptions) -> None:
    """Let ``core`` work beside other consoles on its database: announce each case change
    in its transaction, follow theirs, tell who has which case open, watch the database's
    health (on SQLite the announcing and listening do nothing)."""
    console_id = console_name(options)
    core.health = DatabaseHealth(core.database, core.clock)
    core.presence = PresenceBoard(core.database, console_id, WallClock())  # real seconds
    announce_changes(core.incidents, console_id)
    core.changes = DatabaseChanges(
        core.incidents,
        core.bus,
        console_id,
        health=core.health,
        on_presence=core.presence.receive,
    )


def console_name(options: CoreOptions) -> str:
    """This console's name among several on one database (host name and process id)."""
    return options.console_id or f"{socket.gethostname()}-{os.getpid()}"


def join_region(core: ConsoleCore, options: CoreOptions, directory: Path) -> None:
    """Let ``core`` hand cases to the neighbouring centres of ``region.json`` and take
    theirs. On a broker this centre is its feed prefix; its neighbours' brokers come from
    the file and ``options.neighbours``."""
    from console.core.region import Centre, load_region
    from console.core.region.desk import RegionDesk

    city = core.city
    own = Centre(city.code, city.name, city.name_en, city.code)
    config = load_region(directory, fallback=own).with_brokers(dict(options.neighbours))
    if core.feed is not None:
        config = config.as_centre(core.feed.settings.prefix)
    links = None
    if any(centre.broker for centre in config.neighbours):
        from console.core.region.link import RegionLinks  # paho only where a broker is used

        links = RegionLinks(config, core.database, WallClock(), console_name(options))
    core.region = RegionDesk(
        config,
        core.incidents,
        core.bus,
        core.clock,
        wake=links.wake if links is not None else lambda: None,
        database_ok=lambda: core.health is None or core.health.state.ok,
    )
    core.region.attach()
    core.region_links = links
