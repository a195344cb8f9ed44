"""``geo-app coverage``: the planners' coverage report from the command line."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click
import orjson

from geo_app.cli import refuse
from geo_app.config import configured
from geo_app.planning.errors import BadParameterError, CandidateFileError
from geo_app.planning.export import (
    GRID_COLUMNS,
    UNCOVERED_COLUMNS,
    grid_rows,
    table_csv,
    uncovered_rows,
)
from geo_app.planning.settings import (
    settings_from_config,
    validate_k,
    validate_threshold,
)


def _checked(validate: Callable[..., Any], option: str) -> Callable[..., Any]:
    """A click callback checking an option with the planner's own check (``None``: the
    configured default, filled in later)."""

    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value is None:
            return None
        try:
            return validate(value, parameter=option)
        except BadParameterError as exc:
            raise click.BadParameter(str(exc)) from None

    return callback


@click.command()
@click.option("--data", "data_dir", type=click.Path(exists=True, file_okay=False),
              help="图层目录（默认：配置的 DATA_DIR，与服务相同；未配置时为自带样例）")
@click.option("--threshold", type=float, callback=_checked(validate_threshold, "--threshold"),
              help="步行距离阈值（米；默认：配置的 DEFAULT_THRESHOLD_M，500）")
@click.option("--k", "k", type=int, callback=_checked(validate_k, "--k"),
              help="最大覆盖选址的新增站点数（默认：配置的 SITING_K，5）")
@click.option("--candidates", type=click.Path(exists=True, dir_okay=False),
              help="候选站址 GeoJSON（点）；默认取社区内路网交叉口")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json",
              show_default=True, help="输出格式")
@click.option("--table", type=click.Choice(["grids", "uncovered"]), default="grids",
              show_default=True, help="CSV 输出哪张表：分网格覆盖或未覆盖楼栋")
def coverage(data_dir: str | None, threshold: float | None, k: int | None,
             candidates: str | None, fmt: str, table: str) -> None:
    """党群服务站步行覆盖报告（附直线缓冲区对照、应设尽设检查、15 分钟生活圈与选址）。"""
    from tqdm import tqdm

    from geo_app.planning.measure import measure_distances, measure_step_count
    from geo_app.planning.places import PlaceNamer
    from geo_app.planning.published import coverage_targets, name_sites, report_data
    from geo_app.planning.report import planner_report
    from geo_app.planning.siting import read_candidates
    from geo_app.walking import prepare_community
    from geo_app.walking.errors import WalkError
    from layers import LayerValidationError, load_community

    config = configured()  # instance/config.py and GEO_APP_*, as the service reads them
    try:
        settings = settings_from_config(config)
        targets = coverage_targets(config["COVERAGE_TARGETS"])
        if threshold is None:
            threshold = validate_threshold(config["DEFAULT_THRESHOLD_M"],
                                           parameter="DEFAULT_THRESHOLD_M")
    except BadParameterError as exc:
        refuse(f"配置有误，未执行。\n配置项有误：{exc}")
    data_dir = data_dir or str(config["DATA_DIR"])
    k = settings.siting_k if k is None else k
    with tqdm(total=measure_step_count() + 3, desc="覆盖分析", unit="步", file=sys.stderr,
              leave=False) as bar:
        try:
            community = load_community(data_dir)
        except LayerValidationError as exc:
            bar.close()  # the refusal on a line of its own, not after the bar
            refuse(f"图层校验未通过：\n{exc}")
        bar.set_postfix_str("读取图层")
        bar.update()
        try:
            candidate_points = read_candidates(candidates) if candidates else None
        except CandidateFileError as exc:
            bar.close()
            raise click.BadParameter(str(exc), param_hint="--candidates") from None
        try:
            network = prepare_community(community)  # fenced by compounds, as in the web app
        except WalkError as exc:
            bar.close()
            refuse(f"{data_dir} 的步行路网无法使用：{exc}")
        bar.set_postfix_str("构建步行路网")
        bar.update()

        def progress(label: str, done: int, total: int) -> None:
            bar.set_postfix_str(label)
            bar.update()

        distances = measure_distances(community, network, max_attach_m=settings.max_attach_m,
                                      progress=progress)
        report = planner_report(
            community, network, distances, settings, threshold_m=threshold, k=k,
            candidates_lonlat=candidate_points, candidate_source=candidates or "",
        )
        bar.set_postfix_str("覆盖、规则、生活圈与选址")
        bar.update()
    if fmt == "json":
        namer = PlaceNamer(community, crs=network.crs)
        named = name_sites(report, community, namer)
        data = report_data(report, named, targets)
        # orjson: the district-scale report (tens of thousands of rows) in a tenth of the time
        click.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())
    elif table == "grids":
        click.echo(table_csv(grid_rows(report.stations), GRID_COLUMNS).lstrip("\ufeff"), nl=False)
    else:
        grid_names = dict(zip(community.grids["id"], community.grids["name"], strict=True))
        rows = uncovered_rows(report.stations, grid_names=grid_names)
        click.echo(table_csv(rows, UNCOVERED_COLUMNS).lstrip("\ufeff"), nl=False)
