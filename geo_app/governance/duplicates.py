"""Open views of the same category near a point: "是不是这个？" before a new view is sent.

Distances are straight lines in metres in the local projected CRS (EPSG:4548 around Hefei,
else the local UTM zone), never degrees: a degree of longitude is about 94 km at 32°N but a
degree of latitude 111 km. A latitude/longitude box a little larger than the radius picks the
candidates in the database; each is then measured exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from geo_app.governance.lifecycle import UNANSWERED_STATES
from geo_app.store.governance_models import View
from geo_app.walking.projection import local_crs, projection_for

#: Metres per degree of latitude (a lower bound, so the box always holds the circle).
METRES_PER_DEGREE = 110_500.0
#: Widen the candidate box by this factor (the box is a prefilter only).
BOX_MARGIN = 1.5


@dataclass(frozen=True)
class Nearby:
    """An open view near the point, and how far it is (metres)."""

    view: View
    distance_m: float


def distances_m(origin: tuple[float, float], points: np.ndarray) -> np.ndarray:
    """Straight-line distances (m) from ``origin`` (lon, lat) to ``points`` (n, 2) lon/lat,
    measured in the local projected CRS of the origin."""
    projection = projection_for(local_crs(*origin))
    xy = projection.points_to_local(np.vstack([np.asarray(origin, float), points]))
    return np.hypot(*(xy[1:] - xy[0]).T)


def open_views_near(
    session: Session,
    lon: float,
    lat: float,
    *,
    category: str,
    radius_m: float,
    public_only: bool = True,
    exclude_id: int | None = None,
) -> list[Nearby]:
    """Open (unanswered) views of ``category`` within ``radius_m`` metres, nearest first.

    ``public_only`` keeps those moderation published (what a resident may be shown).
    """
    half_lat = BOX_MARGIN * radius_m / METRES_PER_DEGREE
    half_lon = half_lat / max(math.cos(math.radians(lat)), 1e-6)
    query = select(View).where(
        View.category == category,
        View.state.in_(UNANSWERED_STATES),
        View.lon.between(lon - half_lon, lon + half_lon),
        View.lat.between(lat - half_lat, lat + half_lat),
    )
    if public_only:
        query = query.where(View.public.is_(True))
    if exclude_id is not None:
        query = query.where(View.id != exclude_id)
    candidates = list(session.scalars(query))
    if not candidates:
        return []
    metres = distances_m((lon, lat), np.array([[v.lon, v.lat] for v in candidates]))
    found = [
        Nearby(view, float(d)) for view, d in zip(candidates, metres, strict=True) if d <= radius_m
    ]
    return sorted(found, key=lambda n: (n.distance_m, n.view.id))
