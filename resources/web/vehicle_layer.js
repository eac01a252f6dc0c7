/*
 * Pixel canvas layers: one <canvas> each, written pixel by pixel (ImageData), hidden
 * during zoom animations and redrawn only on moveend and resize (Leaflet ends every
 * pan, zoom and view reset with moveend, so a zoom draws once, not on zoomend too).
 *
 * CityConsoleVehicleLayer: tens of thousands of vehicles as small squares coloured by
 * class. Python sends base64 of [n x (uint16 x, uint16 y)] + [n x uint8 class] and the
 * frame's extent [x0, y0, stepX, stepY]: position = x0 + x * stepX in Web-Mercator
 * pixels at zoom 0, so a redraw only scales and shifts. Between whole frames Python
 * sends only the vehicles that moved (patchData, through CityConsolePatchVehicles):
 * base64 of [k x uint32 index into the frame] + [k x (uint16 x, uint16 y)], same extent.
 * Each class can be hidden (setClassVisible): the draw loop skips it, and visibleCount
 * counts only shown classes.
 *
 * CityConsolePointLayer: named sets of points (sites, stations, units), each drawn with
 * small glyphs (pixel masks) from a minimum zoom, projected once; the nearest point under
 * the pointer gets a tooltip.
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

  /** A canvas the size of the map; subclasses write pixels in _draw(). */
  const PixelLayer = L.Layer.extend({
    options: { className: "" },

    onAdd: function (map) {
      const canvas = L.DomUtil.create("canvas", this.options.className + " leaflet-zoom-hide");
      canvas.style.pointerEvents = "none";
      this._canvas = canvas;
      this._context = canvas.getContext("2d");
      this._image = null;
      this.getPane().appendChild(canvas);
      map.on("moveend resize", this._reset, this);
      this._reset();
    },

    onRemove: function (map) {
      map.off("moveend resize", this._reset, this);
      L.DomUtil.remove(this._canvas);
      this._canvas = null;
      this._context = null;
      this._image = null;
    },

    _reset: function () {
      if (!this._map || !this._canvas) {
        return;
      }
      const size = this._map.getSize();
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
      L.DomUtil.setPosition(canvas, this._map.containerPointToLayerPoint([0, 0]));
      this._draw();
    },

    /** The canvas pixels as RGBA words, cleared; null when not on a map. */
    _clearedPixels: function () {
      if (!this._map || !this._canvas) {
        return null;
      }
      if (this._image === null) {
        this._image = this._context.createImageData(this._canvas.width, this._canvas.height);
        this._pixels = new Uint32Array(this._image.data.buffer);
      }
      return this._pixels.fill(0);
    },

    _flush: function () {
      this._context.putImageData(this._image, 0, 0);
    },

    /** Zoom-0 Web-Mercator pixels to canvas (device) pixels: x * scale + shiftX. */
    _transform: function () {
      const map = this._map;
      const ratio = window.devicePixelRatio || 1;
      const origin = map.getPixelOrigin();
      const topLeft = map.containerPointToLayerPoint([0, 0]);
      return {
        ratio: ratio,
        scale: map.getZoomScale(map.getZoom(), 0) * ratio,
        shiftX: -(origin.x + topLeft.x) * ratio,
        shiftY: -(origin.y + topLeft.y) * ratio,
      };
    },
  });

  const VehicleLayer = PixelLayer.extend({
    options: {
      pane: "vehicles",
      className: "cc-vehicle-canvas",
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
      this._hidden = new Uint8Array(this._words.length);
      this._totals = new Uint32Array(this._words.length);
      this._inView = new Uint32Array(this._words.length);
      this._layout = null; // how the last draw placed vehicles (see _draw)
      this._cover = null; // per pixel, vehicles of each class covering it (see _coverage)
      this._byClass = true; // whether the frame is ordered by class, the rarest last
    },

    /** Replace every vehicle with the packed frame; returns the vehicle count. */
    setData: function (payload, count, extent) {
      const bytes = decodeBase64(payload);
      this._xy = new Uint16Array(bytes.buffer, bytes.byteOffset, count * 2);
      this._classes = new Uint8Array(bytes.buffer, bytes.byteOffset + count * 4, count);
      this._extent = extent;
      this._count = count;
      const totals = this._totals.fill(0);
      const classes = this._classes;
      let byClass = true;
      for (let i = 0; i < count; i++) {
        totals[classes[i]]++;
        byClass = byClass && (i === 0 || classes[i] <= classes[i - 1]);
      }
      this._byClass = byClass;
      this._draw();
      return count;
    },

    /**
     * New positions of some vehicles of the frame (see above); returns the count. Only
     * their pixels are drawn again: per pixel the layer counts the vehicles of each class
     * covering it (built at the first patch after a whole draw), so a pixel a vehicle
     * leaves shows what is still under it, as a whole draw would (the rarest class on top).
     */
    patchData: function (payload, changed) {
      const bytes = decodeBase64(payload);
      const index = new Uint32Array(bytes.buffer, bytes.byteOffset, changed);
      const moved = new Uint16Array(bytes.buffer, bytes.byteOffset + changed * 4, changed * 2);
      const layout = this._layout;
      if (layout === null || layout.px.length !== this._count || !this._byClass ||
          this._count > 65535) {
        this._applyMoves(index, moved, changed);
        this._draw();
        return this._count;
      }
      const cover = this._coverage();
      const classCount = this._words.length;
      const classes = this._classes;
      const px = layout.px;
      const py = layout.py;
      const spots = new Int32Array(changed * 4); // old x, y and new x, y of each (-1: none)
      const visibleBefore = this._visible;
      for (let i = 0; i < changed; i++) {
        const j = index[i];
        if (j >= this._count) {
          continue;
        }
        const cls = classes[j];
        const side = layout.sides[cls];
        spots[4 * i] = px[j];
        spots[4 * i + 1] = py[j];
        if (px[j] >= 0) {
          this._addCover(cover, px[j], py[j], side, cls, classCount, -1);
        }
        this._xy[2 * j] = moved[2 * i];
        this._xy[2 * j + 1] = moved[2 * i + 1];
        this._place(j, layout);
        spots[4 * i + 2] = px[j];
        spots[4 * i + 3] = py[j];
        if (px[j] >= 0) {
          this._addCover(cover, px[j], py[j], side, cls, classCount, 1);
        }
      }
      const dirty = [Infinity, Infinity, -1, -1];
      for (let i = 0; i < changed; i++) {
        const j = index[i];
        if (j >= this._count) {
          continue;
        }
        const side = layout.sides[classes[j]];
        for (let k = 0; k < 4; k += 2) {
          if (spots[4 * i + k] >= 0) {
            this._repaint(cover, spots[4 * i + k], spots[4 * i + k + 1], side, dirty);
          }
        }
      }
      if (dirty[2] >= 0) {
        this._context.putImageData(
          this._image, 0, 0, dirty[0], dirty[1], dirty[2] - dirty[0], dirty[3] - dirty[1]
        );
      }
      if (this._visible !== visibleBefore) {
        this.fire("drawn", { count: this._count, visible: this._visible });
      }
      return this._count;
    },

    _applyMoves: function (index, moved, changed) {
      const xy = this._xy;
      for (let i = 0; i < changed; i++) {
        const at = 2 * index[i];
        xy[at] = moved[2 * i];
        xy[at + 1] = moved[2 * i + 1];
      }
    },

    /** Where vehicle j's square goes with the last draw's layout (px -1: not drawn). */
    _place: function (j, layout) {
      const cls = this._classes[j];
      const side = layout.sides[cls];
      const wasIn = layout.px[j] >= 0;
      let x = -1;
      let y = -1;
      if (cls < this._words.length && !this._hidden[cls]) {
        x = ((layout.baseX + this._xy[2 * j] * layout.stepX) | 0) - (side >> 1);
        y = ((layout.baseY + this._xy[2 * j + 1] * layout.stepY) | 0) - (side >> 1);
        if (x < 0 || y < 0 || x > layout.width - side || y > layout.height - side) {
          x = -1;
        }
      }
      layout.px[j] = x;
      layout.py[j] = y;
      const isIn = x >= 0;
      if (wasIn !== isIn) {
        const change = isIn ? 1 : -1;
        this._inView[cls] += change;
        this._visible += change;
      }
    },

    /** Per pixel and class, how many drawn vehicles cover it (built once per whole draw). */
    _coverage: function () {
      if (this._cover !== null) {
        return this._cover;
      }
      const layout = this._layout;
      const classCount = this._words.length;
      const size = layout.width * layout.height * classCount;
      const cover = this._coverBuffer && this._coverBuffer.length === size
        ? this._coverBuffer.fill(0) : new Uint16Array(size);
      this._coverBuffer = cover;
      const classes = this._classes;
      for (let j = 0; j < this._count; j++) {
        if (layout.px[j] >= 0) {
          const cls = classes[j];
          this._addCover(cover, layout.px[j], layout.py[j], layout.sides[cls], cls, classCount, 1);
        }
      }
      this._cover = cover;
      return cover;
    },

    _addCover: function (cover, x, y, side, cls, classCount, change) {
      const width = this._layout.width;
      for (let dy = 0; dy < side; dy++) {
        let at = ((y + dy) * width + x) * classCount + cls;
        for (let dx = 0; dx < side; dx++) {
          cover[at] += change;
          at += classCount;
        }
      }
    },

    /** Colour a square's pixels from the coverage: the rarest class covering each wins. */
    _repaint: function (cover, x, y, side, dirty) {
      const width = this._layout.width;
      const words = this._words;
      const classCount = words.length;
      const pixels = this._pixels;
      for (let dy = 0; dy < side; dy++) {
        let p = (y + dy) * width + x;
        for (let dx = 0; dx < side; dx++, p++) {
          let word = 0;
          const at = p * classCount;
          for (let cls = 0; cls < classCount; cls++) {
            if (cover[at + cls] > 0) {
              word = words[cls];
              break;
            }
          }
          pixels[p] = word;
        }
      }
      dirty[0] = Math.min(dirty[0], x);
      dirty[1] = Math.min(dirty[1], y);
      dirty[2] = Math.max(dirty[2], x + side);
      dirty[3] = Math.max(dirty[3], y + side);
    },

    count: function () {
      return this._count;
    },

    /** Vehicles of shown classes inside the visible canvas at the last draw. */
    visibleCount: function () {
      return this._visible;
    },

    /** Show or hide one class (its index in ``colors``); redraws at once. */
    setClassVisible: function (index, visible) {
      if (!(index >= 0 && index < this._hidden.length)) {
        return false;
      }
      this._hidden[index] = visible ? 0 : 1;
      this._draw();
      return true;
    },

    classVisible: function (index) {
      return this._hidden[index] === 0;
    },

    /** Per class: [vehicles in the frame, vehicles drawn in view at the last draw]. */
    classCounts: function () {
      return Array.from(this._totals, function (total, i) {
        return [total, this._inView[i]];
      }, this);
    },

    /** Square side per class: the numerous class (last, cargo) one pixel smaller. */
    _squareSides: function (zoom, ratio) {
      const base = zoom >= 14 ? 4 : zoom >= 11 ? 3 : 2;
      const sides = new Uint8Array(this._words.length).fill(Math.max(1, Math.round(base * ratio)));
      sides[sides.length - 1] = Math.max(1, Math.round((base - 1) * ratio));
      return sides;
    },

    _draw: function () {
      const pixels = this._clearedPixels();
      if (pixels === null) {
        this._layout = null;
        return;
      }
      const width = this._canvas.width;
      const height = this._canvas.height;
      const t = this._transform();
      const sides = this._squareSides(this._map.getZoom(), t.ratio);
      const extent = this._extent;
      const baseX = extent[0] * t.scale + t.shiftX;
      const baseY = extent[1] * t.scale + t.shiftY;
      const stepX = extent[2] * t.scale;
      const stepY = extent[3] * t.scale;
      const xy = this._xy;
      const classes = this._classes;
      const words = this._words;
      const count = this._count;
      const classCount = words.length;
      const hidden = this._hidden;
      const inView = this._inView.fill(0);
      let visible = 0;
      const layout = this._layout && this._layout.px.length === count
        ? this._layout : { px: new Int32Array(count), py: new Int32Array(count) };
      Object.assign(layout, { baseX: baseX, baseY: baseY, stepX: stepX, stepY: stepY,
        width: width, height: height, sides: sides });
      const px = layout.px;
      const py = layout.py;
      this._layout = layout;
      this._cover = null;

      for (let i = 0; i < count; i++) {
        const cls = classes[i];
        px[i] = -1;
        if (cls >= classCount || hidden[cls]) {
          continue;
        }
        const side = sides[cls];
        const x = ((baseX + xy[2 * i] * stepX) | 0) - (side >> 1);
        const y = ((baseY + xy[2 * i + 1] * stepY) | 0) - (side >> 1);
        if (x < 0 || y < 0 || x > width - side || y > height - side) {
          continue;
        }
        px[i] = x;
        py[i] = y;
        const word = words[cls];
        let row = y * width + x;
        for (let dy = 0; dy < side; dy++) {
          for (let dx = 0; dx < side; dx++) {
            pixels[row + dx] = word;
          }
          row += width;
        }
        inView[cls]++;
        visible++;
      }
      this._visible = visible;
      this._flush();
      this.fire("drawn", { count: count, visible: visible });
    },
  });

  /**
   * Point sets drawn bottom to top in the order of ``options.kinds`` ({kind: minZoom}).
   * ``options.glyphs()`` returns {kind: [glyph, ...]}, a glyph being {side, dx, dy, words}
   * (opaque pixels of a small image); a point's style picks its glyph.
   */
  const PointLayer = PixelLayer.extend({
    options: { pane: "cc-points", className: "cc-point-canvas", kinds: {}, glyphs: null },

    initialize: function (options) {
      L.setOptions(this, options);
      this.sets = {};
      for (const kind of Object.keys(this.options.kinds)) {
        this.sets[kind] = { count: 0, drawn: 0, visible: true, lon: [], lat: [], x: null,
          style: new Uint8Array(0), label: function () { return ""; } };
      }
    },

    onAdd: function (map) {
      this._glyphs = this.options.glyphs();
      this._tooltip = L.tooltip({ className: "cc-tooltip", direction: "top", offset: [0, -6] });
      map.on("mousemove", this._hover, this);
      map.on("mouseout movestart", this._unhover, this);
      PixelLayer.prototype.onAdd.call(this, map);
    },

    onRemove: function (map) {
      map.off("mousemove", this._hover, this);
      map.off("mouseout movestart", this._unhover, this);
      this._unhover();
      PixelLayer.prototype.onRemove.call(this, map);
    },

    /** Replace the points of ``kind``: lon/lat arrays, a style index each, a label function. */
    setPoints: function (kind, lon, lat, style, label) {
      const set = this.sets[kind];
      Object.assign(set, { lon: lon, lat: lat, count: lon.length, x: null, label: label,
        style: style || new Uint8Array(lon.length) });
      this._draw();
      return set.count;
    },

    setVisible: function (kind, visible) {
      this.sets[kind].visible = visible;
      this._draw();
    },

    /** Whether ``kind`` is drawn now: switched on, not empty, and zoomed in far enough. */
    shown: function (kind) {
      const set = this.sets[kind];
      return set.visible && set.count > 0 && this._map.getZoom() >= this.options.kinds[kind];
    },

    /** Zoom-0 pixel positions of a set, projected once per CRS. */
    _project: function (set) {
      const crs = this._map.options.crs;
      if (set.x === null || set.crs !== crs) {
        set.x = new Float64Array(set.count);
        set.y = new Float64Array(set.count);
        for (let i = 0; i < set.count; i++) {
          const p = this._map.project([set.lat[i], set.lon[i]], 0);
          set.x[i] = p.x;
          set.y[i] = p.y;
        }
        set.crs = crs;
      }
    },

    _draw: function () {
      const pixels = this._clearedPixels();
      if (pixels === null) {
        return;
      }
      const width = this._canvas.width;
      const height = this._canvas.height;
      const t = this._transform();
      for (const kind of Object.keys(this.sets)) {
        const set = this.sets[kind];
        set.drawn = 0;
        if (!this.shown(kind)) {
          continue;
        }
        this._project(set);
        const glyphs = this._glyphs[kind];
        let drawn = 0;
        for (let i = 0; i < set.count; i++) {
          const g = glyphs[set.style[i]] || glyphs[0];
          const x = ((set.x[i] * t.scale + t.shiftX) | 0) - (g.side >> 1);
          const y = ((set.y[i] * t.scale + t.shiftY) | 0) - (g.side >> 1);
          if (x < 0 || y < 0 || x > width - g.side || y > height - g.side) {
            continue;
          }
          const base = y * width + x;
          for (let k = 0; k < g.words.length; k++) {
            pixels[base + g.dy[k] * width + g.dx[k]] = g.words[k];
          }
          drawn++;
        }
        set.drawn = drawn;
      }
      this._flush();
    },

    /** The nearest shown point within 6 px of a container point: [kind, index] or null. */
    pick: function (containerPoint) {
      const t = this._transform();
      const px = containerPoint.x * t.ratio;
      const py = containerPoint.y * t.ratio;
      let best = null;
      let bestDistance = 36 * t.ratio * t.ratio;
      for (const kind of Object.keys(this.sets)) {
        if (!this.shown(kind)) {
          continue;
        }
        const set = this.sets[kind];
        this._project(set);
        for (let i = 0; i < set.count; i++) {
          const ex = set.x[i] * t.scale + t.shiftX - px;
          const ey = set.y[i] * t.scale + t.shiftY - py;
          if (ex * ex + ey * ey <= bestDistance) {  // later kinds are on top: they win ties
            best = [kind, i];
            bestDistance = ex * ex + ey * ey;
          }
        }
      }
      return best;
    },

    _hover: function (event) {
      if (this._hoverFrame) {
        return;
      }
      this._hoverFrame = L.Util.requestAnimFrame(function () {
        this._hoverFrame = null;
        const hit = this._map ? this.pick(event.containerPoint) : null;
        if (hit === null) {
          this._unhover();
          return;
        }
        const set = this.sets[hit[0]];
        this._tooltip.setLatLng([set.lat[hit[1]], set.lon[hit[1]]]).setContent(set.label(hit[1]));
        if (!this._map.hasLayer(this._tooltip)) {
          this._tooltip.addTo(this._map);
        }
      }, this);
    },

    _unhover: function () {
      if (this._map && this._tooltip && this._map.hasLayer(this._tooltip)) {
        this._map.removeLayer(this._tooltip);
      }
    },
  });

  /**
   * The vehicles that moved since the last frame (CityConsole.setVehicles sends whole
   * frames): returns JSON [n drawn, visible, ms] as setVehicles does.
   */
  function patchVehicles(payload, changed) {
    const started = performance.now();
    const layer = window.CityConsole.vehicles;
    const count = layer.patchData(payload, changed);
    return JSON.stringify([count, layer.visibleCount(), performance.now() - started]);
  }

  window.CityConsoleVehicleLayer = VehicleLayer;
  window.CityConsolePatchVehicles = patchVehicles;
  window.CityConsolePointLayer = PointLayer;
})();
