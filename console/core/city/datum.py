"""GCJ-02 ("Mars coordinates") to and from WGS-84, vectorised with numpy.

Chinese web maps (AMap/Gaode, Tencent) publish coordinates in GCJ-02, WGS-84 shifted
by a deliberately obfuscating, smooth offset of a few hundred metres. The forward
transform used here is the widely published reconstruction of that offset: a
polynomial-plus-sines series in (lon - 105, lat - 35), scaled onto the Krasovsky 1940
ellipsoid (a = 6378245 m, e^2 = 0.00669342162296594323). It circulates in many open
implementations (e.g. the ``eviltransform`` and ``coordtransform`` projects, and
``cnmaps.geo``); this module is our own implementation of that published formula.

There is no closed-form inverse. :func:`gcj02_to_wgs84` inverts by fixed-point
iteration (``wgs <- wgs - (forward(wgs) - gcj)``); the offset varies slowly, so it
converges to well under 1e-9 degrees in a handful of steps.

Outside mainland China's rough bounding box the offset is not applied (as GCJ-02
itself does), so those points pass through unchanged.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

_KRASOVSKY_A = 6378245.0
_KRASOVSKY_E2 = 0.00669342162296594323
_INVERSE_TOLERANCE_DEG = 1e-11
_INVERSE_MAX_STEPS = 30


def _series_lat(x: FloatArray, y: FloatArray) -> FloatArray:
    """The latitude part of the offset series, in metres-like units."""
    pi = np.pi
    out = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    out += (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    out += (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    out += (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    return out


def _series_lon(x: FloatArray, y: FloatArray) -> FloatArray:
    """The longitude part of the offset series, in metres-like units."""
    pi = np.pi
    out = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    out += (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    out += (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    out += (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    return out


def in_china(lon: npt.ArrayLike, lat: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Whether points lie in the rough box where GCJ-02 applies its offset."""
    lon_a = np.asarray(lon, dtype=np.float64)
    lat_a = np.asarray(lat, dtype=np.float64)
    return (lon_a >= 72.004) & (lon_a <= 137.8347) & (lat_a >= 0.8293) & (lat_a <= 55.8271)


def _offset(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 minus WGS-84, in degrees, for WGS-84 input points."""
    x = lon - 105.0
    y = lat - 35.0
    d_lat = _series_lat(x, y)
    d_lon = _series_lon(x, y)
    rad_lat = np.radians(lat)
    sin_lat = np.sin(rad_lat)
    magic = 1.0 - _KRASOVSKY_E2 * sin_lat * sin_lat
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / (
        (_KRASOVSKY_A * (1.0 - _KRASOVSKY_E2)) / (magic * sqrt_magic) * np.pi
    )
    d_lon = (d_lon * 180.0) / (_KRASOVSKY_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    inside = in_china(lon, lat)
    return np.where(inside, d_lon, 0.0), np.where(inside, d_lat, 0.0)


def wgs84_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Shift WGS-84 longitudes/latitudes (degrees) to GCJ-02."""
    lon_a = np.asarray(lon, dtype=np.float64)
    lat_a = np.asarray(lat, dtype=np.float64)
    d_lon, d_lat = _offset(lon_a, lat_a)
    return lon_a + d_lon, lat_a + d_lat


def gcj02_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Recover WGS-84 longitudes/latitudes (degrees) from GCJ-02 by iterating the forward map."""
    gcj_lon = np.asarray(lon, dtype=np.float64)
    gcj_lat = np.asarray(lat, dtype=np.float64)
    d_lon, d_lat = _offset(gcj_lon, gcj_lat)
    wgs_lon = gcj_lon - d_lon
    wgs_lat = gcj_lat - d_lat
    for _ in range(_INVERSE_MAX_STEPS):
        fwd_lon, fwd_lat = wgs84_to_gcj02(wgs_lon, wgs_lat)
        err_lon = fwd_lon - gcj_lon
        err_lat = fwd_lat - gcj_lat
        wgs_lon = wgs_lon - err_lon
        wgs_lat = wgs_lat - err_lat
        worst = max(
            float(np.max(np.abs(err_lon), initial=0.0)), float(np.max(np.abs(err_lat), initial=0.0))
        )
        if worst < _INVERSE_TOLERANCE_DEG:
            break
    return wgs_lon, wgs_lat
