"""Handing a case to a neighbouring centre and hearing its status back, over a real Mosquitto.

Two centres, Bengbu and Huainan, each with its own database, bus, feed source
(its own prefix on the one loopback broker) and region desk with its link to
the other's broker.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from console.core.bus import EventBus
from console.core.clock import ManualClock, WallClock
from console.core.events import PayloadQuarantined, RegionHandoff, RegionStatus
from console.core.feeds import MqttPublisher, MqttSource, parse_broker_url
from console.core.incidents import IncidentRules, IncidentService
from console.core.incidents.lifecycle import Verb
from console.core.incidents.model import IncidentError, IncidentStatus
from console.core.incidents.types import REGIONAL_TYPE_ID
from console.core.region import Centre, Direction, HandoffState, RegionConfig, RegionDesk
from console.core.region.link import RegionLinks
from console.core.storage import Database, open_database
from console.core.storage.health import DatabaseHealth
from tests.support.cases import CENTRE, fixed_registry, locate, name_of
from tests.support.mosquitto import Collector, Mosquitto, running_broker, wait_until

if TYPE_CHECKING:
    from tests.support.postgres import PostgresServer

pytest_plugins = ["tests.support.postgres"]

WAIT_S = 10.0


@pytest.fixture
def mosquitto_broker(tmp_path: Path) -> Iterator[Mosquitto]:
    """A real Mosquitto on loopback for this test."""
    yield from running_broker(tmp_path)


@dataclass
class Desk:
    """One centre: its database, bus, feed, region desk and links."""

    name: str
    db: Database
    bus: EventBus
    service: IncidentService
    source: MqttSource
    region: RegionDesk
    links: RegionLinks
    seen: Collector
    health: DatabaseHealth

    def close(self) -> None:
        self.links.stop()
        self.source.stop()
        self.region.close()
        self.health.close()
        self.db.close()


def centre(centre_id: str, broker: str | None = None) -> Centre:
    names = {"bengbu": ("蚌埠市", "Bengbu"), "huainan": ("淮南市", "Huainan")}
    name, name_en = names[centre_id]
    return Centre(centre_id, name, name_en, broker=broker)


def make_desk(
    tmp_path: Path,
    url: str,
    own: str,
    other: str,
    clock: ManualClock,
    rules: IncidentRules,
    db_url: str | None = None,
    *,
    own_prefix: str | None = None,
    other_prefix: str | None = None,
) -> Desk:
    """One centre on ``url``; ``own_prefix``: its feed prefix is not its usual id (it is then
    the centre with that id, as a console on that prefix is); ``other_prefix``: the
    neighbour's broker URL says ``?prefix=``."""
    db = open_database(db_url or f"sqlite:///{tmp_path / f'{own}.db'}")
    bus = EventBus(clock)
    service = IncidentService(db, bus, clock, locate, rules, fixed_registry(), name_of)
    other_url = url if other_prefix is None else f"{url}?prefix={other_prefix}"
    config = RegionConfig(centre(own), (centre(other, other_url),))
    if own_prefix is not None:
        config = config.as_centre(own_prefix)
    links = RegionLinks(config, db, WallClock(), f"{own}-desk", poll_s=0.2)
    health = DatabaseHealth(db, clock)
    region = RegionDesk(
        config, service, bus, clock, wake=links.wake, database_ok=lambda: health.state.ok
    )
    region.attach()
    settings = parse_broker_url(url, prefix=own_prefix or own, client_id=f"{own}-console")
    source = MqttSource(settings, bus, clock)
    seen = Collector(bus)
    source.start()
    links.start()
    assert source.wait_connected(WAIT_S)
    return Desk(own, db, bus, service, source, region, links, seen, health)


@pytest.fixture
def centres(
    tmp_path: Path, mosquitto_broker: Mosquitto, rules: IncidentRules
) -> Iterator[tuple[Desk, Desk]]:
    clock = ManualClock(start=1_795_000_000.0)
    bengbu = make_desk(tmp_path, mosquitto_broker.url, "bengbu", "huainan", clock, rules)
    huainan = make_desk(tmp_path, mosquitto_broker.url, "huainan", "bengbu", clock, rules)
    yield bengbu, huainan
    bengbu.close()
    huainan.close()


