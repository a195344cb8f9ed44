"""The production server of 金宁社区服务地图: gunicorn, started as

    .venv/bin/gunicorn -c deploy/gunicorn.conf.py

(``make run`` starts the same on 127.0.0.1:5000). What it promises, and a test checks:

- **bad layers, no start**: the app (layers, store, migrations) is loaded once in the master
  before any worker exists (``preload_app``); an invalid layer stops the master with every
  issue in the log and exit code 1, instead of workers answering 500;
- **HUP reloads gracefully**: the master re-reads the layers (invalid ones are refused and
  logged, the running ones kept), starts new workers, and lets the old ones finish the
  requests they hold before they exit;
- **TERM stops cleanly**: workers finish their requests (``graceful_timeout``), then exit 0;
- **a useful log without personal data**: the service's own lines (a live reload refused or
  done, a schema migration, the database unreachable) go into this log with time, process and
  level; the access log records the path but never the query string or the referrer, which
  carry what residents typed (a roster search by name or phone, a location);
- keep-alive connections are answered with ``Connection: keep-alive``/``close`` as HTTP says,
  and every worker thread is reused (pyproj's per-thread set-up is paid once per thread, not
  once per request as with Werkzeug's thread per request).

Settings from the environment: ``GEO_APP_BIND`` (default ``127.0.0.1:5000``),
``GEO_APP_WORKERS`` (default 2), ``GEO_APP_THREADS`` (default 4); the app's own configuration
(``instance/config.py``, ``GEO_APP_*``) as always.
"""

from __future__ import annotations

import os
import sys

from geo_app.server.logs import route_app_logs


def _count(name: str, default: int) -> int:
    """A positive whole number from the environment; otherwise a Chinese refusal, exit 1."""
    text = os.environ.get(name, str(default)).strip()
    if not text.isdigit() or int(text) < 1:
        print(f"配置有误，服务未启动。\n配置项有误：{name} 应为正整数，实际为 {text!r}",
              file=sys.stderr)
        raise SystemExit(1)
    return int(text)


wsgi_app = "geo_app.server.wsgi:app"
bind = os.environ.get("GEO_APP_BIND", "127.0.0.1:5000")
workers = _count("GEO_APP_WORKERS", 2)
worker_class = "gthread"
threads = _count("GEO_APP_THREADS", 4)
preload_app = True
keepalive = 5
timeout = 60
graceful_timeout = 30
accesslog = "-"
# No query string (%(q)s, %(r)s) nor referrer (%(f)s): they carry searches by name or phone and
# residents' locations. Method, path, status, bytes, milliseconds, browser.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms "%(a)s"'
errorlog = "-"
loglevel = "info"
proc_name = "geo-app"
control_socket_disable = True  # gunicorn 24+'s control socket: not used, not left in $HOME
# The service's own lines into this log, from the start (the app is preloaded before any hook).
route_app_logs()


def when_ready(server) -> None:
    """Before any worker starts: build what every request needs (the walking graph, the
    station index, the planner's default page) once in the master, so each forked worker
    starts with it warm."""
    from geo_app.server.warm import warm, warm_pages

    app = server.app.wsgi()
    server.log.info("预热完成：/api/nearest %s，%s", warm(app), warm_pages(app))


def post_worker_init(worker) -> None:
    """Before a worker accepts connections: every thread of its pool answers one query."""
    from geo_app.server.warm import warm_thread_pool

    statuses = warm_thread_pool(worker.wsgi, worker.tpool, worker.cfg.threads)
    worker.log.info("工作进程 %s 已预热 %d 个线程：/api/nearest %s", worker.pid, len(statuses),
                    " ".join(map(str, statuses)))


def post_fork(server, worker) -> None:  # noqa: ARG001 - gunicorn's hook signature
    """A worker never shares the master's database connections (SQLAlchemy after fork)."""
    app = server.app.wsgi()
    app.extensions["geo_app.store"].engine.dispose(close=False)


def on_reload(server) -> None:
    """On HUP, before new workers start: re-read the layers in the master.

    Invalid layers are refused with every issue logged; the workers keep serving the old ones.
    """
    app = server.app.wsgi()
    issues = app.extensions["geo_app.community"].reload()
    if issues:
        server.log.error(
            "图层校验未通过，继续使用原图层（%d 个问题）：\n%s",
            len(issues), "\n".join(str(i) for i in issues),
        )
    else:
        server.log.info("图层已重新加载")
