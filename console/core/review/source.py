"""The review source: posts a recording's events onto the bus as the review clock moves.

It is the replay's counterpart of the simulation source. :meth:`ReviewSource.pump`
(on every frame tick, on the GUI thread) posts what was recorded since the last
pump; :meth:`ReviewSource.jump` moves the cursor and rebuilds every pane's state
at the new moment: the cases and the patrol log in the scratch database, the
levels in force, and the recent past posted at once: the last minute of
positions, the last five minutes of sensor samples, the last hour of alarms, and
the hour's older bridge samples thinned to one block in thirty (the charts' window).
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import Callable, Iterable, Sequence

from console.core.bus import EventBus
from console.core.events import BridgeChannels, Event, IncidentChanged, PatrolLogged
from console.core.recording import RecordingReader
from console.core.recording.streams import Stream
from console.core.review.clock import ReplayClock
from console.core.review.scratch import ScratchStore
from console.core.review.timeline import ReviewTimeline

log = logging.getLogger(__name__)

DENSE_STREAMS = frozenset({Stream.POSITIONS, Stream.READINGS, Stream.UNITS, Stream.STATIONS})
"""Streams a playing replay reads as it goes (a jump reads only what panes keep)."""

REBUILT_WHOLE = (IncidentChanged, PatrolLogged)
"""Events whose stored state a jump rebuilds whole (not posted again)."""


JumpHook = Callable[[float], None]
"""Told the new cursor once the cases of the new moment are stored and before its
events are posted: drop state from before, read the cases again."""


class ReviewSource:
    """Replays ``reader``'s recording onto ``bus`` at ``clock``'s cursor."""

    def __init__(
        self,
        reader: RecordingReader,
        timeline: ReviewTimeline,
        bus: EventBus,
        clock: ReplayClock,
        stores: Sequence[ScratchStore],
        *,
        positions_window_s: float = 60.0,
        readings_window_s: float = 300.0,
        history_window_s: float = 3600.0,
        history_stride: int = 30,
    ) -> None:
        self.reader = reader
        self.timeline = timeline
        self.bus = bus
        self.clock = clock
        self.stores = list(stores)
        self.positions_window_s = positions_window_s
        """How far back a jump looks for positions (longer than any report interval)."""
        self.readings_window_s = readings_window_s
        """How far back a jump replays every sensor sample (the charts' recent past)."""
        self.history_window_s = history_window_s
        """How far back a jump replays alarms, and bridge samples thinned (the charts' hour)."""
        self.history_stride = history_stride
        """Before ``readings_window_s``, one block of bridge samples in this many is replayed."""
        self._hooks: list[JumpHook] = []
        self.posted = 0
        self._last = clock.now()

    # ---- Source

    def start(self) -> None:
        """Show the first moment of the recording."""
        self.jump(self.clock.now())

    def stop(self) -> None:
        """Pause and close the recording's files."""
        self.clock.pause()
        self.reader.close()

    # ---- Public API

    def on_jump(self, hook: JumpHook) -> None:
        """Call ``hook(at)`` at every jump, after the cases are stored, before events are posted."""
        self._hooks.append(hook)

    def pump(self) -> int:
        """Post what was recorded since the last pump; returns the number of events."""
        now = self.clock.now()
        if now < self._last:
            self.jump(now)
            return 0
        if now == self._last:
            return 0
        last, self._last = self._last, now
        dense = (
            (at, event)
            for at, event in self.reader.events_between(last, now, DENSE_STREAMS)
            if at > last
        )
        return self._post(heapq.merge(self.timeline.between(last, now), dense, key=_time_of))

    def jump(self, at: float) -> float:
        """Move the cursor to ``at`` and rebuild the state there; returns the cursor."""
        at = self.clock.seek(at)
        self.bus.drain()  # what the old moment still had queued goes before the resets
        for store in self.stores:
            store.show(at)
        for hook in self._hooks:
            hook(at)
        self._last = at
        since = at - self.history_window_s
        in_force = self.timeline.state_before(since)
        self._post((at, event) for event in in_force)
        sparse = (
            (t, event)
            for t, event in self.timeline.between(since, at)
            if not isinstance(event, REBUILT_WHOLE)  # stored whole above
        )
        recent_from = at - self.readings_window_s
        older = (  # the charts' older past, thinned: bridge samples of every n-th block
            (t, event)
            for t, event in self.reader.events_between(
                since, recent_from, {Stream.READINGS}, self.history_stride
            )
            if isinstance(event, BridgeChannels) and t < recent_from
        )
        readings = self.reader.events_between(recent_from, at, {Stream.READINGS})
        nearby = {Stream.POSITIONS, Stream.UNITS}
        positions = self.reader.events_between(at - self.positions_window_s, at, nearby)
        self._post(heapq.merge(sparse, older, readings, positions, key=_time_of))
        return at

    def _post(self, records: Iterable[tuple[float, Event]]) -> int:
        count = 0
        post = self.bus.post
        for _at, event in records:
            post(event)
            count += 1
        self.posted += count
        return count


def _time_of(record: tuple[float, Event]) -> float:
    return record[0]
