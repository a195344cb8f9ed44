"""``geo-app reload``: tell every running worker to load the layers again, after checking them."""

from __future__ import annotations

from typing import NoReturn

import click

from geo_app.cli import refuse
from geo_app.state.command import command_app
from geo_app.state.community import stamp_path_of, touch_stamp
from layers import LayerValidationError, validate_directory

REFUSED = "图层校验未通过，未通知重新加载，运行中的服务继续使用上一版数据。"


@click.command("reload")
def reload_command() -> None:
    """校验 DATA_DIR 的图层并通知运行中的服务重新加载（各工作进程 1 秒内生效，无需重启）。"""
    try:
        app = command_app()  # loads and validates the layers, as the service does
    except LayerValidationError as exc:
        _refuse([str(issue) for issue in exc.issues])
    issues = validate_directory(app.config["DATA_DIR"])  # as they are now on disk
    if issues:
        _refuse([str(issue) for issue in issues])
    stamp = stamp_path_of(app)
    touch_stamp(stamp)
    click.echo(f"{app.config['DATA_DIR']}：图层校验通过，已更新重新加载标记 {stamp}，"
               f"运行中的服务将在 {app.config['LAYER_CHECK_INTERVAL_S']:g} 秒内加载新图层。")


def _refuse(lines: list[str]) -> NoReturn:
    refuse(*lines, f"共 {len(lines)} 个问题。{REFUSED}")
