"""Simulated vehicle terminals answer messages through a real bus into a real SQLite file."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from console.core.bus import EventBus
from console.core.clock import ManualClock
from console.core.events import Event, MessageReceipt, VehicleClass, VehicleMessage
from console.core.messages import MessageService, MessageState
from console.core.sim.terminals import SimulatedTerminals
from console.core.storage import Database

S = MessageState


@pytest.fixture
def messages(db: Database, bus: EventBus, clock: ManualClock) -> Iterator[MessageService]:
    service = MessageService(db, bus, clock, timeout_s=120.0)
    service.attach()
    yield service
    service.close()


def _run(
    terminals: SimulatedTerminals,
    messages: MessageService,
    bus: EventBus,
    clock: ManualClock,
    seconds: int,
) -> None:
    """What the console does each second: drain the bus, step terminals, check timeouts."""
    for _ in range(seconds):
        clock.advance(1)
        bus.drain()
        terminals.step(clock.now())
        bus.drain()
        messages.fail_overdue()


def test_terminals_acknowledge_delivered_then_read(
    messages: MessageService, bus: EventBus, clock: ManualClock
) -> None:
    terminals = SimulatedTerminals(bus, seed=7, silent_fraction=0.0, unread_fraction=0.0)
    terminals.attach()
    sent = messages.send(1207, VehicleClass.TAXI, "乘客遗失手机 / lost phone", "op-li")
    _run(terminals, messages, bus, clock, 20)
    assert messages.get(sent.message_id).state is S.DELIVERED  # type: ignore[union-attr]
    _run(terminals, messages, bus, clock, 180)
    history = messages.history(sent.message_id)
    assert [(h.actor, h.to_state) for h in history] == [
        ("op-li", S.SENT),
        ("terminal:1207", S.DELIVERED),
        ("terminal:1207", S.READ),
    ]
    assert 2.0 <= history[1].at - sent.sent_at <= 21.0
    assert history[2].at > history[1].at
    assert (messages.receipts_applied, messages.receipts_refused, bus.quarantine.count) == (2, 0, 0)
    assert terminals.waiting == 0
    terminals.close()


def test_silent_terminals_show_the_timeout_path(
    messages: MessageService, bus: EventBus, clock: ManualClock
) -> None:
    terminals = SimulatedTerminals(bus, seed=552)
    terminals.attach()
    sent = [messages.send(n, VehicleClass.TAXI, f"调度指令 {n}", "op-li") for n in range(200)]
    _run(terminals, messages, bus, clock, 400)
    states = {m.message_id: m.state for m in (messages.get(s.message_id) for s in sent) if m}
    failed = [mid for mid, state in states.items() if state is S.FAILED]
    assert terminals.silent == len(failed)
    assert 1 <= len(failed) <= 20  # a few percent never answer
    assert {states[mid] for mid in states if mid not in failed} <= {S.DELIVERED, S.READ}
    assert sum(state is S.READ for state in states.values()) > 150
    last = messages.history(failed[0])[-1]
    assert (last.actor, last.to_state) == ("system", S.FAILED)
    assert messages.pending() == [] and bus.quarantine.count == 0
    terminals.close()


def test_answers_depend_only_on_seed_and_message() -> None:
    def planned(seed: int, order: list[int]) -> list[MessageReceipt]:
        local = EventBus(ManualClock(0.0))
        terminals = SimulatedTerminals(local, seed=seed)
        terminals.attach()
        local.post_many(VehicleMessage(100.0, f"MSG-{n}", n, "hi") for n in order)
        local.drain()
        terminals.step(10_000.0)
        receipts: list[Event] = []
        local.subscribe(MessageReceipt, receipts.extend)
        local.drain()
        return sorted(
            (r for r in receipts if isinstance(r, MessageReceipt)),
            key=lambda r: (r.message_id, r.ts),
        )

    forward = planned(3, list(range(30)))
    assert forward == planned(3, list(range(29, -1, -1)))
    assert forward != planned(4, list(range(30)))
    assert all(r.ts > 100.0 for r in forward)


def test_step_posts_only_what_is_due_and_close_forgets(bus: EventBus, clock: ManualClock) -> None:
    terminals = SimulatedTerminals(bus, seed=1, silent_fraction=0.0, unread_fraction=0.0)
    terminals.attach()
    bus.post(VehicleMessage(clock.now(), "MSG-A", 5, "hi"))
    bus.drain()
    assert terminals.step(clock.now()) == 0
    assert terminals.step(clock.now() + 25.0) == 1  # delivered within 2..20 s
    assert terminals.waiting == 1
    terminals.close()
    assert terminals.waiting == 0 and bus.subscription_count == 0
    with pytest.raises(ValueError, match="between 0 and 1"):
        SimulatedTerminals(bus, silent_fraction=1.5)
