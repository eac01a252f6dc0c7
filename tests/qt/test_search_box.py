"""The find box suggests while typing and hands the choice on; vehicles are found where they are."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from console.core.city.city import City
from console.core.city.loader import default_city
from console.core.events import VehicleBatch
from console.core.search import (
    HitKind,
    SearchHit,
    SearchIndex,
    build_search_index,
    pinyin_romaniser,
)
from console.core.sim.plates import plate_for
from console.qt.map.vehicle_table import VehicleTable
from console.qt.search_box import SearchBox


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    city: City = default_city()
    plates = [plate_for("皖C", vehicle_id) for vehicle_id in range(500)]
    return build_search_index(city, [], plates, pinyin_romaniser())


def test_typing_suggests_and_enter_chooses_the_best(qtbot: QtBot, index: SearchIndex) -> None:
    box = SearchBox(index)
    qtbot.addWidget(box)
    box.show()
    chosen: list[SearchHit] = []
    box.sig_chosen.connect(chosen.append)
    qtbot.keyClicks(box, "lzhq")
    assert box.suggestions()[0].label == "龙子湖区"
    box.completer().popup().hide()
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert [(hit.kind, hit.key) for hit in chosen] == [(HitKind.DIVISION, "340302")]


def test_a_plate_is_offered_and_nothing_is_chosen_for_no_match(
    qtbot: QtBot, index: SearchIndex
) -> None:
    box = SearchBox(index)
    qtbot.addWidget(box)
    plate = plate_for("皖C", 321)
    qtbot.keyClicks(box, plate[2:])
    assert box.suggestions()[0].key == "321"
    box.clear()
    qtbot.keyClicks(box, "zzzz-no-such-thing")
    assert box.suggestions() == []
    assert not box.choose(0)


def test_a_vehicle_is_found_at_its_newest_position() -> None:
    table = VehicleTable()
    ids = np.array([5, 9], np.int32)
    zeros = np.zeros(2, np.float32)
    lon = np.array([117.1, 117.2], np.float32)
    lat = np.array([32.9, 33.0], np.float32)
    table.update([VehicleBatch(1.0, "taxi", ids, np.zeros(2, np.uint8), lon, lat, zeros, zeros)])
    where = table.position_of(9)
    assert where is not None and where == pytest.approx((117.2, 33.0), abs=1e-5)
    assert table.position_of(77) is None
