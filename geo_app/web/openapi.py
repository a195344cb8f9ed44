"""The OpenAPI 3.1 document of the JSON API, built from the routes themselves.

Each API view declares its :class:`Operation` with :func:`documented`; the same
:class:`QueryParameter` declarations drive the view's validation (:func:`parse_query` for the
query, :func:`parse_body` for a JSON request body) and this document, so the two cannot drift.
An operation may be a POST with a :class:`RequestBody`, take path parameters, and be restricted
to logged-in roles (documented as the session cookie security scheme, with the CSRF header).
A parameter's schema may depend on the configuration (``dynamic``: e.g. the configured
categories as an enum), resolved when a request is checked or the document is built.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Flask, request

from geo_app.formats.numbers import decimal_number, integer_number
from geo_app.store.roles import ADMIN
from geo_app.web.errors import ApiError, json_object_body
from layers.quoting import quoted
from layers.schema import ITEM_LABELS, STATION_KINDS

View = TypeVar("View", bound=Callable[..., object])
OPERATION_ATTR = "_geo_app_openapi"
OPENAPI_VERSION = "3.1.0"


@dataclass(frozen=True)
class QueryParameter:
    """One query parameter: its JSON Schema (type, range, enum, default) and a description.

    ``choice_labels`` gives the label of each enum value for error messages; ``range_hint``
    is added to the out-of-range message (e.g. "are lon and lat swapped?"); ``label`` names
    it in messages as a form does (电话（phone）), else it is 参数 phone / 字段 phone.
    """

    name: str
    description: str
    schema: dict[str, Any]
    required: bool = False
    example: Any = None
    choice_labels: dict[str, str] = field(default_factory=dict)
    range_hint: str = ""
    #: Schema keys that come from the configuration (called in an app context), and the labels
    #: of its enum values: ``() -> (schema update, choice labels)``.
    dynamic: Callable[[], tuple[dict[str, Any], dict[str, str]]] | None = field(
        default=None, compare=False
    )
    #: The form's word for it (电话), said before the name in messages: 电话（phone）…
    label: str = ""

    def resolved(self) -> tuple[dict[str, Any], dict[str, str]]:
        """The schema and choice labels in force now (static ones merged with ``dynamic``)."""
        if self.dynamic is None:
            return self.schema, self.choice_labels
        update, labels = self.dynamic()
        return {**self.schema, **update}, {**self.choice_labels, **labels}

    def to_openapi(self, location: str = "query") -> dict[str, Any]:
        doc: dict[str, Any] = {
            "name": self.name,
            "in": location,
            "required": self.required or location == "path",
            "description": self.description,
            "schema": self.resolved()[0],
        }
        if self.example is not None:
            doc["example"] = self.example
        return doc


@dataclass(frozen=True)
class RequestBody:
    """A request body: a JSON object of ``fields`` (checked by :func:`parse_body`), or a
    multipart form (``media_type="multipart/form-data"``) whose fields the view reads."""

    description: str
    fields: tuple[QueryParameter, ...]
    media_type: str = "application/json"

    def to_openapi(self) -> dict[str, Any]:
        properties = {}
        for f in self.fields:
            schema, _ = f.resolved()
            properties[f.name] = {**schema, "description": f.description}
            if f.example is not None:
                properties[f.name]["examples"] = [f.example]
        return {
            "required": True,
            "description": self.description,
            "content": {
                self.media_type: {
                    "schema": {
                        "type": "object",
                        "required": [f.name for f in self.fields if f.required],
                        "properties": properties,
                        "additionalProperties": False,
                    }
                }
            },
        }


@dataclass(frozen=True)
class Operation:
    """An operation: what it does, its parameters (query, path, body), who may call it, the
    schema of its success answer, and the error statuses it may answer besides 400/404/405.

    ``roles`` empty means public; otherwise the logged-in roles allowed (session cookie, and
    on POST the ``X-CSRFToken`` header). ``schemas`` are component schemas it refers to.
    ``idempotent``: it honours an optional ``Idempotency-Key`` header (a repeat of the same
    request gets its first answer again, :mod:`geo_app.web.submissions`).
    """

    operation_id: str
    summary: str
    description: str
    response_schema: str
    parameters: tuple[QueryParameter, ...] = ()
    method: str = "get"
    body: RequestBody | None = None
    path_parameters: tuple[QueryParameter, ...] = ()
    status: int = 200
    roles: tuple[str, ...] = ()
    errors: tuple[int, ...] = ()
    schemas: Mapping[str, Any] = field(default_factory=dict, compare=False)
    idempotent: bool = False


def documented(operation: Operation) -> Callable[[View], View]:
    """Attach ``operation`` to a view, for :func:`build_document` and validation."""

    def mark(view: View) -> View:
        setattr(view, OPERATION_ATTR, operation)
        return view

    return mark


def operation_of(view: Callable[..., object]) -> Operation | None:
    return getattr(view, OPERATION_ATTR, None)


def parse_query(parameters: tuple[QueryParameter, ...]) -> dict[str, Any]:
    """The request's query, checked against ``parameters`` (unknown or repeated ones refused)."""
    refuse_unknown(parameters)
    return _collect(
        parameters, lambda name: request.args.get(name, "").strip(), _coerce, word="参数"
    )


