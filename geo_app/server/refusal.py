"""Why the service or a command could not use its database, in Chinese (the store's own
refusals: a database that is down or unwritable, or whose schema is newer than the program).
Imports nothing: a command that never opened the store cannot have raised one."""

from __future__ import annotations

import sys


def store_refusal(exc: BaseException, *, outcome: str = "未执行") -> str | None:
    """The Chinese refusal for a store that could not be opened or migrated, else ``None``;
    ``outcome`` says what did not happen (``服务未启动``)."""
    errors = sys.modules.get("geo_app.store.errors")
    if errors is not None and isinstance(exc, errors.StoreError):
        return f"数据库无法使用，{outcome}。\n{exc}"
    return None
