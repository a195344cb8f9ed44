"""The invented sample of 微力量、微活动、微宣讲、微积分, at the scale of the community's account.

Deterministic (seeded random numbers, fixed dates in :data:`SAMPLE_YEAR`): 3 "笔墨金宁" 书画队,
5 dance groups of 107 people in all, the "红动金宁" talk team and a 社企联盟 team; 58 activities
held in the year (亲子, 为老服务, 传统文化, "我们的节日", talks on the team's topics) reaching
6,000+ residents; service hours confirmed and points credited through the same functions the
service uses; 22 exchanges of 纸巾, 洗衣液, 洗洁精 at the stations; and three activities to come.
Volunteers are adults of the invented roster (run after it), with invented phone numbers.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from geo_app.store.models import Household, Resident
from geo_app.volunteering.activities import (
    TALK_TOPICS,
    Place,
    check_in,
    confirm_hours,
    create_activity,
    record_beneficiaries,
    sign_up,
)
from geo_app.volunteering.goods import add_goods, move_goods, redeem
from geo_app.volunteering.ledger import balance_of
from geo_app.volunteering.models import Activity, Volunteer
from geo_app.volunteering.registry import create_team, join_team, register_volunteer
from geo_app.walking import feature_points
from layers import Community

SAMPLE_YEAR = 2026
TZ = ZoneInfo("Asia/Shanghai")
ACTOR = "sample"
#: (name, kind, members): 5 dance groups of 107 people, 3 书画队, the talk team, 社企联盟.
TEAMS: tuple[tuple[str, str, int], ...] = (
    ("金宁舞蹈一队", "dance", 24),
    ("金宁舞蹈二队", "dance", 22),
    ("金宁舞蹈三队", "dance", 21),
    ("金宁舞蹈四队", "dance", 20),
    ("金宁舞蹈五队", "dance", 20),
    ("笔墨金宁书画一队", "calligraphy", 9),
    ("笔墨金宁书画二队", "calligraphy", 8),
    ("笔墨金宁书画三队", "calligraphy", 8),
    ("红动金宁宣讲团", "talks", 12),
    ("社企联盟志愿服务队", "alliance", 16),
)
SERVICE_TITLES = (
    "亲子手工课",
    "为老服务：理发量血压",
    "传统文化进社区",
    "我们的节日·包粽子",
    "我们的节日·中秋诗会",
    "环境整治志愿行",
    "邻里帮扶上门服务",
    "文明创建宣传",
)
CULTURE_TITLES = ("笔墨金宁书画展", "广场舞展演", "书法进楼栋", "舞蹈队汇报演出")
ALLIANCE_UNITS = ("金宁路联华超市", "双凤物业", "长丰农商行双凤支行", "合肥安心家政")
#: How many activities of each kind were held in the year (58 in all).
HELD = {"service": 26, "culture": 16, "talk": 16}
GOODS = (
    ("tissue", "纸巾", "包", 10),
    ("dish_soap", "洗洁精", "瓶", 20),
    ("laundry_detergent", "洗衣液", "瓶", 30),
)
EXCHANGES = 22
BENEFICIARIES_FLOOR = 6000
CAP_PER_ACTIVITY = 50
CAP_PER_DAY = 100


@dataclass(frozen=True)
class SampleFacts:
    """What the layers give the sample: stations (id, name, lon, lat), squares, buildings."""

    stations: Sequence[tuple[str, str, float, float]]
    squares: Sequence[tuple[str, float, float]]
    buildings: Sequence[tuple[str, str, float, float]]
    known_buildings: Collection[str]


def _phone(rng: random.Random, used: set[str]) -> str:
    while True:
        phone = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
        if phone not in used:
            used.add(phone)
            return phone


def _adults(session: Session) -> list[tuple[str, str]]:
    """(name, building) of every adult of the roster, in roster order."""
    rows = session.execute(
        select(Resident.name, Household.building_id)
        .join(Household, Household.id == Resident.household_id)
        .where(Resident.birth_year <= SAMPLE_YEAR - 20, Resident.birth_year >= SAMPLE_YEAR - 78)
        .order_by(Resident.id)
    ).all()
    return [(str(n), str(b)) for n, b in rows]


def seed_volunteering(session: Session, facts: SampleFacts) -> int:
    """Seed the sample once (nothing when volunteers exist); returns the activities held."""
    if session.scalar(select(Volunteer.id).limit(1)) is not None:
        return 0
    rng = random.Random(f"jinning-volunteering:{SAMPLE_YEAR}")
    adults = _adults(session)
    needed = sum(n for _, _, n in TEAMS) + 20
    people = rng.sample(adults, needed) if len(adults) >= needed else adults
    phones: set[str] = set()
    volunteers = [
        register_volunteer(
            session,
            name=name,
            phone=_phone(rng, phones),
            building_id=building,
            known_buildings=facts.known_buildings,
            actor=ACTOR,
        )
        for name, building in people
    ]
    teams: dict[str, list[Volunteer]] = {}
    cursor = 0
    for name, kind, size in TEAMS:
        members = volunteers[cursor : cursor + size]
        cursor += size
        team = create_team(session, name=name, kind=kind, actor=ACTOR, leader=members[0])
        for member in members:
            join_team(session, team, member, actor=ACTOR)
            if kind == "alliance":
                member.alliance_unit = rng.choice(ALLIANCE_UNITS)
        teams[kind] = teams.get(kind, []) + members
    for goods_id, name, unit, points in GOODS:
        add_goods(session, goods_id=goods_id, name=name, unit=unit, points=points, actor=ACTOR)
    stations = [s[0] for s in facts.stations]
    start_of_year = datetime(SAMPLE_YEAR, 1, 1, tzinfo=TZ)
    for station in stations:
        for goods_id, _, _, _ in GOODS:
            move_goods(
                session,
                station,
                goods_id,
                kind="received",
                quantity=40,
                actor=ACTOR,
                known_stations=stations,
                ref="年初入库",
                at=start_of_year,
            )
    held = _hold_activities(session, rng, facts, teams, volunteers)
    _exchanges(session, rng, volunteers, stations)
    _upcoming(session, rng, facts, volunteers)
    return held


def _place(rng: random.Random, facts: SampleFacts, kind: str) -> Place:
    choice = rng.random()
    if (kind == "talk" and choice < 0.4) or choice < 0.2:
        name, lon, lat = rng.choice(list(facts.squares))
        return Place("square", None, name, lon, lat)
    if choice < 0.6:
        sid, name, lon, lat = rng.choice(list(facts.stations))
        return Place("station", sid, name, lon, lat)
    bid, name, lon, lat = rng.choice(list(facts.buildings))
    return Place("building", bid, name, lon, lat)


def _activity_dates(rng: random.Random, count: int) -> list[datetime]:
    """``count`` start times spread over January–November, at 09:00, 14:30 or 19:00."""
    days = sorted(rng.sample(range(0, 330), count))
    hours = ((9, 0), (14, 30), (19, 0))
    start = datetime(SAMPLE_YEAR, 1, 2, tzinfo=TZ)
    return [
        (start + timedelta(days=d)).replace(hour=h, minute=m)
        for d, (h, m) in zip(days, (rng.choice(hours) for _ in days), strict=True)
    ]


def _post_activity(
    session: Session,
    *,
    title: str,
    kind: str,
    topic: str | None,
    place: Place,
    starts: datetime,
    hours: int,
    capacity: int,
) -> Activity:
    """An activity of the sample's organiser, open to all, worth 5 points an hour and 5 a visit."""
    return create_activity(
        session, title=title, kind=kind, topic=topic, place=place, starts_at=starts,
        ends_at=starts + timedelta(hours=hours), capacity=capacity, points_per_hour=5,
        points_per_attendance=5, audience=[], organiser=ACTOR,
    )


