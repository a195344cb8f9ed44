"""Station coverage: who lies within a walking threshold of a station, per grid and overall.

Walking distances come from the walking network; the straight-line ("buffer") distances are
measured in metres in the network's projected CRS and shown beside them only as a comparison:
a buffer counts buildings as covered that a walk through the gates never reaches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import NamedTuple

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Figures:
    """Buildings, households and residents of an area, and how many of each are covered."""

    buildings: int
    buildings_covered: int
    households: int
    households_covered: int
    residents: int
    residents_covered: int

    @property
    def residents_share(self) -> float | None:
        return share(self.residents_covered, self.residents)

    def as_dict(self) -> dict[str, float | int | None]:
        figures: dict[str, float | int | None] = dict(asdict(self))
        figures["buildings_share"] = share(self.buildings_covered, self.buildings)
        figures["households_share"] = share(self.households_covered, self.households)
        figures["residents_share"] = self.residents_share
        return figures


@dataclass(frozen=True)
class GridCoverage:
    """The coverage figures of one grid, by walk and by straight-line buffer."""

    grid_id: str
    name: str
    network: Figures
    buffer: Figures

    def as_dict(self) -> dict[str, object]:
        return {
            "grid_id": self.grid_id,
            "name": self.name,
            "network": self.network.as_dict(),
            "buffer": self.buffer.as_dict(),
        }


class BuildingDistance(NamedTuple):
    """A building with its walking and straight-line distance to the nearest station.

    A named tuple, not a dataclass: a district's report lists tens of thousands of them.
    """

    building_id: str
    name: str
    grid_id: str
    households: int
    residents: int
    distance_m: float | None
    buffer_distance_m: float | None

    def as_dict(self) -> dict[str, object]:
        return self._asdict()


@dataclass(frozen=True)
class CoverageReport:
    """Coverage of one kind of station at one threshold."""

    station_kind: str
    threshold_m: float
    network: Figures
    buffer: Figures
    grids: tuple[GridCoverage, ...]
    uncovered: tuple[BuildingDistance, ...]
    buffer_only: tuple[BuildingDistance, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "station_kind": self.station_kind,
            "threshold_m": self.threshold_m,
            "network": self.network.as_dict(),
            "buffer": self.buffer.as_dict(),
            "grids": [grid.as_dict() for grid in self.grids],
            "uncovered": [b.as_dict() for b in self.uncovered],
            "buffer_only": [b.as_dict() for b in self.buffer_only],
        }


def figures(covered: np.ndarray, households: np.ndarray, residents: np.ndarray) -> Figures:
    """Sum buildings, households and residents, in total and where ``covered`` is true."""
    covered = np.asarray(covered, dtype=bool)
    return Figures(
        buildings=len(covered),
        buildings_covered=int(covered.sum()),
        households=int(np.sum(households)),
        households_covered=int(np.sum(households[covered])),
        residents=int(np.sum(residents)),
        residents_covered=int(np.sum(residents[covered])),
    )


def grid_index(buildings: pd.DataFrame, grids: pd.DataFrame) -> np.ndarray:
    """Row of ``grids`` each building's ``grid_id`` names (-1 when it names none)."""
    return pd.Index(grids["id"]).get_indexer(buildings["grid_id"])


def grouped_figures(
    group: np.ndarray,
    n_groups: int,
    covered: np.ndarray,
    households: np.ndarray,
    residents: np.ndarray,
) -> list[Figures]:
    """:func:`figures` of each group (``group`` = row's group, -1 for none), in one pass."""
    inside = group >= 0
    group, covered = group[inside], np.asarray(covered, dtype=bool)[inside]
    households, residents = households[inside], residents[inside]

    def count(weights: np.ndarray | None, mask: np.ndarray | None = None) -> np.ndarray:
        if mask is not None:
            weights = (np.ones(len(group), dtype=np.int64) if weights is None else weights) * mask
        return np.bincount(group, weights=weights, minlength=n_groups).astype(np.int64)

    columns = (count(None), count(None, covered), count(households),
               count(households, covered), count(residents), count(residents, covered))
    return [Figures(*(int(c[g]) for c in columns)) for g in range(n_groups)]


def coverage_figures(
    network_m: np.ndarray, buffer_m: np.ndarray, households: np.ndarray, residents: np.ndarray,
    *, threshold_m: float,
) -> tuple[Figures, Figures]:
    """The overall walk and buffer figures at ``threshold_m`` (no per-building lists)."""
    return (figures(np.asarray(network_m) <= threshold_m, households, residents),
            figures(np.asarray(buffer_m) <= threshold_m, households, residents))


