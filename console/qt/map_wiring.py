"""Connects the map's selection and actions to the rest of the console.

The queue and the map share one :class:`SelectionHub`: selecting a case in the
queue rings and centres it on the map, and selecting a case on the map selects
its row (and so shows it in the case pane). The map's actions call the same
commands as the menus: the Case menu's report and dispatch, the Vehicles menu's
follow and message, the Trajectory pane.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, QSettings

from console.core.incidents.model import Incident
from console.core.runtime import ConsoleCore
from console.core.selection import MapObject, ObjectKind
from console.qt.basemap import Basemap
from console.qt.basemap_dialog import install_basemap_menu
from console.qt.camera_window import open_camera
from console.qt.case_wiring import CaseWorkflow
from console.qt.incident_markers import IncidentMarkers
from console.qt.layer_wiring import LayerWiring, install_layer_panel
from console.qt.main_window import MainWindow
from console.qt.map_actions import MapActions, MapCommands
from console.qt.map_objects import FixedSites, MapObjects, OpenCases
from console.qt.map_selection import MapSelection
from console.qt.panes.incident_queue import IncidentQueuePane
from console.qt.panes.map_pane import MapPane
from console.qt.panes.trajectory import TrajectoryPane
from console.qt.panes.video_wall import VideoWallPane
from console.qt.selection import SelectionHub
from console.qt.selection_cards import CardMaker
from console.qt.vehicle_menu import VehicleMenu
from console.qt.zone_tools import ZoneTools, install_zone_tools

QUEUE = "queue"
STATUS_MS = 6000


@dataclass(frozen=True, slots=True)
class MapParts:
    """The window's parts the map's tools work with."""

    window: MainWindow
    core: ConsoleCore
    map_pane: MapPane
    queue: IncidentQueuePane
    workflow: CaseWorkflow
    vehicles: VehicleMenu
    trajectory: TrajectoryPane | None
    video_wall: VideoWallPane | None = None


@dataclass(slots=True)
class MapTools:
    """What :func:`install_map_tools` made."""

    hub: SelectionHub
    objects: MapObjects
    selection: MapSelection
    actions: MapActions
    cards: CardMaker
    markers: IncidentMarkers
    layers: LayerWiring
    zones: ZoneTools | None


def install_map_tools(
    parts: MapParts, profile: Path, operator: str, basemap_override: Basemap | None = None
) -> MapTools:
    """Everything on the Map menu and on the map: case markers, layers, zones, basemap,
    and selection by click, box and right-click, shared with the queue."""
    window, core, map_pane = parts.window, parts.core, parts.map_pane
    markers = IncidentMarkers(core.incidents, map_pane)
    markers.setParent(window)
    markers.attach(core.bus)
    layers = install_layer_panel(
        window,
        map_pane,
        core.sites,
        core.iot_stations,
        core.units,
        core.board,
        settings=QSettings(str(profile / "map-layers.ini"), QSettings.Format.IniFormat),
    )
    zones: ZoneTools | None = None
    if core.geofences is not None:
        zones = install_zone_tools(
            window, map_pane, core.geofences, core.database, core.clock, operator
        )
        _one_zone_switch(layers, zones)
    install_basemap_menu(window, map_pane, core.city, profile, basemap_override)
    sites = FixedSites(
        bridges=core.city.bridges,
        cameras=core.sites.cameras,
        stations=core.sites.stations,
        iot_lon=core.iot_stations[0] if core.iot_stations else None,
        iot_lat=core.iot_stations[1] if core.iot_stations else None,
    )

    def show_camera(camera_id: str) -> None:
        open_camera(
            core.sites.camera(camera_id),
            window,
            core.clock.now,
            ZoneInfo(core.timezone),
            core.name_of,
            core.sites.watched_name,
        )

    tools = _install_selection(parts, sites, markers.open_cases, show_camera)
    tools.objects.shown = layers.shows  # hidden layers are not picked
    return MapTools(
        tools.hub,
        tools.objects,
        tools.selection,
        tools.actions,
        tools.cards,
        markers,
        layers,
        zones,
    )


def _one_zone_switch(layers: LayerWiring, zones: ZoneTools) -> None:
    """The layer panel's Zones row and Map › Show zones are one switch."""
    layers.panel.sig_layer_toggled.connect(
        lambda key, on: zones.set_visible(on) if key == "fences" else None
    )
    zones.show_action.toggled.connect(lambda on: layers.panel.set_visible("fences", on))


