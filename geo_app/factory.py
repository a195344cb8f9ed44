"""金宁社区服务地图: the Flask application factory (imported by :func:`geo_app.create_app`)."""

from __future__ import annotations

import math
import secrets
import sys
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask
from limits import parse_many

from geo_app import auth, store
from geo_app.auth import views as auth_views
from geo_app.config import DEFAULTS, configured, instance_dir
from geo_app.maps.base import BasemapConfigError, basemap_layers
from geo_app.planning.errors import BadParameterError
from geo_app.planning.published import coverage_targets
from geo_app.planning.settings import positive_int, settings_from_config, validate_threshold
from geo_app.state import cache, community
from geo_app.state.clock import local_minute_text, local_time_text
from geo_app.state.refusals import startup_refusal
from geo_app.stations import levels
from geo_app.web import access, compression, errors, nul_text, route_ids, security, vendor
from geo_app.web.submissions import submission_field
from geo_app.web.views import (
    activities,
    admin,
    governance_api,
    grid_api,
    grid_leader,
    layer_editor,
    map_page,
    organise,
    planner,
    posters,
    public_api,
    resident,
)

# (aliased: the name ``geo_app.governance`` belongs to the 微协商 package)
from geo_app.web.views import governance as governance_pages

#: Extensions in the order they must be installed: the layers and the store first (the stock
#: levels read both), then accounts, whose ``before_request`` sets ``g.user`` before access
#: control's check runs, then the CSRF check (an anonymous POST is a 401, not a CSRF error).
INIT = (
    compression.init_app,  # first installed, so its after_request runs last, on the final answer
    errors.init_app,
    route_ids.init_app,  # every <int:…> id bounded by the database key (before the blueprints)
    community.init_app,
    cache.init_app,
    store.init_app,
    levels.init_app,
    auth.init_app,
    access.init_app,
    auth.init_csrf,
    nul_text.init_app,  # NUL in any field is a 400 naming it (PostgreSQL cannot store it)
    security.init_app,  # CSP with a nonce per request, nosniff, no framing, no-store
)

#: One blueprint per user group, and the vendored scripts.
BLUEPRINTS = (
    resident.bp,  # residents: the home page
    public_api.bp,  # the public JSON API
    map_page.bp,  # the community map
    posters.bp,  # printable QR posters for doors and stations
    planner.bp,  # planners
    auth_views.bp,  # log in and out
    grid_leader.bp,  # grid leaders and their members
    grid_api.bp,
    admin.bp,  # the community's admin
    layer_editor.bp,  # the admin's live edits of the layers
    activities.bp,  # 微活动 for residents and volunteers
    organise.bp,  # organisers, station counters, the register, report and reach
    governance_pages.bp,  # 微协商: residents' views, meetings, governance items (pages)
    governance_api.bp,  # … and their JSON API
    vendor.bp,  # Leaflet & co. from installed packages
)


