"""Why the service or a command could not start, in Chinese: bad layers, settings or database
address. Shared by ``geo-app`` and the server processes; imports nothing heavy, so that
``geo-app coverage`` stays free of Flask and SQLAlchemy."""

from __future__ import annotations

import sys


def startup_refusal(exc: BaseException, *, outcome: str = "未执行") -> str | None:
    """The Chinese refusal for a command or server whose app could not start (bad layers,
    settings or database address), else ``None``; ``outcome`` says what did not happen. Only
    modules already loaded are asked: an exception of a module never imported cannot be the
    one raised (and ``geo-app coverage`` stays free of Flask and SQLAlchemy)."""
    from layers import LayerValidationError

    if isinstance(exc, LayerValidationError):
        return f"图层校验未通过，{outcome}。\n{exc}"
    factory = sys.modules.get("geo_app.factory")
    if factory is not None and isinstance(exc, factory.SettingsError):
        return f"配置有误，{outcome}。\n{exc}"
    sqlalchemy_exc = sys.modules.get("sqlalchemy.exc")
    if sqlalchemy_exc is not None and isinstance(exc, sqlalchemy_exc.ArgumentError):
        return f"配置有误，{outcome}。\n配置项有误：DATABASE_URL 无法使用（{exc}）"
    return None
