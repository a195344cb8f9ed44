"""Current stock of the stations: what a resident can borrow right now."""

from __future__ import annotations

from geo_app.community_state import get_community


def get_stock_levels() -> dict[str, dict[str, int]]:
    """Station id → item → count, as stocked now."""
    stations = get_community().stations
    return {sid: dict(items or {}) for sid, items in zip(stations["id"], stations["items"], strict=True)}
