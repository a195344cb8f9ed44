"""The OpenAPI declaration of the layer editor's map data, ``GET /admin/api/layers``.

The editor (``static/layer_editor.js``) asks for every layer with ``bbox`` set to its map's
view (with a margin), and on each pan or zoom beyond it for the view layers alone
(``layers=paths,buildings,pois``): a district is never downloaded whole.
"""

from __future__ import annotations

from geo_app.layers_edit.view import MAP_LAYERS, VIEW_LAYERS
from geo_app.store.roles import ADMIN
from geo_app.web.openapi import Operation, QueryParameter

_VIEW_NAMES = "、".join(VIEW_LAYERS)

EDITOR_LAYERS = Operation(
    "editorLayers",
    "图层编辑的地图数据",
    "各图层当前在用的要素，每层一个 GeoJSON FeatureCollection（editable：可在编辑器修改属性；"
    "movable：可拖动的点图层）。给出 bbox 时，" + _VIEW_NAMES + " 只含与该范围相交的要素"
    "（按图层中的顺序），其余图层仍为全部；范围内这几层的要素合计超过 EDITOR_VIEW_MAX_FEATURES"
    " 时不给出其要素（view.complete 为 false，请缩小范围）。不给 bbox 时为全部要素。",
    "EditorLayers",
    roles=(ADMIN,),
    parameters=(
        QueryParameter(
            "bbox", "范围：西,南,东,北（WGS84 经纬度，逗号分隔，如地图当前视野）",
            {"type": "string", "maxLength": 200}, example="117.25,31.95,117.27,31.97",
        ),
        QueryParameter(
            "layers", "只要这些图层（逗号分隔；不填为全部）：" + "、".join(MAP_LAYERS),
            {"type": "string", "maxLength": 200}, example="paths,buildings,pois",
        ),
    ),
    schemas={
        "EditorLayers": {
            "type": "object",
            "required": ["layers"],
            "properties": {
                "layers": {
                    "type": "object",
                    "description": "图层名 → FeatureCollection",
                    "propertyNames": {"enum": list(MAP_LAYERS)},
                    "additionalProperties": {
                        "type": "object",
                        "required": ["type", "features", "editable", "movable"],
                        "properties": {
                            "type": {"const": "FeatureCollection"},
                            "features": {"type": "array", "items": {"type": "object"}},
                            "editable": {"type": "boolean"},
                            "movable": {"type": "boolean"},
                        },
                    },
                },
                "view": {
                    "type": "object",
                    "description": "给出 bbox 时：范围与其中各图层的要素数",
                    "required": ["bbox", "found", "limit", "complete"],
                    "properties": {
                        "bbox": {"type": "array", "items": {"type": "number"},
                                 "minItems": 4, "maxItems": 4},
                        "found": {
                            "type": "object",
                            "description": "范围内的要素数（" + _VIEW_NAMES + "，所问的图层）",
                            "additionalProperties": {"type": "integer", "minimum": 0},
                        },
                        "limit": {"type": "integer", "description": "EDITOR_VIEW_MAX_FEATURES"},
                        "complete": {
                            "type": "boolean",
                            "description": "false：要素太多，未给出，请缩小范围",
                        },
                    },
                },
            },
        },
    },
)
