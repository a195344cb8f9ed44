"""Counting how often the app calls one of its functions."""

from __future__ import annotations

from types import ModuleType

import pytest


def count_calls(monkeypatch: pytest.MonkeyPatch, module: ModuleType, name: str) -> list[None]:
    """Wrap ``module.name`` for this test; the returned list grows by one at each call."""
    calls: list[None] = []
    real = getattr(module, name)

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(None)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counting)
    return calls
