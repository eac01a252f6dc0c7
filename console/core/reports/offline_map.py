"""The report's map: a folium map of the case's place, with Leaflet inlined, no tiles.

Drawn without a tile layer (a report must open with no network): the case's
grid and street boundaries from the city's data, the case point, the bridge or
sites that matter, and each responding unit's track as a line with a start
and an end marker. :func:`incident_map` returns the three pieces of the page
the map needs (head, body, script) for :mod:`console.core.reports.incident_html`
to place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import folium
import shapely
from branca.element import Figure

from console.core.city.city import City
from console.core.city.model import Level
from console.core.reports.html_parts import esc
from console.core.reports.incident import IncidentReport
from console.core.reports.leaflet_assets import leaflet_css, leaflet_js

TRACK_COLOURS = ("#1f5fbf", "#c2410c", "#7e22ce", "#0f766e", "#a16207", "#be123c")
"""Line colours of the responding units, in order."""
CASE_COLOUR = "#d0021b"
PLACE_COLOURS = {"bridge": "#0b4f8a", "camera": "#4b5563", "station": "#6d28d9"}
MAP_HEIGHT_PX = 460


@dataclass(frozen=True, slots=True)
class MapPlace:
    """A fixed place drawn for context: a bridge, a camera, a station."""

    name: str
    lon: float
    lat: float
    kind: str
    """``bridge``, ``camera`` or ``station``."""


@dataclass(frozen=True, slots=True)
class MapPiece:
    """What a page needs for the map: head (scripts, styles), body (the map's div), script."""

    head: str
    body: str
    script: str


class _InlinedMap(folium.Map):
    """A folium map that links nothing: Leaflet is put into the page's head as text."""

    default_js: list[tuple[str, str]] = []
    default_css: list[tuple[str, str]] = []


def tip(text: str) -> str:
    """Tooltip text safe inside folium's JS template string (HTML-escaped, no `, $ or \\)."""
    return esc(text).replace("\\", "&#92;").replace("`", "&#96;").replace("$", "&#36;")


def bridge_id_of(report: IncidentReport) -> str | None:
    """The bridge a bridge alarm case is about (None for other cases)."""
    alarm = report.case.detail.get("alarm")
    if isinstance(alarm, dict) and alarm.get("bridge_id"):
        return str(alarm["bridge_id"])
    return None


def case_places(report: IncidentReport, city: City | None) -> list[MapPlace]:
    """The bridge of a bridge case, as a place to draw."""
    bridge_id = bridge_id_of(report)
    if city is None or bridge_id is None:
        return []
    try:
        bridge = city.bridge(bridge_id)
    except KeyError:
        return []
    return [MapPlace(f"{bridge.name_zh} {bridge.name_en}", bridge.lon, bridge.lat, "bridge")]


def _clock(at: float, tz: dt.tzinfo) -> str:
    return dt.datetime.fromtimestamp(at, tz).strftime("%H:%M:%S")


def _outline(fmap: folium.Map, geometry: Any, style: dict[str, Any], name: str) -> None:
    shape = {"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(geometry)}
    folium.GeoJson(shape, style_function=lambda _f: style, tooltip=None, name=name).add_to(fmap)


def incident_map(
    report: IncidentReport, city: City | None, places: Sequence[MapPlace] = ()
) -> MapPiece:
    """The map of a case: its divisions, point, places and the responders' tracks."""
    case = report.case
    fmap = _InlinedMap(
        location=(case.lat, case.lon),
        zoom_start=15,
        tiles=None,
        height=MAP_HEIGHT_PX,
        attribution_control=False,
        control_scale=True,
    )
    bounds: list[tuple[float, float]] = [(case.lat, case.lon)]
    if city is not None and case.path is not None:
        for level, style in (
            (Level.STREET, {"color": "#5b6b7a", "weight": 1.5, "dashArray": "5 4", "fill": False}),
            (
                Level.GRID,
                {"color": "#2b4c6f", "weight": 2, "fillColor": "#9fb8cf", "fillOpacity": 0.25},
            ),
        ):
            try:
                geometry = city.geometry(case.path.at(level))
            except KeyError:
                continue
            _outline(fmap, geometry, style, level.name.lower())
            if level is Level.GRID:
                west, south, east, north = geometry.bounds
                bounds += [(south, west), (north, east)]
    for place in places:
        folium.CircleMarker(
            (place.lat, place.lon),
            radius=7 if place.kind == "bridge" else 4,
            color=PLACE_COLOURS.get(place.kind, "#4b5563"),
            weight=2,
            fill=True,
            fill_opacity=0.6,
            tooltip=folium.Tooltip(tip(place.name), permanent=place.kind == "bridge"),
        ).add_to(fmap)
    for number, responder in enumerate(report.responders):
        points = [(p.lat, p.lon) for p in responder.track]
        if not points:
            continue
        colour = TRACK_COLOURS[number % len(TRACK_COLOURS)]
        first, last = responder.track[0], responder.track[-1]
        if len(points) > 1:
            folium.PolyLine(  # type: ignore[no-untyped-call]
                points, color=colour, weight=4, opacity=0.85, tooltip=tip(responder.name)
            ).add_to(fmap)
        folium.CircleMarker(
            points[0],
            radius=6,
            color=colour,
            weight=3,
            fill=True,
            fill_color="#ffffff",
            fill_opacity=1.0,
            tooltip=tip(f"{responder.name}: start {_clock(first.at, report.tz)}"),
        ).add_to(fmap)
        folium.CircleMarker(
            points[-1],
            radius=6,
            color=colour,
            weight=3,
            fill=True,
            fill_color=colour,
            fill_opacity=1.0,
            tooltip=tip(f"{responder.name}: end {_clock(last.at, report.tz)}"),
        ).add_to(fmap)
        bounds += points
    folium.CircleMarker(
        (case.lat, case.lon),
        radius=9,
        color=CASE_COLOUR,
        weight=3,
        fill=True,
        fill_color=CASE_COLOUR,
        fill_opacity=0.5,
        tooltip=tip(f"Case #{case.id}: {case.title_en}"),
    ).add_to(fmap)
    lats = [b[0] for b in bounds]
    lons = [b[1] for b in bounds]
    fmap.fit_bounds([(min(lats), min(lons)), (max(lats), max(lons))], padding=(24, 24), max_zoom=17)
    root = fmap.get_root()
    assert isinstance(root, Figure)
    root.render()
    head = (
        f"<style>{leaflet_css()}</style>\n<script>{leaflet_js()}</script>\n"
        + root.header.render()
        + "\n<style>html, body { width: auto; height: auto; }"
        " .leaflet-container { background: #eef2f5; }</style>"
    )
    return MapPiece(
        head=head, body=f'<div class="map">{root.html.render()}</div>', script=root.script.render()
    )
