"""Every chartable channel's last 24 hours, and the alarm moments on them.

A :class:`ChannelHistory` holds groups of channels sampled together
(:class:`~console.core.channels.buffer.ChannelGroup`), the metadata of every
channel (:class:`~console.core.channels.catalogue.ChannelInfo`) and the alarm
moments (:class:`AlarmMoment`, from bridge warnings). Groups are sized for the
retention at their nominal sample interval (24 h at 1 Hz: 86,400 samples per
channel), allocated once.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from console.core.channels.buffer import ChannelGroup, FloatArray, ValueArray
from console.core.channels.catalogue import ChannelInfo

DAY_S = 24 * 3600.0
MAX_ALARM_MOMENTS = 5_000
"""Alarm moments kept at most per channel (a flood cannot grow memory without bound)."""


@dataclass(frozen=True, slots=True)
class AlarmMoment:
    """A channel's warning level changed at ``ts`` (level 0: back to normal)."""

    ts: float
    channel_id: str
    level: int
    message: str
    value: float = math.nan


class ChannelHistory:
    """The newest ``retention_s`` of every channel, by channel id."""

    def __init__(self, retention_s: float = DAY_S) -> None:
        if retention_s <= 0:
            raise ValueError("retention must be positive")
        self.retention_s = retention_s
        self._groups: dict[str, ChannelGroup] = {}
        self._intervals: dict[str, float] = {}
        self._members: dict[str, list[str]] = {}
        self._where: dict[str, tuple[str, int]] = {}
        self._info: dict[str, ChannelInfo] = {}
        self._alarms: dict[str, list[AlarmMoment]] = {}
        self._alarm_times: dict[str, list[float]] = {}
        self._alarm_serial = 0

    def clear_samples(self) -> None:
        """Forget every sample and alarm moment (channels stay defined): time jumped."""
        for group in self._groups.values():
            group.clear()
        self._alarms.clear()
        self._alarm_times.clear()
        self._alarm_serial += 1

    # ---- Defining channels

    def define_group(
        self, group_id: str, channels: Sequence[ChannelInfo], interval_s: float
    ) -> ChannelGroup:
        """A group of channels sampled together every ``interval_s`` (new or existing;
        channels it does not hold yet are added)."""
        group = self._groups.get(group_id)
        if group is None:
            fresh = list(
                {
                    info.channel_id: info for info in channels if info.channel_id not in self._where
                }.values()
            )
            capacity = math.ceil(self.retention_s / interval_s) + 1
            group = self._groups[group_id] = ChannelGroup(len(fresh), capacity)
            self._intervals[group_id] = interval_s
            self._members[group_id] = [info.channel_id for info in fresh]
            for column, info in enumerate(fresh):
                self._where[info.channel_id] = (group_id, column)
        for info in channels:
            self.add_channel(group_id, info)
        return group

    def add_channel(self, group_id: str, info: ChannelInfo) -> int:
        """Add (or describe again) one channel of ``group_id``; returns its column."""
        self._info[info.channel_id] = info
        where = self._where.get(info.channel_id)
        if where is not None:
            return where[1]
        column = self._groups[group_id].add_column()
        self._members[group_id].append(info.channel_id)
        self._where[info.channel_id] = (group_id, column)
        return column

    def group(self, group_id: str) -> ChannelGroup | None:
        """The group ``group_id``, if defined."""
        return self._groups.get(group_id)

    def members(self, group_id: str) -> list[str]:
        """The channel ids of a group, by column."""
        return list(self._members.get(group_id, ()))

    def info(self, channel_id: str) -> ChannelInfo | None:
        """What the channel is (None if unknown)."""
        return self._info.get(channel_id)

    def channels(self) -> list[ChannelInfo]:
        """Every known channel, group by group, in column order."""
        return [self._info[c] for members in self._members.values() for c in members]

    def __contains__(self, channel_id: object) -> bool:
        return channel_id in self._where

    # ---- Recording

    def record(self, group_id: str, ts: float, values: npt.ArrayLike) -> bool:
        """One sample of every channel of the group (by column); False if not newer."""
        return self._groups[group_id].append(ts, values)

    def record_many(self, group_id: str, times: npt.ArrayLike, values: npt.ArrayLike) -> None:
        """Many samples of a group at once (``values``: columns × samples)."""
        self._groups[group_id].extend(times, values)

    def add_alarm(self, moment: AlarmMoment) -> None:
        """Remember an alarm moment (kept in time order per channel); moments older than
        the retention, or beyond the most kept per channel, fall off."""
        moments = self._alarms.setdefault(moment.channel_id, [])
        times = self._alarm_times.setdefault(moment.channel_id, [])
        at = bisect.bisect_right(times, moment.ts)
        moments.insert(at, moment)
        times.insert(at, moment.ts)
        drop = max(
            bisect.bisect_left(times, times[-1] - self.retention_s), len(times) - MAX_ALARM_MOMENTS
        )
        if drop > 0:
            del moments[:drop], times[:drop]
        self._alarm_serial += 1

    # ---- Reading

    def version(self, channel_ids: Iterable[str]) -> tuple[int, ...]:
        """Changes whenever a sample or an alarm moment arrives for any of ``channel_ids``'
        groups: a chart redraws only when this (or its view) moved on."""
        groups = sorted({self._where[c][0] for c in channel_ids if c in self._where})
        return (self._alarm_serial, *(self._groups[g].total for g in groups))

    def window_groups(
        self, channel_ids: Sequence[str], t0: float, t1: float, max_points: int = 2000
    ) -> list[tuple[tuple[str, ...], FloatArray, ValueArray]]:
        """Several channels over ``[t0, t1]`` in at most ``max_points`` points each (min/max
        bins), one pass per group: for every group, its channels among ``channel_ids``,
        their shared times and their values (one row per channel). Unknown channels are
        left out."""
        by_group: dict[str, list[str]] = {}
        for channel_id in channel_ids:
            where = self._where.get(channel_id)
            if where is not None:
                by_group.setdefault(where[0], []).append(channel_id)
        out = []
        for group_id, members in by_group.items():
            columns = [self._where[c][1] for c in members]
            x, ys = self._groups[group_id].window_columns(columns, t0, t1, max_points)
            out.append((tuple(members), x, ys))
        return out

    def samples(self, channel_id: str) -> tuple[FloatArray, ValueArray]:
        """Every kept sample of the channel (copies)."""
        where = self._where.get(channel_id)
        if where is None:
            return np.zeros(0, np.float64), np.zeros(0, np.float32)
        return self._groups[where[0]].samples(where[1])

    def alarms(
        self, channel_ids: Iterable[str], t0: float = -math.inf, t1: float = math.inf
    ) -> list[AlarmMoment]:
        """Alarm moments on any of ``channel_ids`` within ``[t0, t1]``, oldest first."""
        found: list[AlarmMoment] = []
        for channel_id in dict.fromkeys(channel_ids):
            times = self._alarm_times.get(channel_id)
            if times:
                lo, hi = bisect.bisect_left(times, t0), bisect.bisect_right(times, t1)
                found.extend(self._alarms[channel_id][lo:hi])
        return sorted(found, key=lambda moment: moment.ts)

    def last_time(self) -> float | None:
        """The newest sample time of any channel."""
        times = [t for g in self._groups.values() if (t := g.last_time()) is not None]
        return max(times) if times else None

    def interval_of(self, group_id: str) -> float:
        """The nominal sample interval of a group."""
        return self._intervals[group_id]

    @property
    def nbytes(self) -> int:
        """Bytes held by every group's buffers."""
        return sum(g.nbytes for g in self._groups.values())
