"""The broker link as the console shows it (``build_core`` puts the broker in the
simulation's place when ``CoreOptions.bus_url`` is set)."""

from __future__ import annotations

from collections.abc import Callable

from console.core.feeds.source import LinkState, LinkStatus


def link_text(
    status: LinkStatus, stale: list[str], format_time: Callable[[float], str] = str
) -> str:
    """One line for the status bar: the link, and which feeds are stale.

    ``MQTT connected`` / ``MQTT down since 10:42:07: broker unreachable`` /
    ``... · stale: bridge.channels, vehicle.batch``.
    """
    if status.state is LinkState.DOWN:
        text = f"MQTT down since {format_time(status.since)}"
        if status.error:
            text += f": {status.error}"
    elif status.state is LinkState.CONNECTED and status.connects > 1:
        text = f"MQTT connected (reconnected at {format_time(status.since)})"
    else:
        text = f"MQTT {status.state.value}"
    if stale:
        text += " · stale: " + ", ".join(stale)
    return text
