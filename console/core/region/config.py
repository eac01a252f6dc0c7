"""Which centre this is and which neighbouring centres it hands cases to.

The city's ``region.json`` names the centre and its neighbours (cities on the
Huaihe); where each neighbour's broker is belongs to the installation, so it is
given on the command line (``--neighbour huainan=mqtt://10.8.0.5:1883``) or, in
a demonstration, written into the file as ``broker``. A neighbour's topic
prefix is its id unless its broker URL says ``?prefix=``.
"""

from __future__ import annotations

import dataclasses
import json
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from console.core.feeds.topics import check_prefix

REGION_FILE = "region.json"


class RegionError(ValueError):
    """A region file or a neighbour option that cannot be used."""


@dataclass(frozen=True, slots=True)
class Centre:
    """A command centre: its id (also its topic prefix), names and broker."""

    centre_id: str
    name: str
    name_en: str
    code: str = ""
    broker: str | None = None
    """``mqtt[s]://…`` of the broker this centre listens on (None: not configured here)."""
    note: str = ""

    @property
    def label(self) -> str:
        """``淮南市 (Huainan)``: how the centre is shown to an operator."""
        if self.name_en and self.name_en != self.name:
            return f"{self.name} ({self.name_en})"
        return self.name

    @property
    def prefix(self) -> str:
        """The topic prefix of this centre's tree (``?prefix=`` of its broker URL, else its id)."""
        if self.broker:
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.broker).query)
            if query.get("prefix"):
                return query["prefix"][0]
        return self.centre_id


@dataclass(frozen=True, slots=True)
class RegionConfig:
    """This centre and its neighbours."""

    centre: Centre
    neighbours: tuple[Centre, ...] = ()

    def neighbour(self, centre_id: str) -> Centre:
        """The neighbour with ``centre_id`` (``KeyError`` if there is none)."""
        for centre in self.neighbours:
            if centre.centre_id == centre_id:
                return centre
        raise KeyError(centre_id)

    def by_prefix(self, prefix: str) -> Centre | None:
        """The neighbour whose tree has ``prefix`` (None if none)."""
        return next((c for c in self.neighbours if c.prefix == prefix), None)

    def with_brokers(self, brokers: Mapping[str, str]) -> RegionConfig:
        """This configuration with neighbours' brokers set (an unknown id adds a neighbour
        named by its id)."""
        known = {c.centre_id for c in self.neighbours}
        neighbours = [
            dataclasses.replace(c, broker=brokers.get(c.centre_id, c.broker))
            for c in self.neighbours
        ]
        for centre_id, url in brokers.items():
            if centre_id not in known:
                neighbours.append(Centre(centre_id, centre_id, centre_id, broker=url))
        return dataclasses.replace(self, neighbours=tuple(neighbours))

    def as_centre(self, centre_id: str) -> RegionConfig:
        """This configuration for a centre with another id (its feed prefix)."""
        if centre_id == self.centre.centre_id:
            return self
        centre = Centre(centre_id, centre_id, centre_id)
        return RegionConfig(centre, tuple(c for c in self.neighbours if c.centre_id != centre_id))


def parse_neighbour_option(text: str) -> tuple[str, str]:
    """``huainan=mqtt://host:1883`` as (id, URL); :class:`RegionError` otherwise."""
    centre_id, sep, url = text.partition("=")
    centre_id = centre_id.strip()
    if not sep or not centre_id or not url.strip():
        raise RegionError(f"a neighbour is ID=BROKER_URL (e.g. huainan=mqtt://host:1883): {text!r}")
    url = url.strip()
    if urllib.parse.urlsplit(url).scheme not in ("mqtt", "mqtts"):
        raise RegionError(f"neighbour {centre_id}: not an MQTT URL (mqtt:// or mqtts://): {url!r}")
    _check_id(centre_id, "neighbour")
    from console.core.feeds.broker import parse_broker_url  # paho only when one is given

    try:
        parse_broker_url(url)  # as its link will read it
    except ValueError as exc:
        raise RegionError(f"neighbour {centre_id}: {exc}") from None
    return centre_id, url


def neighbour_brokers(options: Iterable[str]) -> dict[str, str]:
    """Every ``--neighbour ID=URL`` option as id -> URL (a repeated id is refused)."""
    brokers: dict[str, str] = {}
    for option in options:
        centre_id, url = parse_neighbour_option(option)
        if centre_id in brokers:
            raise RegionError(f"neighbour {centre_id!r} is given twice")
        brokers[centre_id] = url
    return brokers


def load_region(directory: Path, *, fallback: Centre | None = None) -> RegionConfig:
    """The city's ``region.json`` (no file: ``fallback`` alone, with no neighbours)."""
    path = directory / REGION_FILE
    if not path.exists():
        if fallback is None:
            raise RegionError(f"{path}: no region file and no centre given")
        return RegionConfig(fallback)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RegionError(f"{path}: {exc}") from None
    if not isinstance(data, dict) or data.get("format_version") != 1:
        raise RegionError(f"{path}: expected a JSON object with format_version 1")
    centre = _centre(data.get("centre"), f"{path}: centre")
    raw = data.get("neighbours", [])
    if not isinstance(raw, list):
        raise RegionError(f"{path}: neighbours must be a list")
    neighbours = tuple(_centre(item, f"{path}: neighbours[{i}]") for i, item in enumerate(raw))
    ids = [c.centre_id for c in neighbours]
    if len(set(ids)) != len(ids) or centre.centre_id in ids:
        raise RegionError(f"{path}: every centre needs its own id")
    return RegionConfig(centre, neighbours)


def _centre(raw: Any, where: str) -> Centre:
    if not isinstance(raw, dict):
        raise RegionError(f"{where}: expected an object")
    known = {"id", "name", "name_en", "code", "broker", "note"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise RegionError(f"{where}: unknown field(s) {', '.join(unknown)}")
    values = {}
    for name in ("id", "name", "name_en", "code", "note", "broker"):
        value = raw.get(name, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise RegionError(f"{where}: {name} must be text")
        values[name] = value.strip()
    if not values["id"] or not values["name"]:
        raise RegionError(f"{where}: id and name are required")
    _check_id(values["id"], where)
    broker = values["broker"] or None
    if broker is not None:
        parse_neighbour_option(f"{values['id']}={broker}")
    return Centre(
        values["id"],
        values["name"],
        values["name_en"] or values["name"],
        values["code"],
        broker,
        values["note"],
    )


def _check_id(centre_id: str, where: str) -> None:
    try:
        check_prefix(centre_id)
    except ValueError:
        raise RegionError(
            f"{where}: {centre_id!r} cannot be a centre id (a topic prefix)"
        ) from None
    if "/" in centre_id or len(centre_id) > 64:
        raise RegionError(f"{where}: a centre id is one topic level of at most 64 characters")
