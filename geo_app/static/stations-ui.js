/* Shared by the resident page and the community map: a station's open state, stock, phone and
 * 「去这里」 links as DOM nodes. Text from the data is always set with textContent.
 */
(function () {
  "use strict";

  function node(tag, className, text) {
    var n = document.createElement(tag);
    if (className) { n.className = className; }
    if (text !== undefined && text !== null) { n.textContent = text; }
    return n;
  }

  /* "正在开放，18:00 关门" / "现在未开放，今天 08:30 开门" / "今天已关门" */
  function openText(station) {
    if (station.open_now) {
      return station.closes_at ? "正在开放，" + station.closes_at + " 关门" : "正在开放（24 小时）";
    }
    if (station.opens_later_today) {
      return "现在未开放，今天 " + station.opens_later_today + " 开门";
    }
    return station.hours_known === false ? "开放时间未登记" : "今天已关门";
  }

  function openLine(station) {
    var line = node("span", "open " + (station.open_now ? "open-now" : "open-later"), openText(station));
    line.dataset.testid = "open-state";
    return line;
  }

  function telLink(contact) {
    var link = node("a", "contact");
    link.appendChild(node("span", "tel-word", "电话 "));
    link.appendChild(node("span", "tel-number", contact));
    link.setAttribute("aria-label", "打电话 " + contact);
    link.href = "tel:" + contact.replace(/[^0-9+]/g, "");
    link.dataset.testid = "tel";
    return link;
  }

  /* The 去这里 control: a <details> whose list holds one link per map app. */
  function navMenu(links, name) {
    var menu = node("details", "nav-menu");
    menu.dataset.testid = "nav-menu";
    var summary = node("summary", "go-here", "去这里");
    summary.setAttribute("aria-label", "用手机地图步行去 " + name);
    menu.appendChild(summary);
    var list = node("ul", "nav-links");
    (links || []).forEach(function (link) {
      var item = node("li");
      var a = node("a", "nav-link", link.label);
      a.href = link.url;
      a.target = "_blank";
      a.rel = "noopener";
      a.dataset.app = link.app;
      a.dataset.crs = link.crs;
      a.dataset.testid = "nav-link";
      item.appendChild(a);
      list.appendChild(item);
    });
    menu.appendChild(list);
    menu.addEventListener("click", function (event) { event.stopPropagation(); });
    return menu;
  }

  function stockLine(items, labels) {
    var keys = Object.keys(items || {});
    var line = node("span", "stock-list");
    line.dataset.testid = "stock";
    if (!keys.length) { line.textContent = "暂无可借物资"; return line; }
    keys.forEach(function (key, i) {
      if (i) { line.appendChild(document.createTextNode("、")); }
      var span = node("span", "stock-item", (labels[key] || key) + " " + items[key]);
      span.dataset.item = key;
      span.dataset.count = items[key];
      line.appendChild(span);
    });
    return line;
  }

  window.StationsUI = {
    node: node, openText: openText, openLine: openLine, telLink: telLink,
    navMenu: navMenu, stockLine: stockLine
  };
})();