def _hold_activities(
    session: Session,
    rng: random.Random,
    facts: SampleFacts,
    teams: dict[str, list[Volunteer]],
    volunteers: list[Volunteer],
) -> int:
    kinds = [k for k, n in HELD.items() for _ in range(n)]
    rng.shuffle(kinds)
    dates = _activity_dates(rng, len(kinds))
    total = len(kinds)
    beneficiaries = [rng.randint(80, 135) for _ in kinds]
    shortfall = BENEFICIARIES_FLOOR - sum(beneficiaries)
    if shortfall > 0:
        beneficiaries[-1] += shortfall + rng.randint(20, 120)
    for number, (kind, starts, served) in enumerate(
        zip(kinds, dates, beneficiaries, strict=True), start=1
    ):
        if kind == "talk":
            topic: str | None = TALK_TOPICS[number % len(TALK_TOPICS)]
            title = f"红动金宁宣讲：{topic}"
            pool = teams["talks"]
        elif kind == "culture":
            topic, title = None, rng.choice(CULTURE_TITLES)
            pool = teams["dance"] + teams["calligraphy"]
        else:
            topic, title = None, rng.choice(SERVICE_TITLES)
            pool = teams["alliance"] + volunteers[-20:]
        hours = rng.choice((1, 2, 2, 3))
        activity = _post_activity(
            session, title=title, kind=kind, topic=topic, place=_place(rng, facts, kind),
            starts=starts, hours=hours, capacity=rng.randint(8, 20),
        )
        crew = rng.sample(pool, min(len(pool), activity.capacity, rng.randint(5, 12)))
        for volunteer in crew:
            sign_up(session, activity.id, volunteer, actor=ACTOR, now=starts - timedelta(days=3))
        attended = [v for v in crew if rng.random() < 0.9] or crew[:1]
        for volunteer in attended:
            check_in(
                session,
                activity.id,
                volunteer.card,
                method="card",
                actor=ACTOR,
                now=starts + timedelta(minutes=5),
            )
        confirm_hours(
            session,
            activity.id,
            {v.card: hours * 60 for v in attended},
            actor=ACTOR,
            cap_per_activity=CAP_PER_ACTIVITY,
            cap_per_day=CAP_PER_DAY,
            timezone=TZ,
            at=starts + timedelta(hours=hours),
        )
        record_beneficiaries(session, activity.id, served, actor=ACTOR)
    return total


