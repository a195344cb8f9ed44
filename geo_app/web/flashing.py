"""A form's write and its message: the outcome flashed in Chinese, the refusal with its reason."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash

from geo_app.store.errors import StoreError


def flash_outcome(change: Callable[[], str], *, refused: str = "未保存") -> bool:
    """Run ``change`` (a store write that returns the message to show) and flash that message;
    when the store refuses, flash ``refused`` with its reason instead. True when it was saved."""
    try:
        message = change()
    except StoreError as exc:
        flash(f"{refused}：{exc}", "error")
        return False
    flash(message, "ok")
    return True
