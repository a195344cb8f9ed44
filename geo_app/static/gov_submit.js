/* 反映问题: pin a place (tap, locate, or a building), pick a category, see open views of the
 * same category nearby ("是不是这个？", +1 instead of a new view), write, attach a photo, send.
 *
 * POST /api/views (JSON, X-CSRFToken from <meta name="csrf-token">), then the photo as
 * multipart to /api/views/<code>/photo, then on to the status page /v/<code>. Everything
 * from the server is shown with textContent.
 */
(function () {
  "use strict";

  var page = JSON.parse(document.getElementById("gov-map-data").textContent);
  var map = window.govMap;
  var token = document.querySelector("meta[name=csrf-token]").content;
  var el = {
    status: document.querySelector("[data-testid=pin-status]"),
    locate: document.querySelector("[data-testid=locate]"),
    search: document.querySelector("[data-testid=building-search]"),
    results: document.querySelector("[data-testid=building-results]"),
    form: document.querySelector("[data-testid=view-form]"),
    category: document.querySelector("[data-testid=category]"),
    text: document.querySelector("[data-testid=text]"),
    photo: document.querySelector("[data-testid=photo]"),
    name: document.querySelector("[data-testid=name]"),
    phone: document.querySelector("[data-testid=phone]"),
    error: document.querySelector("[data-testid=form-error]"),
    nearby: document.querySelector("[data-testid=nearby]"),
    nearbyList: document.querySelector("[data-testid=nearby-list]"),
    submit: document.querySelector("[data-testid=submit-view]")
  };
  var state = { lon: null, lat: null, building: null, marker: null, sending: false };

  function node(tag, text) {
    var n = document.createElement(tag);
    if (text !== undefined) { n.textContent = text; }
    return n;
  }

  function showError(text) {
    el.error.textContent = text;
    el.error.hidden = !text;
  }

  function post(url, body) {
    var options = { method: "POST", headers: { "X-CSRFToken": token }, credentials: "same-origin" };
    if (body instanceof FormData) {
      options.body = body;
    } else {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    // The browser's own reasons ("Failed to fetch", a proxy's HTML page that is not JSON)
    // are English and say nothing useful: the resident reads why in Chinese, the text kept.
    return fetch(url, options).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; },
        function () {
          throw new Error("服务器暂时无法处理（状态 " + response.status + "），请稍后重试。");
        });
    }, function () {
      throw new Error("网络连接不上，请检查网络后重试。");
    });
  }

  function setPin(lon, lat, label, building) {
    state.lon = Math.round(lon * 1e7) / 1e7;
    state.lat = Math.round(lat * 1e7) / 1e7;
    state.building = building || null;
    if (state.marker) { map.removeLayer(state.marker); }
    state.marker = L.circleMarker([lat, lon], {
      radius: 9, color: "#b71c1c", weight: 3, fillColor: "#e53935", fillOpacity: 0.8
    }).addTo(map);
    el.status.textContent = label || "已选位置：" + state.lon.toFixed(6) + ", " + state.lat.toFixed(6);
    el.status.dataset.lon = String(state.lon);
    el.status.dataset.lat = String(state.lat);
    loadNearby();
  }

  function buildingCentre(id) {
    var layer = page.layers.filter(function (l) { return l.name === "楼栋"; })[0];
    var feature = layer && layer.data.features.filter(function (f) {
      return f.properties.id === id;
    })[0];
    if (!feature) { return null; }
    var centre = L.geoJSON(feature).getBounds().getCenter();
    return { lon: centre.lng, lat: centre.lat, name: feature.properties.name };
  }

  map.on("click", function (event) { setPin(event.latlng.lng, event.latlng.lat); });

  el.locate.addEventListener("click", function () {
    if (!navigator.geolocation) { el.status.textContent = "本机不支持定位，请点地图选位置。"; return; }
    navigator.geolocation.getCurrentPosition(function (position) {
      setPin(position.coords.longitude, position.coords.latitude, "已定位到您的位置");
      map.setView([position.coords.latitude, position.coords.longitude], 18);
    }, function () { el.status.textContent = "定位失败，请点地图选位置。"; });
  });

  var searchTimer = null;
  el.search.addEventListener("input", function () {
    clearTimeout(searchTimer);
    var q = el.search.value.trim();
    if (!q) { el.results.hidden = true; return; }
    searchTimer = setTimeout(function () {
      fetch("/api/buildings?q=" + encodeURIComponent(q)).then(function (r) { return r.json(); })
        .then(function (data) {
          el.results.textContent = "";
          (data.places || []).filter(function (p) { return p.kind === "building"; })
            .slice(0, 8).forEach(function (p) {
              var item = node("li");
              var button = node("button", p.name);
              button.type = "button";
              button.addEventListener("click", function () {
                setPin(p.lon, p.lat, "已选楼栋：" + p.name, p.id);
                map.setView([p.lat, p.lon], 18);
                el.results.hidden = true;
              });
              item.appendChild(button);
              el.results.appendChild(item);
            });
          el.results.hidden = !el.results.children.length;
        });
    }, 250);
  });

  function loadNearby() {
    if (state.lon === null) { return; }
    var url = "/api/views/nearby?lon=" + state.lon + "&lat=" + state.lat +
      "&category=" + encodeURIComponent(el.category.value);
    fetch(url).then(function (r) { return r.json(); }).then(function (data) {
      el.nearbyList.textContent = "";
      (data.views || []).forEach(function (v) {
        var item = node("li");
        item.appendChild(node("span", v.text + "（" + Math.round(v.distance_m) + " 米，" +
          v.supporters + " 人 +1）"));
        var button = node("button", "+1 我也遇到了");
        button.type = "button";
        button.dataset.testid = "support";
        button.addEventListener("click", function () {
          button.disabled = true;
          post("/api/views/" + v.id + "/support", {}).then(function (answer) {
            button.textContent = answer.ok ? "已 +1（共 " + answer.data.supporters + " 人）" :
              answer.data.error;
          }, function (error) {
            button.textContent = "+1 未成功：" + error.message;
            button.disabled = false;
          });
        });
        item.appendChild(button);
        el.nearbyList.appendChild(item);
      });
      el.nearby.hidden = !el.nearbyList.children.length;
    });
  }
  el.category.addEventListener("change", loadNearby);

  el.form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (state.sending) { return; }
    showError("");
    var text = el.text.value.trim();
    if (state.lon === null) { showError("请先在地图上点出位置，或选择楼栋。"); return; }
    if (text.length < page.limits.min_chars) {
      showError("内容至少 " + page.limits.min_chars + " 个字。"); return;
    }
    var file = el.photo.files[0];
    if (file && file.size > page.photo_max_bytes) {
      showError("照片太大，最大 " + Math.round(page.photo_max_bytes / 1048576) + " MB。"); return;
    }
    state.sending = true;
    el.submit.disabled = true;
    var body = {
      lon: state.lon, lat: state.lat, category: el.category.value, text: text,
      name: el.name.value.trim() || null, phone: el.phone.value.trim() || null
    };
    if (state.building) { body.building_id = state.building; }
    post("/api/views", body).then(function (answer) {
      if (!answer.ok) { throw new Error(answer.data.error || "提交失败"); }
      var done = function () { window.location.href = answer.data.status_url + "?sent=1"; };
      if (!file) { return done(); }
      var form = new FormData();
      form.append("photo", file);
      // the view is stored: whatever befalls the photo, never offer to send it again
      var photoFailed = function (reason) {
        showError("意见已提交（查询码 " + answer.data.code + "），但照片未能上传：" + reason);
        var link = node("a", "查看办理进度");
        link.href = answer.data.status_url;
        el.error.appendChild(node("br"));
        el.error.appendChild(link);
      };
      return post("/api/views/" + encodeURIComponent(answer.data.code) + "/photo", form)
        .then(function (photo) {
          if (photo.ok) { return done(); }
          photoFailed(photo.data.error);
        }, function (error) { photoFailed(error.message); });
    }).catch(function (error) {
      showError(error.message);
      state.sending = false;
      el.submit.disabled = false;
    });
  });

  var prefill = page.prefill || {};
  if (prefill.category) { el.category.value = prefill.category; }
  if (prefill.building) {
    var centre = buildingCentre(prefill.building);
    if (centre) {
      setPin(centre.lon, centre.lat, "已选楼栋：" + centre.name, prefill.building);
      map.setView([centre.lat, centre.lon], 18);
    }
  } else if (typeof prefill.lon === "number" && typeof prefill.lat === "number") {
    setPin(prefill.lon, prefill.lat, "已按链接选好位置");
    map.setView([prefill.lat, prefill.lon], 18);
  }
})();
