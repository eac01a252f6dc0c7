/*
 * Incidents on the map: one marker per case, colour by priority, shape by state.
 *
 *   CityConsole.setIncidents(rows)          -> number of incidents shown
 *   CityConsole.setIncidentsVisible(bool)   -> true
 *   CityConsole.incidentsVisible()          -> bool
 *   CityConsole.incidentState()             -> JSON [[id, state group, overdue], ...]
 *
 * rows are [id, lon, lat, rank (1 = most urgent .. 4), status, title, overdue, status label];
 * the last two may be left off. Colour: P1 red, P2 orange, P3 yellow, P4 blue-grey. State
 * groups: new (reported, accepted) a hollow ring; active (opened, dispatched, signed) filled;
 * in hand filled with a white ring; done (handled, verified) faded; pending a dashed ring;
 * final (closed, rejected, merged) faint. An overdue case gets a pulsing halo and the class
 * cc-incident-overdue on its marker. The halo is a CSS transform/opacity animation (run by
 * the compositor, no repaint of the map) in four steps per beat: the screen changes about
 * three times a second instead of every frame, which keeps software rendering cheap.
 */
(function () {
  "use strict";

  const RANK_STYLE = {
    1: { color: "#ff3b4e", radius: 8, label: "P1" },
    2: { color: "#ff9f1c", radius: 7, label: "P2" },
    3: { color: "#f5e663", radius: 6, label: "P3" },
    4: { color: "#8fb3d9", radius: 5, label: "P4" },
  };
  const STATE_GROUP = {
    reported: "new", accepted: "new",
    opened: "active", dispatched: "active", signed: "active",
    in_hand: "in_hand",
    handled: "done", verified: "done",
    pending: "pending",
    closed: "final", rejected: "final", merged: "final",
  };
  const CSS = [
    ".cc-incident-pulse { pointer-events: none; }",
    ".cc-incident-pulse div { position: absolute; left: -14px; top: -14px; width: 28px;",
    "  height: 28px; border-radius: 50%; border: 2px solid var(--cc-pulse, #ff3b4e);",
    "  box-sizing: border-box;",
    "  animation: cc-incident-pulse 1.2s steps(4, jump-none) infinite; }",
    "@keyframes cc-incident-pulse {",
    "  0% { transform: scale(0.45); opacity: 1; }",
    "  100% { transform: scale(1.3); opacity: 0.1; } }",
  ].join("\n");
  const escapeHtml = CityConsole.escapeHtml;

  function stateGroup(status) {
    return STATE_GROUP[String(status).toLowerCase()] || "active";
  }

  /** Leaflet path options of a case marker for its priority style and state group. */
  function markerStyle(style, group, overdue) {
    const options = {
      radius: style.radius, color: "#0b1016", weight: 2, opacity: 1,
      fillColor: style.color, fillOpacity: 0.95, dashArray: null,
    };
    if (group === "new") {
      Object.assign(options, { color: style.color, weight: 2.5, fillOpacity: 0.08 });
    } else if (group === "in_hand") {
      Object.assign(options, { color: "#ffffff", weight: 2.5 });
    } else if (group === "done") {
      Object.assign(options, { opacity: 0.55, fillOpacity: 0.35 });
    } else if (group === "pending") {
      Object.assign(options, { color: style.color, weight: 2, fillOpacity: 0.15,
        dashArray: "3 3" });
    } else if (group === "final") {
      Object.assign(options, { opacity: 0.35, fillOpacity: 0.2 });
    }
    options.className = "cc-incident cc-incident-" + group +
      (overdue ? " cc-incident-overdue" : "");
    return options;
  }

  function incidentTooltip(row, overdue) {
    const style = RANK_STYLE[row[3]] || RANK_STYLE[4];
    let meta = style.label + " \u00b7 " + escapeHtml(row[7] || row[4]) + " \u00b7 #" +
      escapeHtml(row[0]);
    if (overdue) {
      meta += ' \u00b7 <b style="color:#ff6b78">OVERDUE</b>';
    }
    return '<div class="cc-tip-title">' + escapeHtml(row[5]) + '</div><div class="cc-tip-meta">' +
      meta + "</div>";
  }

  function pulseIcon(color) {
    return L.divIcon({
      className: "cc-incident-pulse", iconSize: [0, 0],
      html: '<div style="--cc-pulse:' + color + '"></div>',
    });
  }

  let map = null;
  let group = null;
  let pulses = null;
  let renderer = null;
  let visible = true;
  let shown = [];

  CityConsole.register({
    boot: function (bootMap) {
      map = bootMap;
      map.createPane("incidents").style.zIndex = 620;
      map.createPane("incident-pulses").style.zIndex = 615;
      const style = document.createElement("style");
      style.textContent = CSS;
      document.head.appendChild(style);
      pulses = L.layerGroup([], { pane: "incident-pulses" }).addTo(map);
      group = L.layerGroup([], { pane: "incidents" }).addTo(map);
      renderer = L.svg({ pane: "incidents" });
      CityConsole.incidents = group;
      CityConsole.incidentPulses = pulses;
    },

    api: {
      setIncidents: function (rows) {
        group.clearLayers();
        pulses.clearLayers();
        shown = [];
        const ordered = rows.slice().sort(function (a, b) { return b[3] - a[3]; });
        for (const row of ordered) {
          const style = RANK_STYLE[row[3]] || RANK_STYLE[4];
          const statusGroup = stateGroup(row[4]);
          const overdue = Boolean(row[6]) && statusGroup !== "final";
          const options = markerStyle(style, statusGroup, overdue);
          options.pane = "incidents";
          options.renderer = renderer;
          L.circleMarker([row[2], row[1]], options)
            .bindTooltip(incidentTooltip(row, overdue), { className: "cc-tooltip",
              direction: "top" })
            .addTo(group);
          if (overdue) {
            L.marker([row[2], row[1]], { pane: "incident-pulses", icon: pulseIcon(style.color),
              interactive: false, keyboard: false }).addTo(pulses);
          }
          shown.push([String(row[0]), statusGroup, overdue]);
        }
        return rows.length;
      },

      setIncidentsVisible: function (show) {
        visible = Boolean(show);
        for (const layer of [group, pulses]) {
          if (visible && !map.hasLayer(layer)) {
            map.addLayer(layer);
          } else if (!visible && map.hasLayer(layer)) {
            map.removeLayer(layer);
          }
        }
        return true;
      },

      incidentsVisible: function () {
        return visible;
      },

      incidentState: function () {
        return JSON.stringify(shown);
      },
    },
  });
})();
