"""Shared fixtures: the app and its test client, a live server and headless Chromium."""

from __future__ import annotations

import os
import threading
import uuid
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from geo_app import create_app
from geo_app.config import BUNDLED_DATA_DIR
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


#: A PostgreSQL database to run the store tests on as well (``.ci/run`` sets it); unset, the
#: tests use an SQLite file each.
TEST_DATABASE_URL = os.environ.get("GEO_APP_TEST_DATABASE_URL", "")


def fresh_database_url(tmp_path: Path) -> str:
    """An empty database for one test: a new schema of the PostgreSQL test database when
    ``GEO_APP_TEST_DATABASE_URL`` is set, else an SQLite file in ``tmp_path``."""
    if not TEST_DATABASE_URL:
        return f"sqlite:///{tmp_path / 'store.sqlite3'}"
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    schema = f"t_{uuid.uuid4().hex[:16]}"
    engine = create_engine(TEST_DATABASE_URL)
    with engine.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    engine.dispose()
    url = make_url(TEST_DATABASE_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def on_postgresql() -> bool:
    return bool(TEST_DATABASE_URL)


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


def make_test_config(tmp_path: Path, **overrides: object) -> dict[str, object]:
    """A test configuration on the bundled sample, with its own database (``tmp_path``)."""
    config: dict[str, object] = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATA_DIR": str(BUNDLED_DATA_DIR),
        "DATABASE_URL": fresh_database_url(tmp_path),
    }
    config.update(overrides)
    return config


@pytest.fixture
def app(tmp_path):
    return create_app(make_test_config(tmp_path))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """One app for the browser tests of a session (CSRF and rate limits as in production)."""
    tmp = tmp_path_factory.mktemp("live")
    return create_app(make_test_config(tmp))


@pytest.fixture(scope="session")
def live_server(live_app) -> Iterator[str]:
    """The live app served on a free loopback port; yields its base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


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
