"""Time zones as the city data and the command line give them."""

from __future__ import annotations

from datetime import timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

TimeZoneSpec = str | float | tzinfo
"""An IANA name (``Asia/Shanghai``), a fixed UTC offset in hours, or a tzinfo."""


def resolve_timezone(value: TimeZoneSpec) -> tzinfo:
    """A tzinfo for ``value``; ValueError naming it if it is not a known zone."""
    if isinstance(value, tzinfo):
        return value
    if isinstance(value, int | float):
        return timezone(timedelta(hours=float(value)))
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {value!r}; give an IANA name or a UTC offset"
        ) from None
