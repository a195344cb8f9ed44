"""Accounts: creation, password checks and assignments that respect the four-level grid.

A 红色小管家 or 网格长 belongs to one grid and sees all of it; a 楼栋党员 or 业主代表 belongs to
one grid and looks after buildings that lie in it; the admin belongs to no grid.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from zxcvbn import zxcvbn

from geo_app.store import audit
from geo_app.store.errors import AccountError, AssignmentError, require_known
from geo_app.store.hashing import check_secret, hash_secret
from geo_app.store.models import Account, AccountBuilding, fields_of
from geo_app.store.roles import (
    ADMIN,
    BUILDING_ROLES,
    GRID_ROLES,
    ROLE_LABELS,
    ROLES,
    UNGRIDDED_ROLES,
    WHOLE_GRID_ROLES,
)
from geo_app.store.sessions import revoke_account_sessions
from layers.quoting import quoted

MIN_PASSWORD_LENGTH = 8
#: One-time passwords: 12 characters from an alphabet without look-alikes (0/O, 1/l/I).
ONE_TIME_PASSWORD_LENGTH = 12
ONE_TIME_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
#: zxcvbn's score a password needs (0–4; 3 = "safely unguessable", about 10^8 guesses or more).
MIN_PASSWORD_SCORE = 3
#: zxcvbn is slow on very long input and gains nothing past this length.
ZXCVBN_MAX_LENGTH = 100
#: Words of this service that make a password guessable, whoever sets it.
SERVICE_WORDS = ("jinning", "金宁", "shequ", "社区", "wangge", "网格", "admin")
#: zxcvbn's warnings, in Chinese.
PASSWORD_WARNINGS = {
    "This is a top-10 common password.": "这是最常用的 10 个密码之一",
    "This is a top-100 common password.": "这是最常用的 100 个密码之一",
    "This is a very common password.": "这是非常常见的密码",
    "This is similar to a commonly used password.": "与常见密码过于相似",
    "A word by itself is easy to guess.": "单个词语很容易被猜到",
    "Names and surnames by themselves are easy to guess.": "单独的姓名很容易被猜到",
    "Common names and surnames are easy to guess.": "常见姓名很容易被猜到",
    "Straight rows of keys are easy to guess.": "键盘上连成一行的按键很容易被猜到",
    "Short keyboard patterns are easy to guess.": "简短的键盘图案很容易被猜到",
    'Repeats like "aaa" are easy to guess.': "“aaa”这样的重复很容易被猜到",
    'Sequences like "abc" or "6543" are easy to guess.': "“abc”“6543”这样的序列很容易被猜到",
    "Recent years are easy to guess.": "近年的年份很容易被猜到",
    "Dates are often easy to guess.": "日期很容易被猜到",
}
#: What a username may be: ASCII letters and digits, ``_ . -`` (a login typed on any keyboard).
USERNAME_PATTERN = re.compile(r"[A-Za-z0-9_.-]{2,64}")


def check_password_strength(password: str, *, personal: Iterable[str] = ()) -> None:
    """Refuse short, common and guessable passwords (ASVS 2.1.7), in Chinese.

    The guess estimate is zxcvbn's (Dropbox's estimator: common-password and name lists,
    keyboard patterns, repeats, sequences, dates, l33t substitutions); ``personal`` words (the
    username, the display name) and the service's own words count as guessable too.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        msg = f"密码至少 {MIN_PASSWORD_LENGTH} 个字符"
        raise AccountError(msg, parameter="password")
    if password.strip() != password:
        msg = "密码首尾不能有空白字符"
        raise AccountError(msg, parameter="password")
    words = [w for w in (*personal, *SERVICE_WORDS) if w]
    result = zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=words)
    if result["score"] < MIN_PASSWORD_SCORE:
        warning = result["feedback"]["warning"]
        reason = PASSWORD_WARNINGS.get(warning)  # zxcvbn says why only for some patterns
        why = f"（{reason}）" if reason else ""
        msg = (
            f"密码太容易被猜到{why}：请用几个不常见的词语组成的较长密码，"
            "不要用用户名、姓名、常见密码、键盘顺序或重复字符"
        )
        raise AccountError(msg, parameter="password")


