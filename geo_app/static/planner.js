// Planner page: keep the threshold/k form honest, and "what if a station stood here".
// Data reaches the page as text only (textContent), never as HTML.
(function () {
  "use strict";
  var form = document.querySelector(".planner-form");
  if (form) {
    // a new distance is computed on the server (seconds in a large community): say so
    var analysing = form.querySelector("[data-testid=planner-busy]");
    var showBusy = function () { analysing.hidden = false; };
    form.addEventListener("submit", function (event) {
      var threshold = form.elements.threshold;
      var k = form.elements.k;
      if (!threshold.checkValidity() || !k.checkValidity()) {
        event.preventDefault();
        (threshold.checkValidity() ? k : threshold).reportValidity();
      } else {
        showBusy();
      }
    });
    Array.prototype.forEach.call(form.querySelectorAll(".quick a"), function (link) {
      link.addEventListener("click", showBusy);
    });
    // back to this page from the browser's cache: nothing is being computed any more
    window.addEventListener("pageshow", function () { analysing.hidden = true; });
  }

  var configNode = document.getElementById("planner-config");
  var panel = document.querySelector("[data-testid=whatif]");
  if (!configNode || !panel) { return; }
  var config = JSON.parse(configNode.textContent);
  var whatifForm = panel.querySelector(".whatif-form");
  var result = panel.querySelector("[data-testid=whatif-result]");
  var errorBox = panel.querySelector("[data-testid=whatif-error]");
  var layer = null;

  function field(name) { return result.querySelector('[data-field="' + name + '"]'); }
  function pct(share) { return share === null ? "—" : (share * 100).toFixed(1) + "%"; }
  // counts with thousands separators, as the page writes them ("25,596")
  function n(count) { return count === null ? "—" : Number(count).toLocaleString("zh-CN"); }
  function level(share) {
    var t = config.targets;
    if (share === null) { return "none"; }
    if (share < t[0]) { return "short"; }
    return share >= t[t.length - 1] ? "met" : "near";
  }

  function theMap() {
    var map = window[config.map_name];
    return map && typeof map.addLayer === "function" ? map : null;
  }

  function draw(answer) {
    var map = theMap();
    if (!map || typeof L === "undefined") { return; }
    if (layer) { map.removeLayer(layer); }
    layer = L.layerGroup();
    if (answer.isochrone) {
      L.geoJSON(answer.isochrone, {
        style: { color: "#00838f", weight: 2, fillColor: "#4dd0e1", fillOpacity: 0.15 },
        interactive: false
      }).addTo(layer);
    }
    L.marker([answer.lat, answer.lon], {
      icon: L.divIcon({ html: '<div class="site-diamond whatif-diamond">?</div>',
        className: "site-icon", iconSize: [22, 22], iconAnchor: [11, 11] })
    }).addTo(layer);
    layer.addTo(map);
  }

  function show(answer) {
    var before = answer.before.network;
    var after = answer.after.network;
    var gain = answer.gain;
    field("near").textContent = answer.kind_label + "：" + answer.near;
    // the share of this kind of station (a 歇歇角's differs from the page's 党群服务站 figure)
    field("share-label").textContent = answer.kind_label + " " + answer.threshold_m +
      " 米步行范围内的居民覆盖率";
    field("lonlat").textContent = "经纬度 " + answer.lon.toFixed(6) + ", " + answer.lat.toFixed(6);
    field("before").textContent = pct(before.residents_share);
    var afterNode = field("after");
    afterNode.textContent = pct(after.residents_share);
    afterNode.className = "level-" + level(after.residents_share);
    field("gain").textContent = "新增 " + answer.threshold_m + " 米步行范围内：" +
      n(gain.buildings) + " 栋楼、" + n(gain.households) + " 户、" + n(gain.residents) + " 人";
    var list = field("by-grid");
    list.replaceChildren();
    gain.by_grid.forEach(function (grid) {
      var item = document.createElement("li");
      item.textContent = grid.name + "：" + n(grid.residents) + " 人（" + n(grid.buildings) +
        " 栋楼）";
      list.appendChild(item);
    });
    var failed = answer.rules.filter(function (rule) { return !rule.passed; });
    field("rules").textContent = failed.length === 0 ? "应设尽设：全部符合" :
      "应设尽设仍不符合：" + failed.map(function (rule) { return rule.title; }).join("；");
    field("circle").textContent = "15 分钟步行可到的范围已画在地图上（青色）；全社区 15 分钟生活圈等级：" +
      answer.circle.community.grade;
    result.hidden = false;
    errorBox.hidden = true;
    reveal(result);
  }

  // On a phone the panel is under the map: bring the answer into view, or a tap seems to do
  // nothing.
  function reveal(node) {
    var box = node.getBoundingClientRect();
    if (box.top > window.innerHeight - 40 || box.bottom < 0) {
      node.scrollIntoView({ block: "start" });
    }
  }

  // A refused point clears the previous answer and its marker: they belonged to another point.
  function fail(message) {
    result.hidden = true;
    var map = theMap();
    if (layer && map) { map.removeLayer(layer); }
    layer = null;
    errorBox.textContent = message;
    errorBox.hidden = false;
    reveal(errorBox);
  }

  var busy = panel.querySelector("[data-testid=whatif-busy]");
  var submit = whatifForm.querySelector("button");
  function working(on) {
    busy.hidden = !on;
    submit.disabled = on;
    if (on) { panel.setAttribute("aria-busy", "true"); } else { panel.removeAttribute("aria-busy"); }
  }

  function tryPoint(lon, lat) {
    whatifForm.elements.lon.value = lon.toFixed(6);
    whatifForm.elements.lat.value = lat.toFixed(6);
    var url = config.whatif_url + "?lon=" + encodeURIComponent(lon) + "&lat=" +
      encodeURIComponent(lat) + "&threshold=" + encodeURIComponent(config.threshold) +
      "&kind=" + encodeURIComponent(whatifForm.elements.kind.value);
    working(true);
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (answer) {
        if (!answer.ok) { fail(answer.body.error || "试算失败"); return; }
        show(answer.body);
        draw(answer.body);
      })
      .catch(function () { fail("网络错误，试算失败，请稍后再试"); })
      .finally(function () { working(false); });
  }

  whatifForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var lon = parseFloat(whatifForm.elements.lon.value);
    var lat = parseFloat(whatifForm.elements.lat.value);
    if (!whatifForm.checkValidity() || isNaN(lon) || isNaN(lat)) {
      whatifForm.reportValidity();
      return;
    }
    tryPoint(lon, lat);
  });

  function hookMap() {
    var map = theMap();
    if (!map) { return false; }
    map.on("click", function (event) { tryPoint(event.latlng.lng, event.latlng.lat); });
    return true;
  }
  if (!hookMap()) { window.addEventListener("load", hookMap); }
})();
