"""Every case in memory as columns, so the queue filters and sorts 100,000 cases in milliseconds.

The store stays the truth: :class:`CaseIndex` is loaded from it once and kept
current with :meth:`CaseIndex.upsert` for each changed case. A query is a
handful of vectorised numpy masks and one ``lexsort`` (ties by case id); text
search looks at each distinct title, unit and handler once, not at every row.
"""

from __future__ import annotations

import bisect
import enum
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

import numpy as np
import numpy.typing as npt

from console.core.city.model import JurisdictionPath, Level
from console.core.events import Platform
from console.core.incidents.model import Incident, IncidentStatus

S = IncidentStatus
Rows = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]
Floats = npt.NDArray[np.float64]

STATE_ORDER: tuple[IncidentStatus, ...] = (
    S.REPORTED,
    S.ACCEPTED,
    S.OPENED,
    S.DISPATCHED,
    S.SIGNED,
    S.IN_HAND,
    S.HANDLED,
    S.VERIFIED,
    S.PENDING,
    S.CLOSED,
    S.REJECTED,
    S.MERGED,
)
"""States in the order of the loop (how the state column sorts)."""

OPEN_STATES = frozenset(s for s in S if not s.is_final)
FINAL_STATES = frozenset(s for s in S if s.is_final)
ALL_STATES = frozenset(S)
STATE_PRESETS: dict[str, frozenset[IncidentStatus]] = {
    "open": OPEN_STATES,
    "all": ALL_STATES,
    "final": FINAL_STATES,
}
"""Named state sets: every open case, every case, every finished case."""

_PLATFORMS = tuple(Platform)
_UNKNOWN = -1
_STATE_CODE = {state: code for code, state in enumerate(STATE_ORDER)}
_PLATFORM_CODE = {platform: code for code, platform in enumerate(_PLATFORMS)}
_FINAL_BY_CODE = np.array([s.is_final for s in STATE_ORDER] + [False], dtype=bool)
_DEPT_CLOCK_BY_CODE = np.array([s in (S.SIGNED, S.IN_HAND) for s in STATE_ORDER] + [False])
_INITIAL_CAPACITY = 1024
_PATH_SEPARATOR = "\x1f"
_FEW_NEW = 32
"""Up to this many new strings are slotted into the existing ranks one by one."""
_MISSING_16 = 32767
_MISSING_32 = 2**31 - 1
"""Rank of an empty string (sorts last); columns with fewer values use 16-bit ranks."""
_COLUMNS: dict[str, tuple[type[np.generic], float]] = {
    **{name: (np.int64, 0) for name in ("id", "version")},
    **{name: (np.int32, 0) for name in ("priority", "bounce", "type", "title", "title_en")},
    **{name: (np.int32, 0) for name in ("unit", "handler", "path_key")},
    **{name: (np.int8, _UNKNOWN) for name in ("state", "level", "platform")},
    **{
        name: (np.float64, math.nan)
        for name in ("reported", "due", "signed", "handle_due", "handled", "closed")
    },
}
"""The numeric columns of the index: dtype and the value of an empty slot."""


class SortKey(enum.StrEnum):
    """What the queue can be sorted by."""

    PRIORITY = "priority"
    STATE = "state"
    CITIZEN_CLOCK = "citizen_clock"
    DEPARTMENT_CLOCK = "department_clock"
    TYPE = "type"
    TITLE = "title"
    LEVEL_PATH = "level_path"
    RESPONSIBLE = "responsible"
    BOUNCES = "bounces"
    HANDLER = "handler"
    REPORTED = "reported"


_AFTER_REPORTED = frozenset({SortKey.PRIORITY, SortKey.STATE, SortKey.TYPE, SortKey.REPORTED})
"""Sort keys whose ties are broken by report time (then id)."""
_TEXT_KEYS = frozenset(
    {SortKey.TYPE, SortKey.TITLE, SortKey.LEVEL_PATH, SortKey.RESPONSIBLE, SortKey.HANDLER}
)


