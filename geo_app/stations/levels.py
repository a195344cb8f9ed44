"""Current stock of the stations: what a resident can borrow right now.

The store holds the counts. Each station's items are copied from the stations layer the first
time the store sees them (once per loaded community: at start-up and after a reload); after
that the store's counts are current (lent, returned and restocked through the admin pages),
whatever the layer file says. Reads cost one cheap change check unless the store has changed
(:class:`geo_app.store.stock.StockReader`), so every request can use the current stock.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask, current_app

from geo_app.state.cache import per_community
from geo_app.state.community import get_community
from geo_app.store import get_store
from geo_app.store.stock import StockReader, seed_stock
from layers import Community

READER_KEY = "geo_app.stock_reader"
#: Per-community cache entry: the station ids, once their layer items are seeded.
SEEDED = "stock.seeded_stations"


def layer_items(community: Community | None = None) -> dict[str, dict[str, int]]:
    """Station id → item → count as written in the stations layer (default: the loaded one)."""
    stations = (community or get_community()).stations
    return {
        sid: dict(items or {}) for sid, items in zip(stations["id"], stations["items"], strict=True)
    }


def _seed(items: Mapping[str, Mapping[str, int]]) -> None:
    with get_store().write() as session:
        seed_stock(session, items)


def _seeded_station_ids(community: Community) -> tuple[str, ...]:
    """Seed the store with the layer's stations and items it does not hold yet; their ids."""
    items = layer_items(community)
    _seed(items)
    return tuple(items)


def get_stock_levels() -> dict[str, dict[str, int]]:
    """Station id → item → count, as stocked now (every station of the layer, possibly {})."""
    stations = per_community(SEEDED, _seeded_station_ids)
    levels = current_app.extensions[READER_KEY].levels()
    return {sid: dict(levels.get(sid, {})) for sid in stations}


def init_app(app: Flask) -> None:
    """Seed the store's stock from the layer on first run; read it through one reader."""
    with app.app_context():
        app.extensions[READER_KEY] = StockReader(get_store().engine)
        per_community(SEEDED, _seeded_station_ids)


def levels_key(levels: Mapping[str, Mapping[str, int]]) -> tuple[tuple[str, tuple], ...]:
    """A hashable snapshot of ``levels``: what is derived from the stock is cached under it."""
    return tuple(sorted((s, tuple(sorted(items.items()))) for s, items in levels.items()))
