"""Shared fixtures: apps and their clients, ``auth``, app factories, a live server, Chromium.

Helpers that are not fixtures live in the ``support`` package (see tests/support/README.md).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask
from support.accounts import ACCOUNTS, AuthActions, add_accounts
from support.apps import make_app, make_grid_app, make_layout_app
from support.browser import served
from support.database import on_postgresql

from geo_app.store.engine import Store

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
    "--disable-component-update",
    "--no-first-run",
]


#: Every store a test opened (apps are not torn down): closed after each test on PostgreSQL,
#: whose driver warns about a connection garbage-collected while open.
_STORES: weakref.WeakSet[Store] = weakref.WeakSet()
_store_init = Store.__init__


def _tracked_init(self: Store, *args: object, **kwargs: object) -> None:
    _store_init(self, *args, **kwargs)
    _STORES.add(self)


Store.__init__ = _tracked_init  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _close_stores():
    yield
    if on_postgresql():
        for store in list(_STORES):
            store.dispose()


def pytest_collection_modifyitems(config, items):
    """On PostgreSQL, skip the tests of SQLite's own behaviour (marked ``sqlite_only``)."""
    if not on_postgresql():
        return
    skip = pytest.mark.skip(reason="SQLite's own behaviour (GEO_APP_TEST_DATABASE_URL is set)")
    for item in items:
        if "sqlite_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    """An app on the bundled sample with its own store."""
    return make_app(tmp_path)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def auth(client) -> AuthActions:
    """``auth.login(username, password=PASSWORD)`` and ``auth.logout()`` on ``client``."""
    return AuthActions(client)


@pytest.fixture(scope="session")
def app_factory(tmp_path_factory) -> Callable[..., Flask]:
    """Factory: ``app_factory(**config)``, an app on the bundled sample (or ``DATA_DIR``)."""
    return lambda **config: make_app(tmp_path_factory.mktemp("app"), **config)


@pytest.fixture(scope="session")
def grid_app_factory(tmp_path_factory) -> Callable[..., Flask]:
    """Factory: ``grid_app_factory(accounts=ACCOUNTS, **config)``, an app on the tiny grid
    community with ``accounts`` (none when ``None``)."""

    def make(*, accounts=ACCOUNTS, **config: object) -> Flask:
        app = make_grid_app(tmp_path_factory.mktemp("grid"), **config)
        if accounts:
            add_accounts(app, accounts)
        return app

    return make


@pytest.fixture(scope="session")
def layout_app_factory(tmp_path_factory) -> Callable[..., Flask]:
    """Factory: ``layout_app_factory(**config)``, an app on the tiny gated layout."""
    return lambda **config: make_layout_app(tmp_path_factory.mktemp("layout"), **config)


@pytest.fixture(scope="session")
def live_app(tmp_path_factory) -> Flask:
    """One app for the browser tests of a session (CSRF and rate limits as in production)."""
    return make_app(tmp_path_factory.mktemp("live"))


@pytest.fixture(scope="session")
def live_server(live_app) -> Iterator[str]:
    """The live app served on a free loopback port; yields its base URL."""
    with served(live_app) as base:
        yield base


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test`, which installs Debian's chromium")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class OfflinePage:
    """A page whose requests outside 127.0.0.1 are aborted and recorded, with its JS errors."""

    page: object
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def offline_page(browser):
    """Factory: ``offline_page(width=375, height=667, **context_options)``."""
    contexts = []

    def make(width: int = 375, height: int = 667, **options: object) -> OfflinePage:
        context = browser.new_context(viewport={"width": width, "height": height}, **options)
        contexts.append(context)
        page = context.new_page()
        result = OfflinePage(page)

        def route(route):
            url = route.request.url
            if url.startswith(("http://127.0.0.1", "data:", "blob:", "about:")):
                route.continue_()
            else:
                result.blocked.append(url)
                route.abort()

        context.route("**/*", route)
        page.on("pageerror", lambda exc: result.errors.append(str(exc)))
        return result

    yield make
    for context in contexts:
        context.close()
