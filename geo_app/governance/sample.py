"""An invented, deterministic 微协商 sample at the scale of the community's own account.

In 风格城市 "10 次走访、8 次座谈，收集社情民意 47 条 … 32 项治理项目" (seed article): this module
makes exactly that — 10 home visits and 8 meetings over the reference year, 47 views collected
at them from the compound's buildings, and 32 items decided at the meetings (毁绿种菜, 道路维修,
绿化修剪, 增设晾衣架, 充电桩 …), each with its views, owner, budget source, timeline and walking
reach. Every view goes through the real state machine (so its log is complete); most are closed
and rated, the latest still in hand. Names are made up (a surname and 先生/女士), phones are
fake 1380000xxxx numbers. The same layers always give the same sample; a grid that already has
meetings is left alone, so the command can be run again.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from geo_app.governance.items import ItemInput, ItemUpdate, create_item, update_item
from geo_app.governance.meetings import MeetingInput, create_meeting
from geo_app.governance.reach import Reach
from geo_app.governance.routing import grid_index, route_point
from geo_app.governance.views import Step, Submission, create_view, rate, transition
from geo_app.store.governance_models import Meeting, View
from geo_app.store.roles import ADMIN
from geo_app.store.sample import REFERENCE_YEAR, SURNAMES
from geo_app.walking import feature_points
from geo_app.walking.projection import crs_for_lonlat, projection_for
from layers import Community

SAMPLE_COMPOUND = "风格城市"
VISITS, MEETINGS, VIEWS, ITEMS = 10, 8, 47, 32
#: Items backed by two views (the rest by one): 15 × 2 + 17 × 1 = 47 views.
DOUBLE_ITEMS = VIEWS - ITEMS
#: Items still being carried out at the end of the sample (the latest decided).
OPEN_ITEMS = 4
TIMEZONE = ZoneInfo("Asia/Shanghai")
#: How far a pin may be set off its building's entrance (metres).
JITTER_M = 12.0

#: (theme, category, owner, budget source, what residents say).
THEMES: tuple[tuple[str, str, str, str, tuple[str, ...]], ...] = (
    ("毁绿种菜整治", "greening", "物业公司", "社区党建项目",
     ("楼旁绿地被人毁绿种菜，还浇粪水，气味大，希望恢复绿化", "公共绿地被开垦种菜，影响环境")),
    ("绿化修剪", "greening", "物业公司", "共建单位",
     ("树枝长得太密挡住了窗户和路灯，希望修剪", "绿化带杂草很高，夏天蚊虫多")),
    ("道路维修", "roads", "社区居委会", "社区党建项目",
     ("小区主路有坑洼，下雨积水，老人容易滑倒", "路面破损，电动车经过颠簸")),
    ("增设晾衣架", "property", "业主委员会", "居民自筹",
     ("没有地方晒被子，希望在空地增设晾衣架", "老人晾衣服要爬楼顶，不安全")),
    ("增设电动车充电桩", "parking_charging", "共建单位（供电所）", "共建单位",
     ("电动车没地方充电，有人飞线充电很危险", "楼下充电桩太少，晚上排队")),
    ("楼道灯维修", "safety", "物业公司", "社区党建项目",
     ("楼道灯坏了一个多月，晚上看不见台阶", "声控灯不亮，老人摔过一次")),
    ("消防通道清理", "safety", "物业公司", "社区党建项目",
     ("消防通道被私家车长期占用", "楼道里堆放杂物和电动车，存在火灾隐患")),
    ("垃圾分类点改造", "environment", "物业公司", "共建单位",
     ("垃圾桶满了没人清运，气味很大", "分类垃圾桶太少，经常溢出")),
    ("单元门禁维修", "property", "物业公司", "居民自筹",
     ("单元门禁坏了，陌生人随便进出", "门禁卡经常刷不开")),
    ("广场舞音量协调", "noise", "社区居委会", "社区党建项目",
     ("晚上九点后广场舞音响还很响，孩子没法睡觉", "广场音响声音太大")),
    ("邻里漏水调解", "neighbours", "社区居委会", "社区党建项目",
     ("楼上卫生间漏水到我家，协商不成", "邻居装修漏水，希望社区出面调解")),
    ("停车位划线", "parking_charging", "物业公司", "居民自筹",
     ("路边乱停车，救护车都进不来", "停车位不够，希望重新划线")),
    ("增设休闲座椅", "other", "共建单位（社企联盟）", "共建单位",
     ("老人散步走累了没地方坐", "希望在花园里放几张长椅")),
    ("下水道疏通", "environment", "物业公司", "社区党建项目",
     ("下水道堵塞，污水漫到路面", "雨水井堵了，一下雨就积水")),
    ("井盖更换", "roads", "社区居委会", "共建单位",
     ("路上井盖破损松动，很危险", "井盖响声大，晚上车一过就哐当响")),
    ("楼道杂物清理", "environment", "楼栋党员", "居民自筹",
     ("楼道堆满纸箱杂物，影响通行", "顶楼平台堆放旧家具")),
)
MEETING_PLACES = ("广场议事角", "金大姐聊天室")
ATTENDEES = (
    "小区党支部书记（网格长）", "红色小管家", "楼栋党员", "业主代表", "物业公司", "居民代表",
)
MINUTES = {
    "visit": "大事共议、要事共决、急事共商、实事共办。入户听取居民意见，登记在册。",
    "meeting": "大事共议、要事共决、急事共商、实事共办。逐条讨论收集的社情民意，形成治理项目。",
}


@dataclass(frozen=True)
class SampleActor:
    """The actor written in the sample's logs (acts as the community admin)."""

    username: str = "示例数据"
    role: str = ADMIN
    grid_id: str | None = None
    building_ids: frozenset[str] = frozenset()


