"""Every error answered in one place: one JSON shape for the APIs, a Chinese page otherwise.

Under ``/api/`` and ``/admin/api/``, for downloads (``.json``, ``.csv``) asked for by a program
(a browser following a download link prefers HTML and gets the page) and for JSON requests,
every error is
``{"error": <Chinese reason>, "parameter": <name or null>}`` with its HTTP status, logged in or
not; every other path gets a Chinese page with the site's header and a way back. Views raise
:class:`ApiError` (or the typed errors of the business modules, registered here) and never
build an error answer themselves.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.wrappers import Response

from geo_app.planning.errors import BadParameterError
from geo_app.store.errors import StoreError
from layers.json_errors import invalid_json_message

API_PREFIXES = ("/api/", "/admin/api/")
#: Downloads (the planner's report and tables) answer errors in JSON too.
DATA_SUFFIXES = (".json", ".geojson", ".csv")

#: Status → (page title, what to tell the user), in Chinese.
STATUS_TEXT: dict[int, tuple[str, str]] = {
    400: ("请求有误", "请求的参数不正确。"),
    401: ("请先登录", "请先用网格员或管理员账号登录。"),
    403: ("无权访问", "您的账号没有访问这个页面的权限。"),
    404: ("页面不存在", "没有找到您要的页面，可能地址有误或内容已删除。"),
    405: ("不支持的请求方式", "这个地址不支持该请求方式。"),
    413: ("内容太大", "上传的内容超过了允许的大小。"),
    429: ("操作太频繁", "短时间内尝试或提交的次数过多，请稍后再试。"),
    500: ("服务器出错", "服务器内部错误，请稍后再试。"),
    503: ("服务繁忙", "服务暂时繁忙，请稍后再试。"),
}


class ApiError(Exception):
    """Bad input or a refused action: answered with ``status`` and the parameter it concerns."""

    def __init__(
        self,
        parameter: str | None,
        message: str,
        *,
        status: int = 400,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.message = message
        self.status = status
        self.headers = headers or {}
        self.extra = extra


def _refuse_constant(name: str) -> None:
    msg = f"请求体含非法数值 {name}"
    raise ValueError(msg)


def json_object_body(*, parameter: str = "body") -> dict[str, Any]:
    """The request's JSON object, or :class:`ApiError` 400 naming ``parameter``.

    Stricter than ``request.get_json``: ``NaN``/``Infinity`` are refused, and so is nesting
    too deep for the parser (``RecursionError``), instead of a 500.
    """
    try:
        data = json.loads(request.get_data(cache=True), parse_constant=_refuse_constant)
    except RecursionError:
        raise ApiError(parameter, "请求体嵌套过深，不是有效的请求") from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, NaN/Infinity, huge ints
        raise ApiError(parameter, invalid_json_message(exc, subject="请求体")) from None
    if not isinstance(data, dict):
        raise ApiError(parameter, "请求体须为 JSON 对象")
    return data


def wants_json() -> bool:
    """Whether the request is an API call (answered in JSON) rather than a page."""
    path = request.path
    return (
        path == "/api"
        or path.startswith(API_PREFIXES)
        or (path.endswith(DATA_SUFFIXES) and not _browser_navigation())
        or request.is_json
    )


def _browser_navigation() -> bool:
    """A browser opening a link (its Accept prefers text/html to JSON), not a program."""
    return request.accept_mimetypes.best_match(("application/json", "text/html")) == "text/html"


def error_response(
    status: int,
    message: str | None = None,
    *,
    parameter: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    """The one error answer: JSON for APIs, the Chinese error page for pages."""
    title, default = STATUS_TEXT.get(status, STATUS_TEXT[500 if status >= 500 else 400])
    text = message or default
    if wants_json():
        response = jsonify(error=text, parameter=parameter, **extra)
    else:
        response = current_app.make_response(
            render_template("error.html", status=status, title=title, message=text,
                            back=back_within_site())
        )
    response.status_code = status
    response.headers.update(headers or {})
    return response


def back_within_site() -> str | None:
    """The page of this site the visitor came from (path and query), for a "返回上一页" link
    that keeps their settings (a planner's threshold and k); None from elsewhere or nowhere."""
    came_from = urlsplit(request.referrer or "")
    if came_from.netloc != request.host or not came_from.path.startswith("/"):
        return None
    back = came_from.path + (f"?{came_from.query}" if came_from.query else "")
    return None if back == request.full_path.rstrip("?") else back


def _not_found_in_api() -> str:
    """A JSON 404: no such route, or a route whose object is missing (or out of scope)."""
    if request.url_rule is None:
        return f"没有这个接口：{request.path}（接口列表见 /api/openapi.json）"
    scope = "，或不在您的负责范围内" if getattr(g, "user", None) is not None else ""
    return f"没有找到 {request.path} 所指的对象（编号不存在{scope}）"


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    headers: dict[str, str] = {}
    message = None
    if status == 404 and wants_json():
        message = _not_found_in_api()
    elif isinstance(error, MethodNotAllowed):
        allowed = sorted(error.valid_methods or ())
        headers["Allow"] = ", ".join(allowed)
        message = f"{request.path} 不支持 {request.method} 请求，只支持 {'、'.join(allowed)}"
    if status >= 500:  # an unexpected failure (Flask wraps it in InternalServerError)
        current_app.logger.error("内部错误：%s %s", request.method, request.path, exc_info=error)
    return error_response(status, message, headers=headers)


def _api_error(error: ApiError) -> Response:
    return error_response(
        error.status, error.message, parameter=error.parameter, headers=error.headers,
        **error.extra,
    )


def _typed_error(error: BadParameterError | StoreError) -> Response:
    """A business module's refusal: its own status (400 unless it says 404 or 409; a 503 for a
    database that cannot be used now asks the client to come back in a little while)."""
    status = getattr(error, "status", 400)
    headers = {"Retry-After": str(BUSY_RETRY_AFTER_S)} if status == 503 else None
    return error_response(status, str(error), parameter=error.parameter, headers=headers)


#: SQLSTATEs of PostgreSQL's "waited too long for a lock" (lock_timeout, statement_timeout).
_PG_BUSY_STATES = frozenset({"55P03", "57014"})
#: Seconds a client is asked to wait after a 503 for a busy database.
BUSY_RETRY_AFTER_S = 5


def is_busy_database(error: OperationalError) -> bool:
    """Whether ``error`` is a write that waited longer than the busy timeout for a lock."""
    if getattr(error.orig, "sqlstate", None) in _PG_BUSY_STATES:
        return True
    text = str(error.orig).lower()
    return "database is locked" in text or "database is busy" in text


def _database_error(error: OperationalError) -> Response:
    if is_busy_database(error):
        current_app.logger.warning("数据库繁忙：%s %s", request.method, request.path)
        return error_response(
            503, "数据库正忙：另一项修改尚未完成，这次修改未保存，请稍后重试（查询不受影响）。",
            headers={"Retry-After": str(BUSY_RETRY_AFTER_S)},
        )
    current_app.logger.error("数据库错误：%s %s", request.method, request.path, exc_info=error)
    return error_response(500)


#: Flask-WTF's reasons for a refused CSRF check (English), as a person can act on them.
CSRF_REASONS = {
    "The CSRF token is missing.": "请求缺少安全校验令牌",
    "The CSRF session token is missing.": "会话中没有安全校验令牌（Cookie 可能被清除）",
    "The CSRF token has expired.": "页面打开太久，安全校验令牌已过期",
    "The CSRF token is invalid.": "安全校验令牌无效",
    "The CSRF tokens do not match.": "安全校验令牌与本次会话不符",
    "The referrer header is missing.": "请求缺少来源页（Referer）",
    "The referrer does not match the host.": "请求的来源页不是本站",
}


def _csrf_error(error: CSRFError) -> Response:
    reason = CSRF_REASONS.get(str(error.description), "安全校验未通过")
    return error_response(
        400, f"页面已过期或缺少安全校验（CSRF）：{reason}，请刷新页面后重试",
        parameter="csrf_token",
    )


def init_app(app: Flask) -> None:
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(BadParameterError, _typed_error)
    app.register_error_handler(StoreError, _typed_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(OperationalError, _database_error)
    app.register_error_handler(HTTPException, _http_error)
