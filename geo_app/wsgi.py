"""The WSGI entry point of the production server (``deploy/gunicorn.conf.py``): ``app``.

Invalid layers stop the process with every issue listed and exit code 1, the same message as
``geo-app serve``: the server never starts to answer 500s.
"""

from __future__ import annotations

import sys

from flask import Flask

from geo_app import create_app
from layers import LayerValidationError


def load() -> Flask:
    """The app from the instance configuration and ``GEO_APP_*``; exit 1 on invalid layers."""
    try:
        return create_app()
    except LayerValidationError as exc:
        print(f"图层校验未通过，服务未启动。\n{exc}", file=sys.stderr)
        raise SystemExit(1) from None


app = load()
