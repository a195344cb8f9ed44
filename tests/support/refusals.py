"""What every refusal promises: the operator's at a terminal (``geo-app``), and a program's
calling the API (one JSON shape, ``{"error", "parameter"}``, the message in Chinese)."""

from __future__ import annotations

import re
from collections.abc import Collection

from click.testing import Result
from werkzeug.test import TestResponse

#: A message meant for people here has Chinese in it (not an exception's English).
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def assert_refused(result: Result, *words: str, code: int = 1) -> str:
    """The refusal's text (stdout and stderr): exit ``code``, no traceback, every word in it."""
    text = result.output + result.stderr
    assert result.exit_code == code, text
    assert result.exception is None or isinstance(result.exception, SystemExit), text
    assert "Traceback" not in text
    for word in words:
        assert word in text
    return text


def assert_api_refusal(
    response: TestResponse, parameter: str, *words: str,
    status: int | Collection[int] = 400,
) -> str:
    """The API's refusal message: ``status`` (or one of them), a JSON ``{"error",
    "parameter"}`` (with the figures it names, if any) naming ``parameter``, in Chinese, every
    word in it."""
    body = response.get_json()
    allowed = (status,) if isinstance(status, int) else tuple(status)
    assert response.status_code in allowed, (response.status_code, body)
    assert isinstance(body, dict) and {"error", "parameter"} <= set(body), body
    assert body["parameter"] == parameter, body
    assert CHINESE.search(body["error"]), body
    for word in words:
        assert word in body["error"], body
    return body["error"]
