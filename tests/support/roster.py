"""The tiny community with its accounts and invented roster (households, people, care tags):
the start of the roster and visit tests."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from geo_app.state.community import get_community
from geo_app.store import get_store
from geo_app.store.sample import facts_from_layer, seed_people
from support.accounts import add_accounts
from support.apps import make_grid_app


def roster_app(tmp_path: Path, **config: object) -> Flask:
    """An app on the tiny grid community (``config`` as make_grid_app's) with every test
    account and the roster ``seed_people`` invents for its buildings."""
    app = make_grid_app(tmp_path, **config)
    add_accounts(app)
    with app.app_context(), get_store().write() as db:
        seed_people(db, facts_from_layer(get_community().buildings), actor="test")
    return app