def coverage_report(
    buildings: pd.DataFrame,
    grids: pd.DataFrame,
    network_m: np.ndarray,
    buffer_m: np.ndarray,
    *,
    threshold_m: float,
    station_kind: str = "party_service_station",
    rows: bool = True,
) -> CoverageReport:
    """Coverage at ``threshold_m`` from each building's distance to its nearest station
    (``rows=False``: the figures only, no per-building lists).

    Parameters
    ----------
    buildings
        Rows with ``id``, ``name``, ``grid_id``, ``households`` and ``residents``.
    grids
        Rows with ``id`` and ``name``; every grid gets a row, even one with no buildings.
    network_m
        Walking distance of each building to its nearest station (``inf`` when none is reached).
    buffer_m
        Straight-line distance in metres of each building to its nearest station.
    threshold_m
        A building is covered when its distance is at most this.
    station_kind
        Which stations were measured (recorded in the report).
    """
    network_m = np.asarray(network_m, dtype=float)
    buffer_m = np.asarray(buffer_m, dtype=float)
    households = buildings["households"].to_numpy(dtype=np.int64)
    residents = buildings["residents"].to_numpy(dtype=np.int64)
    by_walk = network_m <= threshold_m
    by_buffer = buffer_m <= threshold_m
    group = grid_index(buildings, grids)
    walk_rows = grouped_figures(group, len(grids), by_walk, households, residents)
    buffer_rows = grouped_figures(group, len(grids), by_buffer, households, residents)
    grid_rows = tuple(
        GridCoverage(grid_id=grid_id, name=name, network=walk, buffer=line)
        for grid_id, name, walk, line in zip(grids["id"], grids["name"], walk_rows, buffer_rows,
                                             strict=True)
    )
    report = CoverageReport(
        station_kind=station_kind,
        threshold_m=float(threshold_m),
        network=figures(by_walk, households, residents),
        buffer=figures(by_buffer, households, residents),
        grids=grid_rows,
        uncovered=(),
        buffer_only=(),
    )
    if not rows:
        return report
    uncovered = np.flatnonzero(~by_walk)
    ids = buildings["id"].to_numpy(dtype=object).astype(str)
    # Farthest first (unreachable before all), then by id.
    uncovered = uncovered[np.lexsort((ids[uncovered], -network_m[uncovered]))]
    return replace(
        report,
        uncovered=_building_rows(buildings, uncovered, network_m, buffer_m),
        buffer_only=_building_rows(buildings, np.flatnonzero(by_buffer & ~by_walk), network_m,
                                   buffer_m),
    )


def coverage_curve(
    network_m: np.ndarray,
    buffer_m: np.ndarray,
    residents: np.ndarray,
    thresholds_m: Sequence[float],
) -> list[dict[str, float | None]]:
    """Share of residents covered by walk and by buffer at each threshold (for the chart)."""
    residents = np.asarray(residents, dtype=float)
    total = residents.sum()
    curve = []
    for threshold in thresholds_m:
        walk = residents[np.asarray(network_m) <= threshold].sum()
        line = residents[np.asarray(buffer_m) <= threshold].sum()
        curve.append(
            {
                "threshold_m": float(threshold),
                "network_share": share(walk, total),
                "buffer_share": share(line, total),
            }
        )
    return curve


def _building_rows(
    buildings: pd.DataFrame, rows: np.ndarray, network_m: np.ndarray, buffer_m: np.ndarray
) -> tuple[BuildingDistance, ...]:
    """The buildings at ``rows`` (in that order) with their distances."""
    picked = buildings.iloc[rows]
    return tuple(
        BuildingDistance(
            building_id=str(bid),
            name=str(name),
            grid_id=str(grid_id),
            households=int(households),
            residents=int(residents),
            distance_m=walk,
            buffer_distance_m=line,
        )
        for bid, name, grid_id, households, residents, walk, line in zip(
            picked["id"].tolist(),
            picked["name"].tolist(),
            picked["grid_id"].tolist(),
            picked["households"].tolist(),
            picked["residents"].tolist(),
            _metres_list(network_m[rows]),
            _metres_list(buffer_m[rows]),
            strict=True,
        )
    )


def _metres_list(values: np.ndarray) -> list[float | None]:
    """Metres to a decimetre, ``None`` where infinite (unreachable)."""
    rounded = np.round(values, 1).tolist()
    finite = np.isfinite(values).tolist()
    return [v if ok else None for v, ok in zip(rounded, finite, strict=True)]


def share(part: float, whole: float) -> float | None:
    """``part / whole`` to four places; ``None`` when ``whole`` is zero."""
    return round(float(part) / float(whole), 4) if whole else None
