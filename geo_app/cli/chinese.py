"""click's own words in Chinese: usage, help and its parameter types' refusals.

click marks them for gettext but ships no translation, so ``geo-app``'s Chinese refusals came
framed by English (``Error: Invalid value for 'DIRECTORY'``). :func:`speak_chinese` puts these
in their place; ``tests/test_qa_ops_cli.py`` notices when a click upgrade moves them.
"""

from __future__ import annotations

from types import ModuleType

import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.termui
import click.types

#: click's own words (usage, help, and the refusals of its parameter types) in Chinese. click marks
#: them for gettext but ships no translation; :func:`speak_chinese` puts these in their place.
CLICK_TEXT = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "位置参数",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本并退出。",
    "default: {default}": "默认：{default}",
    "required": "必填",
    "(dynamic)": "（动态）",
    "env var: {var}": "环境变量：{var}",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行 '{command} {option}' 查看帮助。",
    "Aborted!": "已中止。",
    "Missing command.": "缺少子命令。",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing {param_type}": "缺少{param_type}",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Invalid value: {message}": "取值无效：{message}",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的取值无效：{message}",
    "Option {name!r} does not take a value.": "选项 {name!r} 不带取值。",
    "Argument {name!r} takes {nargs} values.": "参数 {name!r} 需要 {nargs} 个值。",
    "Value must be an iterable.": "取值应为多个值。",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的数值（{number_type}）。",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "{value!r} is not a valid boolean. Recognized values: {states}":
        "{value!r} 不是是/否值，可用：{states}",
    "{value!r} is not a valid UUID.": "{value!r} 不是有效的 UUID。",
    "file": "文件",
    "directory": "目录",
    "path": "路径",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件，不是目录。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是目录，不是文件。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 不可读。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 不可写。",
    "{name} {filename!r} is not executable.": "{name} {filename!r} 不可执行。",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}：{message}",
    "unknown error": "未知错误",
    "Repeat for confirmation": "再输入一次确认",
    "Error: The two entered values do not match.": "错误：两次输入不一致。",
    "Error: invalid input": "错误：输入无效",
}
#: The same for click's words that depend on a count: (singular, plural) → Chinese (one form).
CLICK_COUNTED_TEXT = {
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"):
        "多余的参数（{args}）",
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"):
        "（是不是想输入 {possibilities}？）",
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."):
        "{value!r} 不是可选值（可选：{choices}）。",
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."):
        "选项 {name!r} 需要 {nargs} 个取值。",
    ("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."):
        "需要 {nargs} 个值，实际给了 {len} 个。",
}
#: click's modules that look their words up (each imports gettext's ``_``/``ngettext`` itself).
_CLICK_MODULES: tuple[ModuleType, ...] = (
    click.core, click.decorators, click.exceptions, click.formatting, click.parser,
    click.termui, click.types,
)


def _chinese(message: str) -> str:
    return CLICK_TEXT.get(message, message)


def _chinese_counted(singular: str, plural: str, count: int) -> str:
    found = CLICK_COUNTED_TEXT.get((singular, plural))
    if found is None:
        return singular if count == 1 else plural
    return found.replace("{possibilities}", "{possibility}") if count == 1 else found


def speak_chinese() -> None:
    """Make click's usage errors and help frame Chinese, as the rest of ``geo-app`` is.

    click looks each word up through the module-level ``_``/``ngettext`` names it imported from
    :mod:`gettext`, at the time it speaks; those names are replaced by lookups in
    :data:`CLICK_TEXT` (words without a translation stay as they are).
    """
    for module in _CLICK_MODULES:
        if hasattr(module, "_"):
            module._ = _chinese  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = _chinese_counted  # type: ignore[attr-defined]

