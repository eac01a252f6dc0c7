"""Loading a scenario file: YAML in, a validated :class:`Scenario` out, or every problem.

Every problem is reported as ``file:line: what is wrong and what was expected``
and all of them are collected before :class:`ScenarioError` is raised, so an
author fixes a file in one pass. The format is documented in
``resources/scenarios/README.md``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import Node

from console.core.incidents.lifecycle import Verb
from console.core.incidents.model import IncidentStatus
from console.core.paths import resources_dir
from console.core.scenarios import nodes
from console.core.scenarios.expectations import read_expectation
from console.core.scenarios.model import (
    FORMAT_VERSION,
    Act,
    Condition,
    Expectation,
    Scenario,
    ScenarioError,
    Step,
)
from console.core.scenarios.places import PlaceBook
from console.core.scenarios.posts import read_post
from console.core.scenarios.refs import BROKEN, StepIds

TOP_KEYS = (
    "format",
    "name",
    "title",
    "description",
    "area",
    "start",
    "timeline",
    "conditions",
    "expectations",
)
STEP_KEYS = ("id", "at", "post", "note")
CONDITION_KEYS = ("id", "when", "after", "times", "then", "note")
DEPARTMENT_VERBS = (Verb.RETURN, Verb.SIGN, Verb.START, Verb.HANDLE, Verb.NOTE, Verb.EXTEND)
"""What a condition may make the department holding a case do."""
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def scenario_dir() -> Path:
    """The folder of the scenarios shipped with the console."""
    return resources_dir() / "scenarios"


def shipped_scenarios() -> list[Path]:
    """The scenario files shipped with the console, by name."""
    return sorted(scenario_dir().glob("*.yaml"))


def load_scenario(path: Path, book: PlaceBook) -> Scenario:
    """Read and validate the scenario in ``path``; :class:`ScenarioError` lists every problem."""
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([f"{path}: cannot read the file: {exc}"]) from None
    return parse_scenario(source, book, source_name=str(path), path=path)


def parse_scenario(
    source: str, book: PlaceBook, *, source_name: str = "<scenario>", path: Path | None = None
) -> Scenario:
    """Validate scenario text (see :func:`load_scenario`)."""
    problems = nodes.Problems(source_name)
    try:
        root = yaml.compose(source)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        reason = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError([f"{source_name}:{line}: not valid YAML: {reason}"]) from None
    if root is None:
        raise ScenarioError([f"{source_name}:1: the file is empty; expected a scenario"])
    scenario = _Reader(problems, book).scenario(root, path)
    if problems.found or scenario is None:
        raise ScenarioError(problems.lines())
    return scenario


class _Reader:
    """Reads one scenario document, recording every problem."""

    def __init__(self, problems: nodes.Problems, book: PlaceBook) -> None:
        self.problems = problems
        self.book = book
        self.ids = StepIds(problems)

    def scenario(self, root: Any, path: Path | None) -> Scenario | None:
        p = self.problems
        fields: dict[str, Any] = {}
        for key, key_node, value in nodes.entries(root, p, "the scenario"):
            if key not in TOP_KEYS:
                nodes.unknown_key(p, key_node, "the scenario", TOP_KEYS)
            else:
                fields[key] = value
        for required in ("format", "name", "title", "timeline"):
            if required not in fields and isinstance(root, yaml.MappingNode):
                p.add(root, f"the scenario needs {required!r}")
        version = fields.get("format")
        if version is not None and nodes.integer(version, p, "format") not in (
            None,
            FORMAT_VERSION,
        ):
            p.add(version, f"format {version.value} is not known; this console reads format 1")
        text = {
            key: (nodes.text(fields[key], p, key) or "") if key in fields else ""
            for key in ("name", "title", "description", "area")
        }
        start = self._start(fields.get("start"))
        steps = self._steps(fields.get("timeline"))
        conditions: list[Condition] = []
        if "conditions" in fields:
            for n, node in enumerate(nodes.items(fields["conditions"], p, "conditions")):
                condition = self._condition(node, n + 1)
                if condition is not None:
                    conditions.append(condition)
        expectations: list[Expectation] = []
        if "expectations" in fields:
            for n, node in enumerate(nodes.items(fields["expectations"], p, "expectations")):
                expectation = read_expectation(node, n + 1, p, self.book, self.ids)
                if expectation is not None:
                    expectations.append(expectation)
        return Scenario(
            name=text["name"],
            title=text["title"],
            description=text["description"],
            area=text["area"],
            start=start,
            steps=tuple(steps),
            conditions=tuple(conditions),
            expectations=tuple(expectations),
            path=path,
        )

    # ---- Parts

    def _start(self, node: Any) -> str:
        if node is None:
            return ""
        raw = str(getattr(node, "value", "")).strip()
        match = _CLOCK.match(raw) if isinstance(node, yaml.ScalarNode) else None
        if match is None:
            self.problems.add(
                node,
                'start must be a local time of day HH:MM (e.g. "21:40"), '
                f"not {nodes.kind_of(node)}",
            )
            return ""
        return f"{int(match.group(1)):02d}:{match.group(2)}"

    def _steps(self, node: Any) -> list[Step]:
        p = self.problems
        if node is None:
            return []
        steps: list[Step] = []
        last_at = 0.0
        listed = nodes.items(node, p, "timeline")
        if isinstance(node, yaml.SequenceNode) and not listed:
            p.add(node, "the timeline is empty; expected at least one step")
        for index, item in enumerate(listed):
            what = f"timeline step {index + 1}"
            values: dict[str, Any] = {}
            for key, key_node, value in nodes.entries(item, p, what):
                if key in STEP_KEYS:
                    values[key] = value
                else:
                    nodes.unknown_key(p, key_node, what, STEP_KEYS)
            if not isinstance(item, yaml.MappingNode):
                continue
            step_id = self.ids.new_id(values.get("id"), item, what, f"s{index + 1}")
            what = f"step {step_id}"
            if "at" not in values:
                p.add(item, f"{what} needs 'at' (seconds or mm:ss from the start)")
            at = nodes.seconds(values["at"], p, f"{what} at") if "at" in values else None
            if at is not None and at < last_at:
                p.add(
                    values["at"],
                    f"{what}: time goes backwards ({values['at'].value} is before the "
                    f"previous step's {_clock(last_at)}); steps must be in time order",
                )
            last_at = max(last_at, at or 0.0)
            if "post" not in values:
                p.add(item, f"{what} needs 'post' (the event to post)")
                continue
            post = read_post(values["post"], p, self.book, f"{what} post")
            note = nodes.text(values["note"], p, f"{what} note") if "note" in values else ""
            self.ids[step_id] = post.topic if post is not None else BROKEN
            if post is not None and at is not None:
                steps.append(Step(step_id, at, post, note or "", item.start_mark.line + 1))
        return steps

    def _condition(self, node: Any, number: int) -> Condition | None:
        p = self.problems
        what = f"condition {number}"
        values: dict[str, Any] = {}
        for key, key_node, value in nodes.entries(node, p, what):
            if key in CONDITION_KEYS:
                values[key] = value
            else:
                nodes.unknown_key(p, key_node, what, CONDITION_KEYS)
        if not isinstance(node, yaml.MappingNode):
            return None
        condition_id = self.ids.new_id(values.get("id"), node, what, f"c{number}")
        what = f"condition {condition_id}"
        case_step, status = self._when(values.get("when"), node, what)
        after = nodes.seconds(values["after"], p, f"{what} after") if "after" in values else 0.0
        times = (
            nodes.integer(values["times"], p, f"{what} times", minimum=1)
            if "times" in values
            else 1
        )
        post, act = None, None
        then = values.get("then")
        if then is None:
            p.add(node, f"{what} needs 'then' (post: an event, or act: a command on the case)")
        else:
            for key, key_node, value in nodes.entries(then, p, f"{what} then"):
                if key == "post":
                    post = read_post(value, p, self.book, f"{what} post")
                elif key == "act":
                    act = self._act(value, f"{what} act")
                else:
                    nodes.unknown_key(p, key_node, f"{what} then", ("post", "act"))
            given = [str(k.value) for k, _ in getattr(then, "value", ()) if isinstance(k, Node)]
            if isinstance(then, yaml.MappingNode) and len(set(given) & {"post", "act"}) != 1:
                p.add(then, f"{what} then needs exactly one of post or act")
        self.ids[condition_id] = post.topic if post is not None else (BROKEN if act is None else "")
        note = nodes.text(values["note"], p, f"{what} note") if "note" in values else ""
        if case_step is None or status is None or after is None or times is None:
            return None
        if post is None and act is None:
            return None
        return Condition(
            condition_id,
            case_step,
            status,
            after,
            times,
            post,
            act,
            note or "",
            node.start_mark.line + 1,
        )

    def _when(self, node: Any, parent: Any, what: str) -> tuple[str | None, IncidentStatus | None]:
        p = self.problems
        if node is None:
            p.add(parent, f"{what} needs 'when' (case: <step id>, status: <status>)")
            return None, None
        case_step: str | None = None
        status: IncidentStatus | None = None
        for key, key_node, value in nodes.entries(node, p, f"{what} when"):
            if key == "case":
                case_step = self.ids.case_ref(value, f"{what} when case")
            elif key == "status":
                name = nodes.text(value, p, f"{what} when status")
                try:
                    status = IncidentStatus(name) if name else None
                except ValueError:
                    known = ", ".join(s.value for s in IncidentStatus)
                    p.add(value, f"{what}: unknown status {name!r} (expected one of: {known})")
            else:
                nodes.unknown_key(p, key_node, f"{what} when", ("case", "status"))
        given = (
            {str(k.value) for k, _ in node.value} if isinstance(node, yaml.MappingNode) else set()
        )
        for needed in ("case", "status"):
            if isinstance(node, yaml.MappingNode) and needed not in given:
                p.add(node, f"{what} when needs {needed!r}")
        return case_step, status

    def _act(self, node: Any, what: str) -> Act | None:
        p = self.problems
        verb: Verb | None = None
        params: dict[str, Any] = {}
        for key, _key_node, value in nodes.entries(node, p, what):
            if key == "verb":
                name = nodes.text(value, p, f"{what} verb")
                if name is not None and name not in DEPARTMENT_VERBS:
                    known = ", ".join(v.value for v in DEPARTMENT_VERBS)
                    p.add(value, f"{what}: a department cannot {name!r} (expected one of: {known})")
                elif name is not None:
                    verb = Verb(name)
            else:
                params[key] = nodes.plain(value)
        if (
            isinstance(node, yaml.MappingNode)
            and verb is None
            and "verb" not in {str(k.value) for k, _ in node.value}
        ):
            p.add(node, f"{what} needs a verb (e.g. verb: return)")
        if verb in (Verb.RETURN, Verb.EXTEND) and not str(params.get("reason", "")).strip():
            p.add(node, f"{what}: {verb} needs a reason")
        if verb is Verb.HANDLE and not str(params.get("note", "")).strip():
            p.add(node, f"{what}: handle needs a note")
        return Act(verb, params) if verb is not None else None


def _clock(value: float) -> str:
    minutes, secs = divmod(int(value), 60)
    return f"{minutes}:{secs:02d}"