@dataclass(frozen=True, slots=True)
class CaseFilter:
    """Which cases the queue shows; an empty set means no restriction.

    ``jurisdiction`` is a division code at any level (the case's path holds it);
    ``overdue_only`` keeps cases past a deadline at the query's ``now``; ``text``
    is a case-insensitive substring of the title (either language), the
    responsible unit, the handler or the case id.
    """

    platforms: frozenset[Platform] = field(default_factory=frozenset)
    levels: frozenset[Level] = field(default_factory=frozenset)
    jurisdiction: str = ""
    states: frozenset[IncidentStatus] = OPEN_STATES
    overdue_only: bool = False
    text: str = ""


class _Strings:
    """Interned strings of one column: each distinct value once, with its sort rank.

    Ranks are floats so that a new value slots in between its neighbours
    without re-sorting every value (they are re-numbered when a gap runs out).
    """

    def __init__(self) -> None:
        self.values: list[str] = []
        self._folded: list[str] = []
        self._ids: dict[str, int] = {}
        self._ranks: Floats = np.zeros(0, dtype=np.float64)
        self._sorted: list[str] | None = None
        self._sorted_ranks: list[float] = []
        self._array: npt.NDArray[np.str_] | None = None
        self._int_ranks: npt.NDArray[np.signedinteger[Any]] | None = None

    def intern(self, value: str) -> int:
        """The id of ``value`` (new values get the next id)."""
        found = self._ids.get(value)
        if found is not None:
            return found
        found = self._ids[value] = len(self.values)
        folded = value.casefold()
        self.values.append(value)
        self._folded.append(folded)
        self._array = None
        self._int_ranks = None
        if self._sorted is not None:
            self._slot_in(folded)
        return found

    def intern_many(self, values: list[str]) -> npt.NDArray[np.int32]:
        """The ids of ``values`` (new values get the next ids, in order of first use)."""
        ids = self._ids
        new = [value for value in dict.fromkeys(values) if value not in ids]
        if len(new) <= _FEW_NEW:
            for value in new:
                self.intern(value)
        else:
            start = len(self.values)
            ids.update(zip(new, range(start, start + len(new)), strict=True))
            self.values.extend(new)
            self._folded.extend(value.casefold() for value in new)
            self._sorted = None  # many new values: rank them all again on next use
            self._array = None
            self._int_ranks = None
        return np.fromiter(map(ids.__getitem__, values), dtype=np.int32, count=len(values))

    def prepare(self) -> None:
        """Compute the sort ranks and the search array now rather than on first use."""
        self.int_ranks()
        self.containing("")

    def find(self, value: str) -> int:
        """The id of ``value``, or -1 if it never occurred."""
        return self._ids.get(value, _UNKNOWN)

    def ranks(self) -> Floats:
        """Sort rank of each id (case-insensitive); NaN for the empty string (sorts last)."""
        if self._sorted is None:
            order = np.argsort(self._folded_array(), kind="stable")
            self._ranks = np.full(max(16, 2 * len(order)), math.nan)
            self._ranks[order] = np.arange(len(order), dtype=float)
            self._sorted = [self._folded[i] for i in order.tolist()]
            self._sorted_ranks = list(map(float, range(len(order))))
        ranks = self._ranks[: len(self.values)]
        empty = self._ids.get("")
        if empty is not None:
            ranks[empty] = math.nan
        return ranks

    def int_ranks(self) -> npt.NDArray[np.signedinteger[Any]]:
        """Dense integer ranks (16-bit when few values); the empty string ranks last
        with the value :data:`_MISSING_16` or :data:`_MISSING_32`."""
        if self._int_ranks is None:
            small = len(self.values) < _MISSING_16
            dtype = np.int16 if small else np.int32
            table: npt.NDArray[np.signedinteger[Any]] = np.empty(len(self.values), dtype=dtype)
            order = np.argsort(self.ranks(), kind="stable")
            table[order] = np.arange(len(order), dtype=dtype)
            empty = self._ids.get("")
            if empty is not None:
                table[empty] = _MISSING_16 if small else _MISSING_32
            self._int_ranks = table
        return self._int_ranks

    def containing(self, needle: str) -> Mask:
        """Which ids hold ``needle`` (already case-folded)."""
        found: Mask = np.strings.find(self._folded_array(), needle) >= 0
        return found

    def _folded_array(self) -> npt.NDArray[np.str_]:
        """The case-folded values as a numpy string array (made once per new value)."""
        if self._array is None:
            self._array = np.array(self._folded, dtype=np.str_)
        return self._array

    def _slot_in(self, folded: str) -> None:
        assert self._sorted is not None
        at = bisect.bisect_left(self._sorted, folded)
        if at < len(self._sorted) and self._sorted[at] == folded:
            rank = self._sorted_ranks[at]
        else:
            below = self._sorted_ranks[at - 1] if at else -1.0
            above = self._sorted_ranks[at] if at < len(self._sorted) else below + 2.0
            rank = (below + above) / 2
            if not below < rank < above:
                self._sorted = None  # no room left between the two: re-rank on next use
                return
        self._sorted.insert(at, folded)
        self._sorted_ranks.insert(at, rank)
        index = len(self.values) - 1
        if index >= len(self._ranks):
            self._ranks = np.concatenate([self._ranks, np.full(len(self._ranks), math.nan)])
        self._ranks[index] = rank


