"""Deck traffic rules: a sudden stop of traffic (a deck accident) and overloaded vehicles.

Pure: time enters only through the samples' own timestamps.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from console.core.bridges.config import DeckAccidentRule

# GB 1589-2016 and the 2016 rules on oversize transport (超限运输车辆行驶公路管理规定, art. 3):
# the highest legal gross mass by axle count. Without the body type (rigid truck or
# combination) the higher of the two is used, so only certain overloads open a case.
LEGAL_GROSS_BY_AXLES_T: dict[int, float] = {2: 18.0, 3: 27.0, 4: 36.0, 5: 43.0}
LEGAL_GROSS_MAX_T = 49.0
"""Six axles or more (and a vehicle weighed without its axles)."""

BASELINE_COVERAGE = 0.5
"""The baseline must cover at least this share of ``baseline_s`` before the rule can fire."""


def legal_gross_t(axle_loads_t: Sequence[float]) -> float:
    """The legal gross weight of a vehicle with these axles (t)."""
    return LEGAL_GROSS_BY_AXLES_T.get(len(axle_loads_t), LEGAL_GROSS_MAX_T)


def is_overloaded(gross_t: float, axle_loads_t: Sequence[float]) -> bool:
    """Whether a weighed vehicle is heavier than its legal gross weight."""
    return not math.isnan(gross_t) and gross_t > legal_gross_t(axle_loads_t)


@dataclass(frozen=True, slots=True)
class DeckStop:
    """What the deck accident rule decided about one counter sample."""

    active: bool
    """Traffic has stopped for ``hold_s`` (the accident condition holds)."""
    started: bool
    """The condition began with this sample (raise an alarm)."""
    ended: bool
    """The condition ended with this sample (traffic flows again)."""
    flow: float
    baseline: float
    """The mean flow before the drop (NaN while there is no drop)."""


class DeckAccidentDetector:
    """Watches one direction's vehicle counter for a sudden stop of traffic.

    A drop begins when the flow falls below ``drop_to`` × the mean of the previous
    ``baseline_s`` seconds while that mean was at least ``min_flow_per_min``; the
    baseline is frozen then. The drop becomes an accident when it lasts ``hold_s``;
    it ends when the flow is back at ``drop_to`` × the frozen baseline or more.
    """

    def __init__(self, rule: DeckAccidentRule) -> None:
        self.rule = rule
        self._samples: deque[tuple[float, float]] = deque()
        self._total = 0.0
        self._drop_since: float | None = None
        self._baseline = math.nan
        self.active = False

    def update(self, ts: float, flow: float) -> DeckStop:
        """Feed one counter sample (vehicles per minute; NaN is skipped)."""
        if math.isnan(flow):
            return DeckStop(self.active, False, False, flow, self._baseline)
        started = ended = False
        if self._drop_since is None:
            baseline = self._baseline_before(ts)
            if (
                not math.isnan(baseline)
                and baseline >= self.rule.min_flow_per_min
                and flow < self.rule.drop_to * baseline
            ):
                self._drop_since, self._baseline = ts, baseline
        elif flow >= self.rule.drop_to * self._baseline:
            ended = self.active
            self._drop_since, self._baseline, self.active = None, math.nan, False
        since = self._drop_since
        if since is not None and not self.active and ts - since >= self.rule.hold_s:
            self.active = started = True
        self._add(ts, flow)
        return DeckStop(self.active, started, ended, flow, self._baseline)

    def _baseline_before(self, ts: float) -> float:
        self._trim(ts)
        samples = self._samples
        if not samples or ts - samples[0][0] < BASELINE_COVERAGE * self.rule.baseline_s:
            return math.nan
        return self._total / len(samples)

    def _add(self, ts: float, flow: float) -> None:
        self._samples.append((ts, flow))
        self._total += flow
        self._trim(ts)

    def _trim(self, ts: float) -> None:
        samples = self._samples
        while samples and samples[0][0] < ts - self.rule.baseline_s:
            self._total -= samples.popleft()[1]
        if not samples:
            self._total = 0.0
