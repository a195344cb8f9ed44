"""Current stock of the stations: what a resident can borrow right now.

The store holds the counts. Each station's items are copied from the stations layer the first
time the store sees them; after that the store's counts are current (lent, returned and
restocked through the admin pages), whatever the layer file says.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask

from geo_app.community_state import get_community
from geo_app.store import get_store
from geo_app.store.stock import seed_stock, stock_levels


def layer_items() -> dict[str, dict[str, int]]:
    """Station id → item → count as written in the stations layer."""
    stations = get_community().stations
    return {
        sid: dict(items or {}) for sid, items in zip(stations["id"], stations["items"], strict=True)
    }


def _seed(items: Mapping[str, Mapping[str, int]]) -> None:
    with get_store().write() as session:
        seed_stock(session, items)


def get_stock_levels() -> dict[str, dict[str, int]]:
    """Station id → item → count, as stocked now (every station of the layer, possibly {})."""
    items = layer_items()
    with get_store().read() as session:
        levels = stock_levels(session)
    unseen = {
        sid: {i: c for i, c in station_items.items() if i not in levels.get(sid, {})}
        for sid, station_items in items.items()
    }
    if any(unseen.values()):  # a station or item new to the store (e.g. after a layer reload)
        _seed(unseen)
        with get_store().read() as session:
            levels = stock_levels(session)
    return {sid: levels.get(sid, {}) for sid in items}


def init_app(app: Flask) -> None:
    """Seed the store's stock from the layer on first run."""
    with app.app_context():
        _seed(layer_items())
