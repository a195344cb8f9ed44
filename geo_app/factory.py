"""金宁社区服务地图: the Flask application factory (imported by :func:`geo_app.create_app`)."""

from __future__ import annotations

import secrets
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

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
    checks = (
        lambda: settings_from_config(config),
        lambda: coverage_targets(config["COVERAGE_TARGETS"]),
        lambda: validate_threshold(config["DEFAULT_THRESHOLD_M"], parameter="DEFAULT_THRESHOLD_M"),
        lambda: positive_int(config["ROSTER_PAGE_ROWS"], "ROSTER_PAGE_ROWS"),
        lambda: basemap_layers(config["BASEMAP"], tianditu_key=config["TIANDITU_KEY"]),
    )
    problems = []
    for check in checks:
        try:
            check()
        except (BadParameterError, BasemapConfigError) as exc:
            problems.append(f"配置项有误：{exc}")
    if problems:
        raise SettingsError("\n".join(problems))


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
