/*
 * The layer registry and the point layers (cameras, stations, IoT base stations, units).
 *
 *   CityConsole.setLayerVisible(key, visible)  -> bool (false for an unknown key)
 *   CityConsole.layerState()                   -> JSON {key: visible} (as asked for)
 *   CityConsole.layerShown(key)                -> bool: drawn now (asked for and zoomed in)
 *   CityConsole.setVehicleClassVisible(i, v)   -> bool
 *   CityConsole.setSites(kind, rows)           -> number of sites (kind: cameras,
 *                                                 passenger_stations, weigh_stations;
 *                                                 rows [id, lon, lat, name, subtitle])
 *   CityConsole.setIot(payload)                -> number of stations ({lon: [], lat: []},
 *                                                 ids: [] when not 0..n-1)
 *   CityConsole.setUnitRoster(roster)          -> number of units ({ids, names})
 *   CityConsole.setUnits(states)               -> number of units placed ({lon, lat,
 *                                                 status: one digit per unit, 0 available,
 *                                                 1 assigned, 2 en route, 3 on scene, 4 off duty})
 *   CityConsole.pointState()                   -> JSON {kind: {count, drawn, visible, minZoom}}
 *   CityConsole.layerCounts()                  -> JSON {key: [total, in view]}
 *
 * Every point kind is written as small pixel glyphs into ONE canvas (CityConsolePointLayer,
 * in vehicle_layer.js), redrawn only when the view moves or resizes. Dense layers are drawn
 * only when zoomed in: units and IoT stations from zoom 11, communities from 12, grid cells
 * from 14 (thousands of cells further out are noise, and slow to draw). Boundary layers are
 * found by their pane ("cc-<key>") as CityConsole.boundaryLayer makes them; the bridges are
 * the group of .cc-bridge markers. The folium layer control is hidden: the panel replaces it.
 */
