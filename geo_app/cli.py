"""The ``geo-app`` command: serve the map, validate layers, and the analysis commands."""

from __future__ import annotations

import importlib
import math
import sys
from types import ModuleType
from typing import NoReturn

import click
import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.termui
import click.types

from layers import validate_directory
from layers.validate import BOUNDARY_MARGIN_M

#: The commands of the other areas, one module each, loaded only when run (or listed by
#: ``--help``): walking distances on any data, the planners' coverage report, grid-management
#: accounts, the invented sample, the points ledger, the importers of real data, and the
#: reload of layers replaced on disk. Each area's command imports only what it uses.
AREA_COMMANDS = {
    "walk": "geo_app.walking.cli:walk",
    "coverage": "geo_app.planning.cli:coverage",
    "user": "geo_app.auth.cli:user",
    "seed-people": "geo_app.auth.cli:seed_people_command",
    "seed-sample": "geo_app.auth.cli:seed_sample_command",
    "points": "geo_app.volunteering.cli:points",
    "import": "geo_app.imports.cli:import_group",
    "reload": "geo_app.layers_edit.cli:reload_command",
}


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


speak_chinese()


def refuse(*lines: str) -> NoReturn:
    """End a command that did nothing: each line on stderr, exit status 1, no traceback."""
    for line in lines:
        click.echo(line, err=True)
    sys.exit(1)


class Metres(click.ParamType):
    """A distance in metres on the command line: a finite number ≥ 0 (> 0 when ``positive``)."""

    name = "米"

    def __init__(self, *, positive: bool) -> None:
        self.positive = positive

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            self.fail(f"{value!r} 不是数值（米）", param, ctx)
        if not math.isfinite(number) or number < 0 or (self.positive and number == 0):
            wanted = "正数" if self.positive else "不小于 0 的数"
            self.fail(f"应为{wanted}（米），实际为 {value}", param, ctx)
        return number


def startup_refusal(exc: BaseException) -> str | None:
    """The Chinese refusal for a command whose app could not start (bad layers, settings or
    database address), else ``None``. Only modules already loaded are asked: an exception of a
    module never imported cannot be the one raised."""
    from layers import LayerValidationError

    if isinstance(exc, LayerValidationError):
        return f"图层校验未通过，未执行。\n{exc}"
    factory = sys.modules.get("geo_app.factory")
    if factory is not None and isinstance(exc, factory.SettingsError):
        return f"配置有误，未执行。\n{exc}"
    sqlalchemy_exc = sys.modules.get("sqlalchemy.exc")
    if sqlalchemy_exc is not None and isinstance(exc, sqlalchemy_exc.ArgumentError):
        return f"配置有误，未执行。\n配置项有误：DATABASE_URL 无法使用（{exc}）"
    return None


class AreaGroup(click.Group):
    """A group whose area commands are imported on first use (click's "lazily loading
    subcommands" pattern), so ``geo-app coverage`` starts without the web stack."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *AREA_COMMANDS])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in AREA_COMMANDS:
            return super().get_command(ctx, cmd_name)
        module, _, name = AREA_COMMANDS[cmd_name].partition(":")
        command = getattr(importlib.import_module(module), name)
        if not isinstance(command, click.Command) or command.name != cmd_name:
            msg = f"{AREA_COMMANDS[cmd_name]} 不是命令 {cmd_name}"
            raise TypeError(msg)
        return command

    def invoke(self, ctx: click.Context) -> object:
        """Run the command; an app that cannot start is refused in Chinese, exit status 1."""
        try:
            return super().invoke(ctx)
        except Exception as exc:
            refusal = startup_refusal(exc)
            if refusal is None:
                raise
            refuse(refusal)


@click.group(cls=AreaGroup, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """金宁社区服务地图：服务、数据校验与步行分析。"""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址")
@click.option("--port", default=5000, show_default=True, type=int, help="端口")
@click.option("--data", "data_dir", type=click.Path(file_okay=False), help="图层目录")
def serve(host: str, port: int, data_dir: str | None) -> None:
    """启动服务（默认 http://127.0.0.1:5000）。"""
    from geo_app.factory import create_app_or_exit

    app = create_app_or_exit(overrides={"DATA_DIR": data_dir} if data_dir else None)
    click.echo(f"金宁社区服务地图：http://{host}:{port}/  （Ctrl+C 退出）", err=True)
    app.run(host=host, port=port, threaded=True)


@main.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option(
    "--boundary-margin", type=Metres(positive=False), default=BOUNDARY_MARGIN_M,
    show_default=True,
    help="要素可超出社区边界的最远距离（米）",
)
def validate(directory: str, boundary_margin: float) -> None:
    """校验 DIRECTORY 下的全部图层；每个问题一行，有问题时退出码为 1。"""
    issues = validate_directory(directory, boundary_margin_m=boundary_margin)
    if issues:
        refuse(*map(str, issues), f"共 {len(issues)} 个问题。")
    click.echo(f"{directory}：全部图层校验通过。")
