"""``geo-app walk``: walking distances on any data from the command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from tqdm import tqdm

from geo_app.cli import Metres, refuse
from geo_app.walking.attachment import MAX_ATTACH_M
from geo_app.walking.batch import nearest_table, read_point_layer
from geo_app.walking.errors import NetworkInputError, WalkError
from geo_app.walking.fences import FenceInput, fence_polygons
from geo_app.walking.graph import WalkNetwork, build_network
from geo_app.walking.io import read_geojson
from geo_app.walking.prepared import prepare

#: Inputs at least this large get a progress bar on stderr.
PROGRESS_FROM = 10_000


@click.group()
def walk() -> None:
    """步行路网分析：沿路网计算步行距离（米）。"""


#: A GeoJSON file to read.
GEOJSON_FILE = click.Path(dir_okay=False)
#: A distance option in metres (positive and finite).
METRES = Metres(positive=True)


@walk.command("nearest")
@click.option("--network", "network_path", required=True, type=GEOJSON_FILE,
              help="路网 GeoJSON（LineString / MultiLineString，WGS84）")
@click.option("--origins", "origins_path", required=True, type=GEOJSON_FILE,
              help="起点 GeoJSON（点；面取出入口或质心）")
@click.option("--targets", "targets_path", required=True, type=GEOJSON_FILE,
              help="目标 GeoJSON（点；面取出入口或质心）")
@click.option("--max-distance", type=METRES, default=None,
              help="步行距离上限（米），超出视为无可达目标")
@click.option("--max-attach", type=METRES, default=MAX_ATTACH_M, show_default=True,
              help="点到路网的接入距离上限（米）")
@click.option("--fences", "fences_path", type=GEOJSON_FILE, default=None,
              help="封闭小区围墙 GeoJSON（面）：接入线不穿越围墙，只能经大门进出")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="输出 CSV 文件（默认写到标准输出）")
def nearest_command(
    network_path: str,
    origins_path: str,
    targets_path: str,
    max_distance: float | None,
    max_attach: float,
    fences_path: str | None,
    output: str | None,
) -> None:
    """每个起点沿路网步行到最近目标：输出 origin_id,target_id,distance_m（按起点输入顺序）。"""
    if output is not None:
        check_writable(output)  # before the work, not after it
    try:
        origins = read_point_layer(origins_path, name="--origins")
        targets = read_point_layer(targets_path, name="--targets")
        fences = () if fences_path is None else read_fences(fences_path)
        prepared = prepare(read_network(network_path), fences=fences)
        with tqdm(
            total=len(origins.ids),
            unit="点",
            desc="接入起点",
            file=sys.stderr,
            disable=len(origins.ids) < PROGRESS_FROM,
            leave=False,
        ) as bar:
            table = nearest_table(
                prepared,
                origins,
                targets,
                max_distance_m=max_distance,
                max_attach_m=max_attach,
                progress=bar.update,
            )
    except WalkError as exc:
        refuse(f"未计算：{exc}")
    if table.targets_too_far == len(targets.ids):
        refuse(
            f"未计算：--targets 文件 {targets_path} 的 {len(targets.ids)} 个目标"
            f"都距路网超过 {max_attach:g} 米（--max-attach），没有可到达的目标。"
        )
    if output is None:
        table.write_csv(sys.stdout)
    else:
        try:
            with Path(output).open("w", encoding="utf-8", newline="") as out:
                table.write_csv(out)
        except OSError as exc:
            refuse(f"无法写入 -o 文件 {output}：{exc.strerror or exc}")
    found = len(table.origin_ids) - table.origins_too_far - table.unreachable
    click.echo(f"{len(table.origin_ids)} 个起点，{found} 个找到最近目标。", err=True)
    if table.origins_too_far:
        click.echo(
            f"{table.origins_too_far} 个起点距路网超过 {max_attach:g} 米，"
            "未计算（该行目标与距离留空）。",
            err=True,
        )
    if table.unreachable:
        limit = f"{max_distance:g} 米内" if max_distance else "路网上"
        click.echo(
            f"{table.unreachable} 个起点{limit}没有可达目标（该行目标与距离留空）。", err=True
        )
    if table.targets_too_far:
        click.echo(
            f"{table.targets_too_far} 个目标距路网超过 {max_attach:g} 米，已忽略。", err=True
        )


def check_writable(output: str) -> None:
    """Refuse an output file whose folder does not exist, before any work is done."""
    folder = Path(output).resolve().parent
    if not folder.is_dir():
        refuse(f"无法写入 -o 文件 {output}：目录 {folder} 不存在")


def read_network(path: str) -> WalkNetwork:
    """The walking network of the file ``path``; errors name the option and the file."""
    try:
        return build_network(path)
    except NetworkInputError as exc:
        if path in str(exc):
            raise
        msg = f"--network 文件 {path}：{exc}"
        raise NetworkInputError(msg) from exc


def read_fences(path: str) -> FenceInput:
    """The fence polygons of the GeoJSON file ``path``; errors name the option and the file."""
    frame = read_geojson(path, name="--fences ")
    try:
        return fence_polygons(frame)
    except NetworkInputError as exc:
        msg = f"--fences 文件 {path}：{exc}"
        raise NetworkInputError(msg) from exc
