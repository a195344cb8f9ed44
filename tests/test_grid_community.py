"""The tiny two-grid community (support.grid_community) loads as it is written."""

from __future__ import annotations

from support.grid_community import GRID_OF, write_community

from layers import load_community


def test_the_tiny_community_loads_as_written(tmp_path):
    community = load_community(write_community(tmp_path))
    got = dict(zip(community.buildings["id"], community.buildings["grid_id"], strict=True))
    assert got == GRID_OF
    assert list(community.grids["id"]) == ["JN-01", "JN-02"]
    assert list(community.stations["id"]) == ["S-1", "S-2"]