def pump(desks: tuple[Desk, ...], condition: Callable[[], bool]) -> bool:
    """Drain every centre's bus (as their frame ticks do) until ``condition``."""

    def drained() -> bool:
        for desk in desks:
            desk.bus.drain()
        return condition()

    return wait_until(drained, WAIT_S, 0.01)


def report(service: IncidentService) -> int:
    return service.report("road_accident", *CENTRE, "货车侧翻，司机驾车逃往淮南", "王敏").id


def test_a_handed_off_case_opens_at_the_neighbour_and_its_status_comes_back(
    centres: tuple[Desk, Desk],
) -> None:
    bengbu, huainan = centres
    case_id = report(bengbu.service)
    handoff = bengbu.region.hand_off(case_id, "huainan", "王敏", "the driver fled to Huainan")
    assert handoff.state is HandoffState.QUEUED  # stored before it is shown, not yet sent
    trail = bengbu.service.audit_trail(case_id)
    assert trail[-1].action == "handed_off" and trail[-1].reason == "the driver fled to Huainan"

    assert pump(centres, lambda: huainan.service.count() == 1)
    (taken,) = huainan.service.list_open()
    assert taken.title.startswith("蚌埠市 (Bengbu)移交：") and "逃往淮南" in taken.title
    assert taken.incident_type == "road_accident" and taken.priority == 1
    (kept,) = huainan.region.handoffs(taken.id)
    assert kept.direction is Direction.IN and kept.remote_case_id == case_id

    def bengbu_state() -> tuple[HandoffState, str | None, int | None]:
        (sent,) = bengbu.region.handoffs(case_id)
        return sent.state, sent.remote_status, sent.remote_case_id

    assert pump(centres, lambda: bengbu_state() == (HandoffState.RECEIVED, "reported", taken.id))

    huainan.service.act(taken.id, Verb.ACCEPT, "李娜")
    huainan.service.act(taken.id, Verb.OPEN, "李娜")
    assert pump(centres, lambda: bengbu_state()[1] == "opened")
    reports = [e for e in bengbu.service.audit_trail(case_id) if e.action == "neighbour_reported"]
    assert [e.detail["params"]["status"] for e in reports] == ["reported", "accepted", "opened"]
    assert reports[-1].reason.startswith(f"淮南市 (Huainan) case #{taken.id}: Opened")
    assert bengbu.service.get(case_id).status is IncidentStatus.REPORTED  # still its own case


def test_a_neighbour_on_another_prefix_than_its_id_hears_back_both_ways(
    tmp_path: Path, mosquitto_broker: Mosquitto, rules: IncidentRules
) -> None:
    clock = ManualClock(start=1_795_000_000.0)
    url = mosquitto_broker.url
    bengbu = make_desk(tmp_path, url, "bengbu", "huainan", clock, rules, other_prefix="hn")
    huainan = make_desk(tmp_path, url, "huainan", "bengbu", clock, rules, own_prefix="hn")
    desks = (bengbu, huainan)
    try:
        to_huainan = report(bengbu.service)
        bengbu.region.hand_off(to_huainan, "huainan", "王敏", "fled")
        assert pump(
            desks, lambda: bengbu.region.handoffs(to_huainan)[0].state is HandoffState.RECEIVED
        )
        to_bengbu = report(huainan.service)
        huainan.region.hand_off(to_bengbu, "bengbu", "李娜", "fled back")
        assert pump(
            desks, lambda: huainan.region.handoffs(to_bengbu)[0].state is HandoffState.RECEIVED
        )
        assert bengbu.region.waiting() == {} and huainan.region.waiting() == {}
        assert not [e for d in desks for e in d.seen.events if isinstance(e, PayloadQuarantined)]
    finally:
        bengbu.close()
        huainan.close()


def test_a_case_is_handed_once_to_the_same_neighbour_and_only_to_neighbours(
    centres: tuple[Desk, Desk],
) -> None:
    bengbu, _ = centres
    case_id = report(bengbu.service)
    bengbu.region.hand_off(case_id, "huainan", "王敏", "fled")
    with pytest.raises(IncidentError, match="already handed to 淮南市"):
        bengbu.region.hand_off(case_id, "huainan", "王敏", "again")
    with pytest.raises(IncidentError, match="not a neighbouring centre"):
        bengbu.region.hand_off(case_id, "hefei", "王敏", "fled")
    unreachable = RegionConfig(bengbu.region.centre, (centre("huainan"),))
    desk = RegionDesk(unreachable, bengbu.service, bengbu.bus, WallClock())
    with pytest.raises(IncidentError, match="no broker is configured for it"):
        desk.hand_off(report(bengbu.service), "huainan", "王敏", "fled")
    with pytest.raises(IncidentError, match="needs a reason"):
        bengbu.region.hand_off(report(bengbu.service), "huainan", "王敏", " ")
    assert len(bengbu.region.handoffs(case_id)) == 1


