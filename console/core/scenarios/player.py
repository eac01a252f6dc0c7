"""Playing a scenario into a running console: posting its timeline, firing its conditions,
following its expectations.

:class:`ScenarioPlayer` posts each step's event on the bus when the scenario
clock reaches it (the Qt layer calls :meth:`ScenarioPlayer.step` on a timer and
drains the bus as always). It finds the case each step opened by its source:
the intake stores the alarm's id on the case (``source_alarm_id``), and a repeat
folded into an open case is audited with its alarm id; weighings and vessel
positions open their cases through the bridge monitor, whose alarm ids carry the
record id or the vessel id. Ids are made unique per run (``run_id``), so only
this run's cases are ever matched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from console.core.alarms.rate import REPEAT_ACTION
from console.core.bus import Delivery, EventBus, Subscription
from console.core.codec import PayloadError, event_from_dict
from console.core.events import (
    CASE_TOPICS,
    EVENT_TYPES,
    AxleWeighing,
    BridgeAlarm,
    Event,
    IncidentChanged,
    TrafficViolation,
    VehicleMessage,
    VesselPosition,
)
from console.core.incidents.model import Incident, IncidentError
from console.core.incidents.service import IncidentService
from console.core.scenarios.clock import ScenarioClock
from console.core.scenarios.model import Check, Condition, Post, Scenario
from console.core.scenarios.places import PlaceBook
from console.core.scenarios.posts import event_data, unique_ids
from console.core.scenarios.scorecard import Scorecard, build_scorecard
from console.core.scenarios.tracking import (
    SCENARIO_ACTOR_PREFIX,
    ExpectationState,
    Outcome,
    check_case_change,
)

Matcher = Callable[[str, str], bool]
"""Whether an alarm (topic, alarm id) came from a posted event."""


@dataclass(slots=True)
class Posted:
    """A step (or a condition's post) that was posted, and the case it opened."""

    source_id: str
    topic: str
    at_s: float
    matches: Matcher
    case_id: int | None = None


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One line of what happened during the run (for the trainer)."""

    at_s: float
    text: str
    problem: bool = False


@dataclass(slots=True)
class _Scheduled:
    due_s: float
    condition: Condition
    case_id: int


class ScenarioPlayer:
    """Plays one scenario on a console's bus and case service, scoring the trainee live."""

    def __init__(
        self,
        scenario: Scenario,
        bus: EventBus,
        incidents: IncidentService,
        places: PlaceBook,
        clock: ScenarioClock,
        *,
        run_id: str,
        trainee: str = "",
    ) -> None:
        self.scenario = scenario
        self.bus = bus
        self.incidents = incidents
        self.places = places
        self.clock = clock
        self.run_id = run_id
        self.trainee = trainee
        self.states = [ExpectationState(e) for e in scenario.expectations]
        self.posted: dict[str, Posted] = {}
        self.log: list[LogEntry] = []
        self.started_at: float | None = None
        """Console time (epoch seconds) when the run started."""
        self.ended_at: float | None = None
        self._next_step = 0
        self._scheduled: list[_Scheduled] = []
        self._fired: dict[str, int] = {}
        self._last_status: dict[int, str] = {}
        self._handles: list[Subscription] = []
        self._scorecard: Scorecard | None = None

    # ---- Running

    def start(self) -> None:
        """Follow the console's cases and messages and start the scenario clock."""
        if self.started_at is None:
            self.started_at = self.incidents.clock.now()
            self._handles = [
                self.bus.subscribe(
                    IncidentChanged, self._on_cases, Delivery.BATCH, name="scenario"
                ),
                self.bus.subscribe(
                    VehicleMessage, self._on_messages, Delivery.BATCH, name="scenario messages"
                ),
            ]
            self._note(f"scenario {self.scenario.name} started (run {self.run_id})")
        self.clock.resume()

    def pause(self) -> None:
        """Stop scenario time (nothing is posted, no deadline passes)."""
        self.clock.pause()

    def resume(self) -> None:
        """Let scenario time run again."""
        self.clock.resume()

    def set_speed(self, speed: float) -> None:
        """Run the scenario ``speed`` (1 to 60) times faster than real time."""
        self.clock.set_speed(speed)

    def step(self) -> list[str]:
        """Post what is due, run due conditions, decide missed expectations; ids posted."""
        if self._scorecard is not None or self.started_at is None:
            return []
        now = self.clock.elapsed()
        posted: list[str] = []
        steps = self.scenario.steps
        while self._next_step < len(steps) and steps[self._next_step].at_s <= now:
            step = steps[self._next_step]
            self._next_step += 1
            if self._post(step.step_id, step.post, now):
                posted.append(step.step_id)
        due = [s for s in self._scheduled if s.due_s <= now]
        self._scheduled = [s for s in self._scheduled if s.due_s > now]
        for scheduled in due:
            if self._run_condition(scheduled, now):
                posted.append(scheduled.condition.condition_id)
        self._decide_misses(now)
        return posted

    @property
    def steps_posted(self) -> int:
        """How many timeline steps were posted so far."""
        return self._next_step

    @property
    def finished(self) -> bool:
        """Whether every step is posted, no condition waits and every expectation is decided."""
        return (
            self._next_step >= len(self.scenario.steps)
            and not self._scheduled
            and all(state.decided for state in self.states)
        )

    def stop(self) -> Scorecard:
        """End the run: what is still pending is missed; the trainee's scorecard."""
        if self._scorecard is None:
            now = self.clock.elapsed()
            self.clock.pause()
            for state in self.states:
                if not state.decided:
                    state.miss(now, "not done when the scenario was stopped")
            for handle in self._handles:
                handle.close()
            self._handles = []
            self.ended_at = self.incidents.clock.now()
            self._note("scenario stopped")
            self._scorecard = build_scorecard(self, now)
        return self._scorecard

    # ---- Posting

    def _post(self, source_id: str, post: Post, now: float) -> bool:
        try:
            position = self.places.resolve(post.place) if post.place is not None else None
        except (LookupError, IndexError) as exc:
            self._note(f"{source_id}: could not place the event: {exc}", problem=True)
            return False
        data = event_data(post, default_id=source_id.upper(), ts=0.0, position=position)
        data = unique_ids(data, self.run_id)
        data["ts"] = self.incidents.clock.now()
        try:
            event = event_from_dict(EVENT_TYPES[post.topic], data)
        except PayloadError as exc:
            self._note(f"{source_id}: event refused: {exc.reason}", problem=True)
            return False
        self.bus.post(event)
        self.posted[source_id] = Posted(source_id, post.topic, now, _matcher(event))
        self._note(f"{source_id}: posted {post.topic}")
        return True

    def _run_condition(self, scheduled: _Scheduled, now: float) -> bool:
        condition = scheduled.condition
        if condition.post is not None:
            return self._post(condition.condition_id, condition.post, now)
        act = condition.act
        case = self.incidents.get(scheduled.case_id)
        if act is None or case is None:
            return False
        actor = f"{SCENARIO_ACTOR_PREFIX}{case.responsible_unit_id}"
        try:
            self.incidents.act(case.id, act.verb, actor, **dict(act.params))
        except IncidentError as exc:
            self._note(f"{condition.condition_id}: {act.verb} not done: {exc}", problem=True)
            return False
        self._note(
            f"{condition.condition_id}: {case.responsible_unit} did {act.verb} on #{case.id}"
        )
        return True

    # ---- Following the console

    def _on_cases(self, events: Sequence[Event]) -> None:
        now = self.clock.elapsed()
        for event in events:
            if not isinstance(event, IncidentChanged):
                continue
            case = self.incidents.get(event.incident_id)
            if case is None:
                continue
            if event.action in ("reported", REPEAT_ACTION):
                self._claim(case, event.action, now)
            sources = [p.source_id for p in self.posted.values() if p.case_id == case.id]
            if not sources:
                continue
            self._evaluate(case, event.action, event.actor, sources, now)
            self._conditions(case, event.status, sources, now)

    def _on_messages(self, events: Sequence[Event]) -> None:
        now = self.clock.elapsed()
        for event in events:
            if not isinstance(event, VehicleMessage):
                continue
            for state in self.states:
                wanted = state.expectation
                if state.decided or wanted.check is not Check.MESSAGED:
                    continue
                if wanted.case_step not in self.posted:
                    continue
                if self.places.vehicle_of_plate(wanted.plate) == event.vehicle_id:
                    state.meet(now)
                    self._note(f"met: {wanted.describe()}")

    def _claim(self, case: Incident, action: str, now: float) -> None:
        topic, alarm = case.source_topic or "", case.source_alarm_id or ""
        if action == REPEAT_ACTION:
            trail = self.incidents.audit_trail(case.id)
            params = trail[-1].detail.get("params", {}) if trail else {}
            topic, alarm = str(params.get("topic", "")), str(params.get("alarm_id", ""))
        claimed = [
            posted
            for posted in self.posted.values()
            if posted.case_id is None and posted.matches(topic, alarm)
        ]
        for posted in claimed:
            posted.case_id = case.id
            for state in self.states:
                if state.expectation.case_step == posted.source_id and state.since_s is None:
                    state.since_s, state.case_id = now, case.id
        if claimed:
            ids = ", ".join(p.source_id for p in claimed)
            self._note(f"{ids}: case #{case.id} {case.title_en or case.title}")

    def _evaluate(
        self, case: Incident, action: str, actor: str, sources: list[str], now: float
    ) -> None:
        for state in self.states:
            wanted = state.expectation
            if state.decided or wanted.case_step not in sources or wanted.check is Check.MESSAGED:
                continue
            target = self.posted.get(wanted.into_step) if wanted.into_step else None
            merge_target = target.case_id if target is not None else None
            if check_case_change(state, case, action, actor, self.incidents.units, merge_target):
                state.meet(now)
                self._note(f"met: {wanted.describe()}")

    def _conditions(self, case: Incident, status: str, sources: list[str], now: float) -> None:
        before = self._last_status.get(case.id)
        self._last_status[case.id] = status
        if before == status:
            return
        for condition in self.scenario.conditions:
            if condition.case_step not in sources or condition.status.value != status:
                continue
            fired = self._fired.get(condition.condition_id, 0)
            if fired >= condition.times:
                continue
            self._fired[condition.condition_id] = fired + 1
            self._scheduled.append(_Scheduled(now + condition.after_s, condition, case.id))

    def _decide_misses(self, now: float) -> None:
        for state in self.states:
            if state.decided:
                continue
            wanted = state.expectation
            posted = self.posted.get(wanted.case_step)
            if wanted.check is Check.MESSAGED and posted is not None and state.since_s is None:
                state.since_s = posted.at_s
            deadline = state.deadline_s
            if deadline is None and posted is not None and now > posted.at_s + wanted.within_s:
                state.miss(now, f"no case was opened by {wanted.case_step}")
            elif deadline is not None and now > deadline:
                state.miss(now, state.detail or "not done in time")
            else:
                continue
            self._note(f"missed: {wanted.describe()} ({state.detail})")

    def _note(self, text: str, *, problem: bool = False) -> None:
        self.log.append(LogEntry(self.clock.elapsed(), text, problem))

    @property
    def outcomes(self) -> dict[str, Outcome]:
        """Each expectation's outcome by its id."""
        return {s.expectation.expectation_id: s.outcome for s in self.states}


def _matcher(event: Event) -> Matcher:
    """How to recognise the alarm an event raised (see the module docstring)."""
    if event.TOPIC in CASE_TOPICS:
        own = str(
            getattr(event, "alarm_id", None)
            or getattr(event, "call_id", None)
            or getattr(event, "event_id", "")
        )
        return lambda topic, alarm: topic == event.TOPIC and alarm == own
    if isinstance(event, AxleWeighing):
        suffix = f"-{event.record_id}"
        topics = (BridgeAlarm.TOPIC, TrafficViolation.TOPIC)
        return lambda topic, alarm: topic in topics and alarm.endswith(suffix)
    if isinstance(event, VesselPosition):
        part = f"-{event.vessel_id}-"
        return lambda topic, alarm: topic == BridgeAlarm.TOPIC and part in alarm
    return lambda topic, alarm: False