def refuse_unknown(parameters: tuple[QueryParameter, ...]) -> None:
    """Refuse a query parameter that is not one of ``parameters``, or is given twice (for a
    view that checks the values itself)."""
    known = [p.name for p in parameters]
    for name in request.args:
        _require_known(name, known, word="参数")
        if len(request.args.getlist(name)) > 1:
            raise ApiError(name, f"参数 {name} 只能出现一次")


def _require_known(name: str, known: Sequence[str], *, word: str) -> None:
    """Refuse a ``word`` (参数 / 字段) that is not one of ``known``, listing those."""
    if name not in known:
        raise ApiError(name, f"未知{word} {name}（可用{word}：{'、'.join(known) or '无'}）")


def _collect(
    parameters: Iterable[QueryParameter],
    given: Callable[[str], Any],
    convert: Callable[[QueryParameter, Any], Any],
    *,
    word: str,
) -> dict[str, Any]:
    """Each parameter's ``convert(parameter, given(name))``; one missing (``None`` or ``""``)
    is refused when required ("缺少{word} …"), else gets its schema's default."""
    values: dict[str, Any] = {}
    for parameter in parameters:
        value = given(parameter.name)
        if value is None or value == "":
            if parameter.required:
                raise ApiError(
                    parameter.name, f"缺少{word} {parameter.name}：{parameter.description}"
                )
            values[parameter.name] = parameter.schema.get("default")
            continue
        values[parameter.name] = convert(parameter, value)
    return values


def _coerce(parameter: QueryParameter, raw: str) -> Any:
    schema, _ = parameter.resolved()
    kind = schema["type"]
    if kind == "string":
        return _checked(parameter, raw)
    value: float | int
    try:
        value = integer_number(raw) if kind == "integer" else decimal_number(raw)
    except ValueError:
        expected = "整数" if kind == "integer" else "数字"
        msg = f"{_named(parameter, '参数')}应为{expected}，实际为 {quoted(raw)}"
        raise ApiError(parameter.name, msg) from None
    return _checked(parameter, value, raw=raw)


def _named(parameter: QueryParameter, word: str) -> str:
    """How messages name ``parameter``: ``电话（phone）`` when labelled, else ``参数 phone ``."""
    if parameter.label:
        return f"{parameter.label}（{parameter.name}）"
    return f"{word} {parameter.name} "


