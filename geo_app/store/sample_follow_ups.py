"""Sample visits that asked for a follow-up (需要跟进), so the sample's 待跟进 lists have work.

In every grid a few households of the invented roster (those with a care tag first) had a
visit in the last weeks that found something to follow up: most are still open, of different
ages; one per grid is done, by a 已跟进 note in some grids and by a later visit that resolved
it in the others. Everything goes through the functions a grid member's forms use
(:func:`~geo_app.store.visits.record_visit`, :func:`~geo_app.store.visits.close_follow_up`),
so each visit and closure has its audit entry. The same roster, grids and day always give the
same visits; a store that has any visit already is left alone.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from geo_app.store.models import Household, Visit
from geo_app.store.visits import close_follow_up, record_visit

#: Who the sample's visits are by: the name the 微协商 sample acts under, shown as it is.
SAMPLE_VISITOR = "示例数据"
FOLLOW_UPS_PER_GRID = 4
CLOSED_PER_GRID = 1
#: How many days ago the follow-ups were asked for (each grid draws its own).
AGES_DAYS = (2, 4, 6, 9, 13, 18, 24, 33, 41, 52)
#: The hour the sample's visits and closures are recorded at, local time.
RECORDED_HOUR = 10
#: (what a visit found, what following it up took).
CASES = (
    ("楼道灯坏了，晚上老人下楼看不清", "已联系物业换好楼道灯"),
    ("独居，腿脚不便，想申请社区助餐", "已报名社区食堂助餐，每天中午送餐上门"),
    ("厨房水管渗水，楼下天花板发霉", "已请物业维修师傅换了水管接头"),
    ("想了解高龄津贴怎么申请", "已帮忙准备材料，代交到社区"),
    ("家中老人需要办理残疾证", "已陪同到街道办好残疾证"),
    ("楼道堆放杂物，堵了消防通道", "已和住户商量清走杂物"),
    ("空调外机支架锈蚀松动，有坠落风险", "已通知业主，物业协助加固"),
    ("低保年审材料还差收入证明", "已指导补齐材料并提交"),
    ("反映楼上夜间噪音扰民", "已上门沟通，双方约定晚十点后保持安静"),
    ("老人长期卧床，想请人上门理发", "已联系志愿者上门理发"),
)


@dataclass(frozen=True)
class SampleFollowUps:
    """What :func:`seed_follow_ups` recorded: visits asking for a follow-up, how many of them
    are closed, in how many grids."""

    visits: int
    closed: int
    grids: int


def _households(session: Session, building_ids: Sequence[str], rng: random.Random,
                ) -> list[Household]:
    """The grid's living households, those with a care tag first, each group shuffled."""
    living = list(session.scalars(
        select(Household).where(Household.building_id.in_(building_ids),
                                Household.moved_out_at.is_(None)).order_by(Household.id)
    ))
    tagged = [h for h in living if h.tags]
    others = [h for h in living if not h.tags]
    rng.shuffle(tagged)
    rng.shuffle(others)
    return tagged + others


def seed_follow_ups(
    session: Session,
    *,
    building_grids: Mapping[str, str],
    now: datetime,
    kinds: Sequence[str],
) -> SampleFollowUps | None:
    """Record the sample's follow-up visits in ``session``'s transaction; ``None`` when the
    store has visits already or no grid has households.

    ``building_grids``: building id → grid; ``now``: the community's local time (its date is
    today); ``kinds``: the visit kinds configured (the first for home visits, the second, if
    any, for the phone calls that resolve a follow-up).
    """
    if session.scalar(select(Visit.id).limit(1)) is not None:
        return None
    today = now.date()

    def moment(day: date) -> datetime:
        return datetime.combine(day, time(RECORDED_HOUR), tzinfo=now.tzinfo)

    visits = closed = grids = 0
    for number, grid_id in enumerate(sorted(set(building_grids.values()))):
        rng = random.Random(f"jinning-follow-ups:{grid_id}")
        buildings = sorted(b for b, g in building_grids.items() if g == grid_id)
        households = _households(session, buildings, rng)[:FOLLOW_UPS_PER_GRID]
        if not households:
            continue
        grids += 1
        ages = sorted(rng.sample(AGES_DAYS, len(households)), reverse=True)
        cases = rng.sample(CASES, len(households))
        for index, (household, age, (found, done)) in enumerate(
            zip(households, ages, cases, strict=True)
        ):
            visited_on = today - timedelta(days=age)
            visit = record_visit(
                session, household, visited_on=visited_on, kind=kinds[0], note=found,
                follow_up=True, kinds=kinds, today=today, visitor=SAMPLE_VISITOR,
                at=moment(visited_on),
            )
            session.flush()
            visits += 1
            if not 1 <= index <= CLOSED_PER_GRID:  # the oldest stays open
                continue
            closed_on = visited_on + timedelta(days=rng.randint(1, age - 1))
            if number % 2 == 0:
                close_follow_up(
                    session, visit.id, building_id=household.building_id, closed_on=closed_on,
                    note=done, today=today, actor=SAMPLE_VISITOR, at=moment(closed_on),
                )
            else:
                record_visit(
                    session, household, visited_on=closed_on, kind=kinds[min(1, len(kinds) - 1)],
                    note=done, follow_up=False, kinds=kinds, today=today,
                    visitor=SAMPLE_VISITOR, resolves=[visit.id], at=moment(closed_on),
                )
            closed += 1
    return SampleFollowUps(visits, closed, grids) if visits else None
