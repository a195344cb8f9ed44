"""The OpenAPI declarations of the staff's counter APIs: stock, loans, redemptions, check-ins.

Each moves a counter or a ledger and honours an optional ``Idempotency-Key`` header
(:mod:`geo_app.web.submissions`): a client retrying after a timeout sends the same key and the
movement is recorded once, and the retry gets the first answer again (same status and JSON,
with ``Idempotent-Replayed: true``); the key sent with a different request is a 422. The views
(:mod:`geo_app.web.views.admin`, :mod:`geo_app.web.views.organise`) carry these with
:func:`geo_app.web.openapi.documented`.
"""

from __future__ import annotations

from typing import Any

from geo_app.store.roles import ADMIN, ORGANISING_ROLES, STEWARD
from geo_app.store.stock import MAX_QUANTITY, MOVEMENTS
from geo_app.volunteering.goods import MAX_REDEEM_QUANTITY
from geo_app.web.openapi import Operation, QueryParameter, RequestBody
from layers.schema import ITEM_LABELS

_STATION = QueryParameter("station", "站点编号（须是您负责的站点）", {"type": "string"},
                          required=True, example="PS-01")
_ITEM = QueryParameter("item", "物资代码", {"type": "string", "enum": list(ITEM_LABELS)},
                       required=True, example="umbrella")


def _integer(minimum: int = 0) -> dict[str, Any]:
    return {"type": "integer", "minimum": minimum}


SCHEMAS: dict[str, Any] = {
    "StockMoved": {
        "type": "object",
        "required": ["station", "item", "before", "after"],
        "properties": {
            "station": {"type": "string"}, "item": {"type": "string"},
            "before": _integer(), "after": _integer(),
        },
    },
    "LoanCreated": {
        "type": "object",
        "required": ["id", "due", "stock_after"],
        "properties": {
            "id": _integer(1), "due": {"type": "string", "format": "date"},
            "stock_after": _integer(),
        },
    },
    "LoanReturned": {
        "type": "object",
        "required": ["id", "stock_after"],
        "properties": {"id": _integer(1), "stock_after": _integer()},
    },
    "Redeemed": {
        "type": "object",
        "required": ["id", "card", "goods", "quantity", "points", "balance_after", "stock_after"],
        "properties": {
            "id": _integer(1), "card": {"type": "string"}, "goods": {"type": "string"},
            "quantity": _integer(1), "points": _integer(1), "balance_after": _integer(),
            "stock_after": _integer(),
        },
    },
    "CheckedIn": {
        "type": "object",
        "required": ["message", "repeat"],
        "properties": {
            "message": {"type": "string"},
            "repeat": {"type": "boolean",
                       "description": "已签到过（200）；首次签到为 false（201）"},
        },
    },
}


def _op(operation_id: str, summary: str, description: str, schema: str, **options: Any
        ) -> Operation:
    return Operation(operation_id, summary, description, schema, method="post",
                     schemas=SCHEMAS, idempotent=True, **options)


MOVE_STOCK = _op(
    "moveStock", "登记一次借出、归还、补货或报损（站点物资库存）",
    "库存与操作日志在同一事务中改动；库存不足、归还超过借出未还的数量时 400，不作改动。",
    "StockMoved", roles=(ADMIN,),
    body=RequestBody("一次库存变动", (
        _STATION, _ITEM,
        QueryParameter("movement", "操作", {"type": "string", "enum": list(MOVEMENTS)},
                       required=True, example="restocked"),
        QueryParameter("quantity", "数量", {"type": "integer", "minimum": 1,
                                          "maximum": MAX_QUANTITY}, required=True, example=1),
    )),
)
LEND = _op(
    "lendItem", "登记一次借出（借用人、电话、应还日期）",
    "架上数量减一并记下借用记录；不填应还日期时按物品的默认借期。",
    "LoanCreated", status=201, roles=(ADMIN, STEWARD),
    body=RequestBody("一次借出", (
        _STATION, _ITEM,
        QueryParameter("borrower_name", "借用人姓名（或志愿者/居民编号）",
                       {"type": "string", "maxLength": 32}, required=True, example="王阿姨"),
        QueryParameter("borrower_phone", "联系电话（文本，保留座机的区号 0）",
                       {"type": "string", "maxLength": 20}, required=True, example="13900000001"),
        QueryParameter("due", "应还日期 YYYY-MM-DD（选填）", {"type": "string", "format": "date"}),
    )),
)
RETURN_LOAN = _op(
    "returnLoan", "登记一次归还", "已归还的借用记录再次归还时 409。", "LoanReturned",
    roles=(ADMIN, STEWARD), errors=(409,),
    path_parameters=(QueryParameter("loan_id", "借用记录编号", {"type": "integer", "minimum": 1},
                                    example=1),),
)
REDEEM = _op(
    "redeemGoods", "积分兑换物品（站点柜台）",
    "扣积分与扣站点库存在同一事务中；积分或库存不足时 409，均不改动。", "Redeemed",
    status=201, roles=ORGANISING_ROLES, errors=(409,),
    body=RequestBody("一次兑换", (
        QueryParameter("card", "志愿者卡号", {"type": "string"}, required=True, example="JN00001"),
        _STATION,
        QueryParameter("goods", "物品编号", {"type": "string"}, required=True, example="dish_soap"),
        QueryParameter("quantity", "数量", {"type": "integer", "minimum": 1,
                                          "maximum": MAX_REDEEM_QUANTITY}, required=True,
                       example=1),
    )),
)
CHECK_IN = _op(
    "checkIn", "扫志愿者卡签到",
    "首次签到 201；已签到过 200（repeat 为 true，不重复计）；签不到时 409 并说明原因（记录在案）。",
    "CheckedIn", status=201, roles=ORGANISING_ROLES, errors=(409,),
    path_parameters=(QueryParameter("activity_id", "活动编号", {"type": "integer", "minimum": 1},
                                    example=1),),
    body=RequestBody("卡号", (
        QueryParameter("card", "志愿者卡号", {"type": "string"}, required=True, example="JN00001"),
    )),
)
