"""Access control in one place: every endpoint declares who may use it; undeclared means denied.

Views are marked with :func:`public` or :func:`require_roles`; :func:`init_app` installs one
``before_request`` check that applies the mark to every route of the app. What an account may
see inside its role — which grids, buildings and stations — is answered here too, by
:func:`visible_building_ids`, :func:`visible_grid_ids` and :func:`staffed_station_ids`, and
enforced by :func:`require_building`, :func:`require_grid` and :func:`require_station`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from flask import Flask, abort, current_app, g, redirect, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from geo_app.state.community import get_community
from geo_app.store import get_store
from geo_app.store.buildings import effective_building_grids, grid_overrides
from geo_app.store.roles import (
    ADMIN,
    BUILDING_ROLES,
    ORGANISING_ROLES,
    ROLES,
    STEWARD,
    WHOLE_GRID_ROLES,
)
from geo_app.volunteering.models import Activity, SignUp, Volunteer
from geo_app.web.errors import ApiError
from layers.quoting import quoted

View = TypeVar("View", bound=Callable[..., object])
ACCESS_ATTR = "_geo_app_access"
PUBLIC = "public"
#: Every role: for views any logged-in account may use.
ANY_ROLE: tuple[str, ...] = ROLES


class Caller(Protocol):
    """What access control needs to know about the logged-in account."""

    role: str
    grid_id: str | None
    building_ids: frozenset[str]


def public(view: View) -> View:
    """Anyone may use this view (it must expose no personal data)."""
    setattr(view, ACCESS_ATTR, (PUBLIC,))
    return view


def require_roles(*roles: str) -> Callable[[View], View]:
    """Only a logged-in account with one of ``roles`` may use this view."""
    unknown = [r for r in roles if r not in ROLES]
    if unknown or not roles:
        msg = f"require_roles: unknown roles {unknown} (known: {', '.join(ROLES)})"
        raise ValueError(msg)

    def mark(view: View) -> View:
        setattr(view, ACCESS_ATTR, tuple(roles))
        return view

    return mark


def policy_of(endpoint: str) -> tuple[str, ...] | None:
    """The roles (or ``("public",)``) declared for ``endpoint``; ``None`` when undeclared."""
    if endpoint == "static":
        return (PUBLIC,)
    view = current_app.view_functions.get(endpoint)
    return getattr(view, ACCESS_ATTR, None)


def _wants_page() -> bool:
    return request.method == "GET" and not request.path.startswith("/api/")


def _check_access() -> Response | None:
    if request.endpoint is None:  # no route matched: let Flask answer 404
        return None
    policy = policy_of(request.endpoint)
    if policy is None:
        abort(403)
    if PUBLIC in policy:
        return None
    user = g.get("user")
    if user is None:
        if _wants_page() and "auth.login" in current_app.view_functions:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        abort(401)
    if user.role not in policy:
        abort(403)
    return None


def building_grids() -> dict[str, str]:
    """Building id → the grid it lies in now (the layer, with the admin's reassignments)."""
    cached = g.get("_building_grids")
    if cached is None:
        buildings = get_community().buildings
        layer = dict(zip(buildings["id"], buildings["grid_id"], strict=True))
        with get_store().read() as db:
            cached = effective_building_grids(layer, grid_overrides(db))
        g._building_grids = cached
    return cached


def visible_building_ids(user: Caller | None = None) -> frozenset[str]:
    """The one answer to "which buildings may this account see" (default: the caller).

    Admin: all. 网格长 and 红色小管家: every building of their grid. 楼栋党员 and 业主代表: their
    own buildings, as long as these still lie in their grid. Anyone else: none.
    """
    user = user if user is not None else g.get("user")
    if user is None:
        return frozenset()
    grids = building_grids()
    if user.role == ADMIN:
        return frozenset(grids)
    if user.role in WHOLE_GRID_ROLES:
        return frozenset(b for b, grid in grids.items() if grid == user.grid_id)
    if user.role in BUILDING_ROLES:
        return frozenset(b for b in user.building_ids if grids.get(b) == user.grid_id)
    return frozenset()


def visible_grid_ids(user: Caller | None = None) -> frozenset[str]:
    """The grids whose pages this account may open (admin: all; others: their own)."""
    user = user if user is not None else g.get("user")
    if user is None:
        return frozenset()
    if user.role == ADMIN:
        return frozenset(get_community().grids["id"])
    return frozenset({user.grid_id}) if user.grid_id else frozenset()


def require_building(building_id: str) -> None:
    """Abort with 404 unless the caller may see ``building_id`` (existence is not revealed)."""
    if building_id not in visible_building_ids():
        abort(404)


def require_grid(grid_id: str) -> None:
    """Abort with 403 unless the caller's assignment covers ``grid_id`` (404 if it is unknown)."""
    if grid_id not in visible_grid_ids():
        if g.get("user") is not None and g.user.role == ADMIN:
            abort(404)
        abort(403)


def require_activity(organiser: str) -> None:
    """Abort with 404 unless the caller organised this activity (the admin: any activity)."""
    user = g.get("user")
    if user is None or (user.role != ADMIN and user.username != organiser):
        abort(404)


def visible_volunteer_ids(session: Session) -> frozenset[int] | None:
    """The volunteers whose personal data the caller may see; ``None`` means all (admin).

    红色小管家: volunteers living in their grid; a 红色小管家 or an organiser (队长): those
    signed up to activities they organise, and those they registered themselves (also with
    no building, or living in another grid); anyone else: none.
    """
    user = g.get("user")
    if user is None:
        return frozenset()
    if user.role == ADMIN:
        return None
    if user.role not in ORGANISING_ROLES:
        return frozenset()
    mine = select(SignUp.volunteer_id).join(Activity, Activity.id == SignUp.activity_id).where(
        Activity.organiser == user.username
    )
    ids = set(session.scalars(mine))
    registered = select(Volunteer.id).where(Volunteer.registered_by == user.username)
    ids |= set(session.scalars(registered))
    if user.role == STEWARD:
        buildings = visible_building_ids(user)
        living_here = select(Volunteer.id).where(Volunteer.building_id.in_(buildings))
        ids |= set(session.scalars(living_here))
    return frozenset(ids)


def require_volunteer(session: Session, volunteer_id: int) -> None:
    """Abort with 404 unless the caller may see this volunteer (existence is not revealed)."""
    visible = visible_volunteer_ids(session)
    if visible is not None and volunteer_id not in visible:
        abort(404)


def staffed_station_ids(user: Caller | None = None) -> frozenset[str]:
    """The stations whose loans this account handles: admin all; a 红色小管家 the stations of
    their grid (the stations layer's ``grid_id``); anyone else none."""
    user = user if user is not None else g.get("user")
    stations = get_community().stations
    if user is None:
        return frozenset()
    if user.role == ADMIN:
        return frozenset(stations["id"])
    if user.role == STEWARD and user.grid_id:
        return frozenset(
            sid for sid, grid in zip(stations["id"], stations["grid_id"], strict=True)
            if grid == user.grid_id
        )
    return frozenset()


def require_station(station_id: str, *, parameter: str = "station") -> None:
    """Refuse unless the caller may lend and take returns at ``station_id``.

    An unknown station is bad input (400, naming ``parameter``); a station of another grid is a
    403 whose message says whose it is.
    """
    stations = get_community().stations
    if station_id not in set(stations["id"]):
        raise ApiError(parameter, f"站点 {quoted(station_id)} 不存在")
    if station_id not in staffed_station_ids():
        msg = f"您不负责站点 {station_id} 的借还：由社区管理员和该站所在网格的红色小管家登记"
        raise ApiError(parameter, msg, status=403)


def init_app(app: Flask) -> None:
    app.before_request(_check_access)
