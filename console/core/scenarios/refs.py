"""Step and condition ids in a scenario file, and references to them."""

from __future__ import annotations

import re
from typing import Any

from console.core.scenarios import nodes
from console.core.scenarios.model import Check
from console.core.scenarios.posts import CASE_OPENING_TOPICS

BROKEN = "?"
"""The topic recorded for a step whose post has problems (so references to it stay quiet)."""
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,31}$")


class StepIds:
    """Every step and condition id read so far, with the topic it posts ("" for none)."""

    def __init__(self, problems: nodes.Problems) -> None:
        self.problems = problems
        self.topics: dict[str, str] = {}

    def __setitem__(self, step_id: str, topic: str) -> None:
        self.topics[step_id] = topic

    def new_id(self, node: Any, parent: Any, what: str, default: str) -> str:
        """The id given in ``node`` (checked: well formed, not used before), or ``default``."""
        if node is None:
            return default
        value = nodes.text(node, self.problems, f"{what} id")
        if value is None:
            return default
        if not _ID.match(value):
            self.problems.add(
                node, f"{what}: id {value!r} must be a letter then letters, digits, - or _"
            )
        elif value in self.topics:
            self.problems.add(node, f"{what}: id {value!r} is used twice")
        return value

    def case_ref(self, node: Any, what: str, check: Check | None = None) -> str | None:
        """The step id ``node`` refers to, if it is one above that opens a case (or None)."""
        value = nodes.text(node, self.problems, what)
        if value is None:
            return None
        if value not in self.topics:
            known = ", ".join(self.topics) or "none yet"
            self.problems.add(
                node, f"{what}: unknown step {value!r} (steps and conditions above: {known})"
            )
            return None
        if self.topics[value] == BROKEN:
            return None  # its own problem is reported where it is
        if check is not Check.MESSAGED and self.topics[value] not in CASE_OPENING_TOPICS:
            posted = self.topics[value] or "nothing"
            self.problems.add(
                node,
                f"{what}: step {value!r} posts {posted}, which opens no case "
                f"(cases come from: {', '.join(CASE_OPENING_TOPICS)})",
            )
            return None
        return value
