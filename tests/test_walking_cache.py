"""The walking graph is cached on disk, reused while the lines are unchanged, rebuilt otherwise."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from support.geo import line

from geo_app.walking import build_network, cached_network
from geo_app.walking.cache import ARRAYS


def paths(*extra) -> gpd.GeoDataFrame:
    geoms = [line((0, 0), (300, 0), (600, 0)), line((300, 0), (300, 400)), *extra]
    return gpd.GeoDataFrame(geometry=geoms, crs="EPSG:4326")


def same(a, b) -> bool:
    return a.crs == b.crs and all(np.array_equal(getattr(a, n), getattr(b, n)) for n in ARRAYS)


def test_the_cached_network_equals_a_fresh_build_and_is_reused(tmp_path, monkeypatch):
    first = cached_network(paths(), cache_dir=tmp_path)
    files = list(tmp_path.glob("*.npz"))
    assert len(files) == 1
    assert same(first, build_network(paths()))

    def no_build(*args, **kwargs):
        raise AssertionError("rebuilt although the cache is current")

    monkeypatch.setattr("geo_app.walking.cache.build_network", no_build)
    again = cached_network(paths(), cache_dir=tmp_path)
    assert same(again, first)
    assert again.graph.nnz == first.graph.nnz


def test_a_changed_layer_is_rebuilt_and_the_stale_file_removed(tmp_path):
    cached_network(paths(), cache_dir=tmp_path)
    old = set(tmp_path.glob("*.npz"))
    changed = cached_network(paths(line((600, 0), (600, 200))), cache_dir=tmp_path)
    assert changed.total_length_m == pytest.approx(1200, abs=1e-3)
    new = set(tmp_path.glob("*.npz"))
    assert len(new) == 1
    assert new.isdisjoint(old)


def test_a_corrupt_cache_file_is_rebuilt_not_trusted(tmp_path):
    cached_network(paths(), cache_dir=tmp_path)
    (file,) = tmp_path.glob("*.npz")
    file.write_bytes(file.read_bytes()[:100])
    network = cached_network(paths(), cache_dir=tmp_path)
    assert same(network, build_network(paths()))
    assert file.stat().st_size > 100  # rewritten whole
    assert not list(tmp_path.glob(".tmp-*"))


def test_no_cache_dir_just_builds(tmp_path):
    assert same(cached_network(paths(), cache_dir=None), build_network(paths()))
