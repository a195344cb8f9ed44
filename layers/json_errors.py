"""JSON that does not parse, explained in Chinese with its line and column.

Python's :mod:`json` words its errors in English ("Expecting ',' delimiter"). The messages
below are every one CPython's parser raises — the pure-Python ``json/decoder.py`` and the C
scanner ``Modules/_json.c`` (3.11 to 3.14, including the 3.13 "Illegal trailing comma"
ones) — each in the words of someone fixing the file in an editor. Two slips the parser reports
under another name are recognised from the text itself: a trailing comma (reported before 3.13
as a missing value or property name) and Chinese punctuation typed by an input method (，：“”).
An unknown message (a future Python) is passed on in English rather than guessed at.

Only the standard library is used, so :mod:`layers` and the web app share it.
"""

from __future__ import annotations

import json
import re

#: Chinese (full-width) punctuation an input method types where JSON wants ASCII.
FULL_WIDTH_PUNCTUATION = {
    "，": ",", "：": ":", "“": '"', "”": '"', "‘": "'", "’": "'", "｛": "{", "｝": "}",
    "［": "[", "］": "]", "【": "[", "】": "]",
}
_CONTROL_NAMES = {"\n": "换行", "\r": "回车", "\t": "制表符"}
_ESCAPES = '" \\ / b f n r t u'
_DIGIT_LIMIT = re.compile(r"\((\d+) digits?\)")


def json_error_place(exc: json.JSONDecodeError) -> str:
    """Where the parser stopped, as an editor counts: ``第 1 行第 5 列``."""
    return f"第 {exc.lineno} 行第 {exc.colno} 列"


def json_error_reason(exc: json.JSONDecodeError) -> str:
    """What is wrong at the place the parser stopped, in Chinese (English only if unknown)."""
    doc, pos, msg = exc.doc, exc.pos, exc.msg
    here = doc[pos] if 0 <= pos < len(doc) else ""
    if here == "\u3000":
        return "此处是全角空格，JSON 中只能用半角空格"
    if here in FULL_WIDTH_PUNCTUATION and msg != "Extra data":
        return f"此处是中文标点“{here}”，JSON 须用英文标点 {FULL_WIDTH_PUNCTUATION[here]}"
    if msg.startswith("Illegal trailing comma") or _trailing_comma(doc, pos, msg):
        closer = "]" if msg.endswith("array") or here == "]" else "}"
        return f"多余的逗号（{closer} 前的最后一项后面不能有逗号）"
    if msg == "Expecting value":
        if not doc.strip():
            return "内容为空（应为一个 JSON 值，如 {…}）"
        if here == "'":
            return "字符串须用双引号（\"…\"），不能用单引号"
        return "缺少值（此处应为对象、数组、字符串、数字、true、false 或 null）"
    if msg == "Expecting property name enclosed in double quotes":
        return "属性名须用双引号括起（如 \"name\"）"
    reason = _fixed_reason(msg)
    if reason is not None:
        return reason
    if msg.startswith("Invalid control character"):
        return _control_character(doc, pos)
    if msg.startswith("Invalid \\escape"):
        escaped = doc[pos + 1] if here == "\\" and pos + 1 < len(doc) else here
        return (f"非法转义 \\{escaped}（反斜杠后只能是 {_ESCAPES}；"
                "Windows 路径中的反斜杠须写成 \\\\ 或改用 /）")
    return msg


def _fixed_reason(msg: str) -> str | None:
    return {
        "Expecting ',' delimiter": "缺少逗号（两个成员或元素之间须用英文逗号 , 分隔）",
        "Expecting ':' delimiter": "缺少冒号（属性名后须跟英文冒号 :）",
        "Unterminated string starting at": "字符串未结束（从此处开始的字符串缺少结尾的双引号）",
        "Invalid \\uXXXX escape": "非法转义（\\u 后须为 4 位十六进制数字，如 \\u4e2d）",
        "Extra data": "多余的内容（一个完整的 JSON 值之后还有其他文字）",
        "Unexpected UTF-8 BOM (decode using utf-8-sig)":
            "开头有 UTF-8 BOM（字节顺序标记），请存为不带 BOM 的 UTF-8",
    }.get(msg)


def _trailing_comma(doc: str, pos: int, msg: str) -> bool:
    """Whether a pre-3.13 "Expecting value/property name" stands on ``]``/``}`` after a comma."""
    if msg not in ("Expecting value", "Expecting property name enclosed in double quotes"):
        return False
    if doc[pos:pos + 1] not in ("]", "}"):
        return False
    return doc[:pos].rstrip(" \t\r\n").endswith(",")


def _control_character(doc: str, pos: int) -> str:
    # the C scanner points at the character, the Python one just after it
    candidates = [c for c in (doc[pos:pos + 1], doc[pos - 1:pos] if pos else "") if c and c < " "]
    char = candidates[0] if candidates else ""
    name = _CONTROL_NAMES.get(char, f"控制字符 U+{ord(char):04X}" if char else "控制字符")
    return f"字符串中含{name}（字符串里不能直接换行或含控制字符，须写成转义如 \\n、\\t）"


def undecodable_reason(exc: UnicodeDecodeError) -> str:
    """Bytes that are not UTF-8 (a GBK file, most often), in Chinese."""
    return (f"不是 UTF-8 编码的文本（第 {exc.start + 1} 个字节 0x{exc.object[exc.start]:02x} "
            "无法解码），请以 UTF-8 保存（GBK/GB18030 编码的文件请先转换）")


def invalid_json_message(exc: ValueError, *, subject: str = "") -> str:
    """One line for text :func:`json.loads` refused:
    ``{subject}不是有效的 JSON（第 L 行第 C 列）：…``.

    Covers syntax (:class:`json.JSONDecodeError`), bytes that are not UTF-8 and integers past
    Python's digit limit; any other ``ValueError`` (e.g. a refused ``NaN``) says its own words.
    """
    if isinstance(exc, json.JSONDecodeError):
        return f"{subject}不是有效的 JSON（{json_error_place(exc)}）：{json_error_reason(exc)}"
    if isinstance(exc, UnicodeDecodeError):
        return f"{subject}不是有效的 JSON：{undecodable_reason(exc)}"
    limit = _DIGIT_LIMIT.search(str(exc))
    if limit is not None and "integer" in str(exc):
        return f"{subject}含位数过多的整数（超过 {limit.group(1)} 位），不是有效的数值"
    return f"{subject}不是有效的 JSON：{exc}"