def _stable_order(key: npt.NDArray[Any]) -> Rows:
    """``argsort(key, kind="stable")`` (NaN last), but faster than numpy's for wide keys."""
    if key.dtype.kind != "f":
        if key.dtype.itemsize <= 2:  # radix sort
            return np.argsort(key, kind="stable").astype(np.int64, copy=False)
        unique = (key.astype(np.int64) << 32) | np.arange(len(key), dtype=np.int64)
        return np.argsort(unique).astype(np.int64, copy=False)
    missing = np.isnan(key)
    valued = np.flatnonzero(~missing)
    order = valued[np.argsort(key[valued])]
    ordered = key[order]
    tied = ordered[1:] == ordered[:-1]
    if tied.any():
        group = np.concatenate([[0], np.cumsum(~tied)])
        in_tie = np.zeros(len(order), dtype=bool)
        in_tie[1:] |= tied
        in_tie[:-1] |= tied
        at = np.flatnonzero(in_tie)
        sub = order[at]
        order[at] = sub[np.lexsort((sub, group[at]))]
    return np.concatenate([order, np.flatnonzero(missing)]).astype(np.int64, copy=False)


def _lookup(codes: list[int], count: int) -> Mask:
    """A table of ``count + 1`` flags, set at ``codes``; the last answers unknown (-1) codes."""
    table: Mask = np.zeros(count + 1, dtype=bool)
    table[[code for code in codes if 0 <= code < count]] = True
    return table


def _path_key(path: JurisdictionPath | None) -> str:
    """A path's codes, city first, as one string that sorts like the path ("" outside)."""
    return "" if path is None else _PATH_SEPARATOR.join(reversed(path.chain()))


def _int_or_zero(value: object) -> int:
    return value if isinstance(value, int) else 0


def _level_code(level: object) -> int:
    return int(level) if isinstance(level, int) else _UNKNOWN


_TIME_COLUMNS = (
    ("reported", "reported_at"),
    ("due", "due_at"),
    ("signed", "signed_at"),
    ("handle_due", "handle_due_at"),
    ("handled", "handled_at"),
    ("closed", "closed_at"),
)
"""Time columns of the index and the case fields they hold."""


