// A map's big layers, sent as data rather than in its script (geo_app/maps/planner.py,
// planner_layer_data): fetched from the frame's data-layers-url, drawn into the empty groups
// the map's script named in map.dataLayers, in the data's order, then the groups of
// map.frontLayers (the stations) brought back on top. A layer with a "marker" spec is points
// drawn as numbered diamonds with a popup of text lines. Whenever a layer is turned back on
// in the layer control, the layers meant to be above it (map.layerOrder) are brought back on
// top of it. Coordinates are integer steps (geo_app/maps/base.py, delta_shapes). Label and
// popup text is set as textContent, never as HTML.
// The frame's data-layers-state says "loading", "ready" or "failed".
(function () {
  "use strict";

  // [x0, y0, dx1, dy1, ...] counted from origin → [[lat, lon], ...]
  function decode(flat, origin, scale) {
    var x = origin[0];
    var y = origin[1];
    var out = new Array(flat.length / 2);
    for (var i = 0; i < flat.length; i += 2) {
      x += flat[i];
      y += flat[i + 1];
      out[i / 2] = [y / scale, x / scale];
    }
    return out;
  }

  // a polygon shape is [[ring, hole, ...], ...], a line shape [line, ...]
  function isPolygon(shape) {
    return shape.length > 0 && Array.isArray(shape[0][0]);
  }

  function latlngs(shape, origin, scale) {
    return shape.map(function (part) {
      return isPolygon(shape)
        ? part.map(function (ring) { return decode(ring, origin, scale); })
        : decode(part, origin, scale);
    });
  }

  function label(parts, texts) {
    return parts.map(function (part) {
      return typeof part === "number" ? texts[part] : part;
    }).join("");
  }

  function tooltip(layer) {
    var box = document.createElement("div");
    box.textContent = layer.feature.properties.label;
    return box;
  }

  // a numbered diamond (as the map's own proposed sites), built as elements
  function diamond(marker, number) {
    var box = document.createElement("div");
    box.className = marker.className;
    box.style.background = marker.color;
    if (marker.numbered) { box.textContent = String(number); }
    return L.divIcon({ html: box, className: "site-icon", iconSize: [22, 22],
      iconAnchor: [11, 11] });
  }

  // the popup of a marker: its lines of text, the first in bold
  function popup(layer) {
    var box = document.createElement("div");
    box.className = "site-popup";
    layer.popupLines.forEach(function (line, index) {
      if (index > 0) { box.appendChild(document.createElement("br")); }
      var node = document.createElement(index === 0 ? "b" : "span");
      node.textContent = line;
      box.appendChild(node);
    });
    return box;
  }

  function shapeLayer(shape, spec, i) {
    if (spec.marker) {
      var marker = L.marker(shape.latlngs[0][0], { icon: diamond(spec.marker, i + 1) });
      marker.popupLines = spec.popups[i];
      return marker;
    }
    var options = Object.assign({ interactive: spec.interactive },
      spec.styles[spec.style ? spec.style[i] : 0]);
    return isPolygon(shape.raw) ? L.polygon(shape.latlngs, options)
      : L.polyline(shape.latlngs, options);
  }

  function draw(map, data) {
    var scale = Math.pow(10, data.decimals);
    var drawn = {};
    data.layers.forEach(function (spec) {
      var group = map.dataLayers[spec.key];
      var own = spec.shapes || null;
      var count = own ? own.length : spec.rows.length;
      var shapes = [];
      for (var i = 0; i < count; i++) {
        var shape = own ? { raw: own[i], latlngs: latlngs(own[i], data.origin, scale) }
          : drawn[spec.of][spec.rows[i]];
        shapes.push(shape);
        if (shape.raw.length === 0) { continue; }
        var layer = shapeLayer(shape, spec, i);
        if (spec.labels) {
          layer.feature = { type: "Feature",
            properties: { label: label(spec.labels[i], data.texts) } };
        }
        group.addLayer(layer);
      }
      drawn[spec.key] = shapes;
      if (spec.labels) { group.bindTooltip(tooltip, { sticky: !spec.marker }); }
      if (spec.popups) { group.bindPopup(popup, { maxWidth: 280 }); }
    });
    (map.frontLayers || []).forEach(function (group) { group.bringToFront(); });
  }

  // a layer turned on comes in on top: bring back above it those meant to be above it
  function keepOrder(map) {
    var order = map.layerOrder || [];
    map.on("overlayadd", function (event) {
      var at = order.indexOf(event.layer);
      if (at < 0) { return; }
      order.slice(at + 1).forEach(function (layer) {
        if (map.hasLayer(layer) && layer.bringToFront) { layer.bringToFront(); }
      });
    });
  }

  document.querySelectorAll("[data-layers-url][data-map-name]").forEach(function (frame) {
    var map = window[frame.getAttribute("data-map-name")];
    var status = frame.querySelector("[data-testid=map-status]");
    function failed(reason) {
      frame.setAttribute("data-layers-state", "failed");
      if (status) {
        status.textContent = "地图图层未能加载（" + reason + "），请刷新页面重试。";
        status.hidden = false;
      }
    }
    if (!map || !map.dataLayers || typeof L === "undefined") {
      failed("地图脚本未运行");
      return;
    }
    keepOrder(map);
    fetch(frame.getAttribute("data-layers-url"), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        draw(map, data);
        frame.setAttribute("data-layers-state", "ready");
      })
      .catch(function (error) { failed(error.message || String(error)); });
  });
})();
