"""The README's table of every layer, generated from :mod:`layers.schema`.

``python -m layers.schema_doc`` prints it; a test checks that the README carries it unchanged,
so the schema is written once (in code) and the documentation cannot drift from it.
"""

from __future__ import annotations

from layers.schema import SCHEMAS, Field, LayerSchema

KIND_LABELS = {
    "str": "文本",
    "int": "整数",
    "number": "数值",
    "bool": "是/否",
    "hours": "开放时间",
    "items": "物资表",
    "points": "坐标数组",
}
MAX_INLINE_CHOICES = 8


def _describe(field: Field) -> str:
    text = field.label
    if field.choices and len(field.choices) <= MAX_INLINE_CHOICES:
        text += "；取值：" + "、".join(f"`{c}`" for c in field.choices)
    elif field.choices:
        text += "；取值见 `layers/schema.py`"
    if field.minimum is not None:
        text += f"；≥ {field.minimum:g}"
    if field.ref:
        text += "；须为 " + " 或 ".join(f"`{r}`" for r in field.ref.split("|")) + " 中已有的 id"
    return text


def layer_table(schema: LayerSchema) -> str:
    """One layer's Markdown section."""
    kinds = " / ".join(schema.geometry_types)
    optional = "，可选图层：缺省时视为没有" if schema.optional else ""
    lines = [
        f"#### `{schema.filename}` — {schema.label}（{kinds}{optional}）",
        "",
        "| 字段 | 类型 | 必填 | 说明 |",
        "| --- | --- | --- | --- |",
    ]
    lines += [
        f"| `{f.name}` | {KIND_LABELS[f.kind]} | {'是' if f.required else '否'} | {_describe(f)} |"
        for f in schema.fields
    ]
    return "\n".join(lines)


def schema_markdown() -> str:
    """Every layer's section, in load order."""
    return "\n\n".join(layer_table(s) for s in SCHEMAS) + "\n"


if __name__ == "__main__":
    print(schema_markdown(), end="")
