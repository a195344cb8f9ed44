"""微力量: the volunteer register and the teams.

A volunteer has a card number (``JN`` and five digits, printed with a QR code for check-in), a
phone, optionally the building they live in (which puts them in that building's grid for
staff scope), skills, teams and a 社企联盟 unit. A PIN (hashed like a password) lets them read
their own points from their phone.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo_app.formats.numbers import number_text
from geo_app.store import audit
from geo_app.store.errors import require_known
from geo_app.store.hashing import check_secret, hash_secret
from geo_app.store.upsert import insert_missing
from geo_app.volunteering.checks import check_kind, required_text
from geo_app.volunteering.errors import ConflictError, NotFoundError, VolunteeringError
from geo_app.volunteering.models import PointsBalance, Team, TeamMember, Volunteer
from layers.quoting import quoted

CARD_PREFIX = "JN"
CARD_PATTERN = re.compile(rf"^{CARD_PREFIX}\d{{5}}$")
#: ASCII digits only: what is typed is folded first (:func:`number_text`, full-width → ASCII).
PHONE_PATTERN = re.compile(r"^1[3-9][0-9]{9}$|^0[0-9]{2,3}-?[0-9]{7,8}$")
PIN_PATTERN = re.compile(r"^[0-9]{6}$")
#: Kinds of team, as the community names them.
TEAM_KINDS: dict[str, str] = {
    "calligraphy": "书画队",
    "dance": "舞蹈队",
    "talks": "宣讲团",
    "service": "志愿服务队",
    "alliance": "社企联盟",
}
MAX_NAME = 32
MAX_SKILLS = 10


def normalise_card(raw: str) -> str:
    """A card number as typed or scanned: upper case, no spaces; a scanned check-in link
    (``…/c/JN00012``) gives its last part."""
    text = raw.strip().rstrip("/").rsplit("/", 1)[-1]
    return re.sub(r"\s+", "", text).upper()


def find_volunteer(session: Session, card: str) -> Volunteer | None:
    return session.scalars(
        select(Volunteer).where(Volunteer.card == normalise_card(card))
    ).one_or_none()


def teams_of(session: Session, volunteer: Volunteer) -> list[Team]:
    return list(
        session.scalars(
            select(Team)
            .join(TeamMember, TeamMember.team_id == Team.id)
            .where(TeamMember.volunteer_id == volunteer.id)
            .order_by(Team.name)
        )
    )


def get_volunteer(session: Session, card: str) -> Volunteer:
    """The volunteer of ``card``, or :class:`NotFoundError` naming the card (a blank card:
    asked for, not looked up)."""
    if not card.strip():
        raise VolunteeringError("请填写志愿者卡号（卡上的 JN 开头的编号）", parameter="card")
    volunteer = find_volunteer(session, card)
    if volunteer is None:
        msg = f"志愿者卡号 {quoted(card.strip())} 不存在"
        raise NotFoundError(msg, parameter="card")
    return volunteer


def _next_card(session: Session) -> str:
    highest = session.scalar(select(func.max(Volunteer.card)))
    number = int(highest[len(CARD_PREFIX) :]) + 1 if highest else 1
    return f"{CARD_PREFIX}{number:05d}"


def _validated(
    *,
    name: str,
    phone: str,
    building_id: str | None,
    skills: Iterable[str],
    alliance_unit: str | None,
    known_buildings: Collection[str],
) -> dict[str, Any]:
    name = required_text(name, label="姓名", limit=MAX_NAME, parameter="name")
    phone = number_text(phone).replace(" ", "")
    if not PHONE_PATTERN.match(phone):
        msg = f"电话 {quoted(phone)} 不是有效的手机号或座机号"
        raise VolunteeringError(msg, parameter="phone")
    building = (building_id or "").strip() or None
    if building is not None:
        require_known(building, known_buildings, what="楼栋", parameter="building",
                      error=VolunteeringError)
    skill_list = [s.strip() for s in skills if s.strip()]
    if len(skill_list) > MAX_SKILLS or any(len(s) > 16 for s in skill_list):
        msg = f"特长最多 {MAX_SKILLS} 项，每项不超过 16 个字"
        raise VolunteeringError(msg, parameter="skills")
    unit = (alliance_unit or "").strip() or None
    if unit is not None and len(unit) > 64:
        msg = "社企联盟单位名称不超过 64 个字"
        raise VolunteeringError(msg, parameter="alliance_unit")
    return {
        "name": name,
        "phone": phone,
        "building_id": building,
        "skills": skill_list,
        "alliance_unit": unit,
    }


def register_volunteer(
    session: Session,
    *,
    name: str,
    phone: str,
    building_id: str | None,
    known_buildings: Collection[str],
    actor: str,
    skills: Iterable[str] = (),
    alliance_unit: str | None = None,
    pin: str | None = None,
) -> Volunteer:
    """Register a volunteer with the next card number (audited); balance starts at 0."""
    fields = _validated(
        name=name,
        phone=phone,
        building_id=building_id,
        skills=skills,
        alliance_unit=alliance_unit,
        known_buildings=known_buildings,
    )
    duplicate = session.scalar(select(Volunteer.card).where(Volunteer.phone == fields["phone"]))
    if duplicate is not None:
        msg = f"电话 {fields['phone']} 已登记为志愿者 {duplicate}"
        raise ConflictError(msg, parameter="phone")
    volunteer = Volunteer(card=_next_card(session), registered_by=actor, **fields)
    if pin:
        volunteer.pin_hash = _pin_hash(pin)
    audit.add_and_record(
        session, volunteer, actor=actor, action="volunteer.register",
        target=f"volunteer:{volunteer.card}",
        after={k: v for k, v in fields.items() if k != "phone"}, note="登记志愿者",
    )
    insert_missing(session, PointsBalance, [{"volunteer_id": volunteer.id, "balance": 0}])
    return volunteer


def _pin_hash(pin: str) -> str:
    """The hash of a 6-digit PIN as the volunteer will type it: ``１２３４５６`` typed in a
    full-width input method is kept as 123456 (it was hashed as typed, and the volunteer's
    phone keypad then never matched it)."""
    digits = number_text(pin)
    if not PIN_PATTERN.match(digits):
        msg = "查询密码须为 6 位数字"
        raise VolunteeringError(msg, parameter="pin")
    return hash_secret(digits)


def set_pin(session: Session, volunteer: Volunteer, pin: str, *, actor: str) -> None:
    volunteer.pin_hash = _pin_hash(pin)
    audit.record(
        session, actor=actor, action="volunteer.pin", target=f"volunteer:{volunteer.card}",
        note="设置查询密码",
    )


def check_pin(volunteer: Volunteer | None, pin: str) -> bool:
    """Whether ``pin`` is the volunteer's PIN (False for unknown cards or no PIN set; the
    same cost either way)."""
    return check_secret(volunteer.pin_hash if volunteer else None, number_text(pin))


def create_team(
    session: Session, *, name: str, kind: str, actor: str, leader: Volunteer | None = None
) -> Team:
    name = required_text(name, label="队伍名称", limit=64, parameter="name")
    check_kind(kind, TEAM_KINDS, label="队伍类型", shown=TEAM_KINDS.values())
    if session.scalar(select(Team.id).where(Team.name == name)) is not None:
        msg = f"队伍 {name} 已存在"
        raise ConflictError(msg, parameter="name")
    team = audit.add_and_record(
        session, Team(name=name, kind=kind, leader_id=leader.id if leader else None),
        actor=actor, action="team.create", target=lambda added: f"team:{added.id}",
        after={"name": name, "kind": kind}, note="成立队伍",
    )
    if leader is not None:
        join_team(session, team, leader, actor=actor)
    return team


def join_team(session: Session, team: Team, volunteer: Volunteer, *, actor: str) -> bool:
    """Add ``volunteer`` to ``team``; False when already a member."""
    key = {"team_id": team.id, "volunteer_id": volunteer.id}
    if session.get(TeamMember, (team.id, volunteer.id)) is not None:
        return False
    audit.add_and_record(
        session, TeamMember(**key), actor=actor, action="team.join", target=f"team:{team.id}",
        after={"card": volunteer.card}, note=f"{volunteer.card} 加入{team.name}",
    )
    return True


def team_sizes(session: Session) -> list[tuple[Team, int]]:
    """Every team with its number of members, by kind then name."""
    counts = dict(
        session.execute(select(TeamMember.team_id, func.count()).group_by(TeamMember.team_id)).all()
    )
    teams = session.scalars(select(Team).order_by(Team.kind, Team.name))
    return [(team, int(counts.get(team.id, 0))) for team in teams]
