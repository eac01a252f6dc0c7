"""Finding things by name: divisions, response units, bridges and vehicles by plate.

Operators type what a caller says: a district or street in Chinese, its pinyin
or the pinyin initials (``lzhq`` for 龙子湖区), a unit's name or id, a bridge, or
part of a licence plate. :meth:`SearchIndex.suggest` answers with the best
matches first: an exact match, then a prefix, then anywhere in the text; among
equals, bigger places first. Vehicles are found by plate; their position is
live, so the hit carries the vehicle id and the caller looks up where it is.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from console.core.city.city import City
from console.core.city.model import Level
from console.core.units.model import ResponseUnit

Romanise = Callable[[str], tuple[str, str]]
"""Chinese text to (full pinyin, initials), both lower case without spaces."""


class HitKind(enum.StrEnum):
    """What a search hit is."""

    DIVISION = "division"
    BRIDGE = "bridge"
    UNIT = "unit"
    VEHICLE = "vehicle"


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One thing found: what it is, its key, how it is shown, and where it is (if fixed)."""

    kind: HitKind
    key: str
    label: str
    detail: str
    lon: float | None = None
    lat: float | None = None
    level: Level | None = None


@dataclass(frozen=True, slots=True)
class _Entry:
    hit: SearchHit
    terms: tuple[str, ...]
    rank: int


def pinyin_romaniser() -> Romanise:
    """Pinyin from the pypinyin package (offline; its dictionary ships with it)."""
    from pypinyin import Style, lazy_pinyin

    def romanise(text: str) -> tuple[str, str]:
        full = "".join(lazy_pinyin(text)).lower()
        initials = "".join(lazy_pinyin(text, style=Style.FIRST_LETTER)).lower()
        return full, initials

    return romanise


class SearchIndex:
    """Suggestions over fixed places and units, and vehicles by plate."""

    def __init__(self, entries: Iterable[_Entry], plates: Sequence[str]) -> None:
        self._entries = list(entries)
        self._plates = [plate.lower() for plate in plates]
        self._plate_labels = list(plates)

    def __len__(self) -> int:
        return len(self._entries) + len(self._plates)

    def suggest(self, query: str, limit: int = 10) -> list[SearchHit]:
        """The best ``limit`` matches for ``query`` (case and spaces ignored)."""
        needle = "".join(query.split()).lower()
        if not needle:
            return []
        scored: list[tuple[int, int, int, SearchHit]] = []
        for entry in self._entries:
            score = _score(needle, entry.terms)
            if score is not None:
                scored.append((score, entry.rank, len(entry.hit.label), entry.hit))
        if any(ch.isascii() and ch.isalnum() for ch in needle):
            scored.extend(self._vehicles(needle, limit))
        scored.sort(key=lambda item: item[:3])
        return [item[3] for item in scored[:limit]]

    def _vehicles(self, needle: str, limit: int) -> list[tuple[int, int, int, SearchHit]]:
        found: list[tuple[int, int, int, SearchHit]] = []
        for vehicle_id, plate in enumerate(self._plates):
            at = plate.find(needle)
            if at < 0:
                continue
            score = 0 if plate == needle else (1 if at <= 2 else 2)  # 皖C prefix is optional
            label = self._plate_labels[vehicle_id]
            hit = SearchHit(HitKind.VEHICLE, str(vehicle_id), label, f"vehicle #{vehicle_id}")
            found.append((score, 9, len(label), hit))
            if len(found) >= 4 * limit:
                break
        return found


def _score(needle: str, terms: tuple[str, ...]) -> int | None:
    best: int | None = None
    for term in terms:
        if term == needle:
            return 0
        if term.startswith(needle):
            best = 1
        elif best is None and needle in term:
            best = 2
    return best


def _terms(romanise: Romanise | None, *texts: str) -> tuple[str, ...]:
    terms: list[str] = []
    for text in texts:
        if not text:
            continue
        terms.append("".join(text.split()).lower())
        if romanise is not None and any("\u4e00" <= ch <= "\u9fff" for ch in text):
            terms.extend(romanise(text))
    return tuple(dict.fromkeys(terms))


def build_search_index(
    city: City,
    units: Iterable[ResponseUnit],
    plates: Sequence[str],
    romanise: Romanise | None = None,
) -> SearchIndex:
    """The index of ``city``'s divisions (grids excepted: their names repeat), bridges,
    field ``units`` and the fleet's ``plates`` (index = vehicle id)."""
    entries: list[_Entry] = []
    for level in (Level.CITY, Level.COUNTY, Level.STREET, Level.COMMUNITY):
        for division in city.at_level(level):
            point = city.geometry(division.code).representative_point()
            chain = " › ".join(d.name for d in reversed(city.chain(division.code)[1:]))
            hit = SearchHit(
                HitKind.DIVISION,
                division.code,
                division.name,
                f"{level.label} · {chain}" if chain else level.label,
                float(point.x),
                float(point.y),
                level,
            )
            terms = _terms(romanise, division.name, division.name_en, division.code)
            entries.append(_Entry(hit, terms, int(level)))
    for bridge in city.bridges:
        hit = SearchHit(
            HitKind.BRIDGE, bridge.bridge_id, bridge.name_zh, bridge.name_en, bridge.lon, bridge.lat
        )
        terms = _terms(romanise, bridge.name_zh, bridge.name_en, bridge.bridge_id)
        entries.append(_Entry(hit, terms, 1))
    for unit in units:
        hit = SearchHit(
            HitKind.UNIT,
            unit.unit_id,
            unit.name,
            f"{unit.kind.replace('_', ' ')} · {unit.unit_id}",
            unit.lon,
            unit.lat,
            unit.level,
        )
        entries.append(_Entry(hit, _terms(None, unit.name, unit.name_en, unit.unit_id), 6))
    return SearchIndex(entries, plates)