def test_a_hand_off_waits_while_the_broker_is_down_and_goes_when_it_is_back(
    centres: tuple[Desk, Desk], mosquitto_broker: Mosquitto
) -> None:
    bengbu, huainan = centres
    mosquitto_broker.stop()
    assert wait_until(lambda: bengbu.links.links()[0].state.value == "down", WAIT_S)
    case_id = report(bengbu.service)
    bengbu.region.hand_off(case_id, "huainan", "王敏", "fled")
    assert bengbu.region.waiting() == {"huainan": 1}
    mosquitto_broker.start()
    assert pump(centres, lambda: huainan.service.count() == 1)
    assert pump(centres, lambda: bengbu.region.handoffs(case_id)[0].state is HandoffState.RECEIVED)
    assert bengbu.region.waiting() == {}


def test_a_hand_off_arriving_while_the_database_is_down_is_taken_when_it_is_back(
    tmp_path: Path,
    mosquitto_broker: Mosquitto,
    postgres_server: PostgresServer,
    pg_url: str,
    rules: IncidentRules,
) -> None:
    clock = ManualClock(start=1_795_000_000.0)
    url = mosquitto_broker.url
    bengbu = make_desk(tmp_path, url, "bengbu", "huainan", clock, rules)
    huainan = make_desk(tmp_path, url, "huainan", "bengbu", clock, rules, db_url=pg_url)
    desks = (bengbu, huainan)
    try:
        case_id = report(bengbu.service)
        postgres_server.stop()
        bengbu.region.hand_off(case_id, "huainan", "王敏", "fled")
        assert pump(desks, lambda: huainan.region.held == 1)
        assert huainan.region.retry_held() == 1  # still down: kept, in order
        assert not [e for e in huainan.seen.events if isinstance(e, PayloadQuarantined)]
        postgres_server.start()
        assert wait_until(lambda: huainan.health.check().ok, WAIT_S, 0.1)  # as a console does
        assert pump(desks, lambda: huainan.region.retry_held() == 0)
        assert huainan.service.count() == 1
        assert pump(
            desks, lambda: bengbu.region.handoffs(case_id)[0].state is HandoffState.RECEIVED
        )
    finally:
        if not postgres_server.running:
            postgres_server.start()
        bengbu.close()
        huainan.close()


def test_long_names_from_a_neighbour_are_kept_cut_and_an_overlong_id_is_refused(
    tmp_path: Path, mosquitto_broker: Mosquitto, pg_url: str, rules: IncidentRules
) -> None:
    clock = ManualClock(start=1_795_000_000.0)
    url = mosquitto_broker.url
    huainan = make_desk(tmp_path, url, "huainan", "bengbu", clock, rules, db_url=pg_url)
    try:  # PostgreSQL holds names to their column lengths (SQLite does not)
        handoff = RegionHandoff(
            ts=clock.now(), handoff_id="bengbu-1-0123456789ab", origin="bengbu",
            origin_name="蚌埠市", case_id=1, incident_type="road_accident", title="货车逃逸",
            title_en="A lorry fled", priority=1, lon=117.39, lat=32.92,
            reported_at=clock.now(), reason="fled", actor="王" * 200,
        )  # fmt: skip
        case = huainan.region.take(handoff)
        assert case is not None
        (kept,) = huainan.region.handoffs(case.id)
        assert kept.actor == "王" * 128
        overlong = replace(handoff, handoff_id="x" * 97)
        with pytest.raises(IncidentError, match="handoff_id longer than 96 characters"):
            huainan.region.take(overlong)
    finally:
        huainan.close()