@dataclass(slots=True)
class _Selection:
    hub: SelectionHub
    objects: MapObjects
    selection: MapSelection
    actions: MapActions
    cards: CardMaker


def _install_selection(
    parts: MapParts,
    sites: FixedSites,
    open_cases: OpenCases,
    open_camera: Callable[[str], None],
) -> _Selection:
    """Selection by click, box and right-click on the map, shared with the queue."""
    window, core, map_pane = parts.window, parts.core, parts.map_pane
    queue, workflow, vehicles, trajectory = (
        parts.queue,
        parts.workflow,
        parts.vehicles,
        parts.trajectory,
    )
    hub = SelectionHub(window)
    objects = MapObjects(map_pane, core.incidents, open_cases, core.board, sites, window)
    cards = CardMaker(core, map_pane, sites)
    status = window.statusBar()

    def say(text: str) -> None:
        status.showMessage(text, STATUS_MS)

    def show_case(case_id: int) -> bool:
        window.show_pane(workflow.detail.PANE_ID)
        if queue.select_case(case_id):
            return True
        workflow.detail.show_case(case_id)
        say(f"Case #{case_id} is hidden by the queue's filters; shown in the case pane")
        return False

    def open_case(case_id: int) -> None:
        show_case(case_id)

    def dispatch_case(case_id: int) -> None:
        if show_case(case_id):
            workflow.actions.trigger("dispatch")
        else:
            say(f"Case #{case_id}: clear the queue's filters to dispatch it")

    def report_at(lon: float, lat: float, dispatch: bool) -> None:
        def reported(case: Incident) -> None:
            if dispatch:
                dispatch_case(case.id)
            else:
                hub.select(
                    [MapObject(ObjectKind.INCIDENT, str(case.id), case.lon, case.lat)], QUEUE
                )

        workflow.actions.report_at(lon, lat, reported)

    def plate(vehicle_id: int) -> str:
        return core.plate_of(vehicle_id) if core.plate_of else f"vehicle {vehicle_id}"

    def show_trajectory(vehicle_id: int) -> None:
        assert trajectory is not None
        trajectory.set_vehicle(vehicle_id, plate(vehicle_id))
        window.show_pane(trajectory.PANE_ID)
        trajectory.show_track()

    def cameras_watching(site_id: str) -> list[str]:
        return [c.camera_id for c in sites.cameras if c.watches == site_id]

    def show_on_wall(camera_id: str) -> None:
        assert parts.video_wall is not None
        window.show_pane(parts.video_wall.PANE_ID)
        parts.video_wall.show_camera(camera_id)

    commands = MapCommands(
        open_case=open_case,
        dispatch_case=dispatch_case,
        report_at=report_at,
        show_trajectory=show_trajectory if trajectory is not None else None,
        follow=(lambda v: vehicles.follow(v, plate(v))) if vehicles.follower else None,
        message=(lambda v: vehicles.message(v)) if core.messages is not None else None,
        open_camera=open_camera,
        show_on_wall=show_on_wall if parts.video_wall is not None else None,
        cameras_watching=cameras_watching,
        unit_case=core.board.case_of,
        show_bridge=lambda _bridge: window.show_pane("live_charts"),
    )
    actions = MapActions(commands, window)
    selection = MapSelection(map_pane, objects, hub, cards, actions, window)
    selection.sig_status.connect(say)
    _share_with_queue(hub, objects, queue, window)
    return _Selection(hub, objects, selection, actions, cards)


def _share_with_queue(
    hub: SelectionHub, objects: MapObjects, queue: IncidentQueuePane, parent: QObject
) -> None:
    """A case selected in the queue is selected on the map, and back."""

    def from_queue(case_id: int) -> None:
        if case_id < 0 or queue.auto_selecting:
            return  # the queue's own first focus is not the operator's choice
        current = hub.single(ObjectKind.INCIDENT)
        if current is not None and current.key == str(case_id):
            return
        found = objects.incident(case_id)
        if found is not None:
            hub.select([found], QUEUE)

    def to_queue(selected: tuple[MapObject, ...], source: str) -> None:
        if source == QUEUE or len(selected) != 1 or selected[0].kind is not ObjectKind.INCIDENT:
            return
        case_id = int(selected[0].key)
        if queue.current_case_id() != case_id and not queue.select_case(case_id):
            window = parent
            if isinstance(window, MainWindow):
                window.statusBar().showMessage(
                    f"Case #{case_id} is hidden by the queue's filters", STATUS_MS
                )

    queue.sig_case_selected.connect(from_queue)
    hub.sig_changed.connect(to_queue)
