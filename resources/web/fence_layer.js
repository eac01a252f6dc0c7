/*
 * Geofences on the map: operators' zones, bridge approach zones, vessel tracking and
 * vessel alarm zones, in their own pane below vehicles and incidents.
 *
 *   CityConsole.setFences(rows)         -> number of fences drawn (a finished drawing goes)
 *   CityConsole.setFencesVisible(bool)  -> true
 *   CityConsole.focusFence(id)          -> bool (the map fits the fence, if it is known)
 *   CityConsole.fenceState()            -> JSON {visible, fences: [{id, name, kind, type,
 *                                          points, radius_m, color, dashed, tooltip}]}
 *
 * rows are {id, name, kind, shape, classes, dwell_limit_s, opens_case}; shape is the
 * stored form {"circle": [lon, lat, radius_m]} or {"polygon": [[lon, lat], ...]}.
 * Larger fences are drawn first, so a small zone inside a large one stays reachable.
 */
(function () {
  "use strict";

  const METRES_PER_DEGREE = 6371008.8 * Math.PI / 180;
  const KINDS = {
    user: { label: "Zone", style: { color: "#2ee6d6", weight: 2, fillColor: "#2ee6d6",
      fillOpacity: 0.1 } },
    bridge_approach: { label: "Bridge approach zone", style: { color: "#ffb020", weight: 1.8,
      fillColor: "#ffb020", fillOpacity: 0.1 } },
    vessel_tracking: { label: "Vessel tracking zone", style: { color: "#7b8cff", weight: 1.5,
      dashArray: "8 6", fill: false } },
    vessel_alarm: { label: "Vessel alarm zone", style: { color: "#ff3b4e", weight: 2,
      fillColor: "#ff3b4e", fillOpacity: 0.08 } },
  };
  const CLASS_LABELS = {
    taxi: "taxis", liner_bus: "liner buses", tourist_bus: "tourist buses",
    cargo: "cargo vehicles", vessel: "vessels",
  };
  const escapeHtml = CityConsole.escapeHtml;

  let map = null;
  let group = null;
  let renderer = null;
  let visible = true;
  let drawn = [];  // [{row, layer}] in drawing order

  function kindOf(row) {
    return KINDS[row.kind] || KINDS.user;
  }

  function formatDuration(seconds) {
    if (seconds < 60) {
      return Math.round(seconds) + " s";
    }
    const minutes = Math.round(seconds / 60);
    if (minutes >= 120 && minutes % 60 === 0) {
      return minutes / 60 + " h";
    }
    return minutes + " min";
  }

  function formatLength(m) {
    return m < 1000 ? Math.round(m) + " m" : (m / 1000).toFixed(m < 10000 ? 2 : 1) + " km";
  }

  /** The fence's rules in words: dwell limit and whether it opens a case. */
  function rules(row) {
    const parts = [];
    if (row.dwell_limit_s) {
      parts.push("dwell limit " + formatDuration(row.dwell_limit_s));
    }
    if (row.opens_case) {
      parts.push(row.dwell_limit_s ? "opens a case on a long stay" : "opens a case on entry");
    } else {
      parts.push("reports only");
    }
    return parts.join(" \u00b7 ");
  }

  function tooltip(row) {
    const order = Object.keys(CLASS_LABELS);
    const classes = (row.classes || []).slice().sort(function (a, b) {
      return (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99);
    }).map(function (c) { return CLASS_LABELS[c] || c; });
    const size = row.shape.circle ? "radius " + formatLength(row.shape.circle[2])
      : row.shape.polygon.length + " points";
    return '<div class="cc-tip-title">' + escapeHtml(row.name) + "</div>" +
      '<div class="cc-tip-meta">' + escapeHtml(kindOf(row).label) + " \u00b7 " +
      escapeHtml(size) + "</div>" +
      "<div>Watches " + escapeHtml(classes.join(", ") || "nothing") + "</div>" +
      '<div class="cc-tip-meta">' + escapeHtml(rules(row)) + "</div>";
  }

  /** Approximate area in m² (to draw larger fences first). */
  function area(shape) {
    if (shape.circle) {
      return Math.PI * shape.circle[2] * shape.circle[2];
    }
    const ring = shape.polygon;
    const kx = METRES_PER_DEGREE * Math.cos((ring[0][1] || 0) * Math.PI / 180);
    let twice = 0;
    for (let i = 0; i < ring.length; i++) {
      const a = ring[i];
      const b = ring[(i + 1) % ring.length];
      twice += (a[0] * b[1] - b[0] * a[1]) * kx * METRES_PER_DEGREE;
    }
    return Math.abs(twice) / 2;
  }

  function fenceLayer(row) {
    const options = Object.assign({ pane: "fences", renderer: renderer }, kindOf(row).style);
    const shape = row.shape;
    const layer = shape.circle
      ? L.circle([shape.circle[1], shape.circle[0]], Object.assign({ radius: shape.circle[2] },
        options))
      : L.polygon(shape.polygon.map(function (p) { return [p[1], p[0]]; }), options);
    return layer.bindTooltip(tooltip(row), { className: "cc-tooltip", sticky: true });
  }

  function validShape(shape) {
    if (!shape) {
      return false;
    }
    if (Array.isArray(shape.circle)) {
      return shape.circle.length === 3 && shape.circle.every(Number.isFinite);
    }
    return Array.isArray(shape.polygon) && shape.polygon.length > 2;
  }

  function bounds(entry) {
    const shape = entry.row.shape;
    if (shape.circle) {
      return L.latLng(shape.circle[1], shape.circle[0]).toBounds(2 * shape.circle[2]);
    }
    return L.latLngBounds(shape.polygon.map(function (p) { return [p[1], p[0]]; }));
  }

  function plainText(html) {
    const box = document.createElement("div");
    box.innerHTML = html;
    return box.textContent;
  }

  CityConsole.register({
    boot: function (leafletMap) {
      map = leafletMap;
      map.createPane("fences").style.zIndex = 430;
      renderer = L.svg({ pane: "fences" });
      group = L.featureGroup();
      if (visible) {
        group.addTo(map);
      }
    },

    api: {
      setFences: function (rows) {
        if (CityConsole.clearDrawnShape) {
          CityConsole.clearDrawnShape();
        }
        group.clearLayers();
        const usable = rows.filter(function (row) {
          const ok = validShape(row.shape);
          if (!ok) {
            console.error("fence layer: fence " + row.id + " has no usable shape");
          }
          return ok;
        });
        usable.sort(function (a, b) { return area(b.shape) - area(a.shape); });
        drawn = usable.map(function (row) {
          return { row: row, layer: fenceLayer(row).addTo(group) };
        });
        return drawn.length;
      },

      setFencesVisible: function (show) {
        visible = Boolean(show);
        if (visible && !map.hasLayer(group)) {
          group.addTo(map);
        } else if (!visible && map.hasLayer(group)) {
          group.remove();
        }
        return true;
      },

      focusFence: function (fenceId) {
        const entry = drawn.find(function (e) { return e.row.id === fenceId; });
        if (!entry) {
          return false;
        }
        map.fitBounds(bounds(entry), { padding: [40, 40], maxZoom: 16, animate: false });
        return true;
      },

      fenceState: function () {
        return JSON.stringify({
          visible: map.hasLayer(group),
          fences: drawn.map(function (entry) {
            const row = entry.row;
            const style = kindOf(row).style;
            return {
              id: row.id,
              name: row.name,
              kind: row.kind,
              type: row.shape.circle ? "circle" : "polygon",
              points: row.shape.polygon ? row.shape.polygon.length : 0,
              radius_m: row.shape.circle ? row.shape.circle[2] : 0,
              color: style.color,
              dashed: Boolean(style.dashArray),
              on_map: map.hasLayer(entry.layer),
              tooltip: plainText(entry.layer.getTooltip().getContent()),
            };
          }),
        });
      },
    },
  });
})();
