"""The map's vehicle table: newest slices and reports as rows, and what changed since."""

from __future__ import annotations

import numpy as np
import pytest

from console.core.events import VehicleBatch, VehicleClass, VehiclePosition
from console.qt.map.vehicle_table import VehicleTable

pytestmark = pytest.mark.qt

T0 = 1_795_000_000.0


def _batch(batch_id: str, ids: list[int], lon: list[float], cls: int = 3) -> VehicleBatch:
    n = len(ids)
    return VehicleBatch(
        T0,
        batch_id,
        np.array(ids, np.int32),
        np.full(n, cls, np.uint8),
        np.array(lon, np.float32),
        np.full(n, 32.9, np.float32),
        np.zeros(n, np.float32),
        np.zeros(n, np.float32),
    )


def _report(vehicle_id: int, lon: float, ts: float = T0, cls: int = 0) -> VehiclePosition:
    return VehiclePosition(ts, vehicle_id, VehicleClass(cls), lon, 32.9, 30.0, 90.0)


def test_the_first_changes_are_a_layout_of_slices_then_singles() -> None:
    table = VehicleTable()
    table.update([_batch("b", [5, 6], [117.1, 117.2]), _batch("a", [1], [117.0])])
    table.update_positions([_report(9, 117.5)])
    changes = table.take_changes()
    assert changes.layout and list(changes.rows) == [0, 1, 2, 3]
    assert list(changes.lon) == pytest.approx([117.0, 117.1, 117.2, 117.5])
    assert list(changes.classes) == [3, 3, 3, 0]
    again = table.take_changes()
    assert not again.layout and not len(again.rows)


def test_a_newer_slice_of_the_same_shape_moves_only_its_rows() -> None:
    table = VehicleTable()
    table.update([_batch("a", [1, 2, 3], [117.0, 117.1, 117.2]), _batch("b", [7], [117.3])])
    table.take_changes()
    version = table.version
    table.update([_batch("a", [1, 2, 3], [117.0, 117.15, 117.2])])
    changes = table.take_changes()
    assert table.version > version
    assert not changes.layout and list(changes.rows) == [1]
    assert changes.lon[1] == pytest.approx(117.15)


def test_a_slice_of_another_length_or_class_is_a_new_layout() -> None:
    table = VehicleTable()
    table.update([_batch("a", [1, 2], [117.0, 117.1])])
    table.take_changes()
    table.update([_batch("a", [1, 2, 3], [117.0, 117.1, 117.2])])
    assert table.take_changes().layout
    table.update([_batch("a", [1, 2, 3], [117.0, 117.1, 117.2], cls=0)])
    changes = table.take_changes()
    assert changes.layout and list(changes.classes) == [0, 0, 0]


def test_single_reports_move_their_row_new_vehicles_change_the_layout() -> None:
    table = VehicleTable()
    table.update([_batch("a", [1], [117.0])])
    table.update_positions([_report(9, 117.5), _report(8, 117.6)])
    table.take_changes()
    table.update_positions([_report(8, 117.65, ts=T0 + 1), _report(9, 117.9, ts=T0 - 1)])
    changes = table.take_changes()
    assert not changes.layout and list(changes.rows) == [2]  # the late report is left out
    assert table.position_of(9) == pytest.approx((117.5, 32.9))
    table.update_positions([_report(8, 117.65, ts=T0 + 2)])  # came again, did not move
    assert not len(table.take_changes().rows)
    table.update_positions([_report(7, 117.7)])
    assert table.take_changes().layout
    table.update_positions([_report(7, 117.7, ts=T0 + 1, cls=2)])  # another class
    assert table.take_changes().layout


def test_merged_arrays_are_copies_that_later_reports_leave_alone() -> None:
    table = VehicleTable()
    table.update_positions([_report(9, 117.5), _report(8, 117.6)])
    lon, _lat, _classes = table.merged()
    ids = table.ids()
    table.update_positions([_report(9, 117.8, ts=T0 + 1)])
    assert list(lon) == pytest.approx([117.5, 117.6]) and list(ids) == [9, 8]
    assert list(table.merged()[0]) == pytest.approx([117.8, 117.6])


def test_clear_and_relayout_hand_every_row_over_again() -> None:
    table = VehicleTable()
    table.update_positions([_report(9, 117.5)])
    table.take_changes()
    table.relayout()
    assert list(table.take_changes().rows) == [0]
    table.clear()
    changes = table.take_changes()
    assert changes.layout and not len(changes.rows) and len(table) == 0