@dataclass(frozen=True)
class SampleCounts:
    views: int
    items: int
    visits: int
    meetings: int


def _occasions(rng: random.Random) -> list[tuple[datetime, str]]:
    """18 occasions (time, kind) over March–November, the last one a meeting."""
    kinds = ["visit"] * VISITS + ["meeting"] * (MEETINGS - 1)
    rng.shuffle(kinds)
    kinds.append("meeting")
    days = sorted(rng.sample(range(60, 320), len(kinds)))
    start = datetime(REFERENCE_YEAR, 1, 1, tzinfo=TIMEZONE)
    return [
        (start + timedelta(days=d, hours=rng.choice((9, 10, 14, 15, 19))), kind)
        for d, kind in zip(days, kinds, strict=True)
    ]


def _pin(
    rng: random.Random, point: np.ndarray, grid_id: str, route: Callable[[float, float], str | None]
) -> tuple[float, float]:
    """A pin near ``point`` that still lies in ``grid_id`` (else the point itself)."""
    projection = projection_for(crs_for_lonlat(point.reshape(1, 2)))
    xy = projection.points_to_local(point.reshape(1, 2))[0]
    angle, radius = rng.uniform(0, 2 * np.pi), rng.uniform(0, JITTER_M)
    moved = projection.points_to_wgs84(
        (xy + radius * np.array([np.cos(angle), np.sin(angle)])).reshape(1, 2)
    )[0]
    lon, lat = round(float(moved[0]), 7), round(float(moved[1]), 7)
    if route(lon, lat) == grid_id:
        return lon, lat
    return float(point[0]), float(point[1])


