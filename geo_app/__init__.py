"""金宁社区服务地图: the Flask application factory."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from flask import Flask

from geo_app.config import DEFAULTS


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the service: configuration, community layers, blueprints."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("GEO_APP")
    else:
        app.config.from_mapping(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))
    app.json.ensure_ascii = False  # Chinese text as text, not \u escapes
    from geo_app.clock import local_time_text

    app.add_template_filter(local_time_text, "local_time")  # stored UTC → 北京时间

    from geo_app import access, community_state, vendor
    from geo_app.views import map_page

    community_state.init_app(app)
    from geo_app import auth, stock, store  # accounts, stock and roster (grid management)

    store.init_app(app)
    stock.init_app(app)
    auth.init_app(app)  # sets g.user, so before access.init_app's check
    access.init_app(app)
    from geo_app.views import admin, grid_api, grid_leader

    for blueprint in (grid_leader.bp, grid_api.bp, admin.bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(vendor.bp)
    app.register_blueprint(map_page.bp)
    from geo_app.views import public_api, resident  # the home page and the public JSON API

    app.register_blueprint(resident.bp)
    app.register_blueprint(public_api.bp)
    from geo_app.views import planner  # the planners' analyses

    app.register_blueprint(planner.bp)
    return app


def _instance_secret(instance: Path) -> str:
    """A random secret kept in the instance folder, created on first run (never shipped)."""
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()
