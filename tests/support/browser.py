"""What the Chromium tests share: an app served on loopback, a page logged in through the login
form, and what a finger on a phone needs measured (every control at least 44 px high)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from werkzeug.serving import make_server

from support.accounts import PASSWORD

#: px: WCAG 2.5.5's target size, the least height of anything a finger taps.
FINGER = 44
PHONE = {"width": 375, "height": 667}
DESK = {"width": 1280, "height": 800}

#: Every visible control a finger taps, as [description, height]: the bar's links and 退出,
#: sub-navigation, tabs, pager, chips and card titles, buttons, selects, fields, summaries, a
#: check box's label (or the box itself when it has none).
CONTROLS = """() => [...document.querySelectorAll(
    '.topbar a, .topbar button, .subnav a, .gov-tabs a, .pager a, a.chip, a.card-title, '
    + '.button, button, '
    + 'select, textarea, summary, label.check, label:has(> input[type=checkbox]), '
    + 'label:has(> input[type=radio]), input[type=checkbox]:not(label > input), '
    + 'input[type=radio]:not(label > input), '
    + 'input:not([type=checkbox]):not([type=radio]):not([type=hidden])')]
  .filter(e => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden')
  .map(e => [e.tagName + ' ' + (e.innerText || e.name || e.getAttribute('aria-label') || '')
               .trim().slice(0, 20),
             e.getBoundingClientRect().height])"""


@contextmanager
def served(app: Flask) -> Iterator[str]:
    """``app`` served on a free loopback port (threaded); yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def log_in(page: Any, base: str, username: str, password: str = PASSWORD) -> None:
    """Log ``page`` in as ``username`` through the login form of the app at ``base``."""
    page.goto(f"{base}/login")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', password)
    page.click('button[type="submit"]')
    page.wait_for_load_state()


def small_controls(page: Any, *, open_details: bool = True) -> list[tuple[str, int]]:
    """The visible controls of ``page`` less than a finger high, as (description, px); the
    folded <details> opened first, so the forms folded away are measured too."""
    if open_details:
        for details in page.locator("details").all():
            details.evaluate("d => d.open = true")
    return [(name, round(height)) for name, height in page.evaluate(CONTROLS)
            if height < FINGER - 0.5]