def _checked(
    parameter: QueryParameter, value: Any, *, raw: str | None = None, word: str = "参数"
) -> Any:
    """``value`` (already of the schema's type) if the schema's limits allow it."""
    schema, labels = parameter.resolved()
    name = parameter.name
    named = _named(parameter, word)
    shown = raw if raw is not None else value
    if schema["type"] == "string":
        if "enum" in schema and value not in schema["enum"]:
            choices = "、".join(f"{c}（{labels[c]}）" if c in labels else c for c in schema["enum"])
            raise ApiError(name, f"{named}的取值 {quoted(value)} 无效，可选：{choices}")
        if len(value) > schema.get("maxLength", math.inf):
            raise ApiError(name, f"{named}太长（最多 {schema['maxLength']} 个字符）")
        if len(value) < schema.get("minLength", 0):
            raise ApiError(name, f"{named}太短（至少 {schema['minLength']} 个字符）")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            raise ApiError(name, f"{named}的格式不对：{quoted(value)}（{parameter.description}）")
        return value
    if schema["type"] == "boolean":
        return value
    if not math.isfinite(value):
        raise ApiError(name, f"{named}应为有限的数字，实际为 {quoted(shown)}")
    low, high = schema.get("minimum", -math.inf), schema.get("maximum", math.inf)
    if not low <= value <= high:
        raise ApiError(
            name,
            f"{named}超出范围：应在 {low:g} 至 {high:g} 之间，"
            f"实际为 {shown}{parameter.range_hint}",
        )
    return value


#: JSON types accepted for each schema type (a bool is not a number).
_JSON_TYPES: dict[str, tuple[type[Any], ...]] = {
    "string": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "array": (list,),
}
_TYPE_NAMES = {"string": "字符串", "number": "数字", "integer": "整数", "boolean": "true 或 false",
               "array": "数组"}


def parse_body(body: RequestBody) -> dict[str, Any]:
    """The request's JSON object, checked against ``body``'s fields (unknown ones refused).

    Optional fields missing or ``null`` get their schema's default (``None`` if it has none);
    strings are stripped; an array's items are checked against the schema's ``items``.
    """
    data = json_object_body()
    known = [f.name for f in body.fields]
    for name in data:
        _require_known(name, known, word="字段")

    def given(name: str) -> Any:
        value = data.get(name)
        return value.strip() if isinstance(value, str) else value

    return _collect(body.fields, given, _json_value, word="字段")


def _json_value(parameter: QueryParameter, value: Any) -> Any:
    schema, _ = parameter.resolved()
    kind = schema["type"]
    if (isinstance(value, bool) and kind != "boolean") or not isinstance(value, _JSON_TYPES[kind]):
        msg = f"{_named(parameter, '字段')}应为{_TYPE_NAMES[kind]}，实际为 {quoted(value)}"
        raise ApiError(parameter.name, msg)
    if kind == "array":
        item = QueryParameter(parameter.name, parameter.description, schema["items"])
        if len(value) > schema.get("maxItems", math.inf):
            msg = f"{_named(parameter, '字段')}最多 {schema['maxItems']} 项"
            raise ApiError(parameter.name, msg)
        return [_json_value(item, v) for v in value]
    return _checked(parameter, value, word="字段")


def build_document(app: Flask) -> dict[str, Any]:
    """The OpenAPI document of every documented route of ``app``."""
    paths: dict[str, Any] = {}
    schemas = dict(SCHEMAS)
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        operation = operation_of(app.view_functions[rule.endpoint])
        if operation is None:
            continue
        paths.setdefault(openapi_path(rule.rule), {})[operation.method] = _operation_doc(operation)
        schemas.update(operation.schemas)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "金宁社区服务地图 公共接口",
            "version": "1.0.0",
            "description": (
                "居民找服务站、反映社情民意用的公开接口（网页与小程序共用），以及网格员"
                "处理意见、会议与治理项目的接口（需登录，POST 另需 X-CSRFToken 头）。坐标一律为"
                " WGS84 经纬度；距离沿步行路网计算，单位为米；时间为北京时间（Asia/Shanghai）。"
                "错误输入一律返回 400 和 {error, parameter}；公开接口不提供任何居民个人信息。"
            ),
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": RESPONSES,
            "securitySchemes": SECURITY_SCHEMES,
        },
    }


