"""A deterministic, invented roster for each building: households, people, tags, contacts.

Every name is made up from common surnames and given-name characters; the same building id
always gives the same roster. The layer's ``households`` and ``residents`` figures are met
exactly, so the roster and the layer agree.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass

import geopandas as gpd
from sqlalchemy import select
from sqlalchemy.orm import Session

from geo_app.store import audit
from geo_app.store.models import BuildingContact, Household, Resident
from geo_app.store.roles import BUILDING_MEMBER, OWNER_REP

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵"
)
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文志海波宁安康春梅兵林凤云"
    "浩宇欣怡子涵思雨梓轩佳琪晨阳雪婷鑫博俊辉家豪慧颖淑珍德福荣昌"
)
#: The year ages are counted from, fixed so the roster never changes with the calendar.
REFERENCE_YEAR = 2024
MAX_HOUSEHOLD_SIZE = 6
ELDERLY_AGE = 70
PARTY_MEMBER_RATE = 0.08
HARDSHIP_RATE = 0.03
DISABILITY_RATE = 0.04
#: Invented phone numbers: 11 digits like a mobile number, but with the prefix 100, which no
#: carrier uses (mobile numbers begin 13–19), so no sample number reaches a real person.
SAMPLE_PHONE_PREFIX = "100"


@dataclass(frozen=True)
class BuildingFacts:
    """What the buildings layer says about a building's size."""

    id: str
    units: int
    floors: int
    households: int
    residents: int


@dataclass
class _Person:
    name: str
    gender: str
    birth_year: int
    relation: str
    party_member: bool = False


def facts_from_layer(buildings: gpd.GeoDataFrame) -> list[BuildingFacts]:
    """The size facts of every building of the buildings layer, in layer order."""
    return [
        BuildingFacts(b.id, int(b.units), int(b.floors), int(b.households), int(b.residents))
        for b in buildings.itertuples()
    ]


def _name(rng: random.Random, surname: str | None = None) -> str:
    given = "".join(rng.choice(GIVEN_CHARS) for _ in range(rng.choice((1, 2, 2))))
    return (surname or rng.choice(SURNAMES)) + given


def _household_sizes(rng: random.Random, households: int, residents: int) -> list[int]:
    """Sizes that sum to ``residents``: one each first, then the rest spread up to the cap."""
    if households == 0:
        return []
    sizes = [0] * households
    order = list(range(households))
    rng.shuffle(order)
    for index in order[: min(households, residents)]:
        sizes[index] = 1
    for _ in range(max(0, residents - households)):
        roomy = [i for i in range(households) if sizes[i] < MAX_HOUSEHOLD_SIZE] or order
        sizes[rng.choice(roomy)] += 1
    return sizes


def _members(rng: random.Random, size: int) -> list[_Person]:
    if size == 0:
        return []
    surname = rng.choice(SURNAMES)
    head_age = rng.randint(25, 90) if size == 1 else rng.randint(28, 80)
    head_gender = rng.choice("男女")
    people = [_Person(_name(rng, surname), head_gender, REFERENCE_YEAR - head_age, "户主")]
    if size >= 2:
        spouse_age = max(20, head_age + rng.randint(-5, 5))
        spouse_gender = "女" if head_gender == "男" else "男"
        people.append(_Person(_name(rng), spouse_gender, REFERENCE_YEAR - spouse_age, "配偶"))
    for _ in range(size - len(people)):
        if head_age < 60 and rng.random() < 0.2:
            age, relation = head_age + rng.randint(22, 32), "父母"
        else:
            age, relation = max(0, head_age - rng.randint(22, 34)), "子女"
        gender = rng.choice("男女")
        people.append(_Person(_name(rng, surname), gender, REFERENCE_YEAR - age, relation))
    for person in people:
        adult = REFERENCE_YEAR - person.birth_year >= 18
        person.party_member = adult and rng.random() < PARTY_MEMBER_RATE
    return people


def _tags(rng: random.Random, people: list[_Person]) -> list[str]:
    tags = []
    if len(people) == 1 and REFERENCE_YEAR - people[0].birth_year >= ELDERLY_AGE:
        tags.append("独居老人")
    if people and rng.random() < HARDSHIP_RATE:
        tags.append("困难家庭")
    if people and rng.random() < DISABILITY_RATE:
        tags.append("残疾人")
    return tags


def _rooms(units: int, floors: int, households: int) -> list[tuple[int, str]]:
    """(unit, room number) for each household: units filled evenly, floor by floor."""
    rooms: list[tuple[int, str]] = []
    for unit in range(1, units + 1):
        in_unit = households // units + (1 if unit <= households % units else 0)
        per_floor = max(1, -(-in_unit // floors))
        rooms.extend((unit, f"{i // per_floor + 1}{i % per_floor + 1:02d}") for i in range(in_unit))
    return rooms


def _give_phones(building_id: str, adults: list[Resident]) -> None:
    """An invented phone number for every adult (its own random stream: names stay as they were)."""
    rng = random.Random(f"jinning-phone:{building_id}")
    for person in adults:
        person.phone = f"{SAMPLE_PHONE_PREFIX}{rng.randrange(10**8):08d}"


def generate_roster(building: BuildingFacts) -> tuple[list[Household], dict[str, Resident]]:
    """The building's households (with members) and its 楼栋党员 / 业主代表 among them."""
    rng = random.Random(f"jinning-roster:{building.id}")
    sizes = _household_sizes(rng, building.households, building.residents)
    households = []
    for (unit, room), size in zip(
        _rooms(building.units, building.floors, building.households), sizes, strict=True
    ):
        people = _members(rng, size)
        households.append(
            Household(
                id=f"{building.id}-{unit}-{room}",
                building_id=building.id,
                unit=unit,
                room=room,
                tags=_tags(rng, people),
                members=[Resident(**vars(p)) for p in people],
            )
        )
    adults = [
        r for h in households for r in h.members if REFERENCE_YEAR - r.birth_year >= 18
    ]
    _give_phones(building.id, adults)
    contacts: dict[str, Resident] = {}
    if adults:
        party = [r for r in adults if r.party_member]
        member = rng.choice(party or adults)
        member.party_member = True
        contacts[BUILDING_MEMBER] = member
        heads = [r for r in adults if r.relation == "户主" and r is not member]
        if heads:
            contacts[OWNER_REP] = rng.choice(heads)
    return households, contacts


def seed_people(session: Session, buildings: Iterable[BuildingFacts], *, actor: str) -> int:
    """Generate the roster of every building that has none yet (audited); how many were filled."""
    filled = {b for b in session.scalars(select(Household.building_id).distinct())}
    seeded, households_total, residents_total = [], 0, 0
    for building in buildings:
        if building.id in filled or building.households == 0:
            continue
        households, contacts = generate_roster(building)
        session.add_all(households)
        session.flush()
        session.add_all(
            BuildingContact(building_id=building.id, role=role, resident_id=resident.id)
            for role, resident in contacts.items()
        )
        seeded.append(building.id)
        households_total += len(households)
        residents_total += sum(len(h.members) for h in households)
    if seeded:
        audit.record(
            session, actor=actor, action="people.seed", target="buildings",
            after={
                "buildings": seeded,
                "households": households_total,
                "residents": residents_total,
            },
            note="生成示例住户（虚构姓名）",
        )
    return len(seeded)
