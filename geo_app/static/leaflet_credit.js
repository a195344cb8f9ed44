/* The credit line of the service's hand-written Leaflet maps, as the Folium maps have it
   (maps/base.NeutralAttribution): "Leaflet" without the flag of Leaflet 1.9's prefix, and the
   data credit. Load after leaflet.js, before the page's map script. */
(function () {
  "use strict";
  if (!window.L) { return; }
  L.Control.Attribution.prototype.options.prefix =
    '<a href="https://leafletjs.com" title="Leaflet 开源地图库">Leaflet</a>';
  L.Map.addInitHook(function () {
    if (this.attributionControl) { this.attributionControl.addAttribution("地图数据 © 金宁社区"); }
  });
})();