def _ids_containing(ids: Rows, digits: str) -> Mask:
    """Which case ids contain the decimal ``digits`` (vectorised, no strings)."""
    width = len(digits)
    wanted = int(digits)
    hit = np.zeros(len(ids), dtype=bool)
    for shift in range(19 - width):
        long_enough = ids >= 10 ** (shift + width - 1)
        if not long_enough.any():
            break
        hit |= long_enough & ((ids // 10**shift) % 10**width == wanted)
    return hit


class CaseIndex:
    """An in-memory columnar index of every case: filter and sort without the database."""

    def __init__(self) -> None:
        self._reset()

    def clear(self) -> None:
        """Forget every case (a review's cursor jumped)."""
        self._reset()

    def _reset(self) -> None:
        self._n = 0
        self._cases: list[Incident] = []
        self._row_of: dict[int, int] = {}
        self._types = _Strings()
        self._titles = _Strings()
        self._titles_en = _Strings()
        self._units = _Strings()
        self._handlers = _Strings()
        self._path_keys = _Strings()
        self._path_table: npt.NDArray[np.int32] = np.zeros((len(Level), 0), dtype=np.int32)
        self._codes = _Strings()
        self._code_level: list[int] = []
        self._col: dict[str, npt.NDArray[Any]] = {}
        self._paths: npt.NDArray[np.int32] = np.zeros((len(Level), 0), dtype=np.int32)
        self._id_ordered = True
        self._max_id = -(2**62)
        self._by_reported: Rows | None = None
        self._by_reported_tail: list[int] = []
        self._allocate(_INITIAL_CAPACITY)

    # ---- Loading

    def load(self, cases: Iterable[Incident]) -> None:
        """Add or update many cases at once (the initial load, or a catch-up).

        Columns are written a whole batch at a time, and sort ranks and search
        arrays are prepared, so the first query after a load is as fast as later ones.
        """
        latest = {case.id: case for case in cases}
        known = [case for case in latest.values() if case.id in self._row_of]
        fresh = [case for case in latest.values() if case.id not in self._row_of]
        if known:
            self._update(known)
        if fresh:
            self._append(fresh)
        for strings in (self._types, self._titles, self._titles_en, self._units, self._handlers):
            strings.prepare()
        self._path_keys.int_ranks()

    def upsert(self, case: Incident) -> int:
        """Add ``case`` or replace the stored version of it; returns its row."""
        if case.id in self._row_of:
            self._update([case])
        else:
            self._append([case])
        return self._row_of[case.id]

    def _append(self, cases: list[Incident]) -> None:
        """Store ``cases`` (none of them indexed yet) in new rows."""
        start, count = self._n, len(cases)
        capacity = len(self._col["id"])
        if start + count > capacity:
            while capacity < start + count:
                capacity *= 2
            self._allocate(capacity)
        rows = np.arange(start, start + count, dtype=np.int64)
        self._n += count
        for row, case in zip(rows.tolist(), cases, strict=True):
            self._row_of[case.id] = row
            if case.id <= self._max_id:
                self._id_ordered = False
            self._max_id = max(self._max_id, case.id)
        self._cases.extend(cases)
        self._write(rows, cases)
        if count == 1:
            self._extend_reported_order(start)
        else:
            self._by_reported = None

    def _update(self, cases: list[Incident]) -> None:
        """Replace the stored versions of ``cases`` (all of them indexed)."""
        rows = np.fromiter((self._row_of[case.id] for case in cases), np.int64, len(cases))
        for row, case in zip(rows.tolist(), cases, strict=True):
            self._cases[row] = case
        reported = self._col["reported"][rows].copy()
        self._write(rows, cases)
        if not np.array_equal(reported, self._col["reported"][rows], equal_nan=True):
            self._by_reported = None

    # ---- Reading

    def __len__(self) -> int:
        return self._n

    def case_at(self, row: int) -> Incident:
        """The case stored at ``row`` (a position from :meth:`query`)."""
        if not 0 <= row < self._n:
            raise IndexError(f"no case at row {row}")
        return self._cases[row]

    def row_of(self, case_id: int) -> int | None:
        """The row of case ``case_id``, or None if it is not indexed."""
        return self._row_of.get(case_id)

    def get(self, case_id: int) -> Incident | None:
        """The indexed version of case ``case_id``, or None."""
        row = self._row_of.get(case_id)
        return None if row is None else self._cases[row]

    def counts_by_state(self) -> dict[IncidentStatus, int]:
        """How many cases are in each state (every state listed)."""
        counts = np.bincount(self._col["state"][: self._n], minlength=len(STATE_ORDER) + 1)
        return {state: int(counts[code]) for code, state in enumerate(STATE_ORDER)}

    def count_overdue(self, now: float) -> int:
        """How many cases are overdue at ``now``."""
        return int(self._overdue(now, slice(0, self._n)).sum())

    @property
    def division_count(self) -> int:
        """How many distinct division codes the cases' paths hold (grows as cases arrive)."""
        return len(self._codes.values)

    def divisions(self, level: Level) -> list[str]:
        """Division codes at ``level`` on the path of at least one case, in code order."""
        wanted = int(level)
        return sorted(
            c for c, lv in zip(self._codes.values, self._code_level, strict=True) if lv == wanted
        )

    def query(
        self,
        case_filter: CaseFilter,
        sort_key: SortKey = SortKey.PRIORITY,
        descending: bool = False,
        now: float = 0.0,
    ) -> Rows:
        """Rows of the cases passing ``case_filter``, sorted by ``sort_key``, ties by id.

        Descending is the ascending order reversed, except that cases without a
        value (no department clock, no handler ...) stay at the end.
        """
        mask = self._mask(case_filter, now)
        rows, missing = self._sorted_rows(sort_key, mask, now)
        if descending and len(rows) > 1:
            valued = len(rows) - missing
            rows = np.concatenate([rows[:valued][::-1], rows[valued:]])
        return rows

    def overdue_rows(self, rows: Rows, now: float) -> Mask:
        """Which of ``rows`` are overdue at ``now``."""
        return self._overdue(now, rows)

    # ---- Internals: storage

    def _allocate(self, capacity: int) -> None:
        """Make room for ``capacity`` rows, keeping the rows already stored."""
        grown: dict[str, npt.NDArray[Any]] = {}
        for name, (dtype, fill) in _COLUMNS.items():
            grown[name] = np.full(capacity, fill, dtype=dtype)
            if name in self._col:
                grown[name][: self._n] = self._col[name][: self._n]
        paths = np.full((len(Level), capacity), _UNKNOWN, dtype=np.int32)
        if self._n:
            paths[:, : self._n] = self._paths[:, : self._n]
        self._col = grown
        self._paths = paths

    def _write(self, rows: Rows, cases: list[Incident]) -> None:
        """Write the columns of ``cases`` into ``rows`` (one batch per column)."""
        col = self._col
        col["id"][rows] = list(map(attrgetter("id"), cases))
        col["version"][rows] = list(map(attrgetter("version"), cases))
        col["priority"][rows] = [_int_or_zero(case.priority) for case in cases]
        col["bounce"][rows] = [_int_or_zero(case.bounce_count) for case in cases]
        unknown_state = len(STATE_ORDER)
        col["state"][rows] = [_STATE_CODE.get(case.status, unknown_state) for case in cases]
        col["platform"][rows] = [_PLATFORM_CODE.get(case.platform, _UNKNOWN) for case in cases]
        col["level"][rows] = [_level_code(case.responsible_level) for case in cases]
        for name, attribute in _TIME_COLUMNS:  # None becomes NaN
            col[name][rows] = np.array(list(map(attrgetter(attribute), cases)), np.float64)
        col["type"][rows] = self._types.intern_many([str(c.incident_type) for c in cases])
        col["title"][rows] = self._titles.intern_many([str(c.title or "") for c in cases])
        col["title_en"][rows] = self._titles_en.intern_many([str(c.title_en or "") for c in cases])
        col["unit"][rows] = self._units.intern_many([str(c.responsible_unit or "") for c in cases])
        col["handler"][rows] = self._handlers.intern_many([str(c.handler or "") for c in cases])
        paths = list(map(attrgetter("path"), cases))
        keys = {path: _path_key(path) for path in dict.fromkeys(paths)}
        key_ids = self._path_keys.intern_many([keys[path] for path in paths])
        col["path_key"][rows] = key_ids
        self._paths[:, rows] = self._path_codes()[:, key_ids]

    def _path_codes(self) -> npt.NDArray[np.int32]:
        """The division code id at each level (rows) of each path key id (columns)."""
        table = self._path_table
        known = table.shape[1]
        count = len(self._path_keys.values)
        if known == count:
            return table
        grown = np.full((len(Level), count), _UNKNOWN, dtype=np.int32)
        grown[:, :known] = table
        for key_id in range(known, count):
            key = self._path_keys.values[key_id]
            if key:
                for level, code in zip(Level, key.split(_PATH_SEPARATOR), strict=False):
                    grown[level, key_id] = self._code(code, level)
        self._path_table = grown
        return grown

    def _code(self, code: str, level: int) -> int:
        code_id = self._codes.intern(code)
        if code_id == len(self._code_level):
            self._code_level.append(level)
        return code_id

    # ---- Internals: filtering

    def _mask(self, f: CaseFilter, now: float) -> Mask:
        n = self._n
        mask: Mask = np.ones(n, dtype=bool)
        if f.states and f.states != ALL_STATES:
            allowed = np.zeros(len(STATE_ORDER) + 1, dtype=bool)
            allowed[[_STATE_CODE[s] for s in f.states if s in _STATE_CODE]] = True
            mask &= allowed[self._col["state"][:n]]
        if f.platforms:
            codes = [_PLATFORM_CODE[p] for p in f.platforms if p in _PLATFORM_CODE]
            mask &= _lookup(codes, len(_PLATFORMS))[self._col["platform"][:n]]
        if f.levels:
            mask &= _lookup([int(level) for level in f.levels], len(Level))[self._col["level"][:n]]
        if f.jurisdiction:
            code_id = self._codes.find(f.jurisdiction)
            if code_id == _UNKNOWN:
                return np.zeros(n, dtype=bool)
            mask &= self._paths[self._code_level[code_id], :n] == code_id
        if f.overdue_only:
            mask &= self._overdue(now, slice(0, n))
        if f.text.strip():
            mask &= self._text_hits(f.text.strip().casefold())
        return mask

    def _overdue(self, now: float, rows: slice | Rows) -> Mask:
        state = self._col["state"][rows]
        open_ = ~_FINAL_BY_CODE[state]
        with np.errstate(invalid="ignore"):
            citizen = self._col["due"][rows] < now
            department = (
                _DEPT_CLOCK_BY_CODE[state]
                & np.isnan(self._col["handled"][rows])
                & (self._col["handle_due"][rows] < now)
            )
        result: Mask = open_ & (citizen | department)
        return result

    def _text_hits(self, needle: str) -> Mask:
        n = self._n
        hits = self._titles.containing(needle)[self._col["title"][:n]]
        hits |= self._titles_en.containing(needle)[self._col["title_en"][:n]]
        hits |= self._units.containing(needle)[self._col["unit"][:n]]
        hits |= self._handlers.containing(needle)[self._col["handler"][:n]]
        digits = needle.removeprefix("#")
        if digits.isdigit() and digits.isascii():
            hits |= _ids_containing(self._col["id"][:n], digits)
        result: Mask = hits
        return result

    # ---- Internals: sorting

    def _sorted_rows(self, key: SortKey, mask: Mask, now: float) -> tuple[Rows, int]:
        """Rows passing ``mask`` in ascending order of ``key`` (ties by id), and how many
        of them (at the end) have no value for it."""
        col = self._col
        if key in _AFTER_REPORTED:
            rows = self._reported_order()
            rows = rows[mask[rows]]
        else:
            rows = np.flatnonzero(mask).astype(np.int64, copy=False)
            if not self._id_ordered:
                rows = rows[np.argsort(col["id"][rows], kind="stable")]
        primary: npt.NDArray[Any]
        if key is SortKey.REPORTED:
            return rows, int(np.isnan(col["reported"][rows]).sum())
        if key is SortKey.PRIORITY:
            primary = np.clip(col["priority"][rows], -128, 127).astype(np.int8)
        elif key is SortKey.STATE:
            primary = col["state"][rows]
        elif key is SortKey.BOUNCES:
            primary = np.clip(col["bounce"][rows], 0, 32767).astype(np.int16)
        elif key in _TEXT_KEYS:
            strings, column = self._text_column(key)
            if key is SortKey.RESPONSIBLE:
                rows = rows[np.argsort(col["level"][rows], kind="stable")]
            primary = strings.int_ranks()[col[column][rows]]
        elif key is SortKey.CITIZEN_CLOCK:
            primary = col["due"][rows] - self._clock_end(rows, now)
        else:
            handled = col["handled"][rows]
            end = np.where(np.isnan(handled), self._clock_end(rows, now), handled)
            primary = col["handle_due"][rows] - end
        rows = rows[_stable_order(primary)]
        if primary.dtype.kind == "f":
            return rows, int(np.isnan(primary).sum())
        missing = {np.int16: _MISSING_16, np.int32: _MISSING_32}.get(primary.dtype.type)
        return rows, 0 if missing is None else int((primary == missing).sum())

    def _text_column(self, key: SortKey) -> tuple[_Strings, str]:
        """The interned strings and the id column a text sort key reads."""
        return {
            SortKey.TYPE: (self._types, "type"),
            SortKey.TITLE: (self._titles, "title"),
            SortKey.LEVEL_PATH: (self._path_keys, "path_key"),
            SortKey.RESPONSIBLE: (self._units, "unit"),
            SortKey.HANDLER: (self._handlers, "handler"),
        }[key]

    def _reported_order(self) -> Rows:
        """Every row ordered by report time, then id (kept as new cases arrive)."""
        if self._by_reported is None:
            n = self._n
            order = np.lexsort((self._col["id"][:n], self._col["reported"][:n]))
            self._by_reported = order.astype(np.int64)
            self._by_reported_tail = []
        elif self._by_reported_tail:
            tail = np.asarray(self._by_reported_tail, dtype=np.int64)
            self._by_reported = np.concatenate([self._by_reported, tail])
            self._by_reported_tail = []
        return self._by_reported

    def _extend_reported_order(self, row: int) -> None:
        """Append a new row to the report-time order, or drop the order if it does not fit."""
        if self._by_reported is None:
            return
        last = self._by_reported_tail[-1] if self._by_reported_tail else None
        if last is None and len(self._by_reported):
            last = int(self._by_reported[-1])
        reported = float(self._col["reported"][row])
        if last is not None:
            last_reported = float(self._col["reported"][last])
            fits = reported > last_reported or (
                reported == last_reported and self._col["id"][row] > self._col["id"][last]
            )
            if not fits:
                self._by_reported = None
                return
        self._by_reported_tail.append(row)

    def _clock_end(self, rows: Rows, now: float) -> Floats:
        """When the clocks of ``rows`` read: closing time for finished cases, else ``now``."""
        closed = self._col["closed"][rows]
        final = _FINAL_BY_CODE[self._col["state"][rows]] & ~np.isnan(closed)
        end: Floats = np.where(final, closed, now)
        return end
