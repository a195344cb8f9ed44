"""Which buildings are within a walk of a governance item's place (e.g. a new charging point).

The place and every building (at its entrance, else its centroid: the walking engine's
:func:`~geo_app.walking.feature_points`) are attached to the walking network and one
single-source Dijkstra search (:func:`~geo_app.walking.distance_matrix` from one origin) gives
the walking distance to each; those within the radius are the item's neighbours. Views that
came from those buildings are the item's voices "from next door".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from geo_app.walking import PreparedNetwork, attach, distance_matrix


@dataclass(frozen=True)
class Reach:
    """Buildings within ``radius_m`` walk of a place: (building id, metres), nearest first.

    ``access_m`` is the straight leg from the place to the nearest path; ``attached`` is False
    when the place is too far from every path (then no building is reached).
    """

    radius_m: float
    buildings: tuple[tuple[str, float], ...]
    access_m: float
    attached: bool

    def as_json(self) -> dict[str, object]:
        return {
            "radius_m": self.radius_m,
            "attached": self.attached,
            "access_m": round(self.access_m, 1),
            "buildings": [{"id": b, "distance_m": round(d, 1)} for b, d in self.buildings],
        }


def walk_reach(
    network: PreparedNetwork,
    place: tuple[float, float],
    building_ids: Sequence[str],
    building_points: np.ndarray,
    *,
    radius_m: float,
    max_attach_m: float,
) -> Reach:
    """The buildings within ``radius_m`` metres' walk of ``place`` (lon, lat)."""
    origin = attach(network, np.array([place], dtype=float), max_attach_m=max_attach_m)
    access = float(origin.access_m[0])
    if not bool(origin.ok[0]) or len(building_ids) == 0:
        return Reach(float(radius_m), (), access, bool(origin.ok[0]))
    targets = attach(network, np.asarray(building_points, float), max_attach_m=max_attach_m)
    metres = distance_matrix(network, origin, targets, max_distance_m=radius_m)[0]
    order = np.argsort(metres, kind="stable")
    found = tuple(
        (str(building_ids[i]), float(metres[i])) for i in order if np.isfinite(metres[i])
    )
    return Reach(float(radius_m), found, access, True)


def reach_key(place: tuple[float, float], radius_m: float) -> str:
    """What a stored reach was computed for (recomputed when the place or radius changes)."""
    return f"{place[0]:.7f},{place[1]:.7f},{radius_m:g}"

