"""Simulated field crews: what units do on their terminals once a case is dispatched to them.

For the built-in simulation only. A case dispatched to a field unit is signed
for after a short delay, the unit drives to it (posting :class:`UnitPosition`
reports on the bus on the way), starts work on arrival and reports the case
handled after a working time, with a short note. Some cases dispatched outside
the unit's jurisdiction are returned with a reason, and a few are never signed
for, so the automatic escalation can be seen working.

Every choice for a case is drawn from a generator seeded by (seed, case id,
dispatch round), so a run is the same whatever order things arrive in. Crews
act through :meth:`IncidentService.act` with the unit id as the actor; a case
an operator moved meanwhile is simply dropped from the plan.
"""

from __future__ import annotations

import enum
import logging
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from console.core.bus import Delivery, EventBus, Subscription
from console.core.events import Event, IncidentChanged, UnitPosition
from console.core.geo import distance_km
from console.core.incidents.lifecycle import Verb
from console.core.incidents.model import (
    ConcurrentUpdateError,
    Incident,
    IncidentError,
    IncidentStatus,
)
from console.core.incidents.service import IncidentService
from console.core.units.board import UnitBoard
from console.core.units.model import ResponseUnit, UnitKind
from console.core.units.recommend import eta_minutes

log = logging.getLogger(__name__)

SIGN_DELAY_S = (30.0, 240.0)
"""A crew signs for a case this many simulated seconds after it is dispatched (uniform)."""
WORK_FRACTION = (0.1, 0.5)
"""Working time on scene, as a fraction of the case type's handling limit."""
WORK_BOUNDS_S = (180.0, 2700.0)
"""Working time is kept between 3 and 45 minutes."""
MIN_TRAVEL_S = 30.0

RETURN_REASON = "非本单位辖区，请重新派遣 / Outside our jurisdiction, please dispatch again"
HANDLED_NOTES: dict[UnitKind, tuple[tuple[str, str], ...]] = {
    UnitKind.TRAFFIC_POLICE: (
        ("已到场处置完毕，交通恢复正常", "Dealt with on site; traffic back to normal"),
        ("已现场查处并疏导交通", "Offence dealt with on site and traffic cleared"),
    ),
    UnitKind.EMERGENCY_TEAM: (
        ("险情已排除，现场已清理", "Hazard removed and the scene cleared"),
        ("已到场处置完毕", "Dealt with on site"),
    ),
    UnitKind.BRIDGE_CREW: (
        ("已检查桥梁结构，未见异常", "Bridge structure inspected; nothing abnormal found"),
        ("已到场处置完毕，桥面恢复通行", "Dealt with on site; the deck is open again"),
    ),
    UnitKind.CITY_MANAGEMENT: (
        ("已到场处置完毕", "Dealt with on site"),
        ("已责令整改并现场复查", "Ordered to put it right and checked on site"),
    ),
    UnitKind.COMMUNITY_OFFICER: (
        ("已走访核实并处置完毕", "Visited, confirmed and dealt with"),
        ("已联系当事人，问题已解决", "Spoke with the people concerned; resolved"),
    ),
    UnitKind.GRID_WORKER: (
        ("已到场核实并处置完毕", "Checked on site and dealt with"),
        ("已拍照上报并协调处置", "Photographed, reported and resolved with the owner"),
    ),
}
_DEFAULT_NOTES = (("已到场处置完毕", "Dealt with on site"),)


class Stage(enum.Enum):
    """Where a crew is with a case."""

    TO_SIGN = "to_sign"
    DRIVING = "driving"
    WORKING = "working"


@dataclass(slots=True)
class CrewJob:
    """One unit's plan for one dispatch round of one case."""

    case_id: int
    unit_id: str
    round: int
    stage: Stage
    sign_at: float
    no_show: bool
    returns: bool
    work_s: float
    note: str
    target: tuple[float, float]
    origin: tuple[float, float] = (0.0, 0.0)
    depart_at: float = 0.0
    arrive_at: float = 0.0
    done_at: float = 0.0


