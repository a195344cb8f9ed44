"""The service's own log lines in the production server's log (``deploy/gunicorn.conf.py``).

Without this, the ``geo_app`` loggers have no handler under gunicorn: a warning (layers that
failed validation on a live reload) came out bare, without time or process, through Python's
last-resort handler, and every info line ("图层已重新加载", a schema migration) was lost.
"""

from __future__ import annotations

import logging

#: The logger every module of the service logs under (``geo_app.state.community`` …).
APP_LOGGER = "geo_app"
#: gunicorn's error log, whose handlers and format (time, process, level) the lines share.
SERVER_LOGGER = "gunicorn.error"


class ServerLogHandler(logging.Handler):
    """Hands each record to gunicorn's error log as it is configured at that moment (after a
    HUP or a log reopen its handlers are new objects; keeping the old ones would write to a
    closed or rotated file)."""

    def emit(self, record: logging.LogRecord) -> None:
        logging.getLogger(SERVER_LOGGER).handle(record)


def route_app_logs(*, level: int = logging.INFO) -> None:
    """Send the service's log lines at ``level`` and above into gunicorn's error log only (not
    also to Flask's stderr handler, which would print each line twice)."""
    logger = logging.getLogger(APP_LOGGER)
    logger.handlers[:] = [ServerLogHandler()]
    logger.setLevel(level)
    logger.propagate = False
