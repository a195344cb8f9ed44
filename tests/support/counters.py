"""A volunteer with points and a good in stock on the tiny grid community: the starting figures
of the counter tests (redemptions, goods movements, forms sent twice)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from geo_app.volunteering.goods import add_goods, move_goods
from geo_app.volunteering.ledger import post_entry
from geo_app.volunteering.models import Volunteer
from geo_app.volunteering.registry import register_volunteer

#: The good every counter test redeems: 洗洁精, 20 points a bottle, stocked at station S-1.
GOODS_ID, GOODS_POINTS, STATION = "dish_soap", 20, "S-1"


def volunteer_with_points(db: Session, *, points: int, bottles: int) -> Volunteer:
    """Volunteer JN00001 (赵一鸣, of FG-1) with ``points`` earned, and ``bottles`` of 洗洁精 at
    S-1."""
    volunteer = register_volunteer(db, name="赵一鸣", phone="13900000001", building_id="FG-1",
                                   known_buildings={"FG-1"}, actor="t")
    add_goods(db, goods_id=GOODS_ID, name="洗洁精", unit="瓶", points=GOODS_POINTS, actor="t")
    move_goods(db, STATION, GOODS_ID, kind="received", quantity=bottles, actor="t",
               known_stations=(STATION, "S-2"))
    post_entry(db, volunteer, kind="earn", points=points, actor="t", reason="测试", ref="t")
    return volunteer