def _exchanges(
    session: Session, rng: random.Random, volunteers: list[Volunteer], stations: list[str]
) -> None:
    """22 exchanges through the year by volunteers whose balance covers them."""
    moments = sorted(
        datetime(SAMPLE_YEAR, 3, 1, 10, tzinfo=TZ) + timedelta(days=rng.randrange(265))
        for _ in range(EXCHANGES)
    )
    done = 0
    order = volunteers[:]
    rng.shuffle(order)
    for volunteer in order:
        if done == EXCHANGES:
            break
        goods_id, _, _, points = rng.choice(GOODS)
        if balance_of(session, volunteer.id) < points:
            continue
        redeem(
            session,
            card=volunteer.card,
            station_id=rng.choice(stations),
            goods_id=goods_id,
            quantity=1,
            actor=ACTOR,
            known_stations=stations,
            at=moments[done],
        )
        done += 1


def _upcoming(
    session: Session, rng: random.Random, facts: SampleFacts, volunteers: list[Volunteer]
) -> None:
    """Three activities of December, open for sign-up."""
    december = datetime(SAMPLE_YEAR, 12, 1, tzinfo=TZ)
    plans = (
        ("红动金宁宣讲：急救科普", "talk", "急救科普", december.replace(day=6, hour=9, minute=30)),
        ("我们的节日·冬至包饺子", "service", None, december.replace(day=21, hour=14, minute=30)),
        ("笔墨金宁迎新春写春联", "culture", None, december.replace(day=27, hour=9)),
    )
    for title, kind, topic, starts in plans:
        activity = _post_activity(
            session, title=title, kind=kind, topic=topic, place=_place(rng, facts, kind),
            starts=starts, hours=2, capacity=20,
        )
        for volunteer in rng.sample(volunteers, 6):
            sign_up(session, activity.id, volunteer, actor=ACTOR, now=starts - timedelta(days=10))


def facts_from_community(community: Community) -> SampleFacts:
    """Stations, one square per 小区 (its 广场议事角) and the buildings, with lon/lat."""
    stations = community.stations
    station_points = feature_points(stations)
    buildings = community.buildings
    building_points = feature_points(buildings)
    squares = [
        (f"{name}广场议事角", point.x, point.y)
        for name, point in zip(
            community.compounds["name"],
            community.compounds.geometry.representative_point(),
            strict=True,
        )
    ] or [("社区广场", *community.boundary.geometry.representative_point().iloc[0].coords[0])]
    return SampleFacts(
        stations=[
            (str(sid), str(name), float(p[0]), float(p[1]))
            for sid, name, p in zip(stations["id"], stations["name"], station_points, strict=True)
        ],
        squares=squares,
        buildings=[
            (str(bid), str(name), float(p[0]), float(p[1]))
            for bid, name, p in zip(
                buildings["id"], buildings["name"], building_points, strict=True
            )
        ],
        known_buildings=frozenset(str(b) for b in buildings["id"]),
    )
