"""The grid page's map: the grid outline, the caller's buildings highlighted, the rest dimmed.

Only what the caller may see carries figures and names of people (the popups); the grid's other
buildings show their outline and name, as on the public map. The caller's buildings with no
visit (走访) in N days are drawn orange and say so.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import date

import folium
import geopandas as gpd
from markupsafe import escape

from geo_app.maps.base import bounded_map, feature_collection, fit_to, text_tooltip
from geo_app.store.records import BuildingRow
from layers import Community

STALE_STYLE = {"color": "#e65100", "weight": 3, "dashArray": "5 4", "fillColor": "#ffb74d",
               "fillOpacity": 0.7}
MINE_STYLE = {"color": "#b71c1c", "weight": 2, "fillColor": "#e53935", "fillOpacity": 0.55}
DIMMED_STYLE = {"color": "#9e9e9e", "weight": 1, "fillColor": "#bdbdbd", "fillOpacity": 0.25}
GRID_STYLE = {"color": "#b71c1c", "weight": 3, "dashArray": "8 6", "fill": True,
              "fillColor": "#fffdf7", "fillOpacity": 0.5}


def _features(
    frame: gpd.GeoDataFrame, layer: str, extra: Mapping[str, dict] | None = None
) -> dict:
    """``id`` and ``name`` of each feature as GeoJSON, the name as its (escaped) tooltip."""
    return feature_collection(
        frame[["id", "name", "geometry"]], layer,
        extra=lambda p: (extra or {}).get(p["id"], {}),
        tooltip=lambda p: p["name"],
    )


def build_grid_map(
    community: Community,
    grid_id: str,
    mine: Sequence[BuildingRow],
    others: Collection[str],
    *,
    building_url: Callable[[str], str],
    not_visited: Mapping[str, date | None] | None = None,
    not_visited_days: int = 30,
    today: date | None = None,
    basemap: str = "none",
    tianditu_key: str = "",
) -> folium.Map:
    """The grid outline, the caller's buildings highlighted (popups linking to
    ``building_url(id)``), those in ``not_visited`` (id → latest visit, ``None``: never) marked
    as not visited in ``not_visited_days`` days, and the grid's other buildings dimmed."""
    stale = not_visited or {}
    grid = community.grids[community.grids["id"] == grid_id]
    bounds = grid.total_bounds
    m = bounded_map(bounds, zoom_start=17, basemap=basemap, tianditu_key=tianditu_key)
    folium.GeoJson(
        _features(grid, "grid"), name="网格范围", style_function=lambda f: GRID_STYLE,
        interactive=False,
    ).add_to(m)
    buildings = community.buildings
    if others:
        folium.GeoJson(
            _features(buildings[buildings["id"].isin(others)], "other_buildings"),
            name="网格内其他楼栋",
            style_function=lambda f: DIMMED_STYLE,
            tooltip=text_tooltip(),
        ).add_to(m)
    if mine:
        popups = {
            r.id: {
                "stale": r.id in stale,
                "popup_html": (
                    f'<div class="popup"><h4>{escape(r.name)}</h4>'
                    f"<p>{r.households} 户 · {r.residents} 人 · 党员 {r.party_members} 人</p>"
                    f"<p>楼栋党员：{escape(r.building_member or '—')}　"
                    f"业主代表：{escape(r.owner_rep or '—')}</p>"
                    f"{_visit_line(stale, r.id, not_visited_days, today)}"
                    f'<p><a href="{escape(building_url(r.id))}">'
                    f"查看住户</a></p></div>"
                )
            }
            for r in mine
        }
        folium.GeoJson(
            _features(buildings[buildings["id"].isin(popups)], "my_buildings", popups),
            name="我的楼栋",
            style_function=lambda f: STALE_STYLE if f["properties"]["stale"] else MINE_STYLE,
            highlight_function=lambda f: {"weight": 4, "color": "#000"},
            popup=folium.GeoJsonPopup(["popup_html"], labels=False),
            tooltip=text_tooltip(),
        ).add_to(m)
    fit_to(m, bounds)
    return m




def _visit_line(
    stale: Mapping[str, date | None], building_id: str, days: int, today: date | None
) -> str:
    """The popup's line about visits: only for a building not visited in ``days`` days."""
    if building_id not in stale:
        return ""
    last = stale[building_id]
    if last is None:
        return '<p class="stale">尚无走访记录</p>'
    since = f"（{(today - last).days} 天前）" if today is not None else ""
    return f'<p class="stale">超过 {days} 天未走访：上次 {last.isoformat()}{since}</p>'
