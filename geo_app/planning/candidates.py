"""Candidate sites for new stations, thinned, and which demand each reaches on foot (sparse).

At district scale every path intersection is a candidate (16,641 of them on a 25 km square of
200 m blocks) and the demand × candidate walking matrix no longer fits in memory. Candidates
are therefore thinned before any walk is measured, each step losing no answer:

* candidates within ``merge_m`` of one another are one site (a planner cannot tell them apart);
* a candidate farther than the threshold in a straight line from every building the existing
  stations leave uncovered can cover nobody new (a walk is never shorter than the straight
  line), so it is dropped.

The reach of the rest is measured a spatially compact block of candidates at a time, each block
against only the buildings within the threshold of its bounding box, into a sparse matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from geo_app.walking import Attachment, PreparedNetwork, attach, distance_matrix

#: Candidates closer than this (metres) are merged into the first of them.
MERGE_M = 5.0
#: Candidates measured per walking search (a block of Dijkstra sources).
BLOCK = 64


@dataclass(frozen=True)
class ThinnedCandidates:
    """The candidates kept (rows of the planner's or the default list) and why others went."""

    kept: np.ndarray  # indices into the original candidate list
    given: int
    merged: int  # dropped as within MERGE_M of another
    out_of_reach: int  # dropped as farther than the threshold from every uncovered building

    def note(self) -> str:
        """What thinning did, in Chinese, for the report."""
        parts = [f"共 {self.given} 个候选点"]
        if self.merged:
            parts.append(f"{self.merged} 个与相邻候选点相距不足 {MERGE_M:g} 米而合并")
        if self.out_of_reach:
            parts.append(f"{self.out_of_reach} 个直线距离内没有未覆盖楼栋（步行更远）而略去")
        parts.append(f"参与求解 {len(self.kept)} 个")
        return "，".join(parts) + "。"


def merge_close(xy: np.ndarray, *, within_m: float = MERGE_M) -> np.ndarray:
    """Indices of ``xy`` to keep: of each cluster of points chained within ``within_m``, the
    first (lowest index)."""
    if len(xy) == 0:
        return np.empty(0, dtype=np.int64)
    pairs = cKDTree(xy).query_pairs(within_m, output_type="ndarray")
    if len(pairs) == 0:
        return np.arange(len(xy))
    graph = sp.coo_array((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])),
                         shape=(len(xy), len(xy)))
    _, label = connected_components(graph, directed=False)
    _, first = np.unique(label, return_index=True)
    return np.sort(first)


def thin_candidates(
    candidate_xy: np.ndarray, open_demand_xy: np.ndarray, *, threshold_m: float
) -> ThinnedCandidates:
    """Merge near-duplicate candidates and drop those no uncovered building is near."""
    given = len(candidate_xy)
    kept = merge_close(candidate_xy)
    merged = given - len(kept)
    if len(open_demand_xy) == 0 or len(kept) == 0:
        return ThinnedCandidates(np.empty(0, dtype=np.int64), given, merged, len(kept))
    distance, _ = cKDTree(open_demand_xy).query(candidate_xy[kept],
                                                distance_upper_bound=threshold_m)
    near = np.isfinite(distance)
    return ThinnedCandidates(kept[near], given, merged, int((~near).sum()))


def spatial_order(xy: np.ndarray, *, cell_m: float) -> np.ndarray:
    """An order of the points that keeps neighbours together (row of cells, then x)."""
    if len(xy) == 0:
        return np.empty(0, dtype=np.int64)
    cell = np.floor((xy - xy.min(axis=0)) / cell_m).astype(np.int64)
    snake = np.where(cell[:, 1] % 2 == 0, cell[:, 0], -cell[:, 0])
    return np.lexsort((xy[:, 0], snake, cell[:, 1]))


def reach_matrix(
    network: PreparedNetwork,
    demand: Attachment,
    candidates: Attachment,
    *,
    threshold_m: float,
    demand_rows: np.ndarray | None = None,
) -> sp.csr_array:
    """Sparse (demand × candidates) matrix, 1 where the walk is at most ``threshold_m``.

    Only demand ``demand_rows`` (default: all) is measured; other rows stay empty.
    """
    n_demand, n_candidates = len(demand), len(candidates)
    rows_all = np.arange(n_demand) if demand_rows is None else np.asarray(demand_rows)
    live = np.flatnonzero(candidates.ok)
    rows_all = rows_all[demand.ok[rows_all]]
    if len(live) == 0 or len(rows_all) == 0:
        return sp.csr_array((n_demand, n_candidates))
    demand_xy = demand.xy[rows_all]
    # Blocks about four thresholds across hold about BLOCK candidates on a 200 m street grid.
    order = live[spatial_order(candidates.xy[live], cell_m=2 * threshold_m)]
    found_rows, found_cols = [], []
    for start in range(0, len(order), BLOCK):
        block = order[start:start + BLOCK]
        low = candidates.xy[block].min(axis=0) - threshold_m
        high = candidates.xy[block].max(axis=0) + threshold_m
        near = np.flatnonzero(((demand_xy >= low) & (demand_xy <= high)).all(axis=1))
        if len(near) == 0:
            continue
        rows = rows_all[near]
        walk = distance_matrix(network, demand.take(rows), candidates.take(block),
                               max_distance_m=threshold_m)
        i, j = np.nonzero(walk <= threshold_m)
        found_rows.append(rows[i])
        found_cols.append(block[j])
    if not found_rows:
        return sp.csr_array((n_demand, n_candidates))
    rows, cols = np.concatenate(found_rows), np.concatenate(found_cols)
    return sp.csr_array((np.ones(len(rows)), (rows, cols)), shape=(n_demand, n_candidates))


def attach_candidates(
    network: PreparedNetwork, candidates_lonlat: np.ndarray, *, max_attach_m: float
) -> Attachment:
    """The candidates joined to the walking network (those too far stay unattached)."""
    return attach(network, np.asarray(candidates_lonlat, dtype=float).reshape(-1, 2),
                  max_attach_m=max_attach_m)
