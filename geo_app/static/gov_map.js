/* 微协商 maps: Leaflet drawn from the page's JSON block (#gov-map-data), no inline script.
 *
 * Each layer is GeoJSON with a style; the map opens on the layers marked "fit" (else on
 * page.center, else the grids); a "heat" layer colours its cells by their share of the
 * hottest one. Tooltips are DOM text nodes (textContent), never HTML, so text from residents
 * is shown as text. The map is window.govMap (the submit page's script adds the pin).
 */
(function () {
  "use strict";

  var holder = document.getElementById("gov-map-data");
  var element = document.querySelector("[data-testid=gov-map]");
  if (!holder || !element || !window.L) { return; }
  var page = JSON.parse(holder.textContent);
  var map = L.map(element, { zoomControl: true });
  L.control.scale({ imperial: false, position: "bottomright" }).addTo(map);

  function textNode(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span;
  }

  function heatColour(share) {
    var hue = Math.round(50 - 50 * share);  /* yellow → red */
    return "hsl(" + hue + ", 95%, 48%)";
  }

  var all = L.latLngBounds([]);
  var grids = L.latLngBounds([]);
  var fit = L.latLngBounds([]);  /* the layers marked "fit": the map opens on them */
  page.layers.forEach(function (spec) {
    var style = spec.style || {};
    var layer = L.geoJSON(spec.data, {
      style: spec.heat ? function (feature) {
        var share = feature.properties.share;
        return { stroke: false, fillColor: heatColour(share), fillOpacity: 0.15 + 0.6 * share };
      } : function () { return style; },
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, {
          radius: style.radius || 6, color: style.color || "#1565c0", weight: 2,
          fillColor: style.color || "#1565c0", fillOpacity: 0.7
        });
      },
      onEachFeature: function (feature, item) {
        var value = spec.tooltip ? feature.properties[spec.tooltip] : null;
        if (value !== null && value !== undefined) { item.bindTooltip(textNode(String(value))); }
      }
    }).addTo(map);
    if (spec.heat) { layer.bringToBack(); }
    var bounds = layer.getBounds();
    if (bounds.isValid()) {
      all.extend(bounds);
      if (spec.name === "网格") { grids.extend(bounds); }
      if (spec.fit) { fit.extend(bounds); }
    }
  });
  if (fit.isValid()) {
    map.fitBounds(fit, { padding: [16, 16], maxZoom: 18 });
  } else if (page.center) {
    map.setView(page.center, 18);
  } else if (grids.isValid()) {
    map.fitBounds(grids, { padding: [8, 8] });
  } else if (all.isValid()) {
    map.fitBounds(all);
  } else {
    map.setView([31.96, 117.26], 16);
  }
  window.govMap = map;
})();