def test_a_hand_off_the_database_refuses_while_answering_is_quarantined_not_held(
    centres: tuple[Desk, Desk],
) -> None:
    bengbu, huainan = centres
    with huainan.db.engine.begin() as connection:  # the database answers, and says no
        connection.exec_driver_sql(
            "CREATE TRIGGER refuse BEFORE INSERT ON region_handoffs"
            " BEGIN SELECT RAISE(ABORT, 'no hand-offs today'); END"
        )
    case_id = report(bengbu.service)
    bengbu.region.hand_off(case_id, "huainan", "王敏", "fled")

    def quarantined() -> list[str]:
        return [e.reason for e in huainan.seen.events if isinstance(e, PayloadQuarantined)]

    assert pump(centres, lambda: bool(quarantined()))
    (reason,) = quarantined()
    assert reason.startswith("not kept, the database failed: ") and "no hand-offs today" in reason
    assert huainan.region.held == 0 and huainan.service.count() == 0


def test_a_second_console_receiving_the_same_hand_off_opens_no_second_case(
    centres: tuple[Desk, Desk],
) -> None:
    bengbu, huainan = centres
    case_id = report(bengbu.service)
    bengbu.region.hand_off(case_id, "huainan", "王敏", "fled")
    assert pump(centres, lambda: huainan.service.count() == 1)
    (received,) = [e for e in huainan.seen.events if isinstance(e, RegionHandoff)]
    # another console of Huainan, on the same database, gets its own copy
    other = RegionDesk(huainan.region.config, huainan.service, huainan.bus, WallClock())
    assert other.take(received) is None
    assert huainan.service.count() == 1 and len(huainan.region.recent()) == 1


def test_reports_that_do_not_fit_are_quarantined_with_their_reason(
    centres: tuple[Desk, Desk], mosquitto_broker: Mosquitto
) -> None:
    bengbu, _ = centres
    forged = RegionStatus(
        ts=1_795_000_000.0,
        handoff_id="bengbu-99-ffffffffffff",
        centre="huainan",
        seq=1,
        case_id=7,
        status="closed",
        action="closed",
        actor="nobody",
    )
    with MqttPublisher(parse_broker_url(mosquitto_broker.url, prefix="bengbu")) as publisher:
        publisher.publish(forged)
        publisher.publish_raw("region.handoff", b'{"v": 1, "handoff_id": 3}')
    quarantined = lambda: [e for e in bengbu.seen.events if isinstance(e, PayloadQuarantined)]  # noqa: E731
    assert pump(centres, lambda: len(quarantined()) == 2)
    reasons = sorted(e.reason for e in quarantined())
    assert reasons[0].startswith("missing field(s): 'ts', 'origin'")
    assert reasons[1] == (
        "report not kept: hand-off 'bengbu-99-ffffffffffff' was not sent by this centre"
    )
    assert bengbu.service.count() == 0


def test_an_unknown_case_type_becomes_a_regional_case(
    centres: tuple[Desk, Desk], rules: IncidentRules
) -> None:
    bengbu, huainan = centres
    case_id = report(bengbu.service)
    bengbu.region.hand_off(case_id, "huainan", "王敏", "fled")
    assert pump(centres, lambda: huainan.service.count() == 1)
    (event,) = [e for e in huainan.seen.events if isinstance(e, RegionHandoff)]
    strange = replace(event, handoff_id="bengbu-1-aaaaaaaaaaaa", incident_type="dragon")
    taken = huainan.region.take(strange)
    assert taken is not None and taken.incident_type == REGIONAL_TYPE_ID
    assert REGIONAL_TYPE_ID not in {t.type_id for t in rules.reportable()}


def test_a_refused_hand_off_is_told_and_the_case_can_be_handed_again(
    centres: tuple[Desk, Desk],
) -> None:
    bengbu, huainan = centres
    huainan.region.close()  # Huainan reads this one itself, and refuses it
    case_id = report(bengbu.service)
    bengbu.region.hand_off(case_id, "huainan", "王敏", "fled")
    received = lambda: [e for e in huainan.seen.events if isinstance(e, RegionHandoff)]  # noqa: E731
    assert pump(centres, lambda: len(received()) == 1)
    assert huainan.service.count() == 0
    huainan.region.refuse(received()[0], "outside our area")
    assert pump(centres, lambda: bengbu.region.handoffs(case_id)[0].state is HandoffState.REFUSED)
    refused = bengbu.service.audit_trail(case_id)[-1]
    assert refused.action == "neighbour_reported"
    assert refused.reason == "淮南市 (Huainan) refused the case (outside our area)"
    again = bengbu.region.hand_off(case_id, "huainan", "王敏", "it is in Huainan after all")
    assert again.state is HandoffState.QUEUED and len(bengbu.region.handoffs(case_id)) == 2
