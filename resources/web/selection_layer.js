/*
 * The operator's selection on the map: rings around the selected objects, a card with
 * what the console knows about them, and box selection with Ctrl+drag.
 *
 *   CityConsole.setSelection(payload)   -> number of objects ringed
 *   CityConsole.selectionState()        -> JSON {items, title, rows, actions}
 *
 * payload: {items: [[lat, lon], ...], card: {title, subtitle, rows: [[label, value]],
 * actions: [[key, label]], note} or null}. A card button sends "cardAction"(key) to
 * Python; the card's close button sends "cardAction"("close"). A finished box sends
 * "boxSelected"(south, west, north, east, additive).
 */
(function () {
  "use strict";

  const escapeHtml = CityConsole.escapeHtml;
  const MIN_BOX_PX = 6;
  let rings = null;
  let card = null;
  let shown = { items: 0, title: "", rows: [], actions: [] };

  const Card = L.Control.extend({
    options: { position: "topleft" },

    onAdd: function () {
      const box = L.DomUtil.create("div", "cc-panel cc-card");
      box.style.display = "none";
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      L.DomEvent.on(box, "contextmenu", L.DomEvent.stopPropagation);
      L.DomEvent.on(box, "click", function (event) {
        const button = event.target.closest("[data-action]");
        if (button) {
          CityConsoleBridge.send("cardAction", button.getAttribute("data-action"));
        }
      });
      this._box = box;
      return box;
    },

    show: function (content) {
      const box = this._box;
      if (!content) {
        box.style.display = "none";
        box.innerHTML = "";
        return;
      }
      let html =
        '<div class="cc-card-head"><div class="cc-card-title">' + escapeHtml(content.title) +
        '</div><button class="cc-card-close" data-action="close" title="Clear the selection' +
        ' (Esc)">\u00d7</button></div>';
      if (content.subtitle) {
        html += '<div class="cc-card-subtitle">' + escapeHtml(content.subtitle) + "</div>";
      }
      html += '<table class="cc-card-rows">';
      for (const row of content.rows || []) {
        html += "<tr><th>" + escapeHtml(row[0]) + "</th><td>" + escapeHtml(row[1]) + "</td></tr>";
      }
      html += "</table>";
      if (content.note) {
        html += '<div class="cc-card-note">' + escapeHtml(content.note) + "</div>";
      }
      const actions = content.actions || [];
      if (actions.length) {
        html += '<div class="cc-card-actions">';
        for (const action of actions) {
          html += '<button data-action="' + escapeHtml(action[0]) + '">' +
            escapeHtml(action[1]) + "</button>";
        }
        html += "</div>";
      }
      box.innerHTML = html;
      box.style.display = "";
    },
  });

  /** Ctrl+drag draws a box; the map does not pan meanwhile. */
  function watchBox(map) {
    const container = map.getContainer();
    let start = null;
    let frame = null;

    function finish(event) {
      L.DomEvent.off(document, "mousemove", move);
      L.DomEvent.off(document, "mouseup", finish);
      map.dragging.enable();
      if (frame !== null) {
        L.DomUtil.remove(frame);
        frame = null;
      }
      const end = map.mouseEventToContainerPoint(event);
      const first = start;
      start = null;
      if (Math.abs(end.x - first.x) < MIN_BOX_PX || Math.abs(end.y - first.y) < MIN_BOX_PX) {
        return;
      }
      CityConsoleBridge.swallowNextClick = true;
      setTimeout(function () { CityConsoleBridge.swallowNextClick = false; }, 0);
      const bounds = L.latLngBounds(map.containerPointToLatLng(first),
        map.containerPointToLatLng(end));
      CityConsoleBridge.send("boxSelected", bounds.getSouth(), bounds.getWest(),
        bounds.getNorth(), bounds.getEast(), Boolean(event.shiftKey));
    }

    function move(event) {
      const point = map.mouseEventToContainerPoint(event);
      if (frame === null) {
        frame = L.DomUtil.create("div", "cc-select-box", container);
      }
      frame.style.left = Math.min(point.x, start.x) + "px";
      frame.style.top = Math.min(point.y, start.y) + "px";
      frame.style.width = Math.abs(point.x - start.x) + "px";
      frame.style.height = Math.abs(point.y - start.y) + "px";
    }

    L.DomEvent.on(container, "mousedown", function (event) {
      if (!(event.ctrlKey || event.metaKey) || event.button !== 0 || CityConsole.drawing) {
        return;
      }
      L.DomEvent.stop(event);
      map.dragging.disable();
      start = map.mouseEventToContainerPoint(event);
      L.DomEvent.on(document, "mousemove", move);
      L.DomEvent.on(document, "mouseup", finish);
    });
  }

  CityConsole.register({
    boot: function (map) {
      map.createPane("selection").style.zIndex = 640;
      rings = L.layerGroup().addTo(map);
      card = new Card().addTo(map);
      watchBox(map);
      L.DomEvent.on(document, "keydown", function (event) {
        if (event.key === "Escape" && shown.items && !CityConsole.drawing) {
          CityConsoleBridge.send("cardAction", "close");
        }
      });
    },

    api: {
      setSelection: function (payload) {
        const items = payload.items || [];
        rings.clearLayers();
        const single = items.length === 1;
        for (const item of items) {
          L.circleMarker([item[0], item[1]], {
            pane: "selection", radius: single ? 13 : 7, color: "#ffffff", weight: single ? 2.5 : 1.5,
            fill: false, interactive: false, className: single ? "cc-selected cc-selected-one" :
              "cc-selected",
          }).addTo(rings);
        }
        card.show(payload.card || null);
        const content = payload.card || {};
        shown = {
          items: items.length, title: content.title || "", rows: content.rows || [],
          actions: (content.actions || []).map(function (a) { return a[0]; }),
        };
        return items.length;
      },

      selectionState: function () {
        return JSON.stringify(shown);
      },
    },
  });
})();
