"""The OpenAPI declaration of ``/planner/report.json``: its parameters and its answer's schema.

The parameters are checked by the planner's own validators (:mod:`geo_app.planning.settings`,
whose messages name the form's words); these declarations document them and refuse unknown
ones (:func:`geo_app.web.openapi.refuse_unknown`).
"""

from __future__ import annotations

from typing import Any

from geo_app.planning.settings import MAX_K, MAX_THRESHOLD_M, MIN_THRESHOLD_M
from geo_app.web.openapi import Operation, QueryParameter

REPORT_PARAMETERS = (
    QueryParameter(
        "threshold", "步行距离（米），按 10 米取整；不填为默认 500 米",
        {"type": "number", "minimum": MIN_THRESHOLD_M, "maximum": MAX_THRESHOLD_M},
        example=500, label="步行距离",
    ),
    QueryParameter(
        "k", "建议新增站点数；不填为服务端设置 SITING_K",
        {"type": "integer", "minimum": 1, "maximum": MAX_K}, example=3, label="建议新增站点数",
    ),
)

_NUMBER_OR_NULL: dict[str, Any] = {"type": ["number", "null"]}

_SITING_ANSWER: dict[str, Any] = {
    "type": "object",
    "description": "一种选址解（精确解 exact 或贪心解 greedy）",
    "required": ["method", "selected", "covered_weight", "covered_count", "proven_optimal",
                 "status", "gap", "bound", "bound_of", "bound_text", "sites"],
    "properties": {
        "method": {"enum": ["exact", "greedy"]},
        "selected": {"type": "array", "items": {"type": "integer"}},
        "covered_weight": {"type": "number",
                           "description": "加上这些新站点后步行范围内的居民数（含原已覆盖的）"},
        "covered_count": {"type": "integer", "description": "加上新站点后步行范围内的楼栋数"},
        "proven_optimal": {"type": "boolean"},
        "status": {"type": "string"},
        "gap": {**_NUMBER_OR_NULL, "description": "与已证明的界之间的相对差距（0 为最优）"},
        "bound": {**_NUMBER_OR_NULL, "description": (
            "求解器证明的界，含义见 bound_of：gain 为新增站点至多能新增覆盖的居民数（上界，"
            "不含已覆盖的居民，故不能直接与 covered_weight 比较）；sites 为覆盖全部可覆盖"
            "居民至少需要的新站点数（下界）。贪心解没有界，为 null"
        )},
        "bound_of": {"enum": ["gain", "sites"], "description": (
            "bound 界定的量：gain（最大覆盖：新增覆盖的居民数）或 sites（集合覆盖：站点数）"
        )},
        "bound_text": {"type": ["string", "null"],
                       "description": "bound 的中文说明；bound 为 null 时为 null"},
        "sites": {"type": "array", "items": {
            "type": "object", "required": ["lon", "lat"],
            "properties": {"lon": {"type": "number"}, "lat": {"type": "number"},
                           "near": {"type": "string", "description": "附近的道路或路口"},
                           "gain": {"type": ["object", "null"],
                                    "description": "该站点单独新增的覆盖"}},
        }},
    },
}

_PROBLEM = {
    "type": "object",
    "required": ["exact", "greedy", "shown"],
    "properties": {
        "exact": {"$ref": "#/components/schemas/SitingAnswer"},
        "greedy": {"$ref": "#/components/schemas/SitingAnswer"},
        "shown": {"enum": ["exact", "greedy"], "description": "页面显示的解"},
    },
}

REPORT_OPERATION = Operation(
    "plannerReport",
    "规划分析报告",
    "党群服务站步行范围内的居民（分网格）、超出范围的楼栋、应设尽设检查、15 分钟便民生活圈与"
    "建议新增站点（最大覆盖 maximal_covering：k 处新站点新增覆盖最多的居民；集合覆盖"
    " set_covering：覆盖全部居民最少要几处）。距离单位为米，公布时保留一位小数。",
    "PlannerReport",
    parameters=REPORT_PARAMETERS,
    schemas={
        "SitingAnswer": _SITING_ANSWER,
        "PlannerReport": {
            "type": "object",
            "required": ["threshold_m", "network", "grids", "uncovered", "circle", "siting",
                         "targets"],
            "properties": {
                "threshold_m": {"type": "number", "description": "步行距离（米）"},
                "circle": {
                    "type": "object", "required": ["reach_m"],
                    "properties": {"reach_m": {
                        "type": "number", "description": "15 分钟步行的距离（米，一位小数）"}},
                },
                "siting": {
                    "type": "object",
                    "required": ["k", "residents", "residents_covered_now", "maximal_covering",
                                 "set_covering"],
                    "properties": {
                        "k": {"type": "integer"},
                        "residents": {"type": "integer"},
                        "residents_covered_now": {
                            "type": "integer", "description": "现有站点步行范围内的居民数"},
                        "maximal_covering": _PROBLEM,
                        "set_covering": _PROBLEM,
                    },
                },
                "targets": {"type": "array", "items": {"type": "number"}},
            },
        },
    },
)
