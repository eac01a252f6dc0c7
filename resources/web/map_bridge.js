/*
 * The page's way back to Python: a QWebChannel to the view's MapBridge object.
 *
 *   CityConsoleBridge.send(method, ...args)  calls MapBridge.<method>(...args) in Python;
 *                                            calls made before the channel opens are queued.
 *   CityConsoleBridge.connected()            -> bool
 *
 * The map's own gestures are reported here: a click ("clicked": lat, lon, metres per
 * pixel, additive) and a right-click ("contextMenu": lat, lon, metres per pixel, x, y in
 * the view's pixels). Python finds what lies under the pointer; the page only reports.
 */
(function () {
  "use strict";

  const pending = [];
  let bridge = null;

  function flush() {
    while (bridge !== null && pending.length) {
      const call = pending.shift();
      const method = bridge[call[0]];
      if (typeof method === "function") {
        method.apply(bridge, call[1]);
      } else {
        console.error("map bridge has no method " + call[0]);
      }
    }
  }

  const CityConsoleBridge = {
    /** Set by a gesture that ends in a click the map must not report (a drawn box). */
    swallowNextClick: false,

    send: function (method) {
      pending.push([method, Array.prototype.slice.call(arguments, 1)]);
      flush();
    },

    connected: function () {
      return bridge !== null;
    },

    /** Metres one screen pixel covers at the map's centre. */
    metresPerPixel: function (map) {
      const centre = map.getSize().divideBy(2);
      const a = map.containerPointToLatLng(centre);
      const b = map.containerPointToLatLng(centre.add([10, 0]));
      return map.distance(a, b) / 10;
    },

    /** Report the map's clicks and right-clicks (set up once the map exists). */
    watch: function (map) {
      const self = this;
      map.on("click", function (event) {
        if (window.CityConsole.drawing || self.swallowNextClick) {
          self.swallowNextClick = false;  // a drawing tool or box selection had this click
          return;
        }
        const e = event.originalEvent || {};
        self.send("clicked", event.latlng.lat, event.latlng.lng, self.metresPerPixel(map),
          Boolean(e.ctrlKey || e.metaKey || e.shiftKey));
      });
      map.on("contextmenu", function (event) {
        if (window.CityConsole.drawing) {
          return;
        }
        self.send("contextMenu", event.latlng.lat, event.latlng.lng, self.metresPerPixel(map),
          Math.round(event.containerPoint.x), Math.round(event.containerPoint.y));
      });
      // Markers (bridges, labels) pass their clicks on to the map, which reports them.
      map.eachLayer(function (layer) {
        if (layer instanceof L.Marker) {
          layer.options.bubblingMouseEvents = true;
        }
      });
    },
  };

  if (window.qt && window.qt.webChannelTransport && window.QWebChannel) {
    new QWebChannel(window.qt.webChannelTransport, function (channel) {
      bridge = channel.objects.mapBridge || null;
      if (bridge === null) {
        console.error("map bridge: the view published no mapBridge object");
      }
      flush();
    });
  } else {
    console.warn("map bridge: no Qt web channel (page opened outside the console)");
  }

  window.CityConsoleBridge = CityConsoleBridge;
})();
