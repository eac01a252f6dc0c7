/*
 * The console's side of the map page: vehicle and incident layers, the legend with
 * vehicle counts, and the small API that Python calls through runJavaScript:
 *
 *   CityConsole.isReady()                          -> bool
 *   CityConsole.setVehicles(payload, n, extent, counts, offMap)
 *                                                  -> JSON [n drawn, visible, ms]
 *   CityConsole.centerOn(lat, lon, minZoom)        -> true
 *   CityConsole.setTrack(payload)                  -> JSON [points, speeding, stops]
 *   CityConsole.setTrackCursor(lat, lon, label)    -> true
 *   CityConsole.clearTrack()                       -> true
 *   CityConsole.trackState()                       -> JSON {points, speeding, stops, cursor}
 *   CityConsole.setBanner(text or null)            -> whether a banner is shown
 *
 * A track payload is {line: [[lat, lon], ...], speeding: [[first, last], ...]
 * (indices into line), stops: [[lat, lon, label], ...]}.
 *
 * Other scripts add their own calls with CityConsole.register(module). Results are
 * numbers, booleans or JSON strings: Qt does not pass JS arrays back to Python.
 */
(function () {
  "use strict";

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function formatCount(value) {
    return Number(value).toLocaleString("en-US");
  }

  const Legend = L.Control.extend({
    options: { position: "bottomleft", classes: [] },

    onAdd: function () {
      const box = L.DomUtil.create("div", "cc-panel cc-legend");
      L.DomEvent.disableClickPropagation(box);
      const header = L.DomUtil.create("div", "cc-legend-header", box);
      L.DomUtil.create("span", "cc-legend-title", header).textContent = "Vehicles";
      this._total = L.DomUtil.create("span", "cc-legend-total", header);
      this._total.textContent = "0";
      this._rows = this.options.classes.map(function (cls) {
        const row = L.DomUtil.create("div", "cc-legend-row", box);
        const swatch = L.DomUtil.create("span", "cc-swatch", row);
        swatch.style.background = cls.color;
        L.DomUtil.create("span", "cc-legend-name", row).textContent = cls.name;
        const value = L.DomUtil.create("span", "cc-legend-count", row);
        value.textContent = "0";
        return value;
      });
      const footer = L.DomUtil.create("div", "cc-legend-footer", box);
      this._footer = footer;
      return box;
    },

    setCounts: function (counts, total, offMap) {
      this._total.textContent = formatCount(total);
      for (let i = 0; i < this._rows.length; i++) {
        this._rows[i].textContent = formatCount(counts[i] || 0);
      }
      this._offMap = offMap || 0;
    },

    setVisible: function (visible) {
      let text = formatCount(visible) + " in view";
      if (this._offMap) {
        text += " \u00b7 " + formatCount(this._offMap) + " off map";
      }
      this._footer.textContent = text;
    },
  });

  const HOVER_STYLE = { fillColor: "#33d6f5", fillOpacity: 0.08, weight: 1.8 };

  function labelMarker(point) {
    let html = '<div class="cc-county-label"><b>' + escapeHtml(point[2]) + "</b>";
    if (point[3]) {
      html += "<small>" + escapeHtml(point[3]) + "</small>";
    }
    html += "</div>";
    const icon = L.divIcon({ className: "cc-label-anchor", html: html, iconSize: [0, 0] });
    return L.marker([point[0], point[1]], { icon: icon, interactive: false, keyboard: false });
  }

  /**
   * A GeoJSON boundary layer drawn with one or more styles (e.g. river glow + line).
   * Leaflet objects are created the first time the layer is shown, so hidden
   * levels with thousands of cells cost nothing at start.
   */
  function boundaryLayer(data, options) {
    const group = L.featureGroup();
    let labels = null;
    const declutter = function () {
      hideOverlappingLabels(labels);
    };
    group.on("add", function () {
      const map = group._map;
      if (labels === null) {
        buildBoundaries(group, map, data, options);
        labels = options.labels.map(labelMarker);
        labels.forEach(function (label) { group.addLayer(label); });
      }
      if (labels.length) {
        map.on("zoomend", declutter);
        declutter();
      }
    });
    group.on("remove", function (event) {
      event.target._map && event.target._map.off("zoomend", declutter);
    });
    return group;
  }

  function buildBoundaries(group, map, data, options) {
    if (!map.getPane(options.pane)) {
      map.createPane(options.pane).style.zIndex = options.zIndex;
    }
    for (const style of options.styles) {
      group.addLayer(L.geoJSON(data, {
        pane: options.pane,
        style: style,
        smoothFactor: 0.5,
        interactive: Boolean(options.hover),
        onEachFeature: options.hover ? bindHover : undefined,
      }));
    }
  }

  /** Hide every label that overlaps one shown before it (labels come largest first). */
  function hideOverlappingLabels(markers) {
    const shown = [];
    for (const marker of markers) {
      const element = marker.getElement();
      const box = element && element.firstElementChild;
      if (!box) {
        continue;
      }
      box.style.visibility = "";
      const rect = box.getBoundingClientRect();
      const overlaps = shown.some(function (other) {
        return !(rect.right < other.left || rect.left > other.right ||
                 rect.bottom < other.top || rect.top > other.bottom);
      });
      if (overlaps) {
        box.style.visibility = "hidden";
      } else {
        shown.push(rect);
      }
    }
  }

  function bindHover(feature, layer) {
    const name = feature.properties && feature.properties.name;
    if (name) {
      layer.bindTooltip(escapeHtml(name), { sticky: true, className: "cc-tooltip" });
    }
    layer.on("mouseover", function () {
      layer.setStyle(HOVER_STYLE);
    });
    layer.on("mouseout", function () {
      layer.setStyle(layer.options.style);
    });
  }


  const TRACK_STYLE = {
    casing: { color: "#061018", weight: 8, opacity: 0.75 },
    base: { color: "#33d6f5", weight: 3.5, opacity: 0.95 },
    speeding: { color: "#ff3b4e", weight: 5, opacity: 1 },
  };

  function stopIcon(number) {
    const html =
      '<div style="width:20px;height:20px;margin:-10px 0 0 -10px;border-radius:50%;' +
      "background:#0b1016;border:2px solid #f5e663;color:#f5e663;font:600 11px/20px " +
      'sans-serif;text-align:center;box-sizing:border-box;line-height:16px">' +
      number + "</div>";
    return L.divIcon({ className: "cc-track-stop", html: html, iconSize: [0, 0] });
  }

  function endPoint(latlng, color) {
    return L.circleMarker(latlng, {
      pane: "track", radius: 5, color: "#0b1016", weight: 2, fillColor: color, fillOpacity: 1,
      interactive: false,
    });
  }

  /** The drawn trajectory: a cased cyan line, red speeding stretches, numbered stops. */
  const TrackLayer = {
    group: null,
    line: null,
    speeding: [],
    stops: [],
    cursor: null,

    init: function (map) {
      map.createPane("track").style.zIndex = 500;
      this.group = L.featureGroup().addTo(map);
    },

    clear: function () {
      this.group.clearLayers();
      this.line = null;
      this.speeding = [];
      this.stops = [];
      this.cursor = null;
    },

    draw: function (map, payload) {
      this.clear();
      const points = payload.line || [];
      if (!points.length) {
        return;
      }
      const group = this.group;
      L.polyline(points, Object.assign({ pane: "track", interactive: false }, TRACK_STYLE.casing))
        .addTo(group);
      this.line = L.polyline(points, Object.assign({ pane: "track", interactive: false },
        TRACK_STYLE.base)).addTo(group);
      for (const run of payload.speeding || []) {
        const last = Math.min(points.length - 1, Math.max(run[1], run[0] + 1));
        const part = points.slice(run[0], last + 1);
        if (part.length > 1) {
          this.speeding.push(L.polyline(part, Object.assign({ pane: "track", interactive: false },
            TRACK_STYLE.speeding)).addTo(group));
        }
      }
      endPoint(points[0], "#3ddc84").addTo(group);
      endPoint(points[points.length - 1], "#ffffff").addTo(group);
      (payload.stops || []).forEach(function (stop, i) {
        const marker = L.marker([stop[0], stop[1]], { pane: "track", icon: stopIcon(i + 1) })
          .bindTooltip(escapeHtml(stop[2]), { className: "cc-tooltip", direction: "top" })
          .addTo(group);
        this.stops.push(marker);
      }, this);
      const bounds = this.line.getBounds();
      if (payload.fit !== false && bounds.isValid()) {  // a followed vehicle keeps the view
        map.fitBounds(bounds, { padding: [40, 40], maxZoom: 16, animate: false });
      }
    },

    moveCursor: function (lat, lon, label) {
      if (this.cursor === null) {
        this.cursor = L.circleMarker([lat, lon], {
          pane: "track", radius: 7, color: "#ffffff", weight: 2.5, fillColor: "#33d6f5",
          fillOpacity: 1, interactive: false,
        }).bindTooltip("", {
          permanent: true, direction: "right", offset: [10, 0], className: "cc-tooltip",
        }).addTo(this.group);
      }
      this.cursor.setLatLng([lat, lon]);
      this.cursor.setTooltipContent(escapeHtml(label));
    },

    state: function () {
      return JSON.stringify({
        points: this.line ? this.line.getLatLngs().length : 0,
        speeding: this.speeding.length,
        stops: this.stops.map(function (m) { return m.getTooltip().getContent(); }),
        cursor: this.cursor ? [this.cursor.getLatLng().lat, this.cursor.getLatLng().lng,
          this.cursor.getTooltip().getContent()] : null,
      });
    },
  };

  const CityConsole = {
    boundaryLayer: boundaryLayer,
    map: null,
    vehicles: null,
    modules: [],
    escapeHtml: escapeHtml,
    legend: null,
    track: TrackLayer,

    boot: function (map, options) {
      map.createPane("vehicles").style.zIndex = 450;
      this.map = map;
      this.vehicles = new window.CityConsoleVehicleLayer({
        colors: options.classes.map(function (cls) { return cls.color; }),
      }).addTo(map);
      TrackLayer.init(map);
      const legend = new Legend({ classes: options.classes }).addTo(map);
      this.vehicles.on("drawn", function (event) {
        legend.setVisible(event.visible);
      });
      this.legend = legend;
      if (map.attributionControl) {
        map.attributionControl.setPrefix(false);
      }
      L.control.scale({ imperial: false, position: "bottomright" }).addTo(map);
      for (const module of this.modules) {
        module.boot(map, options);
      }
      this.booted = true;
      window.CityConsoleBridge.watch(map);
      const container = map.getContainer();
      const markFar = function () {
        container.classList.toggle("cc-far", map.getZoom() < 11);
      };
      map.on("zoomend", markFar);
      markFar();
      return true;
    },

    /**
     * Add a module: its ``api`` functions become CityConsole's, and its ``boot(map,
     * options)`` runs when the map exists (at once if it already does).
     */
    register: function (module) {
      Object.assign(this, module.api || {});
      this.modules.push(module);
      if (this.booted) {
        module.boot(this.map, {});
      }
    },

    isReady: function () {
      return this.map !== null;
    },

    centerOn: function (lat, lon, minZoom) {
      const zoom = Math.max(this.map.getZoom(), minZoom);
      this.map.setView([lat, lon], zoom, { animate: false });
      return true;
    },

    setVehicles: function (payload, count, extent, counts, offMap) {
      const started = performance.now();
      this.legend.setCounts(counts, count, offMap);
      this.vehicles.setData(payload, count, extent);
      const visible = this.vehicles.visibleCount();
      return JSON.stringify([count, visible, performance.now() - started]);
    },

    setTrack: function (payload) {
      TrackLayer.draw(this.map, payload);
      const line = payload.line || [];
      return JSON.stringify([line.length, TrackLayer.speeding.length, TrackLayer.stops.length]);
    },

    setTrackCursor: function (lat, lon, label) {
      TrackLayer.moveCursor(lat, lon, label);
      return true;
    },

    clearTrack: function () {
      TrackLayer.clear();
      return true;
    },

    trackState: function () {
      return TrackLayer.state();
    },

    /** A notice across the top of the map (e.g. "history: fleet at 14:05"); null removes it. */
    setBanner: function (text) {
      const container = this.map.getContainer();
      let banner = container.querySelector(".cc-banner");
      if (!text) {
        if (banner) {
          banner.remove();
        }
        return false;
      }
      if (!banner) {
        banner = L.DomUtil.create("div", "cc-banner", container);
        L.DomEvent.disableClickPropagation(banner);
      }
      banner.textContent = text;
      return true;
    },
  };

  window.CityConsole = CityConsole;
})();
