"""``geo-app import osm|layer|roster``: real data in, checked before anything is written."""

from __future__ import annotations

from pathlib import Path

import click

from geo_app.cli import refuse
from geo_app.imports.errors import ImportInputError
from layers.schema import SCHEMA_BY_NAME

_LAYER_LABELS = {name: schema.label for name, schema in SCHEMA_BY_NAME.items()}



@click.group("import")
def import_group() -> None:
    """导入真实数据：OpenStreetMap、GIS 图层文件、住户台账。"""


@import_group.command("osm")
@click.argument("extract", type=click.Path(dir_okay=False))
@click.option("--out", required=True, type=click.Path(file_okay=False), help="输出图层目录")
@click.option("--boundary", type=click.Path(dir_okay=False), help="社区边界文件（任意 GIS 格式）")
@click.option("--bbox", help="范围 西,南,东,北（WGS84 经纬度）")
@click.option("--grids", type=click.Path(dir_okay=False), help="网格文件；缺省时按街区生成暂定网格")
@click.option("--stations", type=click.Path(dir_okay=False), help="服务站点文件")
def osm_command(
    extract: str,
    out: str,
    boundary: str | None,
    bbox: str | None,
    grids: str | None,
    stations: str | None,
) -> None:
    """从 OpenStreetMap 提取文件（.osm.pbf / .osm）生成整套图层，写入 --out 目录。"""
    from geo_app.imports.osm import import_osm

    try:
        result = import_osm(
            extract,
            out=out,
            boundary=boundary,
            bbox=bbox,
            grids=grids,
            stations=stations,
            progress=lambda message: click.echo(message, err=True),
        )
    except ImportInputError as exc:
        refuse(f"未导入：{exc}")
    for note in result.notes:
        click.echo(f"说明：{note}", err=True)
    for warning in result.warnings:
        click.echo(f"注意：{warning}", err=True)
    counts = "、".join(f"{_LAYER_LABELS[k]} {v}" for k, v in result.counts.items())
    click.echo(f"共计：{counts}", err=True)
    if result.dropped:
        click.echo("未导入或已断开：", err=True)
        for reason, count in result.dropped.most_common():
            click.echo(f"  {reason}：{count}", err=True)
    click.echo(
        "楼栋户数、人口、单元数为估算值（占地面积 × 层数 ÷ 90 m²），已标注 estimated。", err=True
    )
    if result.provisional_grids:
        click.echo("网格为按街区自动划分的暂定网格（provisional），请社区确认后替换。", err=True)
    if result.issues:
        for issue in result.issues:
            click.echo(str(issue), err=True)
        refuse(f"共 {len(result.issues)} 个问题，未写入任何文件。")
    click.echo(f"已写入 {out}：{len(result.written)} 个图层。")


@import_group.command("layer")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--as",
    "as_layer",
    required=True,
    type=click.Choice(list(SCHEMA_BY_NAME)),
    help="导入为哪个图层",
)
@click.option(
    "--crs", help="源坐标系：EPSG:XXXX、gcj02（高德/腾讯）或 bd09（百度）；缺省读文件自带的"
)
@click.option(
    "--map", "mapping", multiple=True, metavar="字段=列名", help="字段与源列的对应，可多次"
)
@click.option("--out", required=True, type=click.Path(file_okay=False), help="图层目录")
@click.option(
    "--report", type=click.Path(dir_okay=False), help="把全部问题写入此 CSV（可用 Excel 打开）"
)
def layer_command(
    file: str,
    as_layer: str,
    crs: str | None,
    mapping: tuple[str, ...],
    out: str,
    report: str | None,
) -> None:
    """把任意 GIS 文件（GeoPackage、Shapefile、GeoJSON、KML、带经纬度列的 CSV）导入为一个图层。"""
    from geo_app.imports.layer import import_layer

    try:
        result = import_layer(
            file, as_layer=as_layer, out=out, crs=crs, mapping=mapping, report=report
        )
    except ImportInputError as exc:
        refuse(f"未导入：{exc}")
    used = "、".join(f"{field}←{column}" for field, column in result.columns.items())
    click.echo(f"{file}：{result.rows} 个要素；字段对应：{used or '无'}", err=True)
    for note in result.notes:
        click.echo(f"说明：{note}", err=True)
    if result.issues:
        for issue in result.issues:
            click.echo(str(issue), err=True)
        where = f"，问题清单已写入 {report}" if report else ""
        refuse(f"共 {len(result.issues)} 个问题，未写入{where}。")
    click.echo(f"已写入 {result.written}。")


@import_group.command("roster")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--apply", "apply_changes", is_flag=True, help="写入数据库（缺省只检查，不写入）")
@click.option("--template", is_flag=True,
              help="不导入：把空白的台账模板（.xlsx，含下拉选项与填写说明）写到 FILE")
def roster_command(file: str, apply_changes: bool, template: bool) -> None:
    """导入住户台账（.xlsx 或 .csv）；缺省只检查并列出问题，--apply 时全部写入或全部不写；
    --template 写出空白模板。"""
    if template:
        write_template(Path(file))
        return
    from geo_app.imports.roster import apply_roster, read_roster
    from geo_app.state.command import command_actor, command_app
    from geo_app.state.community import get_community
    from geo_app.store import get_store

    app = command_app()
    with app.app_context():
        buildings = get_community().buildings
        try:
            roster = read_roster(Path(file), buildings=buildings)
        except ImportInputError as exc:
            refuse(f"未导入：{exc}")
        for problem in roster.problems:
            click.echo(str(problem), err=True)
        summary = f"{file}：{roster.rows} 行，{len(roster.households)} 户，{roster.people} 人"
        if roster.problems:
            refuse(f"{summary}；共 {len(roster.problems)} 个问题，未写入。")
        if not roster.rows:  # the blank template, or a header only
            refuse(f"{summary}；表头下没有任何住户行，未写入。")
        if not apply_changes:
            click.echo(f"{summary}；检查通过。加 --apply 写入。")
            return
        with get_store().write() as db:
            outcome = apply_roster(db, roster, actor=command_actor())
    click.echo(
        f"{summary}；已写入：新增 {outcome.added} 户、更新 {outcome.updated} 户、"
        f"未变 {outcome.unchanged} 户。"
    )


def write_template(path: Path) -> None:
    """Write the roster template to ``path`` (a new .xlsx file; an existing file is kept)."""
    from geo_app.imports.atomic import write_atomically
    from geo_app.imports.roster_template import template_bytes

    if path.suffix.lower() != ".xlsx":
        refuse(f"未写入模板：{path} 应以 .xlsx 结尾")
    if path.exists():
        refuse(f"未写入模板：{path} 已存在（不覆盖已有的台账）")
    data = template_bytes()
    write_atomically(path, lambda fh: fh.write(data))
    click.echo(f"已写入台账模板 {path}：填好后运行 geo-app import roster {path} 检查。")
