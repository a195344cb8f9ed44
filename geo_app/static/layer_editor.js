/* 图层编辑: the admin's map editor (no framework, no CDN, no inline script).
 *
 * Draws the served layers from /admin/api/layers on a Leaflet map: the boundary, grids, 小区
 * and stations whole, the buildings, paths and POIs for the map's view only (?bbox=, with a
 * margin; fetched again when a pan or zoom leaves it; a view holding too many of them shows
 * none and says to zoom in), so a district of tens of thousands of buildings is never
 * downloaded whole. "＋ 服务站" / "＋ 便民设施"
 * then a click on the map places a new point; dragging a station or POI moves it; a click on
 * a marker opens its form, a click on a building its summary and a link to its attributes.
 * Saving POSTs JSON with the page's CSRF token; a refusal shows the validator's message, a
 * success redraws the map from the server (the running service already uses the new data).
 * "删除" in a station's or POI's form asks for confirmation, then sends DELETE; a station that
 * still has loans, goods or stock is refused with the list, and when only its shelf stock is
 * left the admin may write it off and delete in one step.
 * Data goes into the page with textContent and form values only, never as HTML.
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("layer-editor-config").textContent);
  var csrfToken = document.querySelector("meta[name=csrf-token]").getAttribute("content");
  var statusLine = document.querySelector("[data-testid=editor-status]");
  var forms = {
    stations: document.getElementById("stations-form"),
    pois: document.getElementById("pois-form")
  };
  var buildingPanel = document.getElementById("building-panel");
  var mapElement = document.getElementById("editor-map");
  var BADGES = { party_service_station: "站", rest_post: "歇" };
  var LABELS = { stations: "服务站", pois: "便民设施" };

  var viewHint = document.querySelector("[data-testid=view-hint]");
  /* the view's margin on each side, as a share of its size: small pans need no new request */
  var VIEW_MARGIN = 0.25;

  var map = L.map(mapElement, { zoomControl: true, zoomSnap: 0.25 }).setView(config.centre, 16);
  if (config.bounds) {
    // not animated: "ready" must mean the map has stopped moving (the markers are where
    // they will stay)
    map.fitBounds(config.bounds, { padding: [8, 8], animate: false });
  }
  L.control.scale({ imperial: false, position: "bottomright" }).addTo(map);
  /* boundary, grids, 小区, stations and a new point being placed; the view's layers above them */
  var drawn = L.layerGroup().addTo(map);
  var inView = L.layerGroup().addTo(map);
  /* the box the view's layers were drawn for (null: none yet), whether all of them were
     sent, the map's view when they were last asked for, and the latest request's number */
  var viewBox = null;
  var viewComplete = false;
  var askedFor = null;
  var requests = 0;
  /* what is being edited: {layer, id (null when new), position [lon, lat] or null, marker} */
  var editing = null;
  var adding = null;
  var layers = null;

  function setStatus(text, isError) {
    statusLine.textContent = text;
    statusLine.classList.toggle("error", Boolean(isError));
  }

  function textTooltip(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span;
  }

  function formatPosition(position) {
    return position[0].toFixed(6) + ", " + position[1].toFixed(6);
  }

  /* ------------------------------------------------------------ drawing */

  function pointIcon(layer, properties) {
    if (layer === "stations") {
      var kind = BADGES[properties.kind] ? properties.kind : "party_service_station";
      return L.divIcon({
        className: "editor-station editor-" + kind, html: BADGES[kind],
        iconSize: [26, 26], iconAnchor: [13, 13]
      });
    }
    return L.divIcon({ className: "editor-poi", html: "", iconSize: [14, 14], iconAnchor: [7, 7] });
  }

  function addPoint(layer, feature, group) {
    var coordinates = feature.geometry.coordinates;
    var marker = L.marker([coordinates[1], coordinates[0]], {
      icon: pointIcon(layer, feature.properties), draggable: true, keyboard: true,
      title: feature.properties.name
    });
    marker.bindTooltip(textTooltip(feature.properties.name));
    marker.featureId = feature.properties.id;
    marker.on("click", function () { openForm(layer, feature, null, marker); });
    marker.on("dragend", function () {
      var at = marker.getLatLng();
      openForm(layer, feature, [at.lng, at.lat], marker);
      if (layer === "stations") { forms.stations.elements.grid_id.value = ""; }  /* takes the grid it is in */
      setStatus("已拖到新位置，点“保存”确认移动（或“取消”放回原处）。");
    });
    marker.addTo(group);
  }

  /* every layer; the view's only when no newer view was asked for meanwhile */
  function draw(data, withView) {
    layers = data.layers;
    drawn.clearLayers();
    L.geoJSON(layers.boundary, {
      interactive: false,
      style: { color: "#b71c1c", weight: 3, dashArray: "8 6", fillColor: "#fffdf7", fillOpacity: 0.5 }
    }).addTo(drawn);
    L.geoJSON(layers.grids, {
      style: function (feature) {
        var colour = config.gridColours[feature.properties.id] || "#555";
        return { color: colour, weight: 2, fillColor: colour, fillOpacity: 0.08 };
      },
      onEachFeature: function (feature, layer) {
        layer.bindTooltip(textTooltip(feature.properties.name), { sticky: true });
      }
    }).addTo(drawn);
    L.geoJSON(layers.compounds, {
      interactive: false, style: { color: "#6d4c41", weight: 1.5, dashArray: "3 3", fill: false }
    }).addTo(drawn);
    layers.stations.features.forEach(function (f) { addPoint("stations", f, drawn); });
    if (withView) { drawView(data); }
  }

  /* the buildings, paths and POIs of the view; a POI being edited keeps its marker */
  function drawView(data) {
    var kept = editing && editing.layer === "pois" ? editing.marker : null;
    inView.eachLayer(function (layer) { if (layer !== kept) { inView.removeLayer(layer); } });
    layers.paths = data.layers.paths;
    layers.buildings = data.layers.buildings;
    layers.pois = data.layers.pois;
    L.geoJSON(layers.paths, {
      interactive: false, style: { color: "#8d8d8d", weight: 3, opacity: 0.8 }
    }).addTo(inView);
    L.geoJSON(layers.buildings, {
      style: { color: "#455a64", weight: 1, fillColor: "#b0bec5", fillOpacity: 0.6 },
      onEachFeature: function (feature, layer) {
        layer.bindTooltip(textTooltip(feature.properties.name));
        layer.on("click", function (event) {
          if (adding) { onMapClick(event); return; }
          L.DomEvent.stopPropagation(event);
          openBuilding(feature);
        });
      }
    }).addTo(inView);
    layers.pois.features.forEach(function (f) {
      if (!kept || f.properties.id !== editing.id) { addPoint("pois", f, inView); }
    });
    viewBox = L.latLngBounds([data.view.bbox[1], data.view.bbox[0]], [data.view.bbox[3], data.view.bbox[2]]);
    viewComplete = data.view.complete;
    var found = Object.keys(data.view.found).reduce(function (sum, name) { return sum + data.view.found[name]; }, 0);
    viewHint.textContent = viewComplete ? "" :
      "此范围内有 " + found + " 个楼栋、道路和便民设施，超过一次显示的上限 " + data.view.limit +
      "，请放大地图后再查看和编辑它们。";
    viewHint.hidden = viewComplete;
    mapElement.dataset.view = viewComplete ? "complete" : "too-many";
  }

  /* the map's view with its margin (within the world's longitudes and latitudes) */
  function wantedBox() {
    var box = map.getBounds().pad(VIEW_MARGIN);
    function clamp(value, limit) { return Math.max(-limit, Math.min(limit, value)); }
    return L.latLngBounds(
      [clamp(box.getSouth(), 90), clamp(box.getWest(), 180)],
      [clamp(box.getNorth(), 90), clamp(box.getEast(), 180)]);
  }

  function fetchLayers(box, names) {
    askedFor = map.getBounds();
    var url = config.layersUrl + "?bbox=" + encodeURIComponent(box.toBBoxString()) +
      (names ? "&layers=" + encodeURIComponent(names.join(",")) : "");
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("图层读取失败（" + response.status + "）"); }
        return response.json();
      });
  }

  /* every layer (first view, and after a save or a deletion) */
  function load() {
    var request = ++requests;
    return fetchLayers(wantedBox(), null)
      .then(function (data) {
        draw(data, request === requests);
        refreshView();
      })
      .catch(function (error) { setStatus(error.message, true); });
  }

  /* the view's layers again when the map shows more than was fetched, or a view too full
     to draw was zoomed or panned */
  function refreshView() {
    var bounds = map.getBounds();
    if (!layers || (askedFor && askedFor.equals(bounds)) ||
        (viewComplete && viewBox && viewBox.contains(bounds))) { return; }
    var request = ++requests;
    fetchLayers(wantedBox(), config.viewLayers)
      .then(function (data) { if (request === requests) { drawView(data); } })
      .catch(function (error) { setStatus(error.message, true); });
  }

  /* ------------------------------------------------------------ forms */

  function hideConfirm(form) {
    form.querySelector("[data-role=confirm]").hidden = true;
    resetConfirm(form);
  }

  function resetConfirm(form) {
    form.querySelector("[data-role=delete-error]").textContent = "";
    form.querySelector("[data-role=confirm-delete]").hidden = false;
    form.querySelector("[data-role=write-off]").hidden = true;
  }

  function closeForms() {
    Object.keys(forms).forEach(function (name) { forms[name].hidden = true; hideConfirm(forms[name]); });
    buildingPanel.hidden = true;
    if (editing && editing.marker && editing.id === null) { editing.marker.remove(); }
    editing = null;
  }

  function showError(form, text) {
    form.querySelector("[data-role=error]").textContent = text || "";
  }

  function fillStation(form, properties) {
    var el = form.elements;
    el.kind.value = properties.kind || "party_service_station";
    el.grid_id.value = properties.grid_id || "";
    el.contact.value = properties.contact || "";
    el.address.value = properties.address || "";
    var hours = properties.hours;
    el.hours_mode.value = hours === "24h" ? "24h" : (hours ? "weekly" : (properties.id ? "" : "24h"));
    Object.keys(config.weekdays).forEach(function (day) {
      el["hours_" + day].value = hours && typeof hours === "object" ? (hours[day] || "closed") : "";
    });
    var items = properties.items || {};
    Object.keys(config.items).forEach(function (item) {
      el["item_" + item].value = items[item] === undefined ? "" : String(items[item]);
    });
    toggleWeekly(form);
  }

  function toggleWeekly(form) {
    form.querySelector("[data-role=weekly]").hidden = form.elements.hours_mode.value !== "weekly";
  }

  function openForm(layer, feature, position, marker) {
    if (editing && editing.marker !== marker) { closeForms(); }
    var form = forms[layer];
    var properties = feature ? feature.properties : {};
    var current = feature ? feature.geometry.coordinates : null;
    editing = { layer: layer, id: feature ? properties.id : null, name: properties.name || "", position: position, marker: marker, original: current, base: properties };
    var el = form.elements;
    el.id.value = properties.id || "";
    el.id.readOnly = Boolean(feature);
    el.name.value = properties.name || "";
    if (layer === "stations") { fillStation(form, properties); } else { el.category.value = properties.category || el.category.value; }
    form.querySelector("[data-role=title]").textContent =
      (feature ? "修改" : "新增") + LABELS[layer] + (feature ? "：" + properties.name : "");
    el.position.value = formatPosition(position || current);
    showError(form, "");
    hideConfirm(form);
    form.querySelector("[data-role=delete]").hidden = !feature;
    form.hidden = false;
    form.scrollIntoView({ block: "nearest" });
  }

  function openBuilding(feature) {
    closeForms();
    var p = feature.properties;
    buildingPanel.querySelector("[data-role=title]").textContent = p.name + "（" + p.id + "）";
    buildingPanel.querySelector("[data-role=facts]").textContent =
      p.floors + " 层 · " + p.units + " 个单元 · " + p.households + " 户 · 常住 " + p.residents +
      " 人 · 网格 " + p.grid_id;
    buildingPanel.querySelector("[data-role=edit]").href =
      config.buildingUrl.replace("__id__", encodeURIComponent(p.id));
    buildingPanel.hidden = false;
  }

  function stationProperties(form) {
    var el = form.elements;
    var props = { name: el.name.value.trim(), kind: el.kind.value, contact: el.contact.value.trim(),
                  address: el.address.value.trim() || null };
    if (el.grid_id.value) { props.grid_id = el.grid_id.value; }
    var mode = el.hours_mode.value;
    if (mode === "24h") {
      props.hours = "24h";
    } else if (mode === "weekly") {
      props.hours = {};
      Object.keys(config.weekdays).forEach(function (day) {
        props.hours[day] = el["hours_" + day].value.trim() || "closed";
      });
    } else {
      props.hours = null;
    }
    props.items = {};
    Object.keys(config.items).forEach(function (item) {
      var text = el["item_" + item].value.trim();
      if (text !== "") { props.items[item] = Number(text); }
    });
    return props;
  }

  function save(event) {
    event.preventDefault();
    var form = event.target;
    var layer = form.dataset.layer;
    if (!editing || editing.layer !== layer) { return; }
    var properties = layer === "stations" ? stationProperties(form)
      : { name: form.elements.name.value.trim(), category: form.elements.category.value };
    var body = { properties: properties };
    var url;
    if (editing.id === null) {
      if (form.elements.id.value.trim()) { properties.id = form.elements.id.value.trim(); }
      url = config.createUrl.replace("__layer__", layer);
    } else {
      url = config.updateUrl.replace("__layer__", layer).replace("__id__", encodeURIComponent(editing.id));
    }
    if (editing.position) { body.lon = editing.position[0]; body.lat = editing.position[1]; }
    if (editing.id !== null) {
      /* what the form started from: another admin's save in between is refused (409), not overwritten */
      body.expected = {};
      Object.keys(properties).forEach(function (name) {
        body.expected[name] = editing.base[name] === undefined ? null : editing.base[name];
      });
      if (editing.position && editing.original) { body.expected.coordinates = editing.original; }
    }
    showError(form, "");
    setStatus("正在校验并保存…");
    fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken, Accept: "application/json" },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (answer) { return { ok: response.ok, answer: answer }; });
    }).then(function (result) {
      if (!result.ok) {
        showError(form, result.answer.error);
        setStatus("未保存：" + result.answer.error, true);
        return;
      }
      var saved = result.answer;
      editing = null;
      form.hidden = true;
      mapElement.dataset.saved = saved.layer + "/" + saved.id;
      setStatus("已保存" + LABELS[layer] + " " + saved.id + "，服务已使用新数据。");
      load();
    }).catch(function () {
      setStatus("网络错误，未保存，请重试。", true);
    });
  }

  /* ------------------------------------------------------------ deleting */

  function askDelete(form) {
    if (!editing || editing.id === null) { return; }
    form.querySelector("[data-role=confirm-text]").textContent =
      "删除" + LABELS[editing.layer] + "“" + editing.name + "”（" + editing.id + "）？删除后居民地图、" +
      "最近站点查询和规划页立即不再包含它；如删错，可在“历史版本”恢复。";
    resetConfirm(form);
    form.querySelector("[data-role=confirm]").hidden = false;
    form.querySelector("[data-role=confirm-delete]").focus();
  }

  function sendDelete(form, writeOff) {
    if (!editing || editing.id === null) { return; }
    var layer = editing.layer;
    var id = editing.id;
    var url = config.deleteUrl.replace("__layer__", layer).replace("__id__", encodeURIComponent(id));
    if (writeOff) { url += "?stock=write_off"; }
    form.querySelector("[data-role=delete-error]").textContent = "";
    setStatus("正在校验并删除…");
    fetch(url, {
      method: "DELETE", credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken, Accept: "application/json" }
    }).then(function (response) {
      return response.json().then(function (answer) {
        return { ok: response.ok, status: response.status, answer: answer };
      });
    }).then(function (result) {
      if (!result.ok) {
        /* said by the buttons the admin just pressed (the form's top may be off screen) */
        form.querySelector("[data-role=delete-error]").textContent = "未删除：" + result.answer.error;
        setStatus("未删除：" + result.answer.error, true);
        if (result.status === 409) {
          /* the same request would be refused again; when only the shelf's stock is left,
             offer to write it off with the deletion */
          form.querySelector("[data-role=confirm-delete]").hidden = true;
          form.querySelector("[data-role=write-off]").hidden = result.answer.parameter !== "stock";
        }
        return;
      }
      if (editing && editing.marker) { editing.marker.remove(); }
      editing = null;
      form.hidden = true;
      hideConfirm(form);
      mapElement.dataset.deleted = layer + "/" + id;
      var stock = Object.keys(result.answer.written_off || {}).map(function (item) {
        return (config.items[item] || item) + " " + result.answer.written_off[item];
      });
      setStatus("已删除" + LABELS[layer] + " " + id + (stock.length ? "（库存报损清零：" + stock.join("、") + "）" : "") +
        "，服务已使用新数据。");
      load();
    }).catch(function () {
      setStatus("网络错误，未删除，请重试。", true);
    });
  }

  function cancel() {
    if (editing && editing.id !== null && editing.position && editing.original) {
      editing.marker.setLatLng([editing.original[1], editing.original[0]]);
    }
    closeForms();
    setStatus("已取消。");
  }

  /* ------------------------------------------------------------ placing */

  function onMapClick(event) {
    if (!adding) { return; }
    var layer = adding;
    adding = null;
    mapElement.classList.remove("placing");
    closeForms();
    var position = [event.latlng.lng, event.latlng.lat];
    var marker = L.marker(event.latlng, {
      icon: pointIcon(layer, { kind: "party_service_station" }), draggable: true
    }).addTo(drawn);
    openForm(layer, null, position, marker);
    marker.on("dragend", function () {
      var at = marker.getLatLng();
      editing.position = [at.lng, at.lat];
      forms[layer].elements.position.value = formatPosition(editing.position);
    });
    setStatus("已选位置 " + formatPosition(position) + "，填写后点“保存”。");
  }

  map.on("click", onMapClick);
  document.querySelectorAll("[data-add]").forEach(function (button) {
    button.addEventListener("click", function () {
      closeForms();
      adding = button.dataset.add;
      mapElement.classList.add("placing");
      setStatus("请在地图上点选新" + LABELS[adding] + "的位置。");
    });
  });
  Object.keys(forms).forEach(function (name) {
    forms[name].addEventListener("submit", save);
    forms[name].querySelector("[data-role=cancel]").addEventListener("click", cancel);
    forms[name].querySelector("[data-role=delete]").addEventListener("click", function () { askDelete(forms[name]); });
    forms[name].querySelector("[data-role=confirm-delete]").addEventListener("click", function () { sendDelete(forms[name], false); });
    forms[name].querySelector("[data-role=write-off-delete]").addEventListener("click", function () { sendDelete(forms[name], true); });
    forms[name].querySelector("[data-role=keep]").addEventListener("click", function () {
      hideConfirm(forms[name]);
      setStatus("未删除。");
    });
  });
  forms.stations.elements.hours_mode.addEventListener("change", function () { toggleWeekly(forms.stations); });
  buildingPanel.querySelector("[data-role=cancel]").addEventListener("click", closeForms);

  load().then(function () {
    map.on("moveend", refreshView);
    mapElement.dataset.ready = "true";
  });
})();
