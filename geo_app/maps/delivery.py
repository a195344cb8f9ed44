"""Maps delivered without inline scripts: a neutral attribution, and the map's script as a file.

A Content-Security-Policy without ``'unsafe-inline'`` refuses inline ``<script>`` blocks, and a
Folium page has two: the map's own script and a tiny block in the header (``L_NO_TOUCH`` /
``L_DISABLE_3D``, Leaflet's defaults when absent). :func:`external_script_parts` drops the
latter and :func:`map_script_response` serves the former from a URL of the page's blueprint.

Leaflet 1.9's attribution prefix carries a national flag; :class:`NeutralAttribution` keeps the
Leaflet credit and adds the data credit, without it.
"""

from __future__ import annotations

import re
from dataclasses import replace

from branca.element import MacroElement
from flask import Response
from jinja2 import Template

from geo_app.maps.base import MapParts

_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>.*?</script>", re.S | re.I)

#: The data credit shown on every map of the service.
DATA_CREDIT = "地图数据 © 金宁社区"


class NeutralAttribution(MacroElement):
    """Leaflet's attribution prefix as plain text "Leaflet" (linked), plus the data credit."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.attributionControl
          .setPrefix('<a href="https://leafletjs.com" title="Leaflet 开源地图库">Leaflet</a>')
          .addAttribution({{ this.credit | tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, credit: str = DATA_CREDIT) -> None:
        super().__init__()
        self.credit = credit


def external_script_parts(parts: MapParts) -> MapParts:
    """``parts`` with the header's inline scripts removed (the map script is served apart)."""
    return replace(parts, header=_INLINE_SCRIPT.sub("", parts.header))


def map_script_response(parts: MapParts) -> Response:
    """The map's script as JavaScript (revalidated: it changes when the community reloads)."""
    response = Response(parts.script, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response
