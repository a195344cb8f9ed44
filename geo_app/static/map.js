/* 社区地图: labels by zoom level without overlaps, and live station popups.
 *
 * Labels (grid names, road names, building numbers) are Leaflet DivIcons. After every zoom or
 * move they are shown only from their kind's zoom level, then placed in priority order (grid,
 * road, building): a label cut by the map's edge, or whose box overlaps a station badge or an
 * already placed label, is hidden until the map is zoomed or moved so that it fits.
 * Station popups are filled, when opened, from /api/stations: the same stock and open-now
 * state as the API at that moment.
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("map-config").textContent);
  var map = window[config.mapName];
  var ui = window.StationsUI;
  var container = map.getContainer();
  var PRIORITY = ["grid", "road", "building"];
  var GAP = 2; // px kept between labels

  function overlaps(a, b) {
    return a.left < b.right + GAP && b.left < a.right + GAP &&
      a.top < b.bottom + GAP && b.top < a.bottom + GAP;
  }

  function outside(box, frame) {
    return box.left < frame.left || box.right > frame.right || box.top < frame.top ||
      box.bottom > frame.bottom;
  }

  function declutter() {
    var zoom = map.getZoom();
    var frame = container.getBoundingClientRect();
    var placed = Array.prototype.map.call(
      container.querySelectorAll(".station-badge"), function (b) { return b.getBoundingClientRect(); }
    );
    PRIORITY.forEach(function (kind) {
      var labels = container.querySelectorAll(".map-label[data-label-kind=" + kind + "]");
      var shown = zoom >= (config.labelMinZoom[kind] || 0);
      Array.prototype.forEach.call(labels, function (label) {
        label.classList.toggle("label-hidden", !shown);
      });
      if (!shown) { return; }
      var boxes = Array.prototype.map.call(labels, function (l) { return l.getBoundingClientRect(); });
      Array.prototype.forEach.call(labels, function (label, i) {
        var box = boxes[i];
        var clash = outside(box, frame) || placed.some(function (other) { return overlaps(box, other); });
        label.classList.toggle("label-hidden", clash);
        if (!clash) { placed.push(box); }
      });
    });
    container.dataset.labelsZoom = String(zoom);
  }

  /* ------------------------------------------------------------ station popups */

  function popupContent(station) {
    var root = ui.node("div", "popup station-popup");
    root.dataset.testid = "station-popup";
    root.dataset.stationId = station.station_id;
    root.dataset.openNow = String(station.open_now);
    root.appendChild(ui.node("h4", null, station.name));
    root.appendChild(ui.node("p", "popup-kind", station.kind_label));
    var open = ui.node("p");
    open.appendChild(ui.openLine(station));
    root.appendChild(open);
    root.appendChild(ui.node("p", "popup-hours", "开放时间：" + station.hours));
    var stock = ui.node("p", "popup-stock", "现有：");
    stock.appendChild(ui.stockLine(station.items, config.itemLabels));
    root.appendChild(stock);
    if (station.address) { root.appendChild(ui.node("p", "popup-address", station.address)); }
    var actions = ui.node("p", "popup-actions");
    actions.appendChild(ui.telLink(station.contact));
    actions.appendChild(ui.navMenu(config.navLinks[station.station_id], station.name));
    root.appendChild(actions);
    return root;
  }

  function fillPopup(layer, id) {
    fetch(config.api.stations, { cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(function (body) {
        var station = body.stations.filter(function (s) { return s.station_id === id; })[0];
        layer.setPopupContent(station ? popupContent(station) : "没有这个站点的信息");
      })
      .catch(function () { layer.setPopupContent("读取站点信息失败，请检查网络后重试。"); });
  }

  map.eachLayer(function (layer) {
    var p = layer.feature && layer.feature.properties;
    if (!p || p.layer !== "stations" || !(layer instanceof L.Marker)) { return; }
    layer.bindPopup("正在读取站点信息…", { maxWidth: 280 });
    layer.on("popupopen", function () { fillPopup(layer, p.id); });
  });

  /* Decorative shapes out of the tab order: only station markers and controls take focus. */
  function untab() {
    Array.prototype.forEach.call(
      container.querySelectorAll("path.leaflet-interactive, .label-icon, .poi-icon"),
      function (el) { el.setAttribute("tabindex", "-1"); el.setAttribute("focusable", "false"); }
    );
  }

  map.on("zoomend moveend resize overlayadd", declutter);
  map.on("layeradd", function () { untab(); });
  untab();
  declutter();
  window.communityMap = { map: map, declutter: declutter };
})();
