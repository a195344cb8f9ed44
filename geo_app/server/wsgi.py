"""The WSGI entry point of the production server (``deploy/gunicorn.conf.py``): ``app``.

Invalid layers or settings, a database that is down or newer than the program stop the
process with every problem listed and exit code 1, the same message as ``geo-app serve``: the
server never starts to answer errors.
"""

from __future__ import annotations

import sys

from geo_app.factory import create_app_or_exit
from geo_app.server.refusal import store_refusal

try:
    app = create_app_or_exit()
except Exception as exc:
    refusal = store_refusal(exc, outcome="服务未启动")
    if refusal is None:
        raise
    print(refusal, file=sys.stderr)
    raise SystemExit(1) from None
