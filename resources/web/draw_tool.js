/*
 * Drawing a zone on the map: a polygon (click its corners) or a circle (click the centre,
 * move to size, click again).
 *
 *   CityConsole.startDrawing("polygon" | "circle") -> true
 *   CityConsole.cancelDrawing()        -> true (stops; a finished shape goes too)
 *   CityConsole.finishDrawing()        -> bool (what Enter does)
 *   CityConsole.drawAt(lat, lon)       -> JSON state (what a click does)
 *   CityConsole.drawMoveTo(lat, lon)   -> JSON state (what moving the pointer does)
 *   CityConsole.clearDrawnShape()      -> true (the dashed finished shape goes)
 *   CityConsole.drawingState()         -> JSON {mode, drawing, points, centre, radius_m,
 *                                         area_m2, perimeter_m, shape, message, hint}
 *   CityConsole.drawing                true while drawing: the map's click reports stay quiet
 *
 * Polygon: click adds a point; double-click, a click on the first point or Enter finishes;
 * Backspace removes the last point; Esc cancels. The finished shape goes to Python as
 * CityConsoleBridge.send("shapeDrawn", JSON) in a fence's stored form, {"circle": [lon, lat,
 * radius_m]} or {"polygon": [[lon, lat], ...]}, and stays (dashed) until cancelDrawing()
 * or setFences(). Distances are equirectangular metres, as the geofence engine measures.
 */
