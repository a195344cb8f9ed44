"""The WSGI entry point of the production server (``deploy/gunicorn.conf.py``): ``app``.

Invalid layers or settings stop the process with every problem listed and exit code 1, the
same message as ``geo-app serve``: the server never starts to answer errors.
"""

from __future__ import annotations

from geo_app.factory import create_app_or_exit

app = create_app_or_exit()
