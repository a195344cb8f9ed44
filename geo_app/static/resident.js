/* 找服务站: the resident page's own script (no framework, no CDN, no inline script).
 *
 * Where am I: a deep link (/?b=<building>: its entrance; /?s=<station>: that station), the
 * phone's position, a tap on the map, or a building / 小区 found by name.
 * What do I need: an item button, "任意站点" or 歇歇角. The answer comes from /api/nearest and
 * fills the bottom sheet (open now first; the answer's closed_nearer line when a nearer station
 * that has the item is closed now); tapping a line draws its walking route and labels its pin.
 * 长者模式 (remembered in localStorage): large type, big map buttons, the elderly pace.
 * Timing: performance marks "location-known" and "first-answer"; window.residentTiming keeps
 * the milliseconds from a known location to its answer, and from the page's start (navigation)
 * to the first answer.
 */
(function () {
  "use strict";

  var ELDERLY_KEY = "jinning.elderlyMode";
  var config = JSON.parse(document.getElementById("resident-config").textContent);
  var map = window[config.mapName];
  var ui = window.StationsUI;
  var node = ui.node;
  var el = {
    locate: document.querySelector("[data-testid=locate]"),
    form: document.querySelector("[data-testid=search-form]"),
    input: document.querySelector("[data-testid=search-input]"),
    places: document.querySelector("[data-testid=search-results]"),
    status: document.querySelector("[data-testid=location-status]"),
    needs: document.querySelectorAll(".need"),
    elderly: document.querySelector("[data-testid=elderly-mode]"),
    speedNote: document.querySelector("[data-testid=speed-note]"),
    share: document.querySelector("[data-testid=share]"),
    emergency: document.querySelector("[data-testid=emergency-banner]"),
    message: document.querySelector("[data-testid=answer-message]"),
    explain: document.querySelector("[data-testid=closed-nearer]"),
    results: document.querySelector("[data-testid=results]"),
    mapFrame: document.querySelector("[data-testid=resident-map]")
  };
  var state = {
    origin: null, label: "", building: null, item: config.item || "any", kind: null,
    answer: null, chosen: null, station: config.station || null,
    request: 0, locatedAt: null, answered: false, elderly: false
  };
  var layers = { origin: null, route: null, pinned: null };
  var timing = { locationToAnswerMs: [], firstAnswerMs: null, pageToFirstAnswerMs: null };
  window.residentTiming = timing;

  var stationMarkers = {};
  map.eachLayer(function (layer) {
    var p = layer.feature && layer.feature.properties;
    if (p && p.layer === "stations" && layer instanceof L.Marker) { stationMarkers[p.id] = layer; }
  });

  /* One line (a long place name is cut); an error or a note (wrap: true) is read in full. */
  function setStatus(text, isError, wrap) {
    el.status.textContent = text;
    el.status.classList.toggle("error", Boolean(isError));
    el.status.classList.toggle("wrap", Boolean(wrap));
  }

  function formatDistance(metres) {
    return metres >= 1000 ? (metres / 1000).toFixed(1) + " 公里" : metres + " 米";
  }

  function speedKmh() { return state.elderly ? config.elderlySpeedKmh : config.speedKmh; }

  /* Run fn once the map is still. Leaflet drops a view set while a zoom animation runs (and
   * the map's own opening fitBounds animates): a deep link's answer, arriving that soon,
   * would leave the map on the whole community instead of the route or the station. */
  function whenStill(fn) {
    if (map._animatingZoom) { map.once("zoomend", function () { whenStill(fn); }); return; }
    fn();
  }

  /* ------------------------------------------------------------ 长者模式 */

  function readElderly() {
    try { return window.localStorage.getItem(ELDERLY_KEY) === "1"; } catch (e) { return false; }
  }

  function setElderly(on, remember) {
    state.elderly = on;
    document.body.classList.toggle("elderly", on);
    el.elderly.setAttribute("aria-pressed", on ? "true" : "false");
    el.speedNote.textContent = "按步行 " + speedKmh() + " 千米/小时" + (on ? "（长者步速）" : "");
    if (remember) {
      try { window.localStorage.setItem(ELDERLY_KEY, on ? "1" : "0"); } catch (e) { /* private mode */ }
    }
    map.invalidateSize();
  }

  /* ------------------------------------------------------------ where am I */

  function setOrigin(lon, lat, label, building) {
    state.origin = { lon: lon, lat: lat };
    state.label = label;
    state.building = building || null;
    state.locatedAt = performance.now();
    state.answered = false;
    state.outside = false;
    performance.mark("location-known");
    if (layers.origin) { map.removeLayer(layers.origin); }
    layers.origin = L.circleMarker([lat, lon], {
      radius: 9, color: "#fff", weight: 3, fillColor: "#1565c0", fillOpacity: 1,
      className: "resident-origin", interactive: false
    }).addTo(map);
    setStatus("出发位置：" + label);
    el.mapFrame.dataset.origin = lon.toFixed(6) + "," + lat.toFixed(6);
    updateShare();
    ask();
  }

  function locate() {
    if (!navigator.geolocation) {
      setStatus("这个浏览器不能定位。请点地图上您所在的位置，或搜索楼栋、小区名称。", true);
      return;
    }
    setStatus("正在获取您的位置…");
    navigator.geolocation.getCurrentPosition(
      function (position) {
        setOrigin(position.coords.longitude, position.coords.latitude, "我的位置（定位）");
      },
      function (error) {
        var reason = {
          1: "您没有允许本页定位。",
          2: "暂时无法确定您的位置。",
          3: "定位超时。"
        }[error.code] || "定位失败。";
        el.mapFrame.dataset.geolocation = "failed";
        setStatus(reason + "请点地图上您所在的位置，或在上面搜索楼栋、小区名称。", true);
      },
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 }
    );
  }

  var searchTimer = null;
  var searchRequest = 0;

  function search(query, pickFirst) {
    var id = ++searchRequest;
    if (!query.trim()) { el.places.hidden = true; return; }
    fetch(config.api.buildings + "?" + new URLSearchParams({ q: query.trim() }))
      .then(function (response) { return response.json(); })
      .then(function (body) {
        if (id !== searchRequest) { return; }
        if (body.error) { showPlaces([], body.error); return; }
        if (pickFirst && body.places.length) { choosePlace(body.places[0]); return; }
        showPlaces(body.places, "没有找到“" + query.trim() + "”。试试小区名或楼号，如 风格城市 3栋。");
      })
      .catch(function () { showPlaces([], "搜索失败，请检查网络后重试。"); });
  }

  function showPlaces(places, emptyText) {
    el.places.replaceChildren();
    if (!places.length) {
      el.places.appendChild(node("li", "empty", emptyText));
    }
    places.forEach(function (place) {
      var item = node("li");
      var button = node("button", "place");
      button.type = "button";
      button.dataset.testid = "place";
      button.dataset.placeId = place.id;
      button.appendChild(node("span", "place-name", place.name));
      button.appendChild(node("span", "place-kind", place.kind === "compound" ? "小区" : place.compound));
      button.addEventListener("click", function () { choosePlace(place); });
      item.appendChild(button);
      el.places.appendChild(item);
    });
    el.places.hidden = false;
  }

  function choosePlace(place) {
    el.places.hidden = true;
    el.input.value = place.name;
    el.input.blur();
    setOrigin(place.lon, place.lat, place.name, place.kind === "building" ? place.id : null);
  }

  /* ------------------------------------------------------------ the answer */

  function ask() {
    if (!state.origin) {
      setStatus("请先确定位置：点“定位我”、点地图，或搜索楼栋。", true);
      return;
    }
    var params = new URLSearchParams({ lon: state.origin.lon, lat: state.origin.lat, k: 3 });
    if (state.item !== "any") { params.set("item", state.item); }
    if (state.kind) { params.set("kind", state.kind); }
    if (state.elderly) { params.set("speed", config.elderlySpeedKmh); }
    var id = ++state.request;
    el.results.setAttribute("aria-busy", "true");
    fetch(config.api.nearest + "?" + params)
      .then(function (response) { return response.json(); })
      .then(function (body) {
        if (id !== state.request) { return; }
        el.results.removeAttribute("aria-busy");
        if (body.error) { showError(body); return; }
        showAnswer(body);
      })
      .catch(function () {
        if (id !== state.request) { return; }
        el.results.removeAttribute("aria-busy");
        showError({ error: "查询失败，请检查网络后重试。", parameter: null });
      });
  }

  function showError(body) {
    state.answer = null;
    el.results.replaceChildren();
    el.explain.hidden = true;
    clearRoute();
    var text = body.error;
    if (body.parameter === "lon/lat") {
      var far = body.distance_m ? "（离社区最近的步行道路约 " + Math.round(body.distance_m) + " 米）" : "";
      text = "您的位置不在金宁社区的步行范围内" + far + "，地图上的蓝点就是您现在的位置。" +
        "请在上面搜索您要出发的楼栋或小区名称，或在地图上点选社区内的位置。";
    }
    el.message.textContent = text;
    el.message.hidden = false;
    el.message.classList.add("error");
    el.mapFrame.dataset.answer = "error";
    if (body.parameter === "lon/lat") { showOriginWithCommunity(); }  // in the map's new size
  }

  /* Show where the user is, with the community, so they see how far away they are. */
  function showOriginWithCommunity() {
    if (!layers.origin) { return; }
    state.outside = true;
    whenStill(function () {
      if (!layers.origin) { return; }
      map.invalidateSize({ pan: false });
      var bounds = L.latLngBounds([layers.origin.getLatLng()]);
      map.eachLayer(function (layer) {
        var p = layer.feature && layer.feature.properties;
        if (p && p.layer === "boundary" && layer.getBounds) { bounds.extend(layer.getBounds()); }
      });
      map.fitBounds(bounds, { padding: [20, 20], animate: false });
    });
  }

  function showAnswer(answer) {
    state.answer = answer;
    el.results.replaceChildren();
    el.message.classList.remove("error");
    el.message.hidden = !answer.message;
    el.message.textContent = answer.message || "";
    var sentence = answer.closed_nearer ? answer.closed_nearer.text : "";
    el.explain.textContent = sentence;
    el.explain.hidden = !sentence;
    answer.results.forEach(function (result, index) {
      el.results.appendChild(resultCard(result, index));
    });
    if (answer.results.length) {
      choose(0, false);
    } else {
      clearRoute();
    }
    el.mapFrame.dataset.answer = "ok";
    if (!state.answered && state.locatedAt !== null) {
      state.answered = true;
      performance.mark("first-answer");
      var now = performance.now();
      var ms = now - state.locatedAt;
      timing.locationToAnswerMs.push(ms);
      if (timing.firstAnswerMs === null) {
        timing.firstAnswerMs = ms;
        timing.pageToFirstAnswerMs = now;  // performance.now() counts from the navigation start
      }
      el.results.dataset.answerMs = ms.toFixed(1);
    }
  }

  function resultCard(result, index) {
    var card = node("li", "result");
    card.dataset.testid = "result";
    card.dataset.stationId = result.station_id;
    card.dataset.distanceM = result.distance_m;
    card.dataset.openNow = String(result.open_now);
    var pick = node("button", "pick");
    pick.type = "button";
    pick.setAttribute("aria-label", result.name + "，" + formatDistance(result.distance_m) +
      "，" + ui.openText(result) + "。点按查看步行路线");
    var head = node("span", "result-head");
    head.appendChild(node("span", "kind kind-" + result.kind, result.kind_label));
    head.appendChild(node("strong", "name", result.name));
    pick.appendChild(head);
    // distance and time each stay whole; the line breaks between them when the type is large
    var walk = node("span", "walk");
    walk.appendChild(node("span", "walk-part", formatDistance(result.distance_m)));
    walk.appendChild(document.createTextNode(" · "));
    walk.appendChild(node("span", "walk-part", "步行约 " + Math.max(1, Math.round(result.minutes)) + " 分钟"));
    pick.appendChild(walk);
    pick.addEventListener("click", function () { choose(index, true); });
    card.appendChild(pick);
    var info = node("div", "info");
    var open = node("div", "open-row");
    open.appendChild(ui.openLine(result));
    if (state.answer.item) {
      open.appendChild(node("span", "stock", state.answer.item_label + " 现有 " + result.stock));
    }
    info.appendChild(open);
    if (result.address) { info.appendChild(node("div", "address", result.address)); }
    card.appendChild(info);
    var actions = node("div", "actions");
    actions.appendChild(ui.telLink(result.contact));
    actions.appendChild(ui.navMenu(config.navLinks[result.station_id], result.name));
    card.appendChild(actions);
    return card;
  }

  function clearRoute() {
    if (layers.route) { map.removeLayer(layers.route); layers.route = null; }
    delete el.mapFrame.dataset.routeStation;
  }

  /* Label one station's pin with its name (a DOM node: the name is text, never HTML). */
  function labelPin(stationId, name) {
    if (layers.pinned) { layers.pinned.unbindTooltip(); layers.pinned = null; }
    var marker = stationMarkers[stationId];
    if (!marker) { return; }
    var label = node("span", "pin-name", name);
    marker.unbindTooltip();
    marker.bindTooltip(label, { permanent: true, direction: "top", offset: [0, -14], className: "pin-label" })
      .openTooltip();
    layers.pinned = marker;
    el.mapFrame.dataset.pinned = stationId;
  }

  function choose(index, byUser) {
    var result = state.answer.results[index];
    state.chosen = index;
    Array.prototype.forEach.call(el.results.children, function (card, i) {
      card.classList.toggle("chosen", i === index);
      card.querySelector(".pick").setAttribute("aria-current", i === index ? "true" : "false");
    });
    clearRoute();
    var latlngs = result.route.coordinates.map(function (c) { return [c[1], c[0]]; });
    layers.route = L.polyline(latlngs, {
      color: "#1565c0", weight: 6, opacity: 0.9, className: "resident-route", interactive: false
    }).addTo(map);
    el.mapFrame.dataset.routeStation = result.station_id;
    el.mapFrame.dataset.routePoints = latlngs.length;
    labelPin(result.station_id, result.name);
    var route = layers.route;
    whenStill(function () {
      if (layers.route !== route) { return; }  // another answer came meanwhile
      map.invalidateSize({ pan: false });
      map.fitBounds(route.getBounds(), { padding: [30, 30], maxZoom: 18 });
    });
    updateShare();
    if (byUser && window.matchMedia("(max-width: 899px)").matches) {
      el.mapFrame.scrollIntoView({ block: "nearest" });
    }
  }

  /* ------------------------------------------------------------ /?s=<station> */

  function showStation(stationId) {
    setStatus("正在读取站点信息…");
    fetch(config.api.stations)
      .then(function (response) { return response.json(); })
      .then(function (body) {
        var station = body.stations.filter(function (s) { return s.station_id === stationId; })[0];
        if (!station) { setStatus("没有找到这个站点。", true); return; }
        el.results.replaceChildren();
        var card = node("li", "station-card");
        card.dataset.testid = "station-card";
        card.dataset.stationId = station.station_id;
        card.appendChild(node("span", "result-head")).appendChild(node("strong", "name", station.name));
        var line = node("div", "result-line");
        line.appendChild(ui.openLine(station));
        card.appendChild(line);
        card.appendChild(node("div", "hours", "开放时间：" + station.hours));
        var stock = node("div", "stock-row", "现有：");
        stock.appendChild(ui.stockLine(station.items, config.itemLabels));
        card.appendChild(stock);
        if (station.address) { card.appendChild(node("div", "address", station.address)); }
        var actions = node("div", "actions");
        actions.appendChild(ui.telLink(station.contact));
        actions.appendChild(ui.navMenu(config.navLinks[station.station_id], station.name));
        card.appendChild(actions);
        el.results.appendChild(card);
        labelPin(station.station_id, station.name);
        whenStill(function () { map.setView([station.lat, station.lon], 17); });
        setStatus("这是扫码或链接打开的站点。点“定位我”或搜索楼栋，可看到去这里的步行路线。", false, true);
        updateShare();
        el.mapFrame.dataset.answer = "station";
        if (timing.pageToFirstAnswerMs === null) { timing.pageToFirstAnswerMs = performance.now(); }
      })
      .catch(function () { setStatus("读取站点信息失败，请检查网络后重试。", true); });
  }

  /* ------------------------------------------------------------ 复制链接/分享 */

  function shareUrl() {
    var params = new URLSearchParams();
    if (state.building) {
      params.set("b", state.building);
      if (state.item !== "any") { params.set("item", state.item); }
    } else if (state.answer && state.chosen !== null) {
      params.set("s", state.answer.results[state.chosen].station_id);
    } else if (state.station) {
      params.set("s", state.station);
    } else {
      return null;
    }
    return config.home + "?" + params;
  }

  function updateShare() {
    var url = shareUrl();
    el.share.hidden = !url;
    if (url) { el.share.dataset.url = url; }
  }

  function share() {
    var url = shareUrl();
    if (!url) { return; }
    if (navigator.share) {
      navigator.share({ title: document.title, url: url }).catch(function () { /* cancelled */ });
      return;
    }
    var done = function () { el.share.textContent = "链接已复制"; };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(url).then(done, function () { window.prompt("复制这个链接：", url); });
    } else {
      window.prompt("复制这个链接：", url);
    }
  }

  /* ------------------------------------------------------------ wiring */

  function chooseNeed(button) {
    Array.prototype.forEach.call(el.needs, function (b) {
      b.setAttribute("aria-pressed", b === button ? "true" : "false");
    });
    state.item = button.dataset.item;
    state.kind = button.dataset.kind || null;
    el.emergency.hidden = state.item !== "first_aid_kit";
    updateShare();
    if (state.origin) { ask(); }
  }

  Array.prototype.forEach.call(el.needs, function (button) {
    button.addEventListener("click", function () { chooseNeed(button); });
  });
  el.elderly.addEventListener("click", function () {
    setElderly(!state.elderly, true);
    if (state.origin) { ask(); }
  });
  el.share.addEventListener("click", share);
  el.locate.addEventListener("click", locate);
  el.input.addEventListener("input", function () {
    clearTimeout(searchTimer);
    var query = el.input.value;
    searchTimer = setTimeout(function () { search(query, false); }, 200);
  });
  el.form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(searchTimer);
    search(el.input.value, true);
  });
  map.on("click", function (event) {
    setOrigin(event.latlng.lng, event.latlng.lat, "地图上选的位置");
  });
  // The sheet's height follows its content, so the map's box changes with every answer:
  // Leaflet must know its size before it fits a route or a position into it.
  if (window.ResizeObserver) {
    new ResizeObserver(function () {
      map.invalidateSize({ pan: false });
      // the answer sheet grew or shrank: keep an outside visitor's blue dot in view
      if (state.outside) { showOriginWithCommunity(); }
    }).observe(el.mapFrame);
  }
  window.resident = { state: state, layers: layers, map: map };

  /* A deep link's item (/?b=…&item=sewing_kit) may sit past the phone's edge in the scrolling
   * row of needs: bring the chosen button into view, so the resident sees what is asked. */
  function showChosenNeed() {
    var bar = document.querySelector(".needs");
    var chosen = bar.querySelector("[aria-pressed=true]");
    if (!chosen || bar.scrollWidth <= bar.clientWidth) { return; }
    bar.scrollLeft = chosen.offsetLeft - bar.offsetLeft - (bar.clientWidth - chosen.offsetWidth) / 2;
  }

  setElderly(readElderly(), false);
  showChosenNeed();
  el.emergency.hidden = state.item !== "first_aid_kit";
  if (config.start) {
    setOrigin(config.start.lon, config.start.lat, config.start.label, config.start.building);
  } else if (config.station) {
    showStation(config.station);
  } else {
    locate();
  }
})();