def check_assignment(
    role: str,
    grid_id: str | None,
    building_ids: Collection[str],
    *,
    building_grids: Mapping[str, str],
    known_grids: Mapping[str, str],
) -> None:
    """Raise :class:`AssignmentError` unless ``role`` may hold this grid and these buildings.

    ``building_grids`` maps every building to the grid it lies in now (layer plus
    reassignments); ``known_grids`` maps the grids of the layer to their names, which the
    refusals say (the admin picks a grid by its name).
    """
    if role not in ROLES:
        choices = "、".join(f"{r} {ROLE_LABELS[r]}" for r in ROLES)
        msg = f"未知角色 {quoted(role)}（可选：{choices}）"
        raise AssignmentError(msg, parameter="role")
    label = ROLE_LABELS[role]
    if role in UNGRIDDED_ROLES:
        if grid_id or building_ids:
            msg = f"{label}不属于任何网格，不能分配网格或楼栋"
            raise AssignmentError(msg, parameter="grid")
        return
    if role in GRID_ROLES and not grid_id:
        msg = f"{label}必须属于一个网格"
        raise AssignmentError(msg, parameter="grid")
    require_known(grid_id, known_grids, what="网格", parameter="grid", error=AssignmentError)
    if role in WHOLE_GRID_ROLES and building_ids:
        msg = f"{label}负责整个网格，不单独分配楼栋"
        raise AssignmentError(msg, parameter="buildings")
    if role in BUILDING_ROLES:
        if not building_ids:
            msg = f"{label}至少负责一栋楼"
            raise AssignmentError(msg, parameter="buildings")
        unknown = sorted(b for b in building_ids if b not in building_grids)
        if unknown:
            msg = f"楼栋 {'、'.join(unknown)} 不存在"
            raise AssignmentError(msg, parameter="buildings")
        outside = sorted(b for b in building_ids if building_grids[b] != grid_id)
        if outside:
            grid = f"{known_grids[str(grid_id)]}（{grid_id}）"  # known: checked above
            msg = f"楼栋 {'、'.join(outside)} 不在网格 {grid}内，{label}只能负责本网格的楼栋"
            raise AssignmentError(msg, parameter="buildings")


def describe(account: Account) -> dict[str, Any]:
    """An account's assignment as the audit log records it (never the password hash)."""
    return fields_of(account, ("username", "role", "grid_id", "building_ids", "active"))


def find_account(session: Session, username: str) -> Account | None:
    query = (
        select(Account)
        .where(Account.username == username)
        .options(selectinload(Account.buildings))
    )
    return session.scalars(query).one_or_none()


def get_account(session: Session, account_id: int) -> Account | None:
    return session.get(Account, account_id, options=[selectinload(Account.buildings)])


def list_accounts(session: Session) -> list[Account]:
    query = select(Account).options(selectinload(Account.buildings)).order_by(Account.username)
    return list(session.scalars(query))


def create_account(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    grid_id: str | None = None,
    building_ids: Iterable[str] = (),
    display_name: str = "",
    building_grids: Mapping[str, str],
    known_grids: Mapping[str, str],
    actor: str,
) -> Account:
    """Create an account (audited); raise :class:`AccountError` or :class:`AssignmentError`."""
    if not USERNAME_PATTERN.fullmatch(username):
        msg = "用户名须为 2–64 个英文字母、数字、下划线、点或连字符（不能用汉字或空格）"
        raise AccountError(msg, parameter="username")
    check_password_strength(password, personal=(username, display_name))
    buildings = sorted(set(building_ids))
    check_assignment(
        role, grid_id, buildings, building_grids=building_grids, known_grids=known_grids
    )
    if find_account(session, username) is not None:
        msg = f"用户名 {username} 已存在"
        raise AccountError(msg, parameter="username")
    account = Account(
        username=username,
        password_hash=hash_secret(password),
        role=role,
        grid_id=grid_id or None,
        display_name=display_name,
        active=True,
        buildings=[AccountBuilding(building_id=b) for b in buildings],
    )
    return audit.add_and_record(
        session, account, actor=actor, action="account.create", target=f"account:{username}",
        after=describe(account),
    )


def set_assignment(
    session: Session,
    account: Account,
    *,
    role: str,
    grid_id: str | None,
    building_ids: Iterable[str],
    active: bool,
    building_grids: Mapping[str, str],
    known_grids: Mapping[str, str],
    actor: str,
) -> bool:
    """Change an account's role and assignment (audited); ``False`` when nothing changed.

    Taking the admin role from, or switching off, the last active admin is refused
    (:class:`LastAdminError`)."""
    buildings = sorted(set(building_ids))
    check_assignment(
        role, grid_id, buildings, building_grids=building_grids, known_grids=known_grids
    )
    _keep_an_active_admin(session, account, stays=role == ADMIN and active,
                          change="role" if active else "deactivate")
    before = describe(account)
    account.role = role
    account.grid_id = grid_id or None
    account.active = active
    if buildings != account.building_ids:
        account.buildings = [AccountBuilding(building_id=b) for b in buildings]
    changed = audit.record_change(
        session, actor=actor, action="account.assign", target=f"account:{account.username}",
        before=before, after=describe(account),
    )
    if changed and not account.active:
        revoke_account_sessions(session, account.id)  # deactivated: logged out everywhere
    return changed


