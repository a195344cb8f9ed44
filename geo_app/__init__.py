"""金宁社区服务地图: the service (:func:`create_app`) and its commands (``geo_app.cli``).

The factory lives in :mod:`geo_app.factory` and is imported on first use, so that a command
such as ``geo-app coverage`` does not load the web stack (Flask, SQLAlchemy, Folium) it never
uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(
    test_config: Mapping[str, Any] | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
) -> Flask:
    """Create the service: see :func:`geo_app.factory.create_app`."""
    from geo_app.factory import create_app as build

    return build(test_config, overrides=overrides)
