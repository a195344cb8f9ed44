"""The admin's layer editor on the tiny grid community, ready to edit (QA tests of the admin)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from support.accounts import ACCOUNTS, csrf_token_of, logged_in


def layer_editor_client(grid_app_factory: Callable[..., Flask], tmp_path: Path) -> FlaskClient:
    """The admin logged in on an app whose layers may be edited; ``client.token`` is the
    editor page's CSRF token and ``client.data_dir`` the layer directory."""
    app = grid_app_factory(
        accounts={"admin": ACCOUNTS["admin"]},
        LAYER_HISTORY_DIR=str(tmp_path / "history"),
        LAYER_RELOAD_STAMP=str(tmp_path / "layers.reload"),
    )
    client = logged_in(app, "admin")
    client.token = csrf_token_of(client, "/admin/layers")  # type: ignore[attr-defined]
    client.data_dir = Path(app.config["DATA_DIR"])  # type: ignore[attr-defined]
    return client
