"""The households 台账's Excel template: the headers :func:`~geo_app.imports.roster.read_roster`
reads, drop-down lists where the values are fixed, and a sheet that explains each column.

:func:`template_bytes` gives the file for a download (an admin page can send it as
``application/vnd.openxmlformats-officedocument.spreadsheetml.sheet``).
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from geo_app.imports.roster import HEADERS
from geo_app.store.people import ATTENTION_TAGS

TEMPLATE_FILENAME = "住户台账模板.xlsx"
SHEET_TITLE = "住户台账"
#: Rows the drop-down lists cover.
VALIDATED_ROWS = 5000

_EXPLANATIONS: dict[str, str] = {
    "building": "楼栋编号（如 FQ-01）或楼栋名称（如 风格城市 3栋），须与楼栋图层一致",
    "unit": "单元号，正整数",
    "room": "房号，如 302；同一楼栋、单元、房号的各行为同一户",
    "name": "姓名",
    "relation": "与户主关系：户主、配偶、子女、父母……；空白视为户主，每户一位户主",
    "gender": "男 或 女",
    "birth_year": "四位年份，如 1956（也可填出生日期）",
    "phone": "手机 11 位或座机（如 0551-12345678），可空",
    "party_member": "是 或 否（也可填 中共党员 / 群众）",
    "tags": f"可空；多个用顿号分隔：{'、'.join(ATTENTION_TAGS)}",
}


def template_workbook() -> Workbook:
    """The template as an openpyxl workbook."""
    workbook = Workbook()
    sheet = workbook.active
    if not isinstance(sheet, Worksheet):  # a new Workbook holds one worksheet, active
        raise TypeError(f"a new workbook's active sheet is {type(sheet).__name__}")
    sheet.title = SHEET_TITLE
    headers = [header for header, _ in HEADERS.values()]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    columns = {key: chr(ord("A") + i) for i, key in enumerate(HEADERS)}
    for key, choices in (("gender", "男,女"), ("party_member", "是,否")):
        rule = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True)
        rule.error = f"{HEADERS[key][0]} 只能填 {choices.replace(',', ' 或 ')}"
        rule.add(f"{columns[key]}2:{columns[key]}{VALIDATED_ROWS}")
        sheet.add_data_validation(rule)
    for key, letter in columns.items():
        sheet.column_dimensions[letter].width = max(10, len(HEADERS[key][0]) * 2 + 4)
    notes = workbook.create_sheet("填写说明")
    notes.append(["列", "填写说明", "也可用的列名"])
    for key, (header, variants) in HEADERS.items():
        notes.append([header, _EXPLANATIONS[key], "、".join(variants)])
    notes.column_dimensions["B"].width = 70
    notes.column_dimensions["C"].width = 40
    return workbook


def template_bytes() -> bytes:
    """The template as .xlsx bytes."""
    buffer = io.BytesIO()
    template_workbook().save(buffer)
    return buffer.getvalue()
