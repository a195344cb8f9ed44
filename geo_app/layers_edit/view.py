"""The layer editor's map layers cut to what the map shows.

A district (24,576 buildings, 8,320 path segments, 8,192 POIs) was an 11.8 MB answer that the
editor downloaded whole to place one station. The layers that grow with the area
(:data:`VIEW_LAYERS`) are now sent for a box of longitude and latitude only: the features whose
geometry intersects it (an STR-tree query per layer, built once per loaded community), in
layer order. A box holding more of them than the limit gets none (the map asks to zoom in),
so no view ever costs more than the limit. The other layers (boundary, grids, 小区, stations)
are few and always sent whole.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely import STRtree

from geo_app.formats.bbox import Box
from layers import Community

#: Layers drawn on the editor's map (the editable ones and their context), bottom first.
MAP_LAYERS = ("boundary", "grids", "compounds", "paths", "buildings", "pois", "stations")
#: Layers sent for the map's view only (they grow with the area; the rest are sent whole).
VIEW_LAYERS = ("paths", "buildings", "pois")


def layer_trees(community: Community) -> dict[str, STRtree]:
    """An STR-tree of each view layer's geometries (tree index = the layer's row)."""
    return {name: STRtree(community.layer(name).geometry.values) for name in VIEW_LAYERS}


@dataclass(frozen=True)
class ViewCut:
    """The layers asked for, the view layers cut to a box: ``found`` counts each view layer's
    features in the box; ``complete`` is false when they were more than the limit (and none
    were sent)."""

    collections: dict[str, dict[str, Any]]
    found: dict[str, int]
    complete: bool


def cut_to_box(
    collections: Mapping[str, dict[str, Any]],
    trees: Mapping[str, STRtree],
    box: Box,
    *,
    names: Sequence[str],
    limit: int,
) -> ViewCut:
    """``collections`` (name → FeatureCollection, features in row order) of ``names``, each view
    layer keeping the features that intersect ``box`` — none if more than ``limit`` in all."""
    area = shapely.box(*box)
    rows = {name: np.sort(trees[name].query(area, predicate="intersects"))
            for name in names if name in VIEW_LAYERS}
    found = {name: len(hits) for name, hits in rows.items()}
    complete = sum(found.values()) <= limit
    cut = {}
    for name in names:
        collection = collections[name]
        if name in rows:
            features = collection["features"]
            kept = [features[i] for i in rows[name]] if complete else []
            collection = {**collection, "features": kept}
        cut[name] = collection
    return ViewCut(cut, found, complete)
