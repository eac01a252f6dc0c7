"""Two whole consoles, each its own centre on one loopback broker, wired as the command
line wires them (``--bus`` with a prefix of its own, ``--neighbour`` for the other)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from console.core.incidents.lifecycle import Verb
from console.core.region import HandoffState
from console.core.runtime import ConsoleCore, CoreOptions, build_core
from tests.support.cases import CENTRE
from tests.support.mosquitto import Mosquitto, running_broker, wait_until

T0 = 1_795_000_000.0


@pytest.fixture
def mosquitto_broker(tmp_path: Path) -> Iterator[Mosquitto]:
    """A real Mosquitto on loopback for this test."""
    yield from running_broker(tmp_path)


def console(tmp_path: Path, url: str, prefix: str, neighbour: str) -> ConsoleCore:
    return build_core(
        CoreOptions(
            database_url=f"sqlite:///{tmp_path / f'{prefix}.db'}",
            history_dir=tmp_path / f"history-{prefix}",
            start=T0,
            speed=1.0,
            colleague_share=0.0,
            bus_url=url,
            bus_options=(("prefix", prefix), ("client_id", f"{prefix}-desk")),
            neighbours=((neighbour, url),),
            console_id=f"{prefix}-desk",
        )
    )


def test_a_case_goes_to_the_neighbouring_console_and_its_progress_comes_back(
    tmp_path: Path, mosquitto_broker: Mosquitto
) -> None:
    bengbu = console(tmp_path, mosquitto_broker.url, "bengbu", "huainan")
    huainan = console(tmp_path, mosquitto_broker.url, "huainan", "bengbu")
    cores = (bengbu, huainan)
    for core in cores:
        core.start()

    def pump(condition: Callable[[], bool]) -> bool:
        def drained() -> bool:
            for core in cores:
                core.bus.drain()
            return condition()

        return wait_until(drained, 15.0, 0.01)

    try:
        assert bengbu.region is not None and huainan.region is not None
        assert huainan.region.centre.centre_id == "huainan"
        assert huainan.region.config.neighbour("bengbu").broker == mosquitto_broker.url
        case = bengbu.incidents.report("road_accident", *CENTRE, "肇事车辆逃往淮南", "王敏")
        bengbu.region.hand_off(case.id, "huainan", "王敏", "the vehicle fled to Huainan")
        assert pump(lambda: huainan.incidents.count() == 1)
        (taken,) = huainan.incidents.list_open()
        huainan.incidents.act(taken.id, Verb.ACCEPT, "李娜")

        def bengbu_knows() -> bool:
            assert bengbu.region is not None
            (sent,) = bengbu.region.handoffs(case.id)
            return sent.state is HandoffState.RECEIVED and sent.remote_status == "accepted"

        assert pump(bengbu_knows)
        assert bengbu.region_links is not None
        (link, *_) = bengbu.region_links.links()
        assert link.state.value == "connected" and link.sent == 1
    finally:
        for core in cores:
            core.stop()
