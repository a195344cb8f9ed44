"""The walking engine: every distance the service shows is a walk along the path network.

Build the graph once (:func:`build_network`, or :func:`cached_network` to keep it on disk),
make it ready to query with its fences (:func:`prepare`; for a loaded community
:func:`prepare_community`), attach the fixed layers once (:func:`attach`), then query:
:func:`nearest` (k nearest targets with routes), :func:`nearest_targets` (nearest target of
every origin in one pass), :func:`distance_matrix` and :func:`isochrone`. Points in the public
API are WGS84 (lon, lat); everything is measured in metres in a local projection.

Modules, each importing only those above it: ``errors``, ``io``, ``projection``,
``features`` → ``graph`` → ``cache``, ``segment_index``, ``fences`` → ``prepared`` →
``attachment`` → ``search`` → ``routing`` → ``isochrones``, ``target_trees``, ``batch`` →
``cli``.
"""

from geo_app.walking.attachment import MAX_ATTACH_M, Attachment, attach
from geo_app.walking.cache import cached_network
from geo_app.walking.errors import NetworkInputError, PointTooFarError, WalkError
from geo_app.walking.features import feature_points
from geo_app.walking.graph import MIN_ISLAND_M, WalkNetwork, build_network
from geo_app.walking.isochrones import Isochrone, isochrone
from geo_app.walking.prepared import PreparedNetwork, prepare, prepare_community
from geo_app.walking.projection import local_crs
from geo_app.walking.routing import (
    WALK_SPEED_KMH,
    Route,
    distance_matrix,
    nearest,
    nearest_targets,
    walking_minutes,
)
from geo_app.walking.target_trees import (
    TargetTrees,
    TreeReach,
    build_target_trees,
    nearest_from_trees,
    ranked_targets,
    reach_targets,
    route_line,
)

__all__ = [
    "MAX_ATTACH_M",
    "MIN_ISLAND_M",
    "WALK_SPEED_KMH",
    "Attachment",
    "Isochrone",
    "NetworkInputError",
    "PointTooFarError",
    "PreparedNetwork",
    "Route",
    "TargetTrees",
    "TreeReach",
    "WalkError",
    "WalkNetwork",
    "attach",
    "build_network",
    "build_target_trees",
    "cached_network",
    "distance_matrix",
    "feature_points",
    "isochrone",
    "local_crs",
    "nearest",
    "nearest_from_trees",
    "nearest_targets",
    "prepare",
    "prepare_community",
    "ranked_targets",
    "reach_targets",
    "route_line",
    "walking_minutes",
]