def openapi_path(rule: str) -> str:
    """A Flask rule as an OpenAPI path: ``/api/views/<int:view_id>`` → ``/api/views/{view_id}``."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def _operation_doc(operation: Operation) -> dict[str, Any]:
    parameters = [p.to_openapi("path") for p in operation.path_parameters]
    parameters += [p.to_openapi() for p in operation.parameters]
    if operation.method != "get":
        parameters.append(CSRF_HEADER)
    if operation.idempotent:
        parameters.append(IDEMPOTENCY_HEADER)
    responses: dict[str, Any] = {
        str(operation.status): {
            "description": "成功",
            "content": {"application/json": {"schema": _ref(operation.response_schema)}},
        },
        "400": {"$ref": "#/components/responses/BadRequest"},
        "404": {"$ref": "#/components/responses/NotFound"},
        "405": {"$ref": "#/components/responses/MethodNotAllowed"},
    }
    statuses = set(operation.errors) | ({401, 403} if operation.roles else set())
    statuses |= {409, 422} if operation.idempotent else set()
    for status in sorted(statuses):
        responses[str(status)] = {"$ref": f"#/components/responses/{ERROR_RESPONSES[status][0]}"}
    doc: dict[str, Any] = {
        "operationId": operation.operation_id,
        "summary": operation.summary,
        "description": operation.description,
        "parameters": parameters,
        "responses": responses,
    }
    if operation.body is not None:
        doc["requestBody"] = operation.body.to_openapi()
    if operation.roles:
        doc["security"] = [{"session": []}]
        doc["x-roles"] = list(operation.roles)
    return doc


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": [kind, "null"], **extra}


ITEM_CHOICES: dict[str, str] = {**ITEM_LABELS, "any": "任意站点"}
_ITEM_ENUM = list(ITEM_LABELS)
_KIND_ENUM = list(STATION_KINDS)

_LINESTRING = {
    "type": "object",
    "description": "GeoJSON LineString（WGS84 经纬度），从起点沿步行路网到站点",
    "required": ["type", "coordinates"],
    "properties": {
        "type": {"const": "LineString"},
        "coordinates": {
            "type": "array",
            "minItems": 2,
            "items": {"type": "array", "prefixItems": [{"type": "number"}, {"type": "number"}]},
        },
    },
}

_STOCK = {
    "type": "object",
    "description": "当前有货的物资及数量（物资代码 → 数量，只列数量大于 0 的）",
    "propertyNames": {"enum": _ITEM_ENUM},
    "additionalProperties": {"type": "integer", "minimum": 1},
}

_STATION_PROPERTIES: dict[str, Any] = {
    "station_id": {"type": "string"},
    "name": {"type": "string"},
    "kind": {"enum": _KIND_ENUM},
    "kind_label": {"type": "string", "description": "党群服务站 或 歇歇角"},
    "lon": {"type": "number"},
    "lat": {"type": "number"},
    "open_now": {"type": "boolean"},
    "opens_later_today": _nullable(
        "string", description="今天稍后开门的时间 HH:MM；现在开着或今天不再开时为 null"
    ),
    "closes_at": _nullable(
        "string", description="现在开着时的关门时间 HH:MM；24 小时开放时为 null"
    ),
    "hours_known": {"type": "boolean", "description": "是否登记了开放时间"},
    "hours": {
        "type": "string",
        "description": "开放时间，如 周一至周五 08:00-18:00；周六、周日 休息",
    },
    "hours_today": {"type": "string", "description": "今天的开放时间"},
    "contact": {"type": "string", "description": "站点联系电话"},
    "address": _nullable("string"),
    "items": _STOCK,
}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error", "parameter"],
        "properties": {
            "error": {"type": "string", "description": "出错原因（中文）"},
            "parameter": _nullable("string", description="出错的参数名；与参数无关时为 null"),
            "distance_m": {
                "type": "number",
                "description": "位置离步行路网太远时，离最近道路的距离（米）",
            },
            "limit_m": {"type": "number", "description": "允许的最大距离（米）"},
        },
    },
    "Station": {
        "type": "object",
        "required": list(_STATION_PROPERTIES),
        "properties": _STATION_PROPERTIES,
    },
    "StationList": {
        "type": "object",
        "required": ["time", "stations", "items"],
        "properties": {
            "time": {
                "type": "string",
                "format": "date-time",
                "description": "判断开放状态所用的当地时间",
            },
            "stations": {"type": "array", "items": _ref("Station")},
            "items": {
                "type": "array",
                "description": "当前至少一个站点有货的物资",
                "items": {
                    "type": "object",
                    "required": ["item", "label", "stations"],
                    "properties": {
                        "item": {"enum": _ITEM_ENUM},
                        "label": {"type": "string"},
                        "stations": {
                            "type": "integer",
                            "minimum": 1,
                            "description": "有货的站点数",
                        },
                    },
                },
            },
        },
    },
    "NearestResult": {
        "allOf": [_ref("Station")],
        "type": "object",
        "required": ["distance_m", "minutes", "stock", "route"],
        "properties": {
            "distance_m": {"type": "integer", "minimum": 0, "description": "步行距离（米，取整）"},
            "minutes": {"type": "number", "minimum": 0, "description": "按所选步速的步行分钟数"},
            "stock": _nullable(
                "integer", minimum=1, description="所问物资的当前数量；不限物资时为 null"
            ),
            "route": _LINESTRING,
        },
    },
    "NearestAnswer": {
        "type": "object",
        "required": [
            "origin",
            "access_m",
            "item",
            "item_label",
            "kind",
            "k",
            "speed_kmh",
            "max_distance_m",
            "time",
            "results",
            "message",
            "closed_nearer",
        ],
        "properties": {
            "origin": {
                "type": "object",
                "required": ["lon", "lat"],
                "properties": {"lon": {"type": "number"}, "lat": {"type": "number"}},
            },
            "access_m": {
                "type": "number",
                "minimum": 0,
                "description": "起点到最近步行道路的距离（米）",
            },
            "item": _nullable("string", enum=[*_ITEM_ENUM, None]),
            "item_label": _nullable("string"),
            "kind": _nullable("string", enum=[*_KIND_ENUM, None]),
            "k": {"type": "integer"},
            "speed_kmh": {"type": "number"},
            "max_distance_m": {"type": "number", "description": "搜索的最大步行距离（米）"},
            "time": {"type": "string", "format": "date-time"},
            "results": {
                "type": "array",
                "description": "现在开放的站点在前，今天稍后开放的在后，各按步行距离排序",
                "items": _ref("NearestResult"),
            },
            "message": _nullable(
                "string", description="没有结果时的说明，如 步行 2000 米内没有存有雨伞的服务站"
            ),
            "closed_nearer": {
                "oneOf": [_ref("ClosedNearer"), {"type": "null"}],
                "description": "比 results 第一个站点步行更近、有货但现在关门的站点；没有时为 null",
            },
        },
    },
    "ClosedNearer": {
        "type": "object",
        "required": [
            "station_id", "name", "lon", "lat", "distance_m", "minutes", "opens", "text",
        ],
        "properties": {
            "station_id": {"type": "string"},
            "name": {"type": "string"},
            "lon": {"type": "number"},
            "lat": {"type": "number"},
            "distance_m": {"type": "integer", "minimum": 0, "description": "步行距离（米，取整）"},
            "minutes": {"type": "number", "minimum": 0, "description": "按所选步速的步行分钟数"},
            "opens": {
                "type": "string",
                "description": "何时开门：今天 14:00、明天 08:00、后天 08:00 或 周一 08:00",
            },
            "text": {
                "type": "string",
                "description": "给居民看的一句话，如 更近的 金宁社区党群服务站（步行 180 米）"
                "今天 14:00 开门",
            },
        },
    },
    "Place": {
        "type": "object",
        "required": ["kind", "id", "name", "compound", "lon", "lat"],
        "properties": {
            "kind": {"enum": ["building", "compound"], "description": "楼栋 或 小区"},
            "id": {"type": "string"},
            "name": {"type": "string"},
            "compound": {"type": "string", "description": "所在小区"},
            "lon": {"type": "number", "description": "出发点经度（楼栋出入口或楼栋中心）"},
            "lat": {"type": "number"},
        },
    },
    "PlaceList": {
        "type": "object",
        "required": ["query", "places"],
        "properties": {
            "query": {"type": "string"},
            "places": {"type": "array", "items": _ref("Place")},
        },
    },
    "OpenApiDocument": {"type": "object", "required": ["openapi", "paths"]},
    "GoodsList": {
        "type": "array",
        "description": "微积分兑换目录：物品、所需积分与各站点库存",
        "items": {
            "type": "object",
            "required": ["id", "name", "unit", "points", "stations"],
            "properties": {
                "id": {"type": "string"},
                "name": {"type": "string", "description": "如 纸巾、洗洁精、洗衣液"},
                "unit": {"type": "string"},
                "points": {"type": "integer", "minimum": 1, "description": "兑换一件所需积分"},
                "stations": {
                    "type": "object",
                    "description": "站点编号 → 现有数量",
                    "additionalProperties": {"type": "integer", "minimum": 0},
                },
            },
        },
    },
    "ActivityList": {
        "type": "array",
        "description": "近期活动（不含报名者信息）",
        "items": {
            "type": "object",
            "required": ["id", "title", "kind", "place", "lon", "lat", "starts_at", "ends_at",
                         "capacity", "confirmed", "places_left", "waitlisted", "status"],
            "properties": {
                "id": {"type": "integer"},
                "title": {"type": "string"},
                "kind": {"enum": ["志愿服务", "文体活动", "宣讲"]},
                "topic": _nullable("string", description="宣讲的讲题"),
                "place": {"type": "string"},
                "place_kind": {"type": "string"},
                "lon": {"type": "number"},
                "lat": {"type": "number"},
                "starts_at": {"type": "string", "description": "北京时间 YYYY-MM-DD HH:MM"},
                "ends_at": {"type": "string"},
                "capacity": {"type": "integer", "minimum": 1},
                "confirmed": {"type": "integer", "minimum": 0},
                "places_left": {"type": "integer", "minimum": 0},
                "waitlisted": {"type": "integer", "minimum": 0},
                "points_per_hour": {"type": "integer"},
                "points_per_attendance": {"type": "integer"},
                "status": {"type": "string"},
                "description": {"type": "string"},
            },
        },
    },
}

#: Status → (response name, description) of the errors an operation may declare.
ERROR_RESPONSES: dict[int, tuple[str, str]] = {
    400: ("BadRequest", "参数错误：error 说明原因，parameter 指出参数"),
    401: ("Unauthorized", "未登录"),
    403: ("Forbidden", "账号角色无权进行此操作"),
    404: ("NotFound", "没有这个接口或对象（或不在您的网格内）"),
    405: ("MethodNotAllowed", "不支持该请求方式"),
    409: ("Conflict", "当前状态不允许此操作（如非法的状态流转），未作任何改动"),
    413: ("TooLarge", "上传的文件太大"),
    422: ("KeyReused", "同一个 Idempotency-Key 已用于另一个请求（路径或请求体不同），未作处理"),
    429: ("TooManyRequests", "提交太频繁（按网络地址或按设备计），请稍后再试"),
}
RESPONSES: dict[str, Any] = {
    name: {
        "description": description,
        "content": {"application/json": {"schema": _ref("Error")}},
    }
    for name, description in ERROR_RESPONSES.values()
}
SECURITY_SCHEMES: dict[str, Any] = {
    "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": "session",
        "description": "登录（/login）后的会话 Cookie；POST 请求另需 X-CSRFToken 头，"
        "其值取自页面的 <meta name=\"csrf-token\">",
    }
}
CSRF_HEADER: dict[str, Any] = {
    "name": "X-CSRFToken",
    "in": "header",
    "required": True,
    "description": "CSRF 令牌：取自页面 <meta name=\"csrf-token\"> 的 content",
    "schema": {"type": "string"},
}
#: draft-ietf-httpapi-idempotency-key-header, as the counter APIs honour it
#: (geo_app.web.submissions).
IDEMPOTENCY_HEADER: dict[str, Any] = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "可选的幂等键（IETF draft-ietf-httpapi-idempotency-key-header）：客户端为每个"
    "新请求生成一个唯一值（如 UUID；1–128 个可见 ASCII 字符，可按草案加双引号），超时重试时原样"
    "再发。同一账号的同一个值只处理一次：第一次成功的回答（状态码与 JSON）与改动在同一事务中"
    "记下，之后同一账号以同一个值重发同一请求（方法、路径与请求体逐字节相同）时不改动任何数据，"
    "原样返回第一次的状态码与回答，并带响应头 Idempotent-Replayed: true；同一个值用于另一个请求"
    "（路径或请求体不同）时返回 422 {error, parameter: \"Idempotency-Key\"}，不作处理。第一次"
    "被拒绝（400/404/409）时什么也不记，改正后可用同一个值重试。记下的值保留若干天（服务端"
    "设置 SUBMISSION_KEEP_DAYS）。不带此头的请求照常处理，但不防重复。",
    "schema": {"type": "string", "minLength": 1, "maxLength": 130},
    "example": "\"8e03978e-40d5-43e8-bc93-6894a57f9324\"",
}


#: The layer editor's deletion of a station or POI (geo_app.web.views.layer_editor).
DELETE_LAYER_FEATURE = Operation(
    "deleteLayerFeature",
    "删除一个服务站点或便民设施（图层编辑）",
    "删除前按 geo-app validate 的规则校验整套图层，原文件存为历史版本（可在"
    " /admin/layers/history 恢复），写审计日志，服务立即使用新数据。只能删除站点和兴趣点"
    "（stations、pois），其他图层 400。站点还有未归还的借用、兑换物品、未举办的活动或库存时"
    " 409，error 逐项列出；只有库存时可加 stock=write_off 确认报损清零后删除（每种物资一条审计"
    "记录）。历史的借还、出入库与审计记录保留，按站点编号显示。",
    "LayerFeatureDeleted",
    method="delete",
    roles=(ADMIN,),
    errors=(409,),
    path_parameters=(
        QueryParameter("layer", "图层", {"type": "string", "enum": ["stations", "pois"]},
                       example="stations"),
        QueryParameter("feature_id", "要素编号", {"type": "string"}, example="PS-01"),
    ),
    parameters=(
        QueryParameter("stock", "write_off：站点的库存一并报损清零（仅站点；不填时有库存则 409）",
                       {"type": "string", "enum": ["write_off"]},
                       choice_labels={"write_off": "报损清零"}),
    ),
    schemas={
        "LayerFeatureDeleted": {
            "type": "object",
            "required": ["layer", "id", "before", "after", "kept", "written_off"],
            "properties": {
                "layer": {"enum": ["stations", "pois"]},
                "id": {"type": "string"},
                "before": {"type": "object", "description": "删除前的要素：properties 与坐标"},
                "after": {"type": "null"},
                "kept": _nullable("string", description="原文件保存成的历史版本名"),
                "written_off": {
                    "type": "object",
                    "description": "报损清零的库存（物资代码 → 数量）",
                    "additionalProperties": {"type": "integer", "minimum": 1},
                },
            },
        },
    },
)
