/* 找服务站: the resident page's own script (no framework, no CDN).
 *
 * Where am I: navigator.geolocation, a tap on the map, or a building / 小区 found by name.
 * What do I need: an item button, "任意站点" or 歇歇角. The answer comes from /api/nearest:
 * the nearest stations that have it and are open now (or later today), with the walking route
 * of the chosen one drawn on the Leaflet map that Folium created (found by its global name).
 * Timing: performance marks "location-known" and "first-answer"; window.residentTiming keeps
 * the milliseconds from a known location to its answer on the screen.
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("resident-config").textContent);
  var map = window[config.mapName];
  var el = {
    locate: document.querySelector("[data-testid=locate]"),
    form: document.querySelector("[data-testid=search-form]"),
    input: document.querySelector("[data-testid=search-input]"),
    places: document.querySelector("[data-testid=search-results]"),
    status: document.querySelector("[data-testid=location-status]"),
    needs: document.querySelectorAll(".need"),
    elderly: document.querySelector("[data-testid=elderly-speed]"),
    message: document.querySelector("[data-testid=answer-message]"),
    results: document.querySelector("[data-testid=results]"),
    mapFrame: document.querySelector("[data-testid=resident-map]")
  };
  var state = {
    origin: null, label: "", item: "any", kind: null, answer: null, chosen: null,
    request: 0, locatedAt: null, answered: false
  };
  var layers = { origin: null, route: null };
  var timing = { locationToAnswerMs: [], firstAnswerMs: null };
  window.residentTiming = timing;

  function setStatus(text, isError) {
    el.status.textContent = text;
    el.status.classList.toggle("error", Boolean(isError));
  }

  function formatDistance(metres) {
    return metres >= 1000 ? (metres / 1000).toFixed(1) + " 公里" : metres + " 米";
  }

  function node(tag, className, text) {
    var n = document.createElement(tag);
    if (className) { n.className = className; }
    if (text !== undefined && text !== null) { n.textContent = text; }
    return n;
  }

  /* ------------------------------------------------------------ where am I */

  function setOrigin(lon, lat, label) {
    state.origin = { lon: lon, lat: lat };
    state.label = label;
    state.locatedAt = performance.now();
    state.answered = false;
    performance.mark("location-known");
    if (layers.origin) { map.removeLayer(layers.origin); }
    layers.origin = L.circleMarker([lat, lon], {
      radius: 9, color: "#fff", weight: 3, fillColor: "#1565c0", fillOpacity: 1,
      className: "resident-origin"
    }).addTo(map);
    setStatus("出发位置：" + label);
    el.mapFrame.dataset.origin = lon.toFixed(6) + "," + lat.toFixed(6);
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
    setOrigin(place.lon, place.lat, place.name);
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
    if (el.elderly.checked) { params.set("speed", config.elderlySpeedKmh); }
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
    clearRoute();
    var text = body.error;
    if (body.parameter === "lon/lat") {
      text = "这个位置不在金宁社区的步行范围内：" + body.error;
    }
    el.message.textContent = text;
    el.message.hidden = false;
    el.message.classList.add("error");
  }

  function showAnswer(answer) {
    state.answer = answer;
    el.results.replaceChildren();
    el.message.classList.remove("error");
    el.message.hidden = !answer.message;
    el.message.textContent = answer.message || "";
    answer.results.forEach(function (result, index) {
      el.results.appendChild(resultCard(result, index));
    });
    if (answer.results.length) {
      choose(0);
    } else {
      clearRoute();
    }
    if (!state.answered && state.locatedAt !== null) {
      state.answered = true;
      performance.mark("first-answer");
      var ms = performance.now() - state.locatedAt;
      timing.locationToAnswerMs.push(ms);
      if (timing.firstAnswerMs === null) { timing.firstAnswerMs = ms; }
      el.results.dataset.answerMs = ms.toFixed(1);
    }
  }

  function resultCard(result, index) {
    var card = node("li", "result");
    card.dataset.testid = "result";
    card.dataset.stationId = result.station_id;
    card.dataset.distanceM = result.distance_m;
    card.tabIndex = 0;
    var head = node("div", "result-head");
    head.appendChild(node("span", "kind kind-" + result.kind, result.kind_label));
    head.appendChild(node("strong", "name", result.name));
    card.appendChild(head);
    card.appendChild(node("div", "walk",
      formatDistance(result.distance_m) + " · 步行约 " + Math.max(1, Math.round(result.minutes)) + " 分钟"));
    var open = node("div", "open");
    if (result.open_now) {
      open.classList.add("open-now");
      open.textContent = result.closes_at ? "正在开放，" + result.closes_at + " 关门" : "正在开放（24 小时）";
    } else {
      open.classList.add("open-later");
      open.textContent = "现在未开放，今天 " + result.opens_later_today + " 开门";
    }
    open.dataset.testid = "open-state";
    card.appendChild(open);
    var details = node("div", "details");
    if (state.answer.item) {
      details.appendChild(node("span", "stock", state.answer.item_label + " 现有 " + result.stock));
    }
    details.appendChild(node("span", "hours", result.hours));
    card.appendChild(details);
    var contact = node("a", "contact", "电话 " + result.contact);
    contact.href = "tel:" + result.contact.replace(/[^0-9+]/g, "");
    card.appendChild(contact);
    card.addEventListener("click", function (event) {
      if (event.target !== contact) { choose(index); }
    });
    card.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { choose(index); }
    });
    return card;
  }

  function clearRoute() {
    if (layers.route) { map.removeLayer(layers.route); layers.route = null; }
    delete el.mapFrame.dataset.routeStation;
  }

  function choose(index) {
    var result = state.answer.results[index];
    state.chosen = index;
    Array.prototype.forEach.call(el.results.children, function (card, i) {
      card.classList.toggle("chosen", i === index);
      card.setAttribute("aria-current", i === index ? "true" : "false");
    });
    clearRoute();
    var latlngs = result.route.coordinates.map(function (c) { return [c[1], c[0]]; });
    layers.route = L.polyline(latlngs, {
      color: "#1565c0", weight: 6, opacity: 0.9, className: "resident-route"
    }).addTo(map);
    el.mapFrame.dataset.routeStation = result.station_id;
    el.mapFrame.dataset.routePoints = latlngs.length;
    map.fitBounds(layers.route.getBounds(), { padding: [30, 30], maxZoom: 18 });
  }

  /* ------------------------------------------------------------ wiring */

  Array.prototype.forEach.call(el.needs, function (button) {
    button.addEventListener("click", function () {
      Array.prototype.forEach.call(el.needs, function (b) {
        b.setAttribute("aria-pressed", b === button ? "true" : "false");
      });
      state.item = button.dataset.item;
      state.kind = button.dataset.kind || null;
      if (state.origin) { ask(); }
    });
  });
  el.elderly.addEventListener("change", function () { if (state.origin) { ask(); } });
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
  window.resident = { state: state, layers: layers, map: map };
  locate();
})();
