"""The live vehicle frame kept packed between frames: changes, extent, window, precision."""

from __future__ import annotations

import base64

import numpy as np
import numpy.typing as npt
import pytest

from console.qt.map.packing import (
    FrameExtent,
    LiveFrames,
    MercatorY,
    PackedVehicles,
    VehicleChanges,
    VehiclePacker,
    mercator_px_exact,
)

pytestmark = pytest.mark.qt

BBOX = (116.7, 32.7, 118.1, 33.5)
METRES_PER_PX = 40_075_016.0 / 256 * np.cos(np.radians(33.0))


def _fleet(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    lon = rng.uniform(117.2, 117.6, n).astype(np.float32)
    lat = rng.uniform(32.8, 33.1, n).astype(np.float32)
    classes = rng.integers(0, 4, n).astype(np.uint8)
    return lon, lat, classes


def _decoded(frame: PackedVehicles) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint16]]:
    raw = np.frombuffer(base64.b64decode(frame.payload), np.uint8).copy()
    return raw, raw[: frame.count * 4].view(np.uint16).reshape(-1, 2)


def _apply(buffer: npt.NDArray[np.uint8], changes: VehicleChanges) -> None:
    """What the page's patchData does to its copy of the frame."""
    raw = np.frombuffer(base64.b64decode(changes.payload), np.uint8)
    k = changes.changed
    index = raw[: 4 * k].view("<u4")
    moved = raw[4 * k :].view(np.uint16).reshape(k, 2)
    buffer[: changes.count * 4].view(np.uint16).reshape(-1, 2)[index] = moved


def _positions(xy: npt.NDArray[np.uint16], e: FrameExtent) -> tuple[np.ndarray, np.ndarray]:
    return e.x0 + xy[:, 0] * e.step_x, e.y0 + xy[:, 1] * e.step_y


def _error_m(frame: PackedVehicles, xy: npt.NDArray[np.uint16], lon, lat, classes) -> float:
    """Largest distance between the packed positions and Leaflet's projection (metres)."""
    order = np.argsort(3 - classes, kind="stable")
    want_x, want_y = mercator_px_exact(lon[order], lat[order])
    x, y = _positions(xy, frame.extent)
    return float(np.hypot(x - want_x, y - want_y).max() * METRES_PER_PX)


def test_a_rebuilt_frame_is_ordered_by_class_and_precise() -> None:
    lon, lat, classes = _fleet(5000)
    lon[7], lat[8], classes[9] = np.nan, 80.0, 9
    frame = LiveFrames(VehiclePacker.around(BBOX)).rebuild(lon, lat, classes)
    assert frame.count == 4997 and frame.off_map == 3
    raw, xy = _decoded(frame)
    drawn_classes = raw[frame.count * 4 :]
    assert list(drawn_classes) == sorted(drawn_classes, reverse=True)
    keep = np.ones(5000, bool)
    keep[7:10] = False
    assert _error_m(frame, xy, lon[keep], lat[keep], classes[keep]) < 1.5
    assert frame.class_counts == tuple(np.bincount(classes[keep], minlength=4))


def test_moved_vehicles_travel_as_changes_the_page_can_apply() -> None:
    lon, lat, classes = _fleet(5000)
    live = LiveFrames(VehiclePacker.around(BBOX))
    page, _ = _decoded(live.rebuild(lon, lat, classes))
    rng = np.random.default_rng(2)
    for _ in range(5):
        rows = np.unique(rng.integers(0, 5000, 200))
        lon[rows] += np.float32(0.0005)
        lat[rows] -= np.float32(0.0003)
        changes = live.update(rows, lon, lat, classes)
        assert isinstance(changes, VehicleChanges)
        assert changes.changed == rows.shape[0] and changes.count == 5000
        _apply(page, changes)
    whole = live.whole()
    assert page.tobytes() == base64.b64decode(whole.payload)
    assert _error_m(whole, _decoded(whole)[1], lon, lat, classes) < 1.5


def test_a_vehicle_leaving_the_extent_brings_a_whole_frame_with_a_wider_one() -> None:
    lon, lat, classes = _fleet(1000)
    live = LiveFrames(VehiclePacker.around(BBOX))
    first = live.rebuild(lon, lat, classes)
    lon[5] = 117.95  # far east of the fleet, still in the window
    frame = live.update(np.array([5]), lon, lat, classes)
    assert isinstance(frame, PackedVehicles)
    x, _ = mercator_px_exact(np.array([117.95]), np.array([33.0]))
    e = frame.extent
    assert e.x0 + 65535 * e.step_x > x[0] > first.extent.x0 + 65535 * first.extent.step_x
    assert _error_m(frame, _decoded(frame)[1], lon, lat, classes) < 1.5


def test_a_vehicle_leaving_or_entering_the_window_changes_the_frame() -> None:
    lon, lat, classes = _fleet(1000)
    live = LiveFrames(VehiclePacker.around(BBOX))
    live.rebuild(lon, lat, classes)
    lon[3] = np.nan  # a lost fix
    frame = live.update(np.array([3]), lon, lat, classes)
    assert isinstance(frame, PackedVehicles)
    assert (frame.count, frame.off_map) == (999, 1)
    lon[3] = 117.4
    frame = live.update(np.array([3]), lon, lat, classes)
    assert isinstance(frame, PackedVehicles) and (frame.count, frame.off_map) == (1000, 0)


def test_when_most_vehicles_move_the_whole_frame_is_sent() -> None:
    lon, lat, classes = _fleet(1000)
    live = LiveFrames(VehiclePacker.around(BBOX))
    live.rebuild(lon, lat, classes)
    lon += np.float32(0.0001)
    frame = live.update(np.arange(1000), lon, lat, classes)
    assert isinstance(frame, PackedVehicles) and frame.count == 1000
    assert _error_m(frame, _decoded(frame)[1], lon, lat, classes) < 1.5
    rows = np.arange(0, 1000, 3)  # a third: fewer bytes as changes
    lon[rows] += np.float32(0.0001)
    assert isinstance(live.update(rows, lon, lat, classes), VehicleChanges)


def test_whole_is_asked_for_when_the_page_lost_its_frame() -> None:
    lon, lat, classes = _fleet(100)
    live = LiveFrames(VehiclePacker.around(BBOX))
    live.rebuild(lon, lat, classes)
    lon[1] += np.float32(0.001)
    frame = live.update(np.array([1]), lon, lat, classes, whole=True)
    assert isinstance(frame, PackedVehicles)
    assert _error_m(frame, _decoded(frame)[1], lon, lat, classes) < 1.5


def test_an_empty_fleet_packs_to_an_empty_frame() -> None:
    live = LiveFrames(VehiclePacker.around(BBOX))
    empty = np.empty(0, np.float32)
    frame = live.rebuild(empty, empty, np.empty(0, np.uint8))
    assert (frame.count, frame.off_map, frame.payload) == (0, 0, "")


def test_the_fitted_mercator_is_within_a_millimetre_of_leaflets() -> None:
    lat = np.linspace(31.7, 34.5, 100_001)
    fitted = MercatorY(31.7, 34.5)
    assert fitted.usable
    exact = mercator_px_exact(np.zeros_like(lat), lat)[1]
    assert np.abs(fitted(lat) - exact).max() * METRES_PER_PX < 1e-3
    outside = np.array([10.0, 60.0])  # beyond the band: the formula itself
    assert fitted(outside) == pytest.approx(mercator_px_exact(np.zeros(2), outside)[1])
    assert not MercatorY(-85.0, 85.0).usable  # too wide to fit: the formula throughout
