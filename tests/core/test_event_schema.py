"""The documented event schema matches the code, and every event is well formed."""

from __future__ import annotations

from pathlib import Path

from console.core.event_schema import render_event_schema
from console.core.events import EVENT_TYPES

DOC = Path(__file__).resolve().parents[2] / "docs" / "events.md"


def test_docs_events_md_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == render_event_schema(), (
        "docs/events.md is stale: run python tools/write_event_schema.py"
    )


def test_every_event_type_has_a_unique_topic_and_a_version() -> None:
    assert all(topic == cls.TOPIC for topic, cls in EVENT_TYPES.items())
    assert all(cls.VERSION >= 1 for cls in EVENT_TYPES.values())
    assert all(cls.__doc__ for cls in EVENT_TYPES.values())
