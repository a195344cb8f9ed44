"""The ``geo-app`` command: serve the map, validate layers, and the analysis commands."""

from __future__ import annotations

import sys

import click

from geo_app.auth.cli import seed_people_command, seed_sample_command, user
from geo_app.imports.cli import import_group
from geo_app.layers_edit.cli import reload_command
from geo_app.planning.cli import coverage
from geo_app.volunteering.cli import points
from geo_app.walking.cli import walk
from layers import validate_directory
from layers.validate import BOUNDARY_MARGIN_M


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """金宁社区服务地图：服务、数据校验与步行分析。"""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址")
@click.option("--port", default=5000, show_default=True, type=int, help="端口")
@click.option("--data", "data_dir", type=click.Path(file_okay=False), help="图层目录")
def serve(host: str, port: int, data_dir: str | None) -> None:
    """启动服务（默认 http://127.0.0.1:5000）。"""
    from geo_app import create_app
    from layers import LayerValidationError

    try:
        app = create_app(overrides={"DATA_DIR": data_dir} if data_dir else None)
    except LayerValidationError as exc:
        click.echo(f"图层校验未通过，服务未启动。\n{exc}", err=True)
        sys.exit(1)
    click.echo(f"金宁社区服务地图：http://{host}:{port}/  （Ctrl+C 退出）", err=True)
    app.run(host=host, port=port, threaded=True)


@main.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option(
    "--boundary-margin", type=float, default=BOUNDARY_MARGIN_M, show_default=True,
    help="要素可超出社区边界的最远距离（米）",
)
def validate(directory: str, boundary_margin: float) -> None:
    """校验 DIRECTORY 下的全部图层；每个问题一行，有问题时退出码为 1。"""
    issues = validate_directory(directory, boundary_margin_m=boundary_margin)
    for issue in issues:
        click.echo(str(issue), err=True)
    if issues:
        click.echo(f"共 {len(issues)} 个问题。", err=True)
        sys.exit(1)
    click.echo(f"{directory}：全部图层校验通过。")


# Command groups of the other areas, one module each: walking distances on any data,
# planners' coverage report, grid-management accounts, the invented sample, the points
# ledger and the importers of real data.
for command in (walk, coverage, user, seed_people_command, seed_sample_command, points,
                import_group):
    main.add_command(command)
main.add_command(reload_command)  # geo-app reload: layers replaced on disk, no restart
