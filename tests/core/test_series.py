"""Ring-buffer time series and per-minute counters."""

from __future__ import annotations

import pytest

from console.core.series import MinuteCounter, TimeSeries


def test_time_series_keeps_the_newest_samples_in_order() -> None:
    series = TimeSeries(3)
    for t in range(5):
        series.append(float(t), float(t * 10))
    times, values = series.arrays()
    assert times.tolist() == [2.0, 3.0, 4.0]
    assert values.tolist() == [20.0, 30.0, 40.0]
    assert series.last() == (4.0, 40.0)


def test_time_series_needs_capacity() -> None:
    with pytest.raises(ValueError):
        TimeSeries(0)


def test_minute_counter_counts_per_minute_with_empty_minutes() -> None:
    counter = MinuteCounter()
    counter.add(0.0)
    counter.add(30.0)
    counter.add(185.0)
    counter.advance(245.0)
    minutes, counts = counter.arrays()
    assert minutes.tolist() == [0.0, 60.0, 120.0, 180.0]
    assert counts.tolist() == [2.0, 0.0, 0.0, 1.0]
    assert counter.current == 0