def create_app(
    test_config: Mapping[str, Any] | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
) -> Flask:
    """Create the service: configuration, community layers, extensions, blueprints.

    Configuration: :data:`~geo_app.config.DEFAULTS`, then ``instance/config.py`` and the
    ``GEO_APP_*`` environment, then ``overrides`` (command-line flags such as
    ``geo-app serve --data``): flags refine the configuration, they never replace it. A
    ``test_config`` replaces the instance file and the environment (tests only).
    """
    app = Flask("geo_app", instance_path=str(instance_dir()), instance_relative_config=True)
    if test_config is None:
        app.config.from_mapping(configured())  # as every command reads them
    else:
        app.config.from_mapping(DEFAULTS)
        app.config.from_mapping(test_config)
    app.config.from_mapping(overrides or {})
    check_settings(app.config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Chinese as text, not \u escapes
    app.add_template_filter(local_time_text, "local_time")  # stored UTC → 北京时间
    app.add_template_filter(local_minute_text, "local_minute")  # … to the minute, ISO text too
    app.add_template_global(submission_field)  # a counter form's one-time token
    for init in INIT:
        init(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    return app


class SettingsError(ValueError):
    """Settings the service cannot run with; the message names each setting and why."""


def check_settings(config: Mapping[str, Any]) -> None:
    """Refuse, before anything loads, settings every planner page or map would trip over.

    A bad value found only when a page is asked for would answer every visitor with an error
    about something only the operator can change.
    """
    checks: list[Callable[[], object]] = [
        partial(settings_from_config, config),
        partial(coverage_targets, config["COVERAGE_TARGETS"]),
        partial(validate_threshold, config["DEFAULT_THRESHOLD_M"],
                parameter="DEFAULT_THRESHOLD_M"),
        partial(basemap_layers, config["BASEMAP"], tianditu_key=config["TIANDITU_KEY"]),
        partial(_time_zone, config["TIMEZONE"]),
    ]
    checks += [partial(positive_int, config[name], name) for name in COUNT_SETTINGS]
    checks += [partial(_duration, config[name], name, zero_allowed=zero)
               for name, zero in DURATION_SETTINGS.items()]
    checks += [partial(_rate_limit, config[name], name) for name in RATE_LIMIT_SETTINGS]
    problems = []
    for check in checks:
        try:
            check()
        except (BadParameterError, BasemapConfigError) as exc:
            problems.append(f"配置项有误：{exc}")
    if problems:
        raise SettingsError("\n".join(problems))


#: Settings that count something: whole numbers of at least 1.
COUNT_SETTINGS = ("ROSTER_PAGE_ROWS", "POINTS_CAP_PER_ACTIVITY", "POINTS_CAP_PER_DAY")
#: Settings that last a while (seconds, minutes, hours or days by their names), and whether 0
#: is meaningful (0 s between layer checks: check on every request).
DURATION_SETTINGS = {
    "DATABASE_BUSY_TIMEOUT_S": False, "LAYER_CHECK_INTERVAL_S": True,
    "SUBMISSION_KEEP_DAYS": False, "SESSION_IDLE_MINUTES": False,
    "SESSION_ABSOLUTE_HOURS": False,
}
#: Settings in the rate-limit notation of ``limits`` ("5 per minute", "10 per hour;30 per day").
RATE_LIMIT_SETTINGS = ("LOGIN_RATE_LIMIT", "LOGIN_RATE_LIMIT_PER_IP", "REPORT_BUILD_RATE_LIMIT",
                       "VIEW_RATE_LIMIT", "VIEW_DEVICE_RATE_LIMIT")


def _duration(value: Any, name: str, *, zero_allowed: bool) -> None:
    number = float(value) if isinstance(value, int | float) and not isinstance(value, bool) \
        else math.nan
    if not math.isfinite(number) or number < 0 or (number == 0 and not zero_allowed):
        least = "不小于 0 的数" if zero_allowed else "正数"
        msg = f"{name} 应为{least}，实际为 {value!r}"
        raise BadParameterError(msg, parameter=name)


def _rate_limit(value: Any, name: str) -> None:
    try:
        parse_many(value)
    except (TypeError, ValueError):
        msg = (f"{name} 应写成“次数 per 时间单位”，如 '5 per minute' 或 "
               f"'10 per hour;30 per day'，实际为 {value!r}")
        raise BadParameterError(msg, parameter=name) from None


def _time_zone(value: Any) -> None:
    try:
        ZoneInfo(value)
    except (TypeError, ValueError, ZoneInfoNotFoundError):
        msg = f"TIMEZONE 应为时区名称，如 'Asia/Shanghai'，实际为 {value!r}"
        raise BadParameterError(msg, parameter="TIMEZONE") from None


def create_app_or_exit(overrides: Mapping[str, Any] | None = None) -> Flask:
    """:func:`create_app` for a server process: invalid layers, settings or database address
    print every problem in Chinese and exit with status 1 (the server never starts to answer
    errors)."""
    try:
        return create_app(overrides=overrides)
    except Exception as exc:
        refusal = startup_refusal(exc, outcome="服务未启动")
        if refusal is None:
            raise
    print(refusal, file=sys.stderr)
    raise SystemExit(1)


def _instance_secret(instance: Path) -> str:
    """A random secret kept in the instance folder, created on first run (never shipped)."""
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()