(function () {
  "use strict";

  const METRES_PER_DEGREE = 6371008.8 * Math.PI / 180;
  const SNAP_PX = 9;  // a click this close to the first point closes the polygon
  const ECHO_PX = 4;  // a click this close to the last point is a double-click's echo
  const LINGER_MS = 400;  // CityConsole.drawing stays true this long after a finishing click
  const COLOR = "#f0f6fc";
  const WARN = "#ffb020";
  const CSS = `
    .cc-drawing, .cc-drawing .leaflet-interactive, .cc-drawing.leaflet-grab {
      cursor: crosshair !important; }
    .cc-draw-hint { position: absolute; top: 10px; left: 50%; transform: translateX(-50%);
      z-index: 1000; padding: 6px 12px; border: 1px solid var(--cc-border); border-radius: 3px;
      box-shadow: 0 2px 10px rgba(0, 0, 0, 0.55); pointer-events: none; text-align: center;
      white-space: nowrap; font-variant-numeric: tabular-nums; }
    .cc-draw-title { color: var(--cc-accent); font-weight: 600; }
    .cc-draw-keys { color: var(--cc-dim); font-size: 11px; margin-top: 2px; }
    .cc-draw-warn { color: ${WARN}; margin-top: 2px; }
    .cc-draw-hint kbd { border: 1px solid var(--cc-border); border-radius: 2px; padding: 0 3px;
      font: inherit; color: var(--cc-text); }`;
  const KEYS = {
    polygon: "click adds a point \u00b7 double-click, <kbd>Enter</kbd> or the first point " +
      "finishes \u00b7 <kbd>Backspace</kbd> removes the last point \u00b7 <kbd>Esc</kbd> cancels",
    circle: "click the centre, move to size, click to finish \u00b7 " +
      "<kbd>Backspace</kbd> moves the centre \u00b7 <kbd>Esc</kbd> cancels",
  };

  let map = null;
  let fixed = null;   // placed points and edges (redrawn when they change)
  let rubber = null;  // the lines that follow the pointer
  let renderer = null;
  let releaseTimer = null;
  let hint = null;
  let zoomOnDoubleClick = false;
  const state = { mode: null, points: [], centre: null, cursor: null, shape: null, message: "" };

  // ---- Measuring (equirectangular metres around a reference latitude)

  function metres(a, b) {
    const kx = METRES_PER_DEGREE * Math.cos(a.lat * Math.PI / 180);
    const dx = (b.lng - a.lng) * kx;
    const dy = (b.lat - a.lat) * METRES_PER_DEGREE;
    return Math.sqrt(dx * dx + dy * dy);
  }

  function ringXY(points) {
    const lat0 = points.reduce(function (s, p) { return s + p.lat; }, 0) / points.length;
    const kx = METRES_PER_DEGREE * Math.cos(lat0 * Math.PI / 180);
    return points.map(function (p) { return [p.lng * kx, p.lat * METRES_PER_DEGREE]; });
  }

  /** [area m², perimeter m] of the closed ring through ``points`` (open line under 3). */
  function measure(points) {
    if (points.length < 2) {
      return [0, 0];
    }
    const xy = ringXY(points);
    let twiceArea = 0;
    let length = 0;
    const n = xy.length;
    const last = n < 3 ? n - 1 : n;
    for (let i = 0; i < last; i++) {
      const a = xy[i];
      const b = xy[(i + 1) % n];
      twiceArea += a[0] * b[1] - b[0] * a[1];
      length += Math.hypot(b[0] - a[0], b[1] - a[1]);
    }
    return [n < 3 ? 0 : Math.abs(twiceArea) / 2, length];
  }

  function formatLength(m) {
    return m < 1000 ? Math.round(m) + " m" : (m / 1000).toFixed(m < 10000 ? 2 : 1) + " km";
  }

  function formatArea(m2) {
    if (m2 < 100000) {
      return Math.round(m2).toLocaleString("en-US") + " m\u00b2";
    }
    return (m2 / 1e6).toFixed(m2 < 1e7 ? 2 : 1) + " km\u00b2";
  }

  /** Whether segments pq and rs cross (touching ends do not count). */
  function crosses(p, q, r, s) {
    const side = function (a, b, c) {
      return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
    };
    return side(r, s, p) * side(r, s, q) < 0 && side(p, q, r) * side(p, q, s) < 0;
  }

  /** Whether two edges of the closed ring through ``points`` cross each other. */
  function selfCrossing(points) {
    const xy = ringXY(points);
    const n = xy.length;
    for (let i = 0; i < n; i++) {
      for (let j = i + 2; j < n; j++) {
        if (i === 0 && j === n - 1) {
          continue;  // neighbours through the closing edge
        }
        if (crosses(xy[i], xy[(i + 1) % n], xy[j], xy[(j + 1) % n])) {
          return true;
        }
      }
    }
    return false;
  }

  function radius() {
    return state.centre && state.cursor ? metres(state.centre, state.cursor) : 0;
  }

  function pixels(a, b) {
    return map.latLngToContainerPoint(a).distanceTo(map.latLngToContainerPoint(b));
  }

  // ---- Drawing on the map

  function draw() {
    fixed.clearLayers();
    drawRubber();
    const opts = { pane: "drawing", renderer: renderer, interactive: false };
    if (state.shape !== null) {
      const style = Object.assign({ color: COLOR, weight: 2, dashArray: "6 5", fillColor: COLOR,
        fillOpacity: 0.12 }, opts);
      if (state.shape.circle) {
        const c = state.shape.circle;
        L.circle([c[1], c[0]], Object.assign({ radius: c[2] }, style)).addTo(fixed);
      } else {
        L.polygon(state.shape.polygon.map(function (p) { return [p[1], p[0]]; }), style)
          .addTo(fixed);
      }
      return;
    }
    if (state.mode === "polygon" && state.points.length) {
      if (state.points.length > 2) {
        L.polygon(state.points, Object.assign({ stroke: false, fillColor: COLOR,
          fillOpacity: 0.1 }, opts)).addTo(fixed);
      }
      L.polyline(state.points, Object.assign({ color: COLOR, weight: 2 }, opts)).addTo(fixed);
      state.points.forEach(function (p, i) {
        const first = i === 0 && state.points.length > 2;
        L.circleMarker(p, Object.assign({ radius: first ? 6 : 4, color: "#0b1016", weight: 1.5,
          fillColor: first ? "#ffffff" : COLOR, fillOpacity: 1 }, opts)).addTo(fixed);
      });
    }
    if (state.mode === "circle" && state.centre) {
      L.circleMarker(state.centre, Object.assign({ radius: 4, color: "#0b1016", weight: 1.5,
        fillColor: COLOR, fillOpacity: 1 }, opts)).addTo(fixed);
    }
  }

  function drawRubber() {
    rubber.clearLayers();
    const cursor = state.cursor;
    if (cursor === null) {
      return;
    }
    const opts = { pane: "drawing", renderer: renderer, interactive: false, color: COLOR,
      weight: 1.5, dashArray: "4 4", opacity: 0.9 };
    if (state.mode === "polygon" && state.points.length) {
      const first = state.points[0];
      const last = state.points[state.points.length - 1];
      const warn = crossesSoFar(cursor);
      L.polyline([last, cursor], Object.assign({}, opts, warn ? { color: WARN } : {}))
        .addTo(rubber);
      if (state.points.length > 1) {
        L.polyline([cursor, first], Object.assign({}, opts, { opacity: 0.45 })).addTo(rubber);
      }
    }
    if (state.mode === "circle" && state.centre) {
      L.circle(state.centre, Object.assign({}, opts, { radius: Math.max(radius(), 0.1),
        fillColor: COLOR, fillOpacity: 0.1 })).addTo(rubber);
      L.polyline([state.centre, cursor], opts).addTo(rubber);
    }
  }

  /** Whether the edge from the last point to ``cursor`` would cross an earlier edge. */
  function crossesSoFar(cursor) {
    const points = state.points;
    if (points.length < 3) {
      return false;
    }
    const xy = ringXY(points.concat([cursor]));
    const n = xy.length;
    for (let i = 0; i < n - 3; i++) {
      if (crosses(xy[i], xy[i + 1], xy[n - 2], xy[n - 1])) {
        return true;
      }
    }
    return false;
  }

  function showHint() {
    if (state.mode === null) {
      if (hint) {
        hint.remove();
        hint = null;
      }
      return;
    }
    if (!hint) {
      hint = L.DomUtil.create("div", "cc-panel cc-draw-hint", map.getContainer());
    }
    let title;
    if (state.mode === "polygon") {
      const preview = state.cursor ? state.points.concat([state.cursor]) : state.points;
      const size = measure(preview);
      title = "Polygon zone \u00b7 " + state.points.length + " point" +
        (state.points.length === 1 ? "" : "s");
      if (preview.length > 2) {
        title += " \u00b7 area " + formatArea(size[0]) + " \u00b7 perimeter " +
          formatLength(size[1]);
      } else if (preview.length === 2) {
        title += " \u00b7 " + formatLength(size[1]);
      }
    } else {
      title = "Circle zone" + (state.centre ? " \u00b7 radius " + formatLength(radius()) : "");
    }
    const escape = CityConsole.escapeHtml;
    hint.innerHTML = '<div class="cc-draw-title">' + escape(title) + "</div>" +
      '<div class="cc-draw-keys">' + KEYS[state.mode] + "</div>" +
      (state.message ? '<div class="cc-draw-warn">' + escape(state.message) + "</div>" : "");
  }

  function refresh() {
    draw();
    showHint();
    return stateJson();
  }

  // ---- The steps of drawing

  /**
   * Drawing on or off. ``linger``: the click that finished the shape (and a double-click's
   * second click) still belongs to the tool, so the flag drops a moment later.
   */
  function setDrawing(on, linger) {
    clearTimeout(releaseTimer);
    if (on || !linger) {
      CityConsole.drawing = on;
    } else {
      releaseTimer = setTimeout(function () { CityConsole.drawing = false; }, LINGER_MS);
    }
    map.getContainer().classList.toggle("cc-drawing", on);
    if (on && map.doubleClickZoom.enabled()) {
      zoomOnDoubleClick = true;
      map.doubleClickZoom.disable();
    } else if (!on && zoomOnDoubleClick) {
      zoomOnDoubleClick = false;
      map.doubleClickZoom.enable();
    }
  }

  /** Start over in ``mode`` (null: not drawing), showing ``shape`` (a finished one) if any. */
  function reset(mode, shape, linger) {
    Object.assign(state, { mode: mode, points: [], centre: null, cursor: null, shape: shape,
      message: "" });
    setDrawing(mode !== null, linger);
    refresh();
    return true;
  }

  function start(mode) {
    if (mode !== "polygon" && mode !== "circle") {
      throw new Error("startDrawing: the mode is 'polygon' or 'circle', not " + mode);
    }
    map.getContainer().focus();
    return reset(mode, null, false);
  }

  function stop() {
    return reset(null, null, false);
  }

  function click(latlng) {
    state.message = "";
    state.cursor = latlng;
    if (state.mode === "polygon") {
      const points = state.points;
      if (points.length && pixels(latlng, points[points.length - 1]) <= ECHO_PX) {
        return refresh();  // the second click of a double-click
      }
      if (points.length > 2 && pixels(latlng, points[0]) <= SNAP_PX) {
        finish(true);
        return stateJson();
      }
      points.push(latlng);
    } else if (state.mode === "circle") {
      if (state.centre === null) {
        state.centre = latlng;
      } else if (pixels(latlng, state.centre) > ECHO_PX) {
        finish(true);
        return stateJson();
      }
    }
    return refresh();
  }

  function move(latlng) {
    if (state.mode !== null) {
      state.cursor = latlng;
      drawRubber();
      showHint();
    }
    return stateJson();
  }

  function undo() {
    state.message = "";
    if (state.mode === "polygon") {
      state.points.pop();
    } else if (state.mode === "circle") {
      state.centre = null;
    }
    refresh();
  }

  function round(value, places) {
    return Math.round(value * Math.pow(10, places)) / Math.pow(10, places);
  }

  function finish(byClick) {
    let shape = null;
    if (state.mode === "polygon") {
      if (state.points.length < 3) {
        state.message = "A polygon needs at least 3 points";
      } else if (selfCrossing(state.points)) {
        state.message = "The edges cross: remove points with Backspace";
      } else {
        shape = { polygon: state.points.map(function (p) {
          return [round(p.lng, 7), round(p.lat, 7)];
        }) };
      }
    } else if (state.mode === "circle") {
      const r = radius();
      if (state.centre === null || r < 1) {
        state.message = "Click the centre, then move the pointer to size the circle";
      } else {
        shape = { circle: [round(state.centre.lng, 7), round(state.centre.lat, 7), round(r, 1)] };
      }
    }
    if (shape === null) {
      refresh();
      return false;
    }
    reset(null, shape, byClick === true);
    window.CityConsoleBridge.send("shapeDrawn", JSON.stringify(shape));
    return true;
  }

  function stateJson() {
    const size = measure(state.points);
    return JSON.stringify({
      mode: state.mode, drawing: Boolean(CityConsole.drawing),
      points: state.points.map(function (p) { return [p.lng, p.lat]; }),
      centre: state.centre ? [state.centre.lng, state.centre.lat] : null,
      radius_m: radius(), area_m2: size[0], perimeter_m: size[1], shape: state.shape,
      message: state.message, hint: hint ? hint.textContent : "",
    });
  }

  function onKey(event) {
    if (state.mode === null) {
      return;
    }
    const actions = { Enter: finish, Backspace: undo, Escape: stop };
    const action = actions[event.key];
    if (action) {
      event.preventDefault();
      event.stopPropagation();
      action(false);
    }
  }

  CityConsole.register({
    boot: function (leafletMap) {
      map = leafletMap;
      map.createPane("drawing").style.zIndex = 645;
      renderer = L.svg({ pane: "drawing" });
      fixed = L.featureGroup().addTo(map);
      rubber = L.featureGroup().addTo(map);
      const style = document.createElement("style");
      style.textContent = CSS;
      document.head.appendChild(style);
      map.on("click", function (event) {
        return state.mode !== null && click(event.latlng);
      });
      map.on("dblclick", function () {
        return state.mode === "polygon" && finish(true);
      });
      map.on("mousemove", function (event) {
        move(event.latlng);
      });
      document.addEventListener("keydown", onKey, true);
      CityConsole.drawing = false;
    },

    api: {
      startDrawing: start,
      cancelDrawing: stop,
      finishDrawing: function () {
        return finish(false);
      },
      drawAt: function (lat, lon) {
        return state.mode === null ? stateJson() : click(L.latLng(lat, lon));
      },
      drawMoveTo: function (lat, lon) {
        return move(L.latLng(lat, lon));
      },
      clearDrawnShape: function () {
        if (state.shape !== null) {
          state.shape = null;
          refresh();
        }
        return true;
      },
      drawingState: stateJson,
    },
  });
})();
