"""The walking graph cached on disk: built once, rebuilt only when the lines change.

The cache file is an ``.npz`` of the graph's arrays named by a SHA-256 of the lines' WKB, the
CRS and the options; it is written atomically (temporary file + ``os.replace``) and a file that
cannot be read or does not match is rebuilt, never trusted. A cache that cannot be written (the
directory is a file, is read-only, the cache file's name is taken by a directory) costs only
the speed-up: the network is built in memory and a warning is logged once per directory.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
import threading
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

from geo_app.walking.graph import MIN_ISLAND_M, WalkNetwork, build_network, read_lines

#: Bump when the arrays or their meaning change: old files are then ignored.
CACHE_FORMAT = 1
PREFIX = "walk-network-"
ARRAYS = ("node_xy", "seg_u", "seg_v", "seg_length", "seg_attachable", "node_component")

logger = logging.getLogger(__name__)
#: Cache directories already warned about (a warning per directory, not per request).
_WARNED: set[Path] = set()
_WARNED_LOCK = threading.Lock()


def network_key(geoms: np.ndarray, *, crs: CRS | None, min_island_m: float) -> str:
    """SHA-256 of everything the graph depends on."""
    digest = hashlib.sha256()
    digest.update(f"{CACHE_FORMAT}|{crs.to_wkt() if crs else ''}|{min_island_m!r}|".encode())
    for wkb in shapely.to_wkb(geoms, output_dimension=2, byte_order=1):
        digest.update(len(wkb).to_bytes(8, "little"))
        digest.update(wkb)
    return digest.hexdigest()


def save_network(network: WalkNetwork, path: Path, *, key: str) -> None:
    """Write ``network`` to ``path`` atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".npz")
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez(
                file,
                key=np.array(key),
                crs=np.array(network.crs.to_wkt()),
                **{name: getattr(network, name) for name in ARRAYS},
            )
        Path(temp).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(temp).unlink()
        raise


def load_network(path: Path, *, key: str) -> WalkNetwork | None:
    """The network stored at ``path``, or None when it is missing, corrupt or for other lines."""
    try:
        with path.open("rb") as file, np.load(file, allow_pickle=False) as stored:
            if str(stored["key"]) != key:
                return None
            arrays = {name: stored[name] for name in ARRAYS}
            crs = CRS.from_wkt(str(stored["crs"]))
    except Exception:  # a truncated or foreign file: rebuild rather than trust it
        return None
    n = len(arrays["node_xy"])
    m = len(arrays["seg_u"])
    consistent = (
        arrays["node_xy"].shape == (n, 2)
        and all(len(arrays[name]) == m for name in ("seg_v", "seg_length", "seg_attachable"))
        and len(arrays["node_component"]) == n
        and (m == 0 or max(arrays["seg_u"].max(), arrays["seg_v"].max()) < n)
    )
    if not consistent:
        return None
    return WalkNetwork(crs=crs, **arrays)


def cached_network(
    lines: gpd.GeoDataFrame | gpd.GeoSeries | str | Path,
    *,
    cache_dir: Path | None,
    crs: CRS | str | int | None = None,
    min_island_m: float = MIN_ISLAND_M,
) -> WalkNetwork:
    """:func:`build_network` of ``lines``, reusing the copy cached in ``cache_dir`` if current.

    With ``cache_dir`` None the network is simply built; when the cache cannot be written
    it is built all the same (and a warning logged once).
    """
    if cache_dir is None:
        return build_network(lines, crs=crs, min_island_m=min_island_m)
    geoms = read_lines(lines)
    metric = CRS.from_user_input(crs) if crs is not None else None
    key = network_key(geoms, crs=metric, min_island_m=min_island_m)
    path = Path(cache_dir) / f"{PREFIX}{key[:32]}.npz"
    network = load_network(path, key=key)
    if network is None:
        network = build_network(
            gpd.GeoSeries(geoms, crs="EPSG:4326"), crs=metric, min_island_m=min_island_m
        )
        try:
            save_network(network, path, key=key)
        except OSError as exc:
            _warn_once(Path(cache_dir), exc)
            return network
        for stale in Path(cache_dir).glob(f"{PREFIX}*.npz"):
            if stale != path:
                with contextlib.suppress(OSError):
                    stale.unlink()
    return network


def _warn_once(cache_dir: Path, exc: OSError) -> None:
    """Log that ``cache_dir`` cannot hold the cache, the first time only."""
    with _WARNED_LOCK:
        if cache_dir in _WARNED:
            return
        _WARNED.add(cache_dir)
    logger.warning("步行路网缓存目录 %s 无法写入（%s），改为每次在内存中构建路网", cache_dir, exc)
