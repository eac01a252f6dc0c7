"""The daily rhythm of the city: quiet nights, morning and evening peaks."""

from __future__ import annotations

import numpy as np

_HOURS = np.arange(0.0, 24.0, 0.25)


def local_hour(ts: float, utc_offset_s: float) -> float:
    """Hour of the local day (0 to 24) at epoch time ``ts``."""
    return ((ts + utc_offset_s) % 86_400.0) / 3_600.0


def _bump(hour: float, centre: float, width: float) -> float:
    diff = (hour - centre + 12.0) % 24.0 - 12.0
    return float(np.exp(-0.5 * (diff / width) ** 2))


def traffic_intensity(hour: float) -> float:
    """Road traffic relative to the busiest moment of the day (about 0.1 at night, 1 at peaks)."""
    day = 1.0 / (1.0 + np.exp(-(hour - 6.5) * 2.0)) - 1.0 / (1.0 + np.exp(-(hour - 21.5) * 1.5))
    value = 0.08 + 0.47 * day + 0.45 * _bump(hour, 7.9, 0.9) + 0.42 * _bump(hour, 17.8, 1.1)
    return float(min(1.0, value))


def mean_traffic_intensity() -> float:
    """The day's average of :func:`traffic_intensity`."""
    return float(np.mean([traffic_intensity(h) for h in _HOURS]))


def morning_share(hour: float) -> float:
    """How much of the current traffic is the morning peak (0 to 1): flows into the city."""
    return _bump(hour, 7.9, 0.9)


def evening_share(hour: float) -> float:
    """How much of the current traffic is the evening peak (0 to 1): flows out of the city."""
    return _bump(hour, 17.8, 1.1)