(function () {
  "use strict";

  const DENSE_FROM_ZOOM = 11;
  const BOUNDARY_FROM_ZOOM = { community: 12, grid: 14 };  // thousands of cells: noise further out
  const POINT_KINDS = {  // minimum zoom of each kind, drawn bottom to top
    iot: DENSE_FROM_ZOOM, cameras: 0, weigh_stations: 0, passenger_stations: 0,
    units: DENSE_FROM_ZOOM,
  };
  const SITE_LABELS = {
    cameras: "Camera", weigh_stations: "Weigh station", passenger_stations: "Passenger station",
  };
  const UNIT_COLORS = ["#3ddc84", "#ffb020", "#ffb020", "#ff5a36", "#6b7785"];
  const UNIT_STATUS = ["available", "assigned", "en route", "on scene", "off duty"];
  const VEHICLE_KEYS = ["vehicles_taxi", "vehicles_liner_bus", "vehicles_tourist_bus",
    "vehicles_cargo"];
  const escapeHtml = CityConsole.escapeHtml;

  // ---- Glyphs: drawn once with the 2D API, then copied pixel by pixel

  function glyph(size, draw) {
    const ratio = window.devicePixelRatio || 1;
    const side = Math.max(1, Math.round(size * ratio));
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = side;
    const ctx = canvas.getContext("2d");
    ctx.scale(side / size, side / size);
    draw(ctx, size);
    const data = ctx.getImageData(0, 0, side, side).data;
    const dx = [];
    const dy = [];
    const words = [];
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const k = 4 * (y * side + x);
        if (data[k + 3] >= 110) {
          dx.push(x);
          dy.push(y);
          words.push(((255 << 24) | (data[k + 2] << 16) | (data[k + 1] << 8) | data[k]) >>> 0);
        }
      }
    }
    return { side: side, dx: Int16Array.from(dx), dy: Int16Array.from(dy),
      words: Uint32Array.from(words) };
  }

  function shape(ctx, points, fill, stroke) {
    ctx.beginPath();
    points.forEach(function (p, i) { (i ? ctx.lineTo : ctx.moveTo).call(ctx, p[0], p[1]); });
    ctx.closePath();
    ctx.fillStyle = fill;
    ctx.fill();
    ctx.lineWidth = 1.2;
    ctx.strokeStyle = stroke;
    ctx.stroke();
  }

  function dot(fill, stroke, size) {
    return glyph(size, function (ctx, s) {
      ctx.beginPath();
      ctx.arc(s / 2, s / 2, s / 2 - 0.6, 0, 2 * Math.PI);
      ctx.fillStyle = fill;
      ctx.fill();
      if (stroke) {
        ctx.lineWidth = 1.2;
        ctx.strokeStyle = stroke;
        ctx.stroke();
      }
    });
  }

  function makeGlyphs() {
    return {
      iot: [dot("#a58bff", null, 4)],
      cameras: [glyph(8, function (ctx, s) {
        shape(ctx, [[s / 2, 0.8], [s - 0.6, s - 0.8], [0.6, s - 0.8]], "#dff8ff", "#1aa9c9");
      })],
      weigh_stations: [glyph(10, function (ctx, s) {
        shape(ctx, [[s / 2, 0.6], [s - 0.6, s / 2], [s / 2, s - 0.6], [0.6, s / 2]],
          "#ffb020", "#2a1a00");
      })],
      passenger_stations: [glyph(10, function (ctx, s) {
        ctx.beginPath();
        ctx.roundRect(1, 1, s - 2, s - 2, 2.5);
        ctx.fillStyle = "#2f81f7";
        ctx.fill();
        ctx.lineWidth = 1.4;
        ctx.strokeStyle = "#e6f0ff";
        ctx.stroke();
      })],
      units: UNIT_COLORS.map(function (color) { return dot(color, "#071018", 6); }),
    };
  }

  function tip(title, meta) {
    return '<div class="cc-tip-title">' + escapeHtml(title) + '</div><div class="cc-tip-meta">' +
      escapeHtml(meta) + "</div>";
  }

  // ---- The registry

  const boundaries = {};
  const makeBoundary = CityConsole.boundaryLayer;
  CityConsole.boundaryLayer = function (data, options) {
    const group = makeBoundary(data, options);
    boundaries[String(options.pane).replace(/^cc-/, "")] = group;
    return group;
  };

  const wanted = {};  // what was asked for keys whose layer may not exist (yet)
  let points = null;
  let map = null;
  let roster = { ids: [], names: [] };

  function findBridges(target) {
    let found = null;
    target.eachLayer(function (layer) {
      if (found === null && layer instanceof L.FeatureGroup && !(layer instanceof L.GeoJSON)) {
        const markers = layer.getLayers();
        if (markers.length && markers.every(function (m) {
          const html = m.options.icon && m.options.icon.options.html;
          return typeof html === "string" && html.indexOf("cc-bridge") >= 0;
        })) {
          found = layer;
        }
      }
    });
    return found;
  }

  function toggle(layer, visible) {
    if (visible && !map.hasLayer(layer)) {
      map.addLayer(layer);
    } else if (!visible && map.hasLayer(layer)) {
      map.removeLayer(layer);
    }
  }

  /** Show a registered layer if it is wanted and the map is zoomed in far enough for it. */
  function apply(key) {
    const layer = CityConsole.layers[key];
    if (layer && key in wanted) {
      toggle(layer, wanted[key] && map.getZoom() >= (BOUNDARY_FROM_ZOOM[key] || 0));
    }
  }

  CityConsole.register({
    boot: function (bootMap) {
      map = bootMap;
      map.createPane("cc-points").style.zIndex = 460;
      points = new window.CityConsolePointLayer({ kinds: POINT_KINDS, glyphs: makeGlyphs })
        .addTo(map);
      const bridges = findBridges(map);
      if (bridges !== null) {
        CityConsole.layers.bridges = bridges;
      }
      Object.assign(CityConsole.layers, boundaries);
      map.on("zoomend", function () { Object.keys(BOUNDARY_FROM_ZOOM).forEach(apply); });
    },

    api: {
      layers: {},
      pointLayer: function () { return points; },

      setLayerVisible: function (key, visible) {
        visible = Boolean(visible);
        const layer = CityConsole.layers[key];
        const vehicleIndex = VEHICLE_KEYS.indexOf(key);
        if (layer) {
          wanted[key] = visible;
          apply(key);
        } else if (key in POINT_KINDS) {
          points.setVisible(key, visible);
        } else if (vehicleIndex >= 0) {
          CityConsole.vehicles.setClassVisible(vehicleIndex, visible);
        } else if (key === "incidents") {
          CityConsole.setIncidentsVisible(visible);
        } else if (key === "fences") {
          if (typeof CityConsole.setFencesVisible === "function") {
            CityConsole.setFencesVisible(visible);
          }
        } else if (["city", "county", "street", "community", "grid", "river", "bridges"]
          .indexOf(key) < 0) {
          return false;
        }
        wanted[key] = visible;
        return true;
      },

      layerState: function () {
        const state = Object.assign({}, wanted);
        for (const key of Object.keys(CityConsole.layers)) {
          if (!(key in wanted)) {
            state[key] = map.hasLayer(CityConsole.layers[key]);
          }
        }
        for (const kind of Object.keys(POINT_KINDS)) {
          state[kind] = points.sets[kind].visible;
        }
        VEHICLE_KEYS.forEach(function (key, i) { state[key] = CityConsole.vehicles.classVisible(i); });
        state.incidents = CityConsole.incidentsVisible();
        return JSON.stringify(state);
      },

      /** Whether layer ``key`` is drawn now (wanted, and zoomed in far enough). */
      layerShown: function (key) {
        const layer = CityConsole.layers[key];
        if (layer) {
          return map.hasLayer(layer);
        }
        if (key in POINT_KINDS) {
          return points.shown(key);
        }
        return JSON.parse(CityConsole.layerState())[key] === true;
      },

      setVehicleClassVisible: function (index, visible) {
        return CityConsole.setLayerVisible(VEHICLE_KEYS[index], visible);
      },

      setSites: function (kind, rows) {
        const meta = SITE_LABELS[kind];
        return points.setPoints(kind, rows.map(function (r) { return r[1]; }),
          rows.map(function (r) { return r[2]; }), null, function (i) {
            return tip(rows[i][3], rows[i][4] ? meta + " \u00b7 " + rows[i][4] : meta);
          });
      },

      setIot: function (payload) {
        return points.setPoints("iot", payload.lon, payload.lat, null, function (i) {
          const id = payload.ids ? payload.ids[i] : i;
          return tip("IoT base station " + id, "two-wheeler theft detection");
        });
      },

      setUnitRoster: function (newRoster) {
        roster = newRoster;
        return roster.ids.length;
      },

      setUnits: function (states) {
        const n = Math.min(states.lon.length, roster.ids.length);
        const style = new Uint8Array(n);
        for (let i = 0; i < n; i++) {
          style[i] = states.status.charCodeAt(i) - 48;
        }
        const names = roster.names;
        const ids = roster.ids;
        return points.setPoints("units", states.lon.slice(0, n), states.lat.slice(0, n), style,
          function (i) { return tip(names[i], ids[i] + " \u00b7 " + UNIT_STATUS[style[i]]); });
      },

      pointState: function () {
        const state = {};
        for (const kind of Object.keys(POINT_KINDS)) {
          const set = points.sets[kind];
          state[kind] = { count: set.count, drawn: set.drawn, visible: set.visible,
            minZoom: POINT_KINDS[kind] };
        }
        return JSON.stringify(state);
      },

      layerCounts: function () {
        const counts = {};
        CityConsole.vehicles.classCounts().forEach(function (pair, i) {
          counts[VEHICLE_KEYS[i]] = pair;
        });
        for (const kind of Object.keys(POINT_KINDS)) {
          counts[kind] = [points.sets[kind].count, points.sets[kind].drawn];
        }
        counts.incidents = [CityConsole.incidents.getLayers().length, 0];
        return JSON.stringify(counts);
      },
    },
  });
})();
