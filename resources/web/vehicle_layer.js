/*
 * Vehicle layer: one <canvas> that tens of thousands of vehicles are written into
 * as small squares of pixels (ImageData), coloured by vehicle class.
 *
 * Python sends base64 of [n x (uint16 x, uint16 y)] + [n x uint8 class] and the
 * frame's extent [x0, y0, stepX, stepY]: position = x0 + x * stepX in Web-Mercator
 * pixels at zoom 0, so a redraw only scales and shifts. The canvas is hidden during
 * zoom animations and redrawn on moveend / zoomend / resize.
 */
(function () {
  "use strict";

  function decodeBase64(text) {
    if (typeof Uint8Array.fromBase64 === "function") {
      return Uint8Array.fromBase64(text);
    }
    const binary = atob(text);
    const length = binary.length;
    const bytes = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      bytes[i] = binary.charCodeAt(i);
    }
    return bytes;
  }

  function rgbaWord(hex) {
    const value = parseInt(hex.slice(1), 16);
    const r = (value >> 16) & 255;
    const g = (value >> 8) & 255;
    const b = value & 255;
    return ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0; // little-endian RGBA
  }

  const VehicleLayer = L.Layer.extend({
    options: {
      pane: "vehicles",
      colors: ["#ffd400", "#00e5ff", "#ff4fd8", "#ff8a3d"],
    },

    initialize: function (options) {
      L.setOptions(this, options);
      this._words = new Uint32Array(this.options.colors.map(rgbaWord));
      this._xy = new Uint16Array(0);
      this._extent = [0, 0, 1, 1];
      this._classes = new Uint8Array(0);
      this._count = 0;
      this._visible = 0;
      this._image = null;
    },

    onAdd: function (map) {
      const canvas = L.DomUtil.create("canvas", "cc-vehicle-canvas leaflet-zoom-hide");
      this._canvas = canvas;
      this._context = canvas.getContext("2d");
      this.getPane().appendChild(canvas);
      map.on("moveend zoomend resize viewreset", this._reset, this);
      this._reset();
    },

    onRemove: function (map) {
      map.off("moveend zoomend resize viewreset", this._reset, this);
      L.DomUtil.remove(this._canvas);
      this._canvas = null;
      this._context = null;
      this._image = null;
    },

    /** Replace every vehicle with the packed frame; returns the vehicle count. */
    setData: function (payload, count, extent) {
      const bytes = decodeBase64(payload);
      this._xy = new Uint16Array(bytes.buffer, bytes.byteOffset, count * 2);
      this._classes = new Uint8Array(bytes.buffer, bytes.byteOffset + count * 4, count);
      this._extent = extent;
      this._count = count;
      this._draw();
      return count;
    },

    count: function () {
      return this._count;
    },

    /** Vehicles inside the visible canvas at the last draw. */
    visibleCount: function () {
      return this._visible;
    },

    _reset: function () {
      if (!this._map || !this._canvas) {
        return;
      }
      const map = this._map;
      const size = map.getSize();
      const ratio = window.devicePixelRatio || 1;
      const width = Math.max(1, Math.round(size.x * ratio));
      const height = Math.max(1, Math.round(size.y * ratio));
      const canvas = this._canvas;
      if (canvas.width !== width || canvas.height !== height) {
        canvas.width = width;
        canvas.height = height;
        canvas.style.width = size.x + "px";
        canvas.style.height = size.y + "px";
        this._image = null;
      }
      L.DomUtil.setPosition(canvas, map.containerPointToLayerPoint([0, 0]));
      this._draw();
    },

    /** Square side per class: the numerous class (last, cargo) one pixel smaller. */
    _squareSides: function (zoom, ratio) {
      const base = zoom >= 14 ? 4 : zoom >= 11 ? 3 : 2;
      const sides = new Uint8Array(this._words.length).fill(Math.max(1, Math.round(base * ratio)));
      sides[sides.length - 1] = Math.max(1, Math.round((base - 1) * ratio));
      return sides;
    },

    _draw: function () {
      if (!this._map || !this._canvas) {
        return;
      }
      const map = this._map;
      const canvas = this._canvas;
      const width = canvas.width;
      const height = canvas.height;
      if (this._image === null) {
        this._image = this._context.createImageData(width, height);
        this._pixels = new Uint32Array(this._image.data.buffer);
      }
      const pixels = this._pixels;
      pixels.fill(0);

      const ratio = window.devicePixelRatio || 1;
      const zoom = map.getZoom();
      const zoomScale = map.getZoomScale(zoom, 0);
      const topLeft = map.containerPointToLayerPoint([0, 0]);
      const pixelOrigin = map.getPixelOrigin();
      const sides = this._squareSides(zoom, ratio);
      const extent = this._extent;
      const baseX = (extent[0] * zoomScale - pixelOrigin.x - topLeft.x) * ratio;
      const baseY = (extent[1] * zoomScale - pixelOrigin.y - topLeft.y) * ratio;
      const stepX = extent[2] * zoomScale * ratio;
      const stepY = extent[3] * zoomScale * ratio;
      const xy = this._xy;
      const classes = this._classes;
      const words = this._words;
      const count = this._count;
      const classCount = words.length;
      let visible = 0;

      for (let i = 0; i < count; i++) {
        const cls = classes[i];
        if (cls >= classCount) {
          continue;
        }
        const side = sides[cls];
        const x = ((baseX + xy[2 * i] * stepX) | 0) - (side >> 1);
        const y = ((baseY + xy[2 * i + 1] * stepY) | 0) - (side >> 1);
        if (x < 0 || y < 0 || x > width - side || y > height - side) {
          continue;
        }
        const word = words[cls];
        let row = y * width + x;
        for (let dy = 0; dy < side; dy++) {
          for (let dx = 0; dx < side; dx++) {
            pixels[row + dx] = word;
          }
          row += width;
        }
        visible++;
      }
      this._visible = visible;
      this._context.putImageData(this._image, 0, 0);
      this.fire("drawn", { count: count, visible: visible });
    },
  });

  window.CityConsoleVehicleLayer = VehicleLayer;
})();
