"""Batch walking distances on any data: the nearest target of every origin, as table rows."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np

from geo_app.walking.attachment import MAX_ATTACH_M, attach
from geo_app.walking.errors import NetworkInputError
from geo_app.walking.features import feature_points
from geo_app.walking.io import read_geojson
from geo_app.walking.prepared import PreparedNetwork
from geo_app.walking.routing import nearest_targets

CSV_HEADER = ("origin_id", "target_id", "distance_m")


@dataclass(frozen=True)
class PointLayer:
    """Features reduced to where they meet the network: ids and lon/lat points."""

    ids: list[str]
    lonlat: np.ndarray


@dataclass(frozen=True)
class NearestTable:
    """The nearest target of every origin, in input order."""

    origin_ids: list[str]
    target_ids: list[str | None]  # None: nothing reachable within the limits
    distance_m: np.ndarray  # inf where target_ids is None
    origins_too_far: int  # origins beyond the attachment limit from every path
    targets_too_far: int  # targets beyond it (ignored)
    unreachable: int  # attached origins with no target within the walking limit

    def write_csv(self, out: TextIO) -> None:
        """Rows ``origin_id,target_id,distance_m`` (empty target and distance where none)."""
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        for origin, target, dist in zip(
            self.origin_ids, self.target_ids, self.distance_m, strict=True
        ):
            writer.writerow([origin, "" if target is None else target, _metres(dist)])


def _metres(distance: float) -> str:
    return f"{distance:.2f}" if np.isfinite(distance) else ""


def read_point_layer(path: str | Path, *, name: str) -> PointLayer:
    """Read a GeoJSON layer: ids from each feature's ``id`` property (else its index) and points
    (a Point as is, a polygon's entrance or centroid). A file without features is refused:
    there would be nothing to walk from, or nowhere to walk to."""
    frame = read_geojson(path, name=f"{name} ")
    if frame.empty:
        msg = f"{name} 文件 {path} 中没有任何要素"
        raise NetworkInputError(msg)
    try:
        lonlat = feature_points(frame)
    except NetworkInputError as exc:
        msg = f"{name} 文件 {path}：{exc}"
        raise NetworkInputError(msg) from exc
    ids = [str(i) for i in range(len(frame))]
    if "id" in frame.columns:
        ids = [
            ids[i]
            if value is None or (isinstance(value, float) and np.isnan(value))
            else str(value)
            for i, value in enumerate(frame["id"].tolist())
        ]
    return PointLayer(ids=ids, lonlat=lonlat)


def nearest_table(
    prepared: PreparedNetwork,
    origins: PointLayer,
    targets: PointLayer,
    *,
    max_distance_m: float | None = None,
    max_attach_m: float = MAX_ATTACH_M,
    progress: Callable[[int], object] | None = None,
) -> NearestTable:
    """The nearest target of every origin by walking on ``prepared``, one multi-source pass.

    ``progress`` is called with the number of origins attached after each block.
    """
    attached_targets = attach(prepared, targets.lonlat, max_attach_m=max_attach_m)
    attached_origins = attach(
        prepared, origins.lonlat, max_attach_m=max_attach_m, progress=progress
    )
    index, distance = nearest_targets(
        prepared, attached_origins, attached_targets, max_distance_m=max_distance_m
    )
    return NearestTable(
        origin_ids=origins.ids,
        target_ids=[None if i < 0 else targets.ids[i] for i in index.tolist()],
        distance_m=distance,
        origins_too_far=int((~attached_origins.ok).sum()),
        targets_too_far=int((~attached_targets.ok).sum()),
        unreachable=int((attached_origins.ok & (index < 0)).sum()),
    )
