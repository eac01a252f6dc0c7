"""Reading a YAML document node by node, so every problem names its line.

``yaml.compose`` gives nodes that remember where they start; the helpers here
read mappings, scalars and lists from them and add a :class:`Problem` (line and
message) for anything wrong instead of stopping, so a scenario author sees every
mistake at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_NULL_TAG = "tag:yaml.org,2002:null"
_TIME = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2}(?:\.\d+)?)$")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a scenario file: the line (1-based) and what is wrong."""

    line: int
    message: str


@dataclass(slots=True)
class Problems:
    """The problems found so far in one file."""

    source: str
    found: list[Problem] = field(default_factory=list)

    def add(self, node: Any, message: str) -> None:
        """Record ``message`` at the line where ``node`` starts (line 1 without a node)."""
        line = node.start_mark.line + 1 if node is not None else 1
        self.found.append(Problem(line, message))

    def lines(self) -> list[str]:
        """Every problem as ``file:line: message``, in line order."""
        ordered = sorted(self.found, key=lambda p: p.line)
        return [f"{self.source}:{p.line}: {p.message}" for p in ordered]


def kind_of(node: Any) -> str:
    """What a node holds, as an author reads it (``a list``, ``text``, ``a number`` ...)."""
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    tag = getattr(node, "tag", "")
    if tag in (_INT_TAG, _FLOAT_TAG):
        return f"the number {node.value}"
    if tag == _BOOL_TAG:
        return f"the boolean {node.value}"
    if tag == _NULL_TAG:
        return "nothing"
    return f"the text {node.value!r}"


def entries(node: Any, problems: Problems, what: str) -> Iterator[tuple[str, Any, Any]]:
    """(key, key node, value node) of a mapping node; a problem if ``node`` is not one."""
    if not isinstance(node, yaml.MappingNode):
        problems.add(node, f"{what} must be a mapping (key: value lines), not {kind_of(node)}")
        return
    seen: set[str] = set()
    for key_node, value_node in node.value:
        key = str(key_node.value)
        if key in seen:
            problems.add(key_node, f"{what}: {key!r} is given twice")
            continue
        seen.add(key)
        yield key, key_node, value_node


def items(node: Any, problems: Problems, what: str) -> list[Any]:
    """The item nodes of a list node; a problem (and no items) if ``node`` is not a list."""
    if not isinstance(node, yaml.SequenceNode):
        problems.add(node, f"{what} must be a list (lines starting with '-'), not {kind_of(node)}")
        return []
    return list(node.value)


def plain(node: Any) -> Any:
    """The plain Python value of a node and everything under it (dicts, lists, scalars)."""
    if isinstance(node, yaml.MappingNode):
        return {str(k.value): plain(v) for k, v in node.value}
    if isinstance(node, yaml.SequenceNode):
        return [plain(item) for item in node.value]
    constructor = yaml.constructor.SafeConstructor()
    return constructor.construct_object(node, deep=True)


def text(node: Any, problems: Problems, what: str) -> str | None:
    """A non-empty text scalar (numbers are taken as their text); a problem otherwise."""
    if not isinstance(node, yaml.ScalarNode) or node.tag in (_NULL_TAG, _BOOL_TAG):
        problems.add(node, f"{what} must be text, not {kind_of(node)}")
        return None
    value = str(node.value).strip()
    if not value:
        problems.add(node, f"{what} must not be empty")
        return None
    return value


def number(node: Any, problems: Problems, what: str, *, minimum: float = 0.0) -> float | None:
    """A number at least ``minimum``; a problem otherwise."""
    if not isinstance(node, yaml.ScalarNode) or node.tag not in (_INT_TAG, _FLOAT_TAG):
        problems.add(node, f"{what} must be a number, not {kind_of(node)}")
        return None
    value = float(plain(node))
    if value < minimum:
        problems.add(node, f"{what} must be at least {minimum:g}, not {node.value}")
        return None
    return value


def integer(node: Any, problems: Problems, what: str, *, minimum: int = 0) -> int | None:
    """A whole number at least ``minimum``; a problem otherwise."""
    if not isinstance(node, yaml.ScalarNode) or node.tag != _INT_TAG or ":" in node.value:
        problems.add(node, f"{what} must be a whole number, not {kind_of(node)}")
        return None
    value = int(plain(node))
    if value < minimum:
        problems.add(node, f"{what} must be at least {minimum}, not {value}")
        return None
    return value


def seconds(node: Any, problems: Problems, what: str) -> float | None:
    """A duration: seconds (``90``) or ``mm:ss`` / ``h:mm:ss`` (``"1:30"``); a problem otherwise.

    The node's own text is read, so YAML 1.1's base-60 numbers (an unquoted
    ``1:30``) mean what they look like.
    """
    if not isinstance(node, yaml.ScalarNode):
        problems.add(node, f"{what} must be seconds or mm:ss, not {kind_of(node)}")
        return None
    raw = str(node.value).strip()
    match = _TIME.match(raw)
    if match is not None:
        hours, minutes, secs = match.groups()
        if (hours is not None and int(minutes) >= 60) or float(secs) >= 60:
            problems.add(node, f"{what}: {raw!r} is not a time (minutes and seconds run to 59)")
            return None
        return int(hours or 0) * 3600.0 + int(minutes) * 60.0 + float(secs)
    if node.tag in (_INT_TAG, _FLOAT_TAG):
        value = float(plain(node))
        if value < 0:
            problems.add(node, f"{what} must not be negative, not {raw}")
            return None
        return value
    problems.add(node, f'{what} must be seconds (e.g. 90) or mm:ss (e.g. "1:30"), not {raw!r}')
    return None


def unknown_key(problems: Problems, key_node: Any, what: str, known: tuple[str, ...]) -> None:
    """Report a key that is not one of ``known``."""
    problems.add(
        key_node,
        f"{what}: unknown key {key_node.value!r} (expected one of: {', '.join(known)})",
    )
