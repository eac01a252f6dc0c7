"""Chartable channels: 24 hours of every bridge sensor and city figure, drawn downsampled."""

from console.core.channels.buffer import ChannelGroup
from console.core.channels.catalogue import (
    ALARMS_CHANNEL,
    HOTLINE_CHANNEL,
    ChannelInfo,
    bridge_channel_id,
    cases_channel_id,
    moving_channel_id,
    split_bridge_channel,
)
from console.core.channels.history import AlarmMoment, ChannelHistory
from console.core.channels.recorder import ChannelRecorder, case_platforms

__all__ = [
    "ALARMS_CHANNEL",
    "HOTLINE_CHANNEL",
    "AlarmMoment",
    "ChannelGroup",
    "ChannelHistory",
    "ChannelInfo",
    "ChannelRecorder",
    "bridge_channel_id",
    "case_platforms",
    "cases_channel_id",
    "moving_channel_id",
    "split_bridge_channel",
]
