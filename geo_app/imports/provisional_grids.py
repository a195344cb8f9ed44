"""Draft grids from street blocks, toward 300–500 households each, marked provisional.

Grids are not in OpenStreetMap. Until the community draws its own, the importer drafts them:

1. **Blocks**: the community area cut by its streets (the street lines and the boundary are
   noded and polygonised); every block lies inside the area and together they cover it.
2. **Merge**: a group with fewer than :data:`MIN_HOUSEHOLDS` joins the neighbouring group (one
   sharing an edge) that keeps the sum smallest, preferring sums within the target, smallest
   group first, until none is small or none of the small ones has a neighbour. Empty blocks
   (parks, schools) join their neighbours too, so the grids leave no gaps.
3. **Split**: a group above :data:`MAX_HOUSEHOLDS` is cut into ``ceil(h ÷ 500)`` parts of
   about equal households along its longer axis, each part the union of its buildings' Voronoi
   cells within the group.

The result covers the area without overlaps, every building in exactly one grid; each grid is
marked ``provisional`` (and named 暂定网格) so the map and the planner say so.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry.base import BaseGeometry

#: The household range of an urban grid (see ../shared/DOMAIN.md, 网格化管理).
MIN_HOUSEHOLDS = 300
MAX_HOUSEHOLDS = 500
#: Blocks sharing at least this much edge (metres) are neighbours; slivers that share less
#: still join the neighbour they share most with, so no part of the area is left out.
MIN_SHARED_EDGE_M = 1.0


@dataclass
class DraftGrid:
    """A drafted grid: its area (metres), the buildings in it and their households."""

    geometry: BaseGeometry
    buildings: list[int]
    households: int


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def street_blocks(streets: Sequence[BaseGeometry], area: BaseGeometry) -> list[BaseGeometry]:
    """The parts of ``area`` between ``streets`` (all in metres); ``[area]`` when none cut it."""
    lines = [*streets, area.boundary]
    noded = shapely.get_parts(shapely.union_all(lines))
    faces = shapely.get_parts(shapely.polygonize(noded))
    blocks = []
    for face in faces:
        if not face.intersects(area):
            continue
        part = _polygonal(face.intersection(area))
        if not part.is_empty and part.area > 0:
            blocks.append(part)
    covered = shapely.union_all(blocks) if blocks else shapely.Polygon()
    rest = _polygonal(area.difference(covered))
    if not rest.is_empty and rest.area > 0:
        blocks.extend(p for p in shapely.get_parts(rest) if p.area > 0)
    return blocks or [area]


def _assign(blocks: list[BaseGeometry], points: np.ndarray) -> np.ndarray:
    """Block of each point: the one containing it, else the nearest."""
    tree = STRtree(blocks)
    pts = np.asarray(shapely.points(points))  # (n, 2) in: an array of points out
    block_of = np.full(len(points), -1)
    inside_pt, inside_block = tree.query(pts, predicate="within")
    block_of[inside_pt] = inside_block
    missing = np.flatnonzero(block_of < 0)
    if len(missing):
        _, nearest = tree.query_nearest(pts[missing], return_distance=False, all_matches=False)
        block_of[missing] = nearest
    return block_of


def _neighbours(blocks: list[BaseGeometry]) -> dict[int, set[int]]:
    """Blocks sharing an edge; a block sharing none (a sliver) gets the one it touches most.

    Candidates are pairs whose boxes meet; the length of their common boundary decides (a
    pair that does not touch has none). Testing ``intersects`` first would cost more than
    the boundary intersections: adjacent blocks share long edges.
    """
    tree = STRtree(blocks)
    left, right = tree.query(blocks)
    keep = left < right
    left, right = left[keep], right[keep]
    result: dict[int, set[int]] = {i: set() for i in range(len(blocks))}
    boundaries = shapely.boundary(np.asarray(blocks, dtype=object))
    shared = shapely.length(shapely.intersection(boundaries[left], boundaries[right]))
    best: dict[int, tuple[float, int]] = {}
    for a, b, length in zip(left.tolist(), right.tolist(), shared.tolist(), strict=True):
        if length >= MIN_SHARED_EDGE_M:
            result[a].add(b)
            result[b].add(a)
        for x, y in ((a, b), (b, a)):
            if length > best.get(x, (0.0, -1))[0]:
                best[x] = (length, y)
    for block, (_, other) in best.items():
        if not result[block]:  # a sliver: joined to the neighbour it shares most with
            result[block].add(other)
            result[other].add(block)
    return result


def _merge_small(
    households: list[int], neighbours: dict[int, set[int]], *, low: int, high: int
) -> dict[int, set[int]]:
    """Groups (root → member blocks) after merging each small group into a neighbour."""
    members = {i: {i} for i in range(len(households))}
    total = dict(enumerate(households))
    heap = [(h, i) for i, h in total.items()]
    heapq.heapify(heap)
    while heap:
        h, group = heapq.heappop(heap)
        if group not in members or total[group] != h or h >= low or not neighbours[group]:
            continue
        into = min(neighbours[group], key=lambda n: (total[n] + h > high, total[n] + h, n))
        members[into] |= members.pop(group)
        total[into] += total.pop(group)
        for other in neighbours.pop(group):
            neighbours[other].discard(group)
            if other != into:
                neighbours[other].add(into)
                neighbours[into].add(other)
        neighbours[into].discard(into)
        heapq.heappush(heap, (total[into], into))
    return members


def _split(
    geometry: BaseGeometry,
    buildings: list[int],
    points: np.ndarray,
    households: np.ndarray,
    *,
    high: int,
) -> list[DraftGrid]:
    """Cut a large group into parts of about equal households along its longer axis."""
    total = int(households[buildings].sum())
    parts = math.ceil(total / high)
    xy = points[buildings]
    unique_xy, inverse = np.unique(xy, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    if parts <= 1 or len(unique_xy) < 2:
        return [DraftGrid(geometry, buildings, total)]
    axis = int(np.argmax(xy.max(axis=0) - xy.min(axis=0)))
    order = np.argsort(xy[:, axis], kind="stable")
    cumulative = np.cumsum(households[buildings][order])
    chunk = np.empty(len(buildings), dtype=int)
    chunk[order] = np.minimum((cumulative - 1) * parts // max(total, 1), parts - 1)
    # buildings sharing a point share its Voronoi cell, and the part of the first of them
    cell_part = np.full(len(unique_xy), -1)
    for b in order:
        if cell_part[inverse[b]] < 0:
            cell_part[inverse[b]] = chunk[b]
    part_of = cell_part[inverse]
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(unique_xy), extend_to=geometry, ordered=True)
    )
    grids = []
    for part in np.unique(cell_part):
        area = _polygonal(shapely.union_all(cells[cell_part == part]).intersection(geometry))
        members = [buildings[b] for b in np.flatnonzero(part_of == part)]
        grids.append(DraftGrid(area, members, int(households[members].sum())))
    return grids


def _members(labels: np.ndarray) -> dict[int, list[int]]:
    """Label → the positions carrying it, in increasing order."""
    if not len(labels):  # no buildings at all (np.split would still give one empty chunk)
        return {}
    order = np.argsort(labels, kind="stable")
    values, starts = np.unique(labels[order], return_index=True)
    return {
        int(v): chunk.tolist() for v, chunk in zip(values, np.split(order, starts[1:]), strict=True)
    }


def draft_grids(
    streets: Sequence[BaseGeometry],
    area: BaseGeometry,
    points: np.ndarray,
    households: np.ndarray,
    *,
    low: int = MIN_HOUSEHOLDS,
    high: int = MAX_HOUSEHOLDS,
) -> list[DraftGrid]:
    """Draft grids over ``area`` (metres) for buildings at ``points`` with ``households``.

    Grids are returned west to east, then south to north, by their representative points.
    """
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    households = np.asarray(households, dtype=int)
    blocks = street_blocks(streets, area)
    block_of = _assign(blocks, points) if len(points) else np.zeros(0, dtype=int)
    per_block = np.bincount(block_of, weights=households, minlength=len(blocks)).astype(int)
    groups = _merge_small(per_block.tolist(), _neighbours(blocks), low=low, high=high)
    grids: list[DraftGrid] = []
    group_of = np.empty(len(blocks), dtype=np.int64)
    for root, members in groups.items():
        group_of[list(members)] = root
    buildings_of = _members(group_of[block_of])
    for root in sorted(groups):
        geometry = _polygonal(shapely.union_all([blocks[i] for i in groups[root]]))
        buildings = buildings_of.get(root, [])
        total = int(households[buildings].sum())
        if total > high and len(buildings) > 1:
            grids.extend(_split(geometry, buildings, points, households, high=high))
        else:
            grids.append(DraftGrid(geometry, buildings, total))
    anchors = [g.geometry.representative_point() for g in grids]
    order = sorted(range(len(grids)), key=lambda i: (round(anchors[i].x, -2), anchors[i].y))
    return [grids[i] for i in order]
