"""folium elements of the console's map page (rendered into its single script block)."""

from __future__ import annotations

import json
import re
from typing import Any

from branca.element import MacroElement
from folium.map import Layer
from jinja2 import Template
from shapely.geometry import shape

from console.qt.map.layers import FeatureCollection

_TEMPLATE_OPENER = re.compile(r"\{(?=[{%#])")


def script_json(value: Any) -> str:
    """Compact JSON that is safe inside an HTML <script> and a jinja template.

    folium re-reads rendered scripts as templates; ``{{``, ``{%`` and ``{#`` can
    only occur inside JSON strings, where ``\\u007b`` spells the same brace.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    text = _TEMPLATE_OPENER.sub(r"\\u007b", text)
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def data_script(key: str, collection: FeatureCollection) -> str:
    """A script that stores ``collection`` as ``CityConsoleData[key]``."""
    return (
        "window.CityConsoleData = window.CityConsoleData || {};\n"
        f"CityConsoleData[{json.dumps(key)}] = {script_json(collection)};\n"
    )


class BoundaryLayer(Layer):
    """A GeoJSON layer built in the page by ``CityConsole.boundaryLayer``.

    The features come from ``CityConsoleData[key]`` (a local data script), so
    the page's own script stays small. Unlike ``folium.GeoJson`` no style is
    copied into every feature, and a layer hidden at start becomes Leaflet
    objects only when the operator switches it on (the grid has thousands of
    cells). Each layer draws in its own pane at ``z_index``.
    """

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "var {{ this.get_name() }} = CityConsole.boundaryLayer("
        "CityConsoleData[{{ this.key_json }}], {{ this.options_json }});"
        "{% endmacro %}"
    )

    def __init__(
        self,
        key: str,
        name: str,
        styles: list[dict[str, Any]],
        z_index: int,
        show: bool = True,
        hover: bool = False,
        labels: list[list[Any]] | None = None,
        control: bool = True,
    ) -> None:
        super().__init__(name=name, overlay=True, control=control, show=show)
        self._name = "BoundaryLayer"
        options: dict[str, Any] = {
            "styles": styles,
            "hover": hover,
            "pane": f"cc-{key}",
            "zIndex": z_index,
            "labels": labels or [],
        }
        self.key_json = json.dumps(key)
        self.options_json = script_json(options)


def label_points(collection: FeatureCollection) -> list[list[Any]]:
    """[lat, lon, name, name_en] inside each named feature, largest first.

    The page hides a label that would overlap one before it, so large
    divisions keep their labels when small ones crowd together.
    """
    placed: list[tuple[float, list[Any]]] = []
    for feature in collection.get("features") or []:
        properties = feature.get("properties") or {}
        name = str(properties.get("name") or "")
        if not name or not feature.get("geometry"):
            continue
        geometry = shape(feature["geometry"])
        point = geometry.representative_point()
        label = [point.y, point.x, name, str(properties.get("name_en") or "")]
        placed.append((geometry.area, label))
    placed.sort(key=lambda item: -item[0])
    return [label for _area, label in placed]


class ConsoleBoot(MacroElement):
    """Starts the console's layers (vehicles, incidents, legend) once the map exists."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "CityConsole.boot({{ this.map_name }}, {{ this.options_json }});"
        "{% endmacro %}"
    )

    def __init__(self, map_name: str, options: dict[str, Any]) -> None:
        super().__init__()
        self._name = "ConsoleBoot"
        self.map_name = map_name
        self.options_json = script_json(options)
