"""Rate limits: wrong passwords and PINs, public posts, new planner reports.

Each app has one moving-window rate limiter of the `limits <https://limits.readthedocs.io>`_
library (so apps never share counters), asked by the code that counts: :func:`guarded_secret`
counts only failed secrets, :func:`count_post` public posts, :func:`count_new_report` new
planner reports. Its storage is ``LOGIN_RATE_LIMIT_STORAGE``: by default the service's own
database (``geo-app-store://``, :mod:`geo_app.auth.limit_store`), so every worker process
counts the same attempts; ``memory://`` (one process) or a ``redis://`` URL work too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app, request
from limits import RateLimitItem, parse, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from geo_app.auth.limit_store import SCHEME
from geo_app.store import get_store
from geo_app.web.errors import ApiError

T = TypeVar("T")

EXTENSION_KEY = "geo_app.rate_limiter"
#: Why a person is stopped, by what they were doing.
GUESSING = "尝试次数过多：为防止他人猜测密码，"
POSTING = "提交太频繁：同一网络的意见、照片和 +1 合计，"
POSTING_DEVICE = "提交太频繁：本设备的意见、照片和 +1 合计，"
#: Counted for a request without a client address (a test client, a local socket).
NO_ADDRESS = "127.0.0.1"

#: A limit and the identifiers it counts under, with what a person stopped by it reads
#: (why, and the verb before the count: "最多尝试 5 次", "最多输错 5 次", "最多 10 次").
Counter = tuple[RateLimitItem, tuple[str, ...], str, str]


def init_app(app: Flask) -> None:
    uri = app.config["LOGIN_RATE_LIMIT_STORAGE"]
    options = {}
    if uri.startswith(f"{SCHEME}:"):
        with app.app_context():
            options["store"] = get_store()
    storage = storage_from_string(uri, **options)  # type: ignore[arg-type]  # takes the Store
    app.extensions[EXTENSION_KEY] = MovingWindowRateLimiter(storage)


def rate_limiter() -> MovingWindowRateLimiter:
    return current_app.extensions[EXTENSION_KEY]


def client_address() -> str:
    """The address a request's limits count under: its client's (the peer of the socket)."""
    return request.remote_addr or NO_ADDRESS


def wait_text(limit: RateLimitItem, why: str, *, verb: str) -> str:
    """What a person stopped by ``limit`` reads: ``why``, how many it allows (``verb``: what
    is counted) and when to try again."""
    period = period_words(limit.get_expiry())
    return f"{why}每 {period}最多{verb} {limit.amount} 次。请 {period}后再试。"


def period_words(seconds: int) -> str:
    """``3600`` → ``1 小时``, ``60`` → ``1 分钟``, ``90`` → ``90 秒``."""
    for size, unit in ((86400, "天"), (3600, "小时"), (60, "分钟")):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} 秒"


def counters(setting: str, identifiers: tuple[str, ...], why: str, *, verb: str = ""
             ) -> list[Counter]:
    """The limits of config ``setting`` (``"10 per hour;30 per day"``), each counting under
    ``identifiers`` and stopping with ``why``."""
    return [(limit, identifiers, why, verb) for limit in parse_many(current_app.config[setting])]


class LimitReached(ApiError):
    """429: a counter has no room left (its Chinese words and ``Retry-After`` included); a
    view with its own answer for it (the staff login form) catches it, others let it go."""


def refuse_when_full(counted: list[Counter]) -> None:
    """:class:`LimitReached` when any of ``counted`` has no room for one more hit."""
    strategy = rate_limiter()
    for limit, identifiers, why, verb in counted:
        if not strategy.test(limit, *identifiers):
            raise LimitReached(None, wait_text(limit, why, verb=verb), status=429,
                           headers={"Retry-After": str(limit.get_expiry())})


def hit_all(counted: list[Counter]) -> None:
    """Count one hit on each of ``counted``."""
    strategy = rate_limiter()
    for limit, identifiers, _why, _verb in counted:
        strategy.hit(limit, *identifiers)


def count_post(counted: list[Counter]) -> None:
    """Count one post on every counter of ``counted`` (routes sharing identifiers share the
    budget), or none when any is full: then 429. Posts arriving at the same moment may pass
    the test together, so a burst can exceed a limit by the requests served at once."""
    refuse_when_full(counted)
    hit_all(counted)


def guarded_secret(key: str, check: Callable[[], T], *, wrong: type[Exception]) -> T:
    """Run ``check`` (which verifies a secret: a volunteer's PIN, a staff password) and count
    it only when it raises ``wrong``: one failure under ``key`` (config ``LOGIN_RATE_LIMIT``:
    per card, per username typed) and one for the client address (``LOGIN_RATE_LIMIT_PER_IP``,
    shared by every secret checked from it).

    Before ``check`` runs, either counter at its limit raises :class:`LimitReached` (429).
    Successes count nowhere and clear nothing: a resident or a staff member who signs in often
    is never locked out, and an attacker who knows one secret cannot wipe the failures of
    their guesses at others. Checks of
    the same key running at the same moment can each pass the test before any of them counts,
    so a burst may exceed the limit by the number of requests served at once (the workers'
    threads). Call it outside any write transaction: the counters live in the store.
    """
    failures = [
        *counters("LOGIN_RATE_LIMIT", ("secret-failures", key), GUESSING, verb="输错"),
        *counters("LOGIN_RATE_LIMIT_PER_IP", ("secret-failures-from", client_address()),
                  GUESSING, verb="输错"),
    ]
    refuse_when_full(failures)
    try:
        return check()
    except wrong:
        hit_all(failures)
        raise


def count_new_report() -> None:
    """Count one new planner report against ``REPORT_BUILD_RATE_LIMIT`` for this client.

    Called only when a report is not cached yet; past the limit the visitor is told (429,
    ``Retry-After``) to wait, and reports already computed stay answered.
    """
    limit = parse(current_app.config["REPORT_BUILD_RATE_LIMIT"])
    if not rate_limiter().hit(limit, "planner-report", client_address()):
        seconds = limit.get_expiry()
        period = period_words(seconds)
        msg = (
            f"新的分析参数请求太频繁（每个访问者每 {period} {limit.amount} 次），"
            f"请 {period}后再试；已算好的阈值不受限制"
        )
        raise ApiError("threshold", msg, status=429, headers={"Retry-After": str(seconds)})
