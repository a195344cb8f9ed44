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


def warnings_of(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "geo_app.walking.cache"]


def test_a_cache_dir_that_is_a_file_builds_in_memory_and_warns_once(tmp_path, caplog):
    not_a_dir = tmp_path / "walk_cache"
    not_a_dir.write_text("a file where the cache directory should be")
    caplog.set_level("WARNING", logger="geo_app.walking.cache")
    first = cached_network(paths(), cache_dir=not_a_dir)
    again = cached_network(paths(), cache_dir=not_a_dir)
    assert same(first, build_network(paths())) and same(again, first)
    assert not_a_dir.read_text() == "a file where the cache directory should be"
    [message] = warnings_of(caplog)
    assert str(not_a_dir) in message and "内存" in message


def test_a_cache_file_name_taken_by_a_directory_builds_in_memory(tmp_path, caplog):
    cached_network(paths(), cache_dir=tmp_path)
    (file,) = tmp_path.glob("*.npz")
    file.unlink()
    file.mkdir()  # the cache file's name is now a directory
    caplog.set_level("WARNING", logger="geo_app.walking.cache")
    assert same(cached_network(paths(), cache_dir=tmp_path), build_network(paths()))
    assert file.is_dir()
    assert not list(tmp_path.glob(".tmp-*"))
    assert len(warnings_of(caplog)) == 1


def test_an_unwritable_cache_dir_builds_in_memory(tmp_path, monkeypatch, caplog):
    # The tests may run as root, for whom no mode bit forbids writing: refuse it as the OS would.
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path))

    monkeypatch.setattr("geo_app.walking.cache.tempfile.mkstemp", refuse)
    caplog.set_level("WARNING", logger="geo_app.walking.cache")
    for _ in range(3):
        assert same(cached_network(paths(), cache_dir=tmp_path), build_network(paths()))
    assert not list(tmp_path.iterdir())
    [message] = warnings_of(caplog)
    assert "Permission denied" in message


def test_the_service_answers_when_its_cache_dir_is_a_file(tmp_path, caplog):
    """Issue 10 item 14: /api/nearest and /planner answered 500 with a broken cache path."""
    from geo_app import create_app
    from geo_app.config import BUNDLED_DATA_DIR
    from geo_app.state.community import get_state

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATA_DIR": str(BUNDLED_DATA_DIR),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'store.sqlite3'}",
        }
    )
    broken = tmp_path / "walk_cache"
    broken.write_text("not a directory")
    with app.app_context():
        state = get_state()
        state.cache_dir = broken
        community = state.community
    point = community.buildings.geometry.iloc[0].centroid
    client = app.test_client()
    caplog.set_level("WARNING", logger="geo_app.walking.cache")
    response = client.get("/api/nearest", query_string={"lon": point.x, "lat": point.y})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["results"]
    assert client.get("/planner").status_code == 200
    assert len(warnings_of(caplog)) == 1  # the network was built past the broken cache, once
