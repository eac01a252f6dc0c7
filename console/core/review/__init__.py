"""Review: a recorded shift replayed through the same core and panes as live.

:func:`build_review_core` opens a recording; its :class:`ReviewSource` posts
the recorded events as the :class:`ReplayClock` moves and rebuilds every pane's
state when the cursor jumps; :class:`ReviewTimeline` holds the recording's cases
and alarms for the timeline's marks.
"""

from console.core.review.clock import REVIEW_SPEEDS, ReplayClock
from console.core.review.session import READ_ONLY_REASON, EmptyRecordingError, build_review_core
from console.core.review.source import ReviewSource
from console.core.review.timeline import CaseMark, ReviewTimeline

__all__ = [
    "READ_ONLY_REASON",
    "REVIEW_SPEEDS",
    "CaseMark",
    "EmptyRecordingError",
    "ReplayClock",
    "ReviewSource",
    "ReviewTimeline",
    "build_review_core",
]
