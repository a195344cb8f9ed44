"""An activity on the tiny grid community with one volunteer signed up: the starting point of
the check-in, hours and scope tests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from geo_app.volunteering.activities import Place, create_activity, sign_up
from geo_app.volunteering.registry import get_volunteer

#: Station S-1 of the tiny grid community, as an activity's place.
AT_S1 = Place("station", "S-1", "S-1 服务站", 117.261, 31.9615)


def signed_up_activity(
    db: Session,
    *,
    card: str,
    starts_at: datetime,
    ends_at: datetime,
    signed_up_at: datetime,
    title: str = "楼道清洁",
    kind: str = "service",
    topic: str | None = None,
    place: Place = AT_S1,
    points_per_hour: int = 10,
    points_per_attendance: int = 0,
    organiser: str = "steward1",
) -> int:
    """The id of a new activity (5 places) that volunteer ``card`` signed up for at
    ``signed_up_at``."""
    activity = create_activity(
        db, title=title, kind=kind, topic=topic, place=place, starts_at=starts_at,
        ends_at=ends_at, capacity=5, points_per_hour=points_per_hour,
        points_per_attendance=points_per_attendance, audience=[], organiser=organiser,
    )
    sign_up(db, activity.id, get_volunteer(db, card), actor="t", now=signed_up_at)
    return activity.id
