"""Write docs/events.md from the event classes."""

from __future__ import annotations

from pathlib import Path

from console.core.event_schema import render_event_schema

if __name__ == "__main__":
    target = Path(__file__).resolve().parents[1] / "docs" / "events.md"
    target.write_text(render_event_schema(), encoding="utf-8")
    print(f"wrote {target}")