def set_password(session: Session, account: Account, password: str, *, actor: str) -> None:
    """Replace an account's password (audited without either password)."""
    check_password_strength(password, personal=(account.username, account.display_name))
    account.password_hash = hash_secret(password)
    session.flush()
    revoke_account_sessions(session, account.id)  # a new password ends every older session
    audit.record(
        session, actor=actor, action="account.password", target=f"account:{account.username}",
        note="密码已重设",
    )


def authenticate(session: Session, username: str, password: str) -> Account | None:
    """The active account with this username and password, else ``None`` (same cost either way)."""
    account = find_account(session, username)
    if not check_secret(account.password_hash if account else None, password):
        return None
    return account if account is not None and account.active else None


def one_time_password() -> str:
    """A random password to hand over once (about 70 bits; the holder should change it)."""
    return "".join(secrets.choice(ONE_TIME_ALPHABET) for _ in range(ONE_TIME_PASSWORD_LENGTH))


def reset_password(session: Session, account: Account, *, actor: str) -> str:
    """Give ``account`` a new one-time password (audited without it); return it, to show once.

    A new password hash ends every session of the account opened with the old one.
    """
    password = one_time_password()
    set_password(session, account, password, actor=actor)
    return password


class LastAdminError(AccountError):
    """The change would leave the community without an active admin (409; nothing changed)."""

    status = 409


#: The refusals of :func:`_keep_an_active_admin`: switching off, and taking the role away.
LAST_ADMIN_WORDS = {
    "deactivate": "不能停用：这是最后一个启用的社区管理员账号（{username}），停用后就没有人能"
                  "管理账号和图层了。请先新建或启用另一个社区管理员账号，再停用这一个",
    "role": "不能取消 {username} 的社区管理员角色：这是最后一个启用的社区管理员账号，取消后就"
            "没有人能管理账号和图层了。请先新建或启用另一个社区管理员账号",
}


def _keep_an_active_admin(
    session: Session, account: Account, *, stays: bool, change: str = "deactivate"
) -> None:
    """Refuse (:class:`LastAdminError`) to leave the community with no active admin, unless
    ``account`` ``stays`` an active admin after the ``change`` (a key of
    :data:`LAST_ADMIN_WORDS`, which words the refusal).

    The active admin rows are locked first (``FOR UPDATE`` on PostgreSQL, taken in id order
    so two such changes never deadlock; on SQLite the write's ``BEGIN IMMEDIATE`` has already
    serialised every writer), and the account is read again under that lock: two admins
    switching each other off at the same instant are checked one after the other, and the
    second sees the first's change.
    """
    locked = select(Account.id).where(Account.role == ADMIN, Account.active.is_(True))
    active_admins = set(session.scalars(locked.order_by(Account.id).with_for_update()))
    session.refresh(account)  # what the lock's holder committed, not what was read before
    if stays or account.id not in active_admins or len(active_admins) > 1:
        return
    words = LAST_ADMIN_WORDS[change].format(username=account.username)
    raise LastAdminError(words, parameter="active" if change == "deactivate" else "role")


def _switch(session: Session, account: Account, *, active: bool, actor: str) -> bool:
    """Switch ``account`` on or off (audited as ``account.reactivate`` / ``account.deactivate``);
    ``False`` when it already was."""
    if account.active == active:
        return False
    before = describe(account)
    account.active = active
    session.flush()
    if not active:  # logged out everywhere: switched on again, it starts from the login page
        revoke_account_sessions(session, account.id)
    audit.record(
        session, actor=actor, action="account.reactivate" if active else "account.deactivate",
        target=f"account:{account.username}", before=before, after=describe(account),
    )
    return True


def deactivate(session: Session, account: Account, *, actor: str) -> bool:
    """Switch an account off (audited); ``False`` when it was off already. The last active
    admin is never switched off (:class:`LastAdminError`).

    The account's rows stay (the audit log names it); it can no longer log in.
    """
    _keep_an_active_admin(session, account, stays=False)
    return _switch(session, account, active=False, actor=actor)


def reactivate(session: Session, account: Account, *, actor: str) -> bool:
    """Switch a deactivated account back on (audited); ``False`` when it was on already.

    It logs in again with its old password (a reset, if that is lost, is a separate step).
    """
    return _switch(session, account, active=True, actor=actor)
