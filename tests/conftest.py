"""Shared fixtures: the app and its test client, a live server and headless Chromium."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from geo_app import create_app
from geo_app.config import BUNDLED_DATA_DIR

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
    "--disable-component-update",
    "--no-first-run",
]


def make_test_config(tmp_path: Path, **overrides: object) -> dict[str, object]:
    """A test configuration on the bundled sample, with its own database in ``tmp_path``."""
    config: dict[str, object] = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATA_DIR": str(BUNDLED_DATA_DIR),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'store.sqlite3'}",
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
