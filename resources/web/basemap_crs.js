/*
 * Coordinate systems for city tile servers.
 *
 * Chinese tile servers (AMap/Gaode, Tencent, many city GIS servers) draw their tiles
 * in GCJ-02, WGS-84 shifted by a smooth offset of a few hundred metres. Everything the
 * console draws is WGS-84, so over GCJ-02 tiles the map uses a CRS that is Leaflet's
 * EPSG:3857 except that its projection first shifts WGS-84 to GCJ-02:
 *
 *   project(latlng)   = SphericalMercator.project(wgs84ToGcj02(latlng))
 *   unproject(point)  = gcj02ToWgs84(SphericalMercator.unproject(point))   (iterative)
 *
 * So every latlng layer (boundaries, river, markers, tracks) lands on the tiles, and
 * clicks (containerPointToLatLng) still report WGS-84. The offset is the widely
 * published reconstruction of GCJ-02 (a series in lon - 105, lat - 35 on the
 * Krasovsky 1940 ellipsoid), ported from console/core/city/datum.py with the same
 * constants.
 *
 *   CityConsoleCRS.gcj02()                 -> a new L.CRS (also L.CRS.CityConsoleGCJ02)
 *   CityConsoleCRS.wgs84ToGcj02(lat, lng)  -> L.LatLng
 *   CityConsoleCRS.gcj02ToWgs84(lat, lng)  -> L.LatLng
 */
(function () {
  "use strict";

  const KRASOVSKY_A = 6378245.0;
  const KRASOVSKY_E2 = 0.00669342162296594323;
  const INVERSE_TOLERANCE_DEG = 1e-11;
  const INVERSE_MAX_STEPS = 30;
  const PI = Math.PI;

  function inChina(lng, lat) {
    return lng >= 72.004 && lng <= 137.8347 && lat >= 0.8293 && lat <= 55.8271;
  }

  function seriesLat(x, y) {
    let out = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    out += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    out += (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0;
    out += (160.0 * Math.sin(y / 12.0 * PI) + 320.0 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
    return out;
  }

  function seriesLon(x, y) {
    let out = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    out += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    out += (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0;
    out += (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
    return out;
  }

  /** GCJ-02 minus WGS-84 in degrees, [dLng, dLat], for a WGS-84 point. */
  function offset(lng, lat) {
    if (!inChina(lng, lat)) {
      return [0.0, 0.0];
    }
    const x = lng - 105.0;
    const y = lat - 35.0;
    const radLat = lat / 180.0 * PI;
    const sinLat = Math.sin(radLat);
    const magic = 1.0 - KRASOVSKY_E2 * sinLat * sinLat;
    const sqrtMagic = Math.sqrt(magic);
    const dLat = (seriesLat(x, y) * 180.0) /
      ((KRASOVSKY_A * (1.0 - KRASOVSKY_E2)) / (magic * sqrtMagic) * PI);
    const dLng = (seriesLon(x, y) * 180.0) / (KRASOVSKY_A / sqrtMagic * Math.cos(radLat) * PI);
    return [dLng, dLat];
  }

  function wgs84ToGcj02(lat, lng) {
    const d = offset(lng, lat);
    return L.latLng(lat + d[1], lng + d[0]);
  }

  /** The WGS-84 point whose GCJ-02 shift is (lat, lng), by fixed-point iteration. */
  function gcj02ToWgs84(lat, lng) {
    const first = offset(lng, lat);
    let wgsLng = lng - first[0];
    let wgsLat = lat - first[1];
    for (let step = 0; step < INVERSE_MAX_STEPS; step++) {
      const d = offset(wgsLng, wgsLat);
      const errLng = wgsLng + d[0] - lng;
      const errLat = wgsLat + d[1] - lat;
      wgsLng -= errLng;
      wgsLat -= errLat;
      if (Math.max(Math.abs(errLng), Math.abs(errLat)) < INVERSE_TOLERANCE_DEG) {
        break;
      }
    }
    return L.latLng(wgsLat, wgsLng);
  }

  const mercator = L.Projection.SphericalMercator;

  /** Spherical Mercator of the GCJ-02-shifted point; takes and gives back WGS-84. */
  const Gcj02Mercator = {
    R: mercator.R,
    MAX_LATITUDE: mercator.MAX_LATITUDE,
    bounds: mercator.bounds,

    project: function (latlng) {
      return mercator.project(wgs84ToGcj02(latlng.lat, latlng.lng));
    },

    unproject: function (point) {
      const gcj = mercator.unproject(point);
      return gcj02ToWgs84(gcj.lat, gcj.lng);
    },
  };

  /** Leaflet's EPSG:3857 drawn over GCJ-02 tiles (layers and clicks stay WGS-84). */
  function gcj02() {
    return L.extend({}, L.CRS.EPSG3857, {
      code: "CityConsole:GCJ02",
      projection: Gcj02Mercator,
    });
  }

  window.CityConsoleCRS = {
    gcj02: gcj02,
    wgs84ToGcj02: wgs84ToGcj02,
    gcj02ToWgs84: gcj02ToWgs84,
  };
  // folium writes ``crs: L.CRS.<name>`` into the map's options.
  L.CRS.CityConsoleGCJ02 = gcj02();
})();