class SimulatedResponders:
    """Plays the field units' side of the case loop in the built-in simulation."""

    def __init__(
        self,
        service: IncidentService,
        board: UnitBoard,
        bus: EventBus,
        seed: int = 552,
        no_show_share: float = 0.03,
        return_share: float = 0.05,
    ) -> None:
        self.service = service
        self.board = board
        self.bus = bus
        self.seed = seed
        self.no_show_share = no_show_share
        self.return_share = return_share
        self._jobs: dict[int, CrewJob] = {}
        self._positions: dict[str, tuple[float, float]] = {}
        self._handles: list[Subscription] = []
        self.signed = 0
        self.started = 0
        self.handled = 0
        self.returned = 0
        self.ignored = 0
        """Cases a crew chose never to sign for."""
        self.dropped = 0
        """Plans given up because someone else moved the case."""

    # ---- Wiring

    def attach(self, bus: EventBus | None = None) -> list[Subscription]:
        """Subscribe (batch) to case changes; returns the handles."""
        target = bus or self.bus
        self._handles = [
            target.subscribe(IncidentChanged, self._on_cases, Delivery.BATCH, name="responders")
        ]
        return list(self._handles)

    def close(self) -> None:
        """Close the subscription and forget every plan (idempotent)."""
        for handle in self._handles:
            handle.close()
        self._handles = []
        self._jobs.clear()

    def load(self, cases: Iterable[Incident]) -> None:
        """Pick up cases already with field units (e.g. the open cases at start)."""
        for case in cases:
            self._consider(case)

    # ---- Reading

    def job(self, case_id: int) -> CrewJob | None:
        """The crew plan for case ``case_id`` (None if no crew is working on it)."""
        return self._jobs.get(case_id)

    @property
    def active(self) -> int:
        """How many cases crews are working on."""
        return len(self._jobs)

    # ---- Stepping

    def step(self, now: float) -> None:
        """Let every crew do what is due at simulated time ``now`` (acts and positions)."""
        for case_id in sorted(self._jobs):
            job = self._jobs.get(case_id)
            while job is not None and self._advance(job, now):
                job = self._jobs.get(case_id)

    def _advance(self, job: CrewJob, now: float) -> bool:
        """Do the job's next due step; True if it moved on and may have more due."""
        if job.stage is Stage.TO_SIGN:
            if job.no_show or now < job.sign_at:
                return False
            if job.returns:
                if self._act(job, Verb.RETURN, IncidentStatus.DISPATCHED, reason=RETURN_REASON):
                    self.returned += 1
                    self._jobs.pop(job.case_id, None)
                return False
            if not self._act(job, Verb.SIGN, IncidentStatus.DISPATCHED):
                return False
            self.signed += 1
            unit = self.board.registry.get(job.unit_id)
            job.origin = self._position(job.unit_id)
            job.depart_at = now
            job.arrive_at = now + _travel_s(job.origin, job.target, unit)
            job.stage = Stage.DRIVING
            self._report(job.unit_id, job.origin, now)
            return True
        if job.stage is Stage.DRIVING:
            if now < job.arrive_at:
                self._report(job.unit_id, _between(job, now), now)
                return False
            self._report(job.unit_id, job.target, now)
            if not self._act(job, Verb.START, IncidentStatus.SIGNED):
                return False
            self.started += 1
            job.stage = Stage.WORKING
            job.done_at = now + job.work_s
            return True
        if now < job.done_at:
            return False
        if self._act(job, Verb.HANDLE, IncidentStatus.IN_HAND, note=job.note):
            self.handled += 1
            self._jobs.pop(job.case_id, None)
        return False

    def _act(self, job: CrewJob, verb: Verb, expected: IncidentStatus, **params: Any) -> bool:
        """Give the case ``verb`` as the unit if it is still as planned; drop the plan if not."""
        case = self.service.get(job.case_id)
        if case is None or not self._still_ours(job, case) or case.status is not expected:
            self._drop(job)
            return False
        try:
            self.service.act(
                job.case_id, verb, job.unit_id, expected_version=case.version, **params
            )
        except ConcurrentUpdateError:
            return False  # changed under us: look again on the next step
        except IncidentError as exc:
            log.info("crew %s gives up case %s: %s", job.unit_id, job.case_id, exc)
            self._drop(job)
            return False
        return True

    # ---- Learning of dispatched cases

    def _on_cases(self, events: Sequence[Event]) -> None:
        ids = dict.fromkeys(e.incident_id for e in events if isinstance(e, IncidentChanged))
        for incident_id in ids:
            case = self.service.get(incident_id)
            job = self._jobs.get(incident_id)
            if job is not None and (case is None or not self._still_ours(job, case)):
                self._drop(job)
            if case is not None:
                self._consider(case)

    def _consider(self, case: Incident) -> None:
        """Make a plan for a case newly with a field unit (nothing if one is running)."""
        if case.id in self._jobs or case.responsible_unit_id not in self.board:
            return
        stage = {
            IncidentStatus.DISPATCHED: Stage.TO_SIGN,
            IncidentStatus.SIGNED: Stage.DRIVING,
            IncidentStatus.IN_HAND: Stage.WORKING,
        }.get(case.status)
        if stage is None:
            return
        unit = self.board.registry.get(case.responsible_unit_id)
        job = self._plan(case, unit, stage)
        self._jobs[case.id] = job
        if job.no_show and stage is Stage.TO_SIGN:
            self.ignored += 1

    def _plan(self, case: Incident, unit: ResponseUnit, stage: Stage) -> CrewJob:
        rng = random.Random(f"{self.seed}:{case.id}:{case.dispatch_count}")
        no_show = rng.random() < self.no_show_share
        outside = case.path is None or case.path.at(unit.level) != unit.home_code
        returns = rng.random() < self.return_share and outside and not no_show
        dispatched_at = case.dispatched_at if case.dispatched_at is not None else case.updated_at
        sign_at = dispatched_at + rng.uniform(*SIGN_DELAY_S)
        limit_s = self.service.type_of(case).limits.handle * 60.0
        work_s = min(max(rng.uniform(*WORK_FRACTION) * limit_s, WORK_BOUNDS_S[0]), WORK_BOUNDS_S[1])
        zh, en = rng.choice(HANDLED_NOTES.get(unit.kind, _DEFAULT_NOTES))
        job = CrewJob(
            case_id=case.id,
            unit_id=unit.unit_id,
            round=case.dispatch_count,
            stage=stage,
            sign_at=sign_at,
            no_show=no_show,
            returns=returns,
            work_s=work_s,
            note=f"{zh} / {en}",
            target=(case.lon, case.lat),
        )
        if stage is Stage.DRIVING:
            job.origin = self._position(unit.unit_id)
            job.depart_at = case.updated_at
            job.arrive_at = case.updated_at + _travel_s(job.origin, job.target, unit)
        elif stage is Stage.WORKING:
            job.done_at = case.updated_at + work_s
        return job

    def _still_ours(self, job: CrewJob, case: Incident) -> bool:
        return case.responsible_unit_id == job.unit_id and case.dispatch_count == job.round

    def _drop(self, job: CrewJob) -> None:
        if self._jobs.pop(job.case_id, None) is not None:
            self.dropped += 1

    # ---- Positions

    def _position(self, unit_id: str) -> tuple[float, float]:
        return self._positions.get(unit_id) or self.board.position_of(unit_id)

    def _report(self, unit_id: str, where: tuple[float, float], now: float) -> None:
        self._positions[unit_id] = where
        self.bus.post(UnitPosition(ts=now, unit_id=unit_id, lon=where[0], lat=where[1]))


def _travel_s(
    origin: tuple[float, float], target: tuple[float, float], unit: ResponseUnit
) -> float:
    distance = distance_km(*origin, *target)
    minutes = eta_minutes(distance, unit.speed_kmh)
    return max(MIN_TRAVEL_S, minutes * 60.0) if math.isfinite(minutes) else MIN_TRAVEL_S


def _between(job: CrewJob, now: float) -> tuple[float, float]:
    """Where a driving crew is at ``now`` (straight-line progress from origin to target)."""
    span = max(job.arrive_at - job.depart_at, 1e-9)
    share = min(max((now - job.depart_at) / span, 0.0), 1.0)
    return (
        job.origin[0] + (job.target[0] - job.origin[0]) * share,
        job.origin[1] + (job.target[1] - job.origin[1]) * share,
    )
