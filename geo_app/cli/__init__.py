"""The ``geo-app`` command: serve the map, validate layers, and the analysis commands."""

from __future__ import annotations

import importlib
import math
import sys
from typing import NoReturn

import click

from geo_app.cli.chinese import speak_chinese
from geo_app.server.refusal import store_refusal
from geo_app.state.refusals import startup_refusal
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
    "db": "geo_app.cli.db:db",
}

speak_chinese()  # click's usage errors and help frame in Chinese, like every refusal here




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
            refusal = startup_refusal(exc) or store_refusal(exc)
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