def seed_governance(
    session: Session,
    community: Community,
    *,
    building_grids: Mapping[str, str],
    categories: Mapping[str, Mapping[str, Any]],
    budget_sources: Sequence[str],
    limits: Mapping[str, int],
    reach: Callable[[tuple[float, float]], Reach],
    radius_m: float,
    compound: str = SAMPLE_COMPOUND,
) -> SampleCounts | None:
    """Seed the sample in ``compound``'s grid; ``None`` when the compound is absent or the grid
    already has meetings."""
    buildings = community.buildings
    if "compound" not in buildings.columns:
        return None
    mine = buildings[buildings["compound"] == compound]
    if mine.empty:
        return None
    grid_id = building_grids.get(str(mine["id"].iloc[0]))
    if grid_id is None or session.scalar(select(Meeting.id).where(Meeting.grid_id == grid_id)):
        return None
    rng = random.Random(f"jinning-governance:{compound}")
    index = grid_index(community.grids)

    def route(lon: float, lat: float) -> str | None:
        return route_point(index, lon, lat)

    ids = [str(b) for b in mine["id"]]
    names = dict(zip(ids, (str(n) for n in mine["name"]), strict=True))
    points = dict(zip(ids, feature_points(mine), strict=True))
    actor = SampleActor()
    occasions = _occasions(rng)

    # the items' themes and buildings, and the views behind each (one or two)
    plan = []
    doubles = set(rng.sample(range(ITEMS), DOUBLE_ITEMS))
    for number in range(ITEMS):
        theme = THEMES[number % len(THEMES)]
        building = ids[(number * 7) % len(ids)]
        plan.append((theme, building, 2 if number in doubles else 1))
    # the views, in order, spread over the occasions (2 or 3 each)
    per_occasion = [VIEWS // len(occasions)] * len(occasions)
    for extra in rng.sample(range(len(occasions)), VIEWS % len(occasions)):
        per_occasion[extra] += 1
    slots = [i for i, n in enumerate(per_occasion) for _ in range(n)]

    meetings: dict[int, Meeting] = {}
    occasion_views: dict[int, list[int]] = {i: [] for i in range(len(occasions))}
    item_views: list[list[View]] = []
    slot = 0
    for theme, building, count in plan:
        views = []
        for k in range(count):
            occasion = slots[slot]
            slot += 1
            at, kind = occasions[occasion]
            lon, lat = _pin(rng, points[building], grid_id, route)
            named = rng.random() < 0.6
            view = create_view(
                session,
                Submission(
                    lon=lon, lat=lat, category=theme[1], text=theme[4][k % len(theme[4])],
                    grid_id=grid_id, building_id=building,
                    name=f"{rng.choice(SURNAMES)}{rng.choice(('先生', '女士'))}" if named else None,
                    phone=f"1380000{rng.randrange(10_000):04d}" if named else None,
                    source=kind,
                ),
                categories=categories, limits=limits, at=at + timedelta(minutes=10 * k),
                actor=actor.username,
            )
            view.supporters = rng.randrange(0, 7)
            views.append(view)
            occasion_views[occasion].append(view.id)
        item_views.append(views)

    for number, (at, kind) in enumerate(occasions):
        building = ids[(number * 5) % len(ids)]
        if kind == "visit":
            place, point = f"{names[building]}（入户走访）", points[building]
            topic = f"有事没事转一转：{names[building]}入户走访"
        else:
            place = f"{compound}{MEETING_PLACES[number % len(MEETING_PLACES)]}"
            point = points[building]
            held = sum(k == "meeting" for _, k in occasions[: number + 1])
            topic = f"{compound}微协商座谈（第 {held} 次）"
        meetings[number] = create_meeting(
            session,
            MeetingInput(
                kind=kind, held_at=at, topic=topic, place_name=place,
                lon=float(point[0]), lat=float(point[1]),
                attendees=list(rng.sample(ATTENDEES, 4)),
                minutes=MINUTES[kind],
                view_ids=occasion_views[number],
            ),
            grid_id=grid_id, actor=actor.username, now=at,
        )

    meeting_order = [i for i, (_, kind) in enumerate(occasions) if kind == "meeting"]
    for number, ((theme, building, _), views) in enumerate(zip(plan, item_views, strict=True)):
        last = max(slots[sum(p[2] for p in plan[:number]) + k] for k in range(len(views)))
        decided = next((m for m in meeting_order if m >= last), meeting_order[-1])
        at = occasions[decided][0] + timedelta(hours=3)
        still_open = number >= ITEMS - OPEN_ITEMS
        item = create_item(
            session,
            ItemInput(
                title=f"{names[building]}{theme[0]}", category=theme[1], owner=theme[2],
                budget_source=theme[3] if theme[3] in budget_sources else budget_sources[0],
                lon=float(points[building][0]), lat=float(points[building][1]),
                place_name=names[building], description="；".join(v.text for v in views),
                status="approved", progress=0, view_ids=[v.id for v in views],
            ),
            grid_id=grid_id, actor=actor.username, at=at, categories=categories,
            budget_sources=budget_sources, reach=reach, radius_m=radius_m,
            meeting_id=meetings[decided].id, note=f"{meetings[decided].topic}议定",
        )
        started = at + timedelta(days=rng.randint(2, 6))
        update_item(session, item.id, ItemUpdate(status="in_progress", progress=40,
                                                 note="开始实施"), caller=actor, at=started)
        finished = started + timedelta(days=rng.randint(5, 20))
        if still_open:
            update_item(session, item.id, ItemUpdate(progress=rng.choice((60, 70, 80)),
                                                     note="实施过半"), caller=actor, at=finished)
        else:
            update_item(session, item.id, ItemUpdate(status="done", progress=100, note="已完成"),
                        caller=actor, at=finished)
        for view in views:
            _walk_view(session, view, item_title=item.title, owner=theme[2], decided=at,
                       finished=None if still_open else finished, rng=rng, actor=actor)
    return SampleCounts(views=VIEWS, items=ITEMS, visits=VISITS, meetings=MEETINGS)


def _walk_view(
    session: Session, view: View, *, item_title: str, owner: str, decided: datetime,
    finished: datetime | None, rng: random.Random, actor: SampleActor,
) -> None:
    """Take a sample view through the real state machine up to where its item stands."""
    created = view.created_at
    steps = [
        (created + timedelta(hours=1), Step("published", note="内容属实，公开")),
        (decided, Step("accepted", note=f"纳入治理项目「{item_title}」")),
        (decided + timedelta(hours=1), Step("assigned", assignee=owner)),
        (decided + timedelta(days=1), Step("in_progress")),
    ]
    if finished is not None:
        steps += [
            (finished, Step("answered", note=f"「{item_title}」已完成，感谢您的意见。")),
            (finished + timedelta(days=2), Step("closed", note="回访核实，已结案")),
        ]
    for at, step in steps:
        transition(session, view.id, step, caller=actor, known_grids=(view.grid_id,), at=at)
    if finished is not None:
        rating = rng.choices((5, 4, 3, 2), weights=(6, 3, 1, 0.3))[0]
        rate(session, view.code, rating, at=finished + timedelta(days=3))
