"""Naming a point: the namer's tree queries give, for points all over the sample and its
surroundings, the very names a brute-force reading of every named path gives."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from geo_app.config import BUNDLED_DATA_DIR
from geo_app.planning.places import (
    CROSSING_RADIUS_M,
    LANDMARK_KINDS,
    NEAR_RADIUS_M,
    STREET_KINDS,
    PlaceNamer,
)
from geo_app.walking import prepare_community
from layers import load_community


def brute_force_near(layers, lon: float, lat: float, compound: str | None) -> str:
    """The road text by measuring the point against every named path (the rule as written:
    two streets within the crossing radius make a crossing; else a landmark within it; else
    the nearest path, 旁 for a street, 附近 beyond the near radius, a building inside a 小区)."""
    paths, buildings, to_local = layers
    point = shapely.Point(to_local.transform(lon, lat))
    d = shapely.distance(paths.geometry.to_numpy(), point)
    kinds, names = list(paths["kind"]), [str(n) for n in paths["name"]]
    order = sorted(range(len(d)), key=lambda i: (d[i], i))
    streets = [names[i] for i in order if kinds[i] in STREET_KINDS and d[i] <= CROSSING_RADIUS_M]
    distinct = list(dict.fromkeys(streets))
    if len(distinct) >= 2:
        return f"{distinct[0]}与{distinct[1]}交叉口"
    near = [i for i in order if kinds[i] in LANDMARK_KINDS and d[i] <= CROSSING_RADIUS_M]
    best = near[0] if near else order[0]
    name = names[best]
    if compound and name.startswith(compound) and kinds[best] == "internal":
        nearest = int(np.argmin(shapely.distance(buildings.geometry.to_numpy(), point)))
        return f"{buildings['name'].iloc[nearest]}旁"
    if d[best] > NEAR_RADIUS_M:
        return f"{name}附近（约 {d[best]:,.0f} 米）"
    return f"{name}旁" if kinds[best] in STREET_KINDS else name


@pytest.fixture(scope="module")
def sample():
    community = load_community(BUNDLED_DATA_DIR)
    crs = prepare_community(community).crs
    return community, crs, PlaceNamer(community, crs=crs)


def test_names_match_a_brute_force_reading_of_every_path(sample) -> None:
    community, crs, namer = sample
    paths = community.paths[community.paths["name"].fillna("").astype(str) != ""]
    layers = (paths.to_crs(crs), community.buildings.to_crs(crs),
              Transformer.from_crs(4326, crs, always_xy=True))
    west, south, east, north = community.boundary.total_bounds
    rng = np.random.default_rng(7)
    points = np.column_stack([rng.uniform(west - 0.002, east + 0.002, 400),
                              rng.uniform(south - 0.002, north + 0.002, 400)])
    kinds = set()
    for lon, lat in points:
        place = namer.name(lon, lat)
        assert place.near == brute_force_near(layers, lon, lat, place.compound)
        kinds.add("交叉口" if "交叉口" in place.near else "附近" if "附近" in place.near
                  else "栋" if "栋旁" in place.near else "旁" if place.near.endswith("旁")
                  else "landmark")
    assert kinds == {"交叉口", "附近", "栋", "旁", "landmark"}  # every branch was exercised


def test_a_layer_without_named_paths_says_so_and_its_distance_is_unknown(sample) -> None:
    community, crs, _ = sample
    bare = dataclasses.replace(community, paths=community.paths.assign(name=None))
    place = PlaceNamer(bare, crs=crs).name(*community.stations.geometry.iloc[0].coords[0])
    assert place.near == "（图层中没有带名称的道路）"
    assert place.as_dict()["distance_m"] is None  # JSON has no infinity
