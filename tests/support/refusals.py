"""What every refusal of a ``geo-app`` command promises the operator at a terminal."""

from __future__ import annotations

from click.testing import Result


def assert_refused(result: Result, *words: str, code: int = 1) -> str:
    """The refusal's text (stdout and stderr): exit ``code``, no traceback, every word in it."""
    text = result.output + result.stderr
    assert result.exit_code == code, text
    assert result.exception is None or isinstance(result.exception, SystemExit), text
    assert "Traceback" not in text
    for word in words:
        assert word in text
    return text
