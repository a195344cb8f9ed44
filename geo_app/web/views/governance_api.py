"""The 微协商 JSON API: residents send views, follow them by code, +1 and rate them; the grid's
staff move views through their life, record meetings and carry governance items.

Thin HTTP layer: the declarations below check the request and build ``/api/openapi.json``; the
work is done by :mod:`geo_app.governance`. Public answers never carry a resident's name, phone,
photo or device; ``/api/my/views`` carries contact only for the grid's leader, stewards and the
admin. Outside the caller's grid a view, meeting or item is a 404.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from sqlalchemy import select

from geo_app.governance import items as item_service
from geo_app.governance import lifecycle
from geo_app.governance import views as view_service
from geo_app.governance.duplicates import open_views_near
from geo_app.governance.errors import BudgetExceededError
from geo_app.governance.meetings import (
    MEETING_KINDS,
    MeetingInput,
    create_meeting,
    get_meeting,
    grid_meetings,
)
from geo_app.governance.photos import clean_photo, store_photo
from geo_app.state.clock import community_timezone, now
from geo_app.store import get_store
from geo_app.store.governance_models import Item, Meeting, View
from geo_app.store.roles import ADMIN
from geo_app.web import governance_support as support
from geo_app.web.access import ANY_ROLE, public, require_roles
from geo_app.web.device import device_hash, set_device_cookie
from geo_app.web.errors import ApiError
from geo_app.web.openapi import (
    Operation,
    QueryParameter,
    RequestBody,
    documented,
    parse_body,
    parse_query,
)
from geo_app.web.route_ids import MAX_ROW_ID
from geo_app.web.views.public_api import LAT, LON
from layers.quoting import quoted

bp = Blueprint("governance_api", __name__, url_prefix="/api")
bp.after_request(set_device_cookie)

STAFF = lifecycle.STAFF_ROLES
MAX_VIEW_IDS = 200


def _category_schema() -> tuple[dict[str, Any], dict[str, str]]:
    labels = support.category_labels()
    return {"enum": list(labels)}, labels


def _text_schema() -> tuple[dict[str, Any], dict[str, str]]:
    limits = support.text_limits()
    return {"minLength": limits["min_chars"], "maxLength": limits["max_chars"]}, {}


def _name_schema() -> tuple[dict[str, Any], dict[str, str]]:
    return {"maxLength": support.text_limits()["name_chars"]}, {}


def _budget_schema() -> tuple[dict[str, Any], dict[str, str]]:
    return {"enum": list(current_app.config["ITEM_BUDGET_SOURCES"])}, {}


def _enum_text(labels: dict[str, str]) -> str:
    return "、".join(f"{k}={v}" for k, v in labels.items())


CATEGORY = QueryParameter(
    "category", "意见类别代码（可配置 VIEW_CATEGORIES），如 environment=环境卫生",
    {"type": "string"}, required=True, example="greening", dynamic=_category_schema,
    label="类别",
)
VIEW_LON = replace(LON, example=117.2535)
VIEW_LAT = replace(LAT, example=31.9615)
TEXT = QueryParameter("text", "反映的内容（纯文本，显示时按文本处理）", {"type": "string"},
                      required=True, example="3栋东侧绿地被毁种菜", dynamic=_text_schema,
                      label="内容")
NAME = QueryParameter("name", "称呼（选填，不公开，仅本网格网格员可见）", {"type": "string"},
                      example="王女士", dynamic=_name_schema, label="称呼")
PHONE = QueryParameter(
    "phone", "联系电话（选填，不公开）：11 位手机号或 0551-66128801 这样的座机号（全角数字、"
    "空格和括号也可以）", {"type": "string", "maxLength": 32}, example="13800001234",
    label="电话",
)
BUILDING = QueryParameter("building_id", "所在楼栋编号（选填；选了楼栋即按楼栋所属网格分派）",
                          {"type": "string", "maxLength": 64}, example="FG-01")
STEP = QueryParameter("to", "下一步：" + _enum_text(lifecycle.STEPS),
                      {"type": "string", "enum": list(lifecycle.STEPS)}, required=True,
                      example="accepted", choice_labels=lifecycle.STEPS)
NOTE = QueryParameter("note", "说明（不予受理、不公开的原因，给居民的答复等）",
                      {"type": "string", "maxLength": view_service.NOTE_MAX_CHARS})
ASSIGNEE = QueryParameter("assignee", "派遣：承办人或单位",
                          {"type": "string", "maxLength": view_service.ASSIGNEE_MAX_CHARS})
TO_GRID = QueryParameter("grid_id", "转办：接收网格的编码", {"type": "string", "maxLength": 64})
#: A row id in a body: past MAX_ROW_ID no row has it (the query itself would fail).
ROW_ID: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": MAX_ROW_ID}
DUPLICATE_OF = QueryParameter("duplicate_of", "标为重复：原意见的编号", ROW_ID)
RATING = QueryParameter("rating", "满意度 1（很不满意）至 5（很满意）",
                        {"type": "integer", "minimum": 1, "maximum": 5}, required=True, example=5,
                        label="满意度")
STATE_FILTER = QueryParameter("state", "只看某一状态：" + _enum_text(lifecycle.STATES),
                              {"type": "string", "enum": list(lifecycle.STATES)},
                              choice_labels=lifecycle.STATES)
OVERDUE_FILTER = QueryParameter("overdue", "1 表示只看已超期未反馈的",
                                {"type": "integer", "minimum": 0, "maximum": 1, "default": 0})
CODE = QueryParameter("code", "查询码（提交意见时得到的 10 位码）",
                      {"type": "string", "maxLength": 32}, example="ABCDEFGH23")
# path ids: the app's int converter already answers a number past MAX_ROW_ID with a 404
VIEW_ID = QueryParameter("view_id", "意见编号", {"type": "integer", "minimum": 1}, example=1)
ITEM_ID = QueryParameter("item_id", "治理项目编号", {"type": "integer", "minimum": 1}, example=1)
MEETING_ID = QueryParameter("meeting_id", "会议编号", {"type": "integer", "minimum": 1},
                            example=1)
VIEW_IDS = QueryParameter("view_ids", "关联的意见编号（须属同一网格）",
                          {"type": "array", "items": ROW_ID,
                           "maxItems": MAX_VIEW_IDS})
ITEM_STATUS = QueryParameter("status", "项目状态：" + _enum_text(item_service.ITEM_STATUSES),
                             {"type": "string", "enum": list(item_service.ITEM_STATUSES)},
                             choice_labels=item_service.ITEM_STATUSES)
PROGRESS = QueryParameter("progress", "进度（%）", {"type": "integer", "minimum": 0,
                                                  "maximum": 100})
PUBLISHED = QueryParameter("published", "是否在公开的项目栏展示", {"type": "boolean"})

# ---------------------------------------------------------------- schemas


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


_STATE_ENUM = list(lifecycle.STATES)
_REPLY = {
    "type": "object",
    "required": ["at", "step", "state", "state_label", "note"],
    "properties": {
        "at": {"type": "string", "format": "date-time"},
        "step": {"type": "string"},
        "state": {"enum": _STATE_ENUM},
        "state_label": {"type": "string"},
        "note": {"type": "string", "description": "公开的说明（答复、原因）；内部说明为空"},
        "transferred_to": {"type": ["string", "null"],
                           "description": "转办时接手的网格名称；其他步骤为 null"},
    },
}
_VIEW_PUBLIC = {
    "type": "object",
    "required": ["code", "category", "state", "state_label", "replies", "can_rate"],
    "properties": {
        "code": {"type": "string"}, "category": {"type": "string"},
        "category_label": {"type": "string"}, "text": {"type": "string"},
        "state": {"enum": _STATE_ENUM}, "state_label": {"type": "string"},
        "public": {"type": "boolean"}, "created_at": {"type": "string", "format": "date-time"},
        "due_at": {"type": "string", "format": "date-time"},
        "supporters": {"type": "integer", "minimum": 0}, "has_photo": {"type": "boolean"},
        "replies": {"type": "array", "items": _ref("ViewReply")},
        "satisfaction": {"type": ["integer", "null"], "minimum": 1, "maximum": 5},
        "can_rate": {"type": "boolean"},
        "merged_into": {"type": ["object", "null"]},
        "items": {"type": "array", "description": "纳入的公开治理项目（合并的意见：原意见的）",
                  "items": {"type": "object", "required": ["id", "title", "progress"],
                            "properties": {"id": {"type": "integer"},
                                           "title": {"type": "string"},
                                           "status_label": {"type": "string"},
                                           "progress": {"type": "integer"}}}},
    },
    "not": {"anyOf": [{"required": ["contact"]}, {"required": ["name"]},
                      {"required": ["phone"]}]},
}
_VIEW_STAFF = {
    "type": "object",
    "required": ["id", "code", "grid_id", "category", "text", "state", "due_at", "overdue",
                 "contact", "next_steps"],
    "properties": {
        "id": {"type": "integer"}, "code": {"type": "string"}, "grid_id": {"type": "string"},
        "building_id": {"type": ["string", "null"]}, "lon": {"type": "number"},
        "lat": {"type": "number"}, "category": {"type": "string"}, "text": {"type": "string"},
        "state": {"enum": _STATE_ENUM}, "state_label": {"type": "string"},
        "public": {"type": "boolean"}, "assignee": {"type": ["string", "null"]},
        "supporters": {"type": "integer"}, "duplicate_of": {"type": ["integer", "null"]},
        "due_at": {"type": "string", "format": "date-time"}, "overdue": {"type": "boolean"},
        "satisfaction": {"type": ["integer", "null"]},
        "next_steps": {"type": "array", "items": {"enum": list(lifecycle.STEPS)}},
        "contact": {
            "type": ["object", "null"],
            "description": "居民留下的称呼与电话：仅本网格网格长、红色小管家与管理员可见",
            "properties": {"name": {"type": ["string", "null"]},
                           "phone": {"type": ["string", "null"]}},
        },
    },
}
_ITEM = {
    "type": "object",
    "required": ["id", "title", "status", "progress", "views", "reach"],
    "properties": {
        "id": {"type": "integer"}, "title": {"type": "string"},
        "category": {"type": "string"}, "grid_id": {"type": "string"},
        "status": {"enum": list(item_service.ITEM_STATUSES)}, "status_label": {"type": "string"},
        "progress": {"type": "integer", "minimum": 0, "maximum": 100},
        "owner": {"type": "string"}, "budget_source": {"type": "string"},
        "lon": {"type": "number"}, "lat": {"type": "number"},
        "views": {"type": "integer", "description": "项目背后的意见数"},
        "view_points": {"type": "array", "description": "其中已公开意见的位置与类别",
                        "items": {"type": "object", "required": ["lon", "lat"],
                                  "properties": {"lon": {"type": "number"},
                                                 "lat": {"type": "number"},
                                                 "category_label": {"type": "string"}}}},
        "reach": {
            "type": "object",
            "description": "步行 radius_m 米内的楼栋，及其中各楼栋提出的意见数",
            "properties": {"radius_m": {"type": ["number", "null"]},
                           "buildings": {"type": "array"},
                           "views_from_reached": {"type": "integer"}},
        },
        "timeline": {"type": "array"},
    },
}
SCHEMAS: dict[str, Any] = {
    "ViewReply": _REPLY,
    "ViewStatus": _VIEW_PUBLIC,
    "ViewCreated": {
        "type": "object",
        "required": ["id", "code", "grid_id", "status"],
        "properties": {
            "id": {"type": "integer"},
            "code": {"type": "string", "description": "查询码：凭它查看办理进度"},
            "grid_id": {"type": "string", "description": "按位置分派到的网格"},
            "status": {"enum": _STATE_ENUM},
            "status_label": {"type": "string"},
            "due_at": {"type": "string", "format": "date-time"},
            "status_url": {"type": "string"},
        },
    },
    "NearbyViews": {
        "type": "object",
        "required": ["radius_m", "views"],
        "properties": {
            "radius_m": {"type": "number"},
            "views": {"type": "array", "items": {
                "type": "object",
                "required": ["id", "category", "text", "distance_m", "supporters"],
                "properties": {"id": {"type": "integer"}, "category": {"type": "string"},
                               "text": {"type": "string"}, "state": {"enum": _STATE_ENUM},
                               "distance_m": {"type": "number"},
                               "supporters": {"type": "integer"}},
            }},
        },
    },
    "Supported": {"type": "object", "required": ["id", "supporters"],
                  "properties": {"id": {"type": "integer"}, "supporters": {"type": "integer"}}},
    "PhotoStored": {"type": "object", "required": ["code", "has_photo"],
                    "properties": {"code": {"type": "string"}, "has_photo": {"const": True}}},
    "StaffView": _VIEW_STAFF,
    "StaffViewList": {"type": "object", "required": ["count", "views"],
                      "properties": {"count": {"type": "integer"},
                                     "views": {"type": "array", "items": _ref("StaffView")}}},
    "Item": _ITEM,
    "ItemList": {"type": "object", "required": ["items"],
                 "properties": {"items": {"type": "array", "items": _ref("Item")}}},
    "Meeting": {
        "type": "object",
        "required": ["id", "grid_id", "kind", "held_at", "topic", "place_name", "view_ids"],
        "properties": {
            "id": {"type": "integer"}, "grid_id": {"type": "string"},
            "kind": {"enum": list(MEETING_KINDS)}, "held_at": {"type": "string"},
            "topic": {"type": "string"}, "place_name": {"type": "string"},
            "lon": {"type": "number"}, "lat": {"type": "number"},
            "attendees": {"type": "array", "items": {"type": "string"}},
            "minutes": {"type": "string"},
            "view_ids": {"type": "array", "items": {"type": "integer"}},
        },
    },
    "MeetingList": {"type": "object", "required": ["meetings"],
                    "properties": {"meetings": {"type": "array", "items": _ref("Meeting")}}},
}


def _op(operation_id: str, summary: str, description: str, schema: str, **options: Any
        ) -> Operation:
    return Operation(operation_id, summary, description, schema, schemas=SCHEMAS, **options)


SUBMIT = _op(
    "submitView", "提交一条社情民意",
    "居民在地图上选点（或选楼栋）、选类别、写内容，可留称呼和电话（不公开）。按位置分派到网格，"
    "返回查询码。意见、照片和 +1 合计限频：每台设备（签名 Cookie）按 VIEW_DEVICE_RATE_LIMIT，"
    "每个网络地址按宽松的 VIEW_RATE_LIMIT（防刷；同一运营商地址后有许多居民）；"
    "每台设备每天另限 VIEW_DEVICE_DAILY_BUDGET 条意见；"
    "审核通过前不公开。照片另用 POST /api/views/{code}/photo 上传。",
    "ViewCreated", method="post", status=201, errors=(429,),
    body=RequestBody("意见内容", (VIEW_LON, VIEW_LAT, CATEGORY, TEXT, NAME, PHONE, BUILDING)),
)
NEARBY = _op(
    "nearbyViews", "附近同类的待办意见（是不是这个？）",
    "已公开、尚未答复的同类意见，直线距离 VIEW_DUPLICATE_RADIUS_M 米（默认 50 米，在本地投影"
    "坐标系中以米计算）以内，由近及远。居民可为其 +1，而不必重复提交。",
    "NearbyViews", parameters=(VIEW_LON, VIEW_LAT, CATEGORY),
)
STATUS = _op("viewStatus", "凭查询码查看意见的办理进度",
             "状态与公开的答复；不含任何个人信息（称呼、电话、照片）。", "ViewStatus",
             path_parameters=(CODE,))
PHOTO = _op(
    "uploadViewPhoto", "为刚提交的意见上传一张照片",
    "multipart/form-data，字段 photo。只接受提交该意见的同一设备、提交后 VIEW_PHOTO_WINDOW_MIN "
    "分钟内、一张；JPEG/PNG/WEBP，不超过 VIEW_PHOTO_MAX_BYTES。照片去除全部 EXIF（含 GPS）后"
    "重新编码保存，只有网格员可见。",
    "PhotoStored", method="post", path_parameters=(CODE,), errors=(409, 413, 429),
    body=RequestBody("照片", (QueryParameter("photo", "照片文件",
                                             {"type": "string", "format": "binary"},
                                             required=True),),
                     media_type="multipart/form-data"),
)
SUPPORT = _op("supportView", "为一条公开的待办意见 +1",
              "每台设备对每条意见只能 +1 一次。", "Supported", method="post",
              path_parameters=(VIEW_ID,), errors=(429,))
RATE = _op("rateView", "答复后评价满意度（1–5）", "收到答复（反馈）后可评价一次。", "ViewStatus",
           method="post", path_parameters=(CODE,), errors=(409,),
           body=RequestBody("满意度", (RATING,)))
TRANSITION = _op(
    "transitionView", "推进意见的办理状态",
    "采集 → 审核（公开/不公开并说明原因）→ 立案 → 派遣 → 处置 → 反馈 → 结案，以及不予受理、"
    "重复（关联原意见）、转办（接收网格可见，本网格不再可见）。不合法的流转返回 409 且不作改动；"
    "不在本人网格内的意见返回 404；审核、立案、结案、不予受理、重复、转办须网格长或管理员（403）。"
    "每次流转与其日志（操作人、时间、说明）在同一事务中写入。",
    "StaffView", method="post", path_parameters=(VIEW_ID,), roles=STAFF, errors=(409,),
    body=RequestBody("下一步", (STEP, NOTE, ASSIGNEE, TO_GRID, DUPLICATE_OF)),
)
MY_VIEWS = _op(
    "myViews", "我职责范围内的意见",
    "管理员：全部；网格长、红色小管家：本网格全部意见，含居民联系方式；楼栋党员、业主代表："
    "本人楼栋已公开的意见，不含联系方式。",
    "StaffViewList", parameters=(STATE_FILTER, OVERDUE_FILTER), roles=ANY_ROLE,
)
ITEMS = _op("items", "公开的治理项目",
            "每个已公开的治理项目：进度、背后的意见数、步行 300 米内的楼栋。", "ItemList")
ITEM = _op("item", "一个治理项目及其时间线", "进度、时间线与步行可达的楼栋。", "Item",
           path_parameters=(ITEM_ID,))
MY_ITEMS = _op("myItems", "本网格的治理项目（含未公开的）", "", "ItemList", roles=STAFF)
ITEM_UPDATE = _op(
    "updateItem", "更新治理项目", "状态、进度、是否公开、补充关联意见；写入项目时间线。", "Item",
    method="post", path_parameters=(ITEM_ID,), roles=STAFF,
    body=RequestBody("更新内容", (ITEM_STATUS, PROGRESS, PUBLISHED, NOTE, VIEW_IDS)),
)
MY_MEETINGS = _op("myMeetings", "本网格的走访与座谈记录", "", "MeetingList", roles=STAFF)
MEETING_FIELDS = (
    QueryParameter("kind", "类型：" + _enum_text(MEETING_KINDS),
                   {"type": "string", "enum": list(MEETING_KINDS)}, required=True,
                   choice_labels=MEETING_KINDS),
    QueryParameter("held_at",
                   "时间（北京时间），如 2024-05-01T19:30；记录已举行的走访与座谈，不晚于今天",
                   {"type": "string", "maxLength": 32}, required=True),
    QueryParameter("topic", "议题", {"type": "string", "maxLength": 200}, required=True),
    QueryParameter("place_name", "地点名称，如 广场议事角、金大姐聊天室",
                   {"type": "string", "maxLength": 100}, required=True),
    VIEW_LON, VIEW_LAT,
    QueryParameter("attendees", "参会人（网格员名单中的或自由填写）",
                   {"type": "array", "items": {"type": "string", "maxLength": 32},
                    "maxItems": 100}),
    QueryParameter("minutes", "会议纪要（纯文本）", {"type": "string", "maxLength": 5000}),
    VIEW_IDS,
    QueryParameter("grid_id", "网格（管理员必填；网格员默认本网格）",
                   {"type": "string", "maxLength": 64}),
)
MEETING_CREATE = _op("createMeeting", "记录一次走访或座谈",
                     "地点、时间、议题、参会人、纪要及所议的意见（须属同一网格）。", "Meeting",
                     method="post", status=201, roles=STAFF,
                     body=RequestBody("会议记录", MEETING_FIELDS))
DECISION_FIELDS = (
    QueryParameter("item_id", "推进已有项目时填其编号；不填则新建项目", ROW_ID),
    QueryParameter("title", "新项目名称，如 3栋旁增设充电桩", {"type": "string", "maxLength": 100}),
    QueryParameter("category", "新项目类别", {"type": "string"}, dynamic=_category_schema),
    QueryParameter("owner", "责任人或单位", {"type": "string", "maxLength": 64}),
    QueryParameter("budget_source", "资金来源", {"type": "string"}, dynamic=_budget_schema),
    QueryParameter("lon", "项目地点经度（默认会议地点）", LON.schema),
    QueryParameter("lat", "项目地点纬度（默认会议地点）", LAT.schema),
    QueryParameter("place_name", "项目地点名称", {"type": "string", "maxLength": 100}),
    QueryParameter("description", "项目说明", {"type": "string", "maxLength": 2000}),
    ITEM_STATUS, PROGRESS, PUBLISHED, NOTE, VIEW_IDS,
)
DECISION = _op(
    "meetingDecision", "会议决定：新建或推进治理项目",
    "不填 item_id 时新建项目（关联会议与意见，计算步行 300 米内的楼栋；不填 view_ids 关联会议所议"
    "的全部意见，view_ids 为 [] 则不关联）；填 item_id 时更新其状态与进度并记入时间线。",
    "Item", method="post", status=201, path_parameters=(MEETING_ID,),
    roles=STAFF, body=RequestBody("决定", DECISION_FIELDS),
)


# ---------------------------------------------------------------- residents


@bp.post("/views")
@public
@documented(SUBMIT)
def submit_view() -> tuple[Response, int]:
    support.count_public_post()
    args = parse_body(SUBMIT.body)  # type: ignore[arg-type]
    moment = now()
    device = device_hash()
    budget = int(_config("VIEW_DEVICE_DAILY_BUDGET"))
    routed = support.route_submission(args["lon"], args["lat"], args["building_id"])
    with get_store().write() as db:
        if view_service.submissions_since(db, device, moment - timedelta(days=1)) >= budget:
            msg = f"本设备 24 小时内已提交 {budget} 条意见，请明天再来，或为已有意见 +1"
            raise BudgetExceededError(msg, parameter="device")
        view = view_service.create_view(
            db,
            view_service.Submission(
                lon=routed.lon, lat=routed.lat, category=args["category"], text=args["text"],
                grid_id=routed.grid_id, building_id=routed.building_id, name=args["name"],
                phone=args["phone"], device_hash=device,
            ),
            categories=support.categories(), limits=support.text_limits(), at=moment,
        )
    return jsonify(
        id=view.id, code=view.code, grid_id=view.grid_id, status=view.state,
        status_label=lifecycle.STATES[view.state],
        due_at=view_service.as_utc(view.due_at).isoformat(), status_url=f"/v/{view.code}",
    ), 201


@bp.get("/views/nearby")
@public
@documented(NEARBY)
def nearby_views() -> Response:
    args = parse_query(NEARBY.parameters)
    radius = float(_config("VIEW_DUPLICATE_RADIUS_M"))
    with get_store().read() as db:
        found = open_views_near(db, args["lon"], args["lat"], category=args["category"],
                                radius_m=radius)
    return jsonify(radius_m=radius, views=[
        {"id": n.view.id, "category": n.view.category, "text": n.view.text,
         "state": n.view.state, "state_label": lifecycle.STATES[n.view.state],
         "distance_m": round(n.distance_m, 1), "supporters": n.view.supporters}
        for n in found
    ])


def status_of(code: str) -> dict[str, Any]:
    """The public status of the view with ``code`` (and of its original, if merged)."""
    with get_store().read() as db:
        view = view_service.find_by_code(db, code)
        original = db.get(View, view.duplicate_of_id) if view.duplicate_of_id else None
        status = view_service.public_status(view, categories=support.categories(),
                                            grid_names=support.grid_names(), original=original)
        # the resident follows the case on to the public board: the items taking the view up
        status["items"] = [
            {"id": i.id, "title": i.title, "status_label": item_service.ITEM_STATUSES[i.status],
             "progress": i.progress}
            for i in item_service.published_items_of(db, (original or view).id)
        ]
        return status


@bp.get("/views/<code>")
@public
@documented(STATUS)
def view_status(code: str) -> Response:
    parse_query(())
    return jsonify(status_of(code))


@bp.post("/views/<code>/photo")
@public
@documented(PHOTO)
def upload_photo(code: str) -> Response:
    support.count_public_post()
    upload = request.files.get("photo")
    if upload is None:
        raise ApiError("photo", "缺少照片文件：请用 multipart/form-data 的 photo 字段上传")
    limit = int(_config("VIEW_PHOTO_MAX_BYTES"))
    data = upload.stream.read(limit + 1)
    cleaned = clean_photo(
        data, allowed_types=tuple(_config("VIEW_PHOTO_TYPES")), max_bytes=limit,
        max_pixels=int(_config("VIEW_PHOTO_MAX_PIXELS")),
        max_side=int(_config("VIEW_PHOTO_MAX_SIDE")),
    )
    window = timedelta(minutes=float(_config("VIEW_PHOTO_WINDOW_MIN")))
    folder = support.photo_folder()
    name = store_photo(folder, cleaned)
    try:
        with get_store().write() as db:
            view = view_service.attach_photo(db, code, name, device_hash=device_hash(),
                                             at=now(), window=window)
    except Exception:
        (folder / name).unlink(missing_ok=True)
        raise
    return jsonify(code=view.code, has_photo=True)


@bp.post("/views/<int:view_id>/support")
@public
@documented(SUPPORT)
def support_view(view_id: int) -> Response:
    support.count_public_post()
    with get_store().write() as db:
        view = view_service.support(db, view_id, device_hash=device_hash(), at=now())
    return jsonify(id=view.id, supporters=view.supporters)


@bp.post("/views/<code>/rating")
@public
@documented(RATE)
def rate_view(code: str) -> Response:
    args = parse_body(RATE.body)  # type: ignore[arg-type]
    with get_store().write() as db:
        view_service.rate(db, code, args["rating"], at=now())
    return jsonify(status_of(code))


# ---------------------------------------------------------------- staff: views


@bp.post("/views/<int:view_id>/transitions")
@require_roles(*STAFF)
@documented(TRANSITION)
def transition_view(view_id: int) -> Response:
    with get_store().read() as db:  # outside the caller's grid: 404 before the body is read
        view_service.get_view(db, view_id, g.user)
    args = parse_body(TRANSITION.body)  # type: ignore[arg-type]
    return jsonify(apply_step(view_id, view_service.Step(
        to=args["to"], note=args["note"] or "", assignee=args["assignee"],
        grid_id=args["grid_id"], duplicate_of=args["duplicate_of"],
    )))


def apply_step(view_id: int, step: view_service.Step) -> dict[str, Any]:
    """Take ``step`` as the caller; the view as staff see it afterwards (pages use it too)."""
    moment = now()
    with get_store().write() as db:
        view = view_service.transition(db, view_id, step, caller=g.user,
                                       known_grids=support.known_grids(), at=moment)
        return view_service.staff_record(
            view, with_contact=view_service.sees_contact(g.user, view),
            categories=support.categories(), moment=moment,
        )


@bp.get("/my/views")
@require_roles(*ANY_ROLE)
@documented(MY_VIEWS)
def my_views() -> Response:
    args = parse_query(MY_VIEWS.parameters)
    moment = now()
    with get_store().read() as db:
        views = view_service.views_in_scope(db, g.user, own_buildings=support.own_buildings(),
                                            state=args["state"])
        records = [
            view_service.staff_record(v, with_contact=view_service.sees_contact(g.user, v),
                                      categories=support.categories(), moment=moment)
            for v in views
        ]
    if args["overdue"]:
        records = [r for r in records if r["overdue"]]
    return jsonify(count=len(records), views=records)


# ---------------------------------------------------------------- items


def item_json(db: Any, item: Item, *, with_timeline: bool) -> dict[str, Any]:
    views = {v.id: v for v in db.scalars(select(View).where(View.id.in_(item.view_ids)))}
    return item_service.item_summary(
        item, views=views, categories=support.categories(),
        building_names=support.places().building_names, with_timeline=with_timeline,
    )


@bp.get("/items")
@public
@documented(ITEMS)
def items() -> Response:
    parse_query(())
    with get_store().read() as db:
        return jsonify(items=[item_json(db, i, with_timeline=False)
                              for i in item_service.published_items(db)])


@bp.get("/items/<int:item_id>")
@public
@documented(ITEM)
def item(item_id: int) -> Response:
    parse_query(())
    with get_store().read() as db:
        return jsonify(item_json(db, item_service.get_item(db, item_id, None),
                                 with_timeline=True))


@bp.get("/my/items")
@require_roles(*STAFF)
@documented(MY_ITEMS)
def my_items() -> Response:
    parse_query(())
    with get_store().read() as db:
        return jsonify(items=[item_json(db, i, with_timeline=False)
                              for i in item_service.grid_items(db, support.staff_grids())])


@bp.post("/items/<int:item_id>/updates")
@require_roles(*STAFF)
@documented(ITEM_UPDATE)
def update_item(item_id: int) -> Response:
    with get_store().read() as db:
        item_service.get_item(db, item_id, g.user)
    args = parse_body(ITEM_UPDATE.body)  # type: ignore[arg-type]
    change = item_service.ItemUpdate(
        status=args["status"], progress=args["progress"], published=args["published"],
        note=args["note"] or "", view_ids=args["view_ids"] or (),
    )
    with get_store().write() as db:
        updated = item_service.update_item(db, item_id, change, caller=g.user, at=now())
        return jsonify(item_json(db, updated, with_timeline=True))


# ---------------------------------------------------------------- meetings


def meeting_json(meeting: Meeting) -> dict[str, Any]:
    return {
        "id": meeting.id, "grid_id": meeting.grid_id, "kind": meeting.kind,
        "kind_label": MEETING_KINDS[meeting.kind],
        "held_at": view_service.as_utc(meeting.held_at).isoformat(), "topic": meeting.topic,
        "place_name": meeting.place_name, "lon": meeting.lon, "lat": meeting.lat,
        "attendees": list(meeting.attendees), "minutes": meeting.minutes,
        "view_ids": meeting.view_ids,
    }


def caller_grid(requested: str | None) -> str:
    """The grid a staff member records for: their own, or (admin) the one they name."""
    if g.user.role == ADMIN:
        if not requested or requested not in support.known_grids():
            raise ApiError("grid_id", f"请指定网格 grid_id（{quoted(requested)} 不是已知网格）")
        return requested
    if requested and requested != g.user.grid_id:
        raise ApiError("grid_id", "只能为本网格记录", status=403)
    return str(g.user.grid_id)


@bp.get("/my/meetings")
@require_roles(*STAFF)
@documented(MY_MEETINGS)
def my_meetings() -> Response:
    parse_query(())
    with get_store().read() as db:
        return jsonify(meetings=[meeting_json(m)
                                 for m in grid_meetings(db, support.staff_grids())])


@bp.post("/meetings")
@require_roles(*STAFF)
@documented(MEETING_CREATE)
def create_meeting_api() -> tuple[Response, int]:
    args = parse_body(MEETING_CREATE.body)  # type: ignore[arg-type]
    grid = caller_grid(args["grid_id"])
    data = MeetingInput(
        kind=args["kind"],
        held_at=support.parse_moment(args["held_at"], parameter="held_at",
                                     tz=community_timezone()),
        topic=args["topic"], place_name=args["place_name"], lon=args["lon"], lat=args["lat"],
        attendees=args["attendees"] or [], minutes=args["minutes"] or "",
        view_ids=args["view_ids"] or [],
    )
    with get_store().write() as db:
        meeting = create_meeting(db, data, grid_id=grid, actor=g.user.username,
                                     now=now())
        return jsonify(meeting_json(meeting)), 201


#: What a new item needs, by its field and the form's label of it.
NEW_ITEM_FIELDS = {"title": "项目名称", "category": "类别", "owner": "责任人或单位",
                   "budget_source": "资金来源"}


def decide(meeting_id: int, args: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """A meeting's decision: a new item (201) or an existing one moved on (200)."""
    moment = now()
    with get_store().write() as db:
        meeting = get_meeting(db, meeting_id, g.user)
        note = (args.get("note") or "").strip() or f"{meeting.topic}议定"
        if args.get("item_id"):
            change = item_service.ItemUpdate(
                status=args.get("status"), progress=args.get("progress"),
                published=args.get("published"), note=note, view_ids=args.get("view_ids") or (),
            )
            updated = item_service.update_item(db, args["item_id"], change, caller=g.user,
                                               at=moment, meeting_id=meeting.id)
            return item_json(db, updated, with_timeline=True), 200
        for required, label in NEW_ITEM_FIELDS.items():
            if not args.get(required):
                raise ApiError(required, f"新建项目需要填写{label}（{required}）")
        lon, lat = args.get("lon"), args.get("lat")
        data = item_service.ItemInput(
            title=args["title"], category=args["category"], owner=args["owner"],
            budget_source=args["budget_source"],
            lon=lon if lon is not None else meeting.lon,
            lat=lat if lat is not None else meeting.lat,
            place_name=args.get("place_name") or meeting.place_name,
            description=args.get("description") or "",
            status=args.get("status") or "approved", progress=args.get("progress") or 0,
            published=True if args.get("published") is None else bool(args["published"]),
            view_ids=meeting.view_ids if args.get("view_ids") is None else args["view_ids"],
        )
        created = item_service.create_item(
            db, data, grid_id=meeting.grid_id, actor=g.user.username, at=moment,
            categories=support.categories(), budget_sources=_config("ITEM_BUDGET_SOURCES"),
            reach=support.item_reach, radius_m=support.reach_radius(), meeting_id=meeting.id,
            note=note,
        )
        return item_json(db, created, with_timeline=True), 201


@bp.post("/meetings/<int:meeting_id>/decisions")
@require_roles(*STAFF)
@documented(DECISION)
def meeting_decision(meeting_id: int) -> tuple[Response, int]:
    with get_store().read() as db:
        get_meeting(db, meeting_id, g.user)
    answer, status = decide(meeting_id, parse_body(DECISION.body))  # type: ignore[arg-type]
    return jsonify(answer), status


def _config(key: str) -> Any:
    return current_app.config[key]
