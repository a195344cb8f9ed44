"""``geo-app import layer``: one layer from any GIS file, checked whole before it is written.

The file is read as WGS84 (:mod:`~geo_app.imports.reading`), its columns mapped to the
layer's fields (:mod:`~geo_app.imports.columns`), and the layer validated as it would stand in
the target directory, with the validator's messages
(:func:`~geo_app.imports.layerset.check_layers`).
Nothing is written unless the whole layer is valid; ``report`` writes every problem to a CSV
(UTF-8 with BOM, so Excel opens it) to be fixed in a spreadsheet.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo_app.formats.csv_text import csv_text
from geo_app.imports.atomic import write_atomically
from geo_app.imports.columns import coerce, match_columns, parse_mapping
from geo_app.imports.errors import ImportInputError
from geo_app.imports.layerset import check_layers, feature_collection, write_layers
from geo_app.imports.reading import WGS84, read_vector_file
from layers.errors import LayerIssue
from layers.schema import SCHEMA_BY_NAME, LayerSchema

REPORT_HEADER = ("文件", "要素序号", "源文件行", "编号", "字段", "问题")


@dataclass
class LayerImport:
    """What an import found and did: the column mapping, the issues, the file written."""

    schema: LayerSchema
    source: Path
    rows: int
    columns: dict[str, str]
    issues: list[LayerIssue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    written: Path | None = None


def layer_schema(name: str) -> LayerSchema:
    """The schema called ``name``; an unknown one is refused naming ``--as``."""
    if name not in SCHEMA_BY_NAME:
        msg = f"--as {name!r} 不是图层名（可选：{'、'.join(SCHEMA_BY_NAME)}）"
        raise ImportInputError(msg, parameter="--as")
    return SCHEMA_BY_NAME[name]


def _single_points(geoms: np.ndarray) -> np.ndarray:
    """One-part MultiPoints (as KML and some GIS write points) as Points."""
    out = geoms.copy()
    for i, geom in enumerate(geoms):
        if geom is not None and geom.geom_type == "MultiPoint" and len(geom.geoms) == 1:
            out[i] = geom.geoms[0]
    return out


def to_layer_frame(
    frame: gpd.GeoDataFrame, schema: LayerSchema, mapping: dict[str, str]
) -> tuple[gpd.GeoDataFrame, dict[str, str], list[str]]:
    """The source frame as the layer's fields; the columns used and notes on what was made up."""
    columns = match_columns(schema, [c for c in frame.columns if c != frame.geometry.name], mapping)
    data: dict[str, pd.Series] = {}
    notes: list[str] = []
    for spec in schema.fields:
        if spec.name in columns:
            # object dtype: a column of integers with one empty cell must stay integers (a
            # list of ints and None would become float64, and every value "72.0")
            values = [coerce(spec, v) for v in frame[columns[spec.name]].tolist()]
            data[spec.name] = pd.Series(values, dtype=object)
    if "id" not in columns and "id" in {f.name for f in schema.fields}:
        data["id"] = pd.Series([f"{schema.name}-{i + 1:04d}" for i in range(len(frame))])
        notes.append(f"源文件没有编号列，已按顺序编号 {schema.name}-0001 …")
    geoms = np.asarray(frame.geometry.values, dtype=object)
    if schema.geometry_types == ("Point",):
        geoms = _single_points(geoms)
    return gpd.GeoDataFrame(data, geometry=list(geoms), crs=WGS84), columns, notes


def source_row(path: Path, index: int) -> int:
    """The row a spreadsheet shows for feature ``index`` (a CSV's header is row 1)."""
    return index + 2 if path.suffix.lower() in (".csv", ".txt") else index + 1


def write_report(path: str | Path, issues: Sequence[LayerIssue], *, source: Path) -> Path:
    """Every issue as a CSV row (UTF-8 with BOM), written atomically."""
    text = csv_text(
        REPORT_HEADER,
        (
            (
                issue.file,
                "" if issue.index is None else issue.index,
                "" if issue.index is None else source_row(source, issue.index),
                issue.feature_id or "",
                issue.field or "",
                issue.reason,
            )
            for issue in issues
        ),
    )
    data = text.encode("utf-8")  # csv_text starts with the BOM
    return write_atomically(path, lambda fh: fh.write(data))


def import_layer(
    path: str | Path,
    *,
    as_layer: str,
    out: str | Path,
    crs: str | None = None,
    mapping: Iterable[str] = (),
    report: str | Path | None = None,
) -> LayerImport:
    """Import ``path`` as the layer ``as_layer`` into directory ``out`` (only when valid)."""
    schema = layer_schema(as_layer)
    pairs = parse_mapping(mapping, schema)
    source = Path(path)
    read = read_vector_file(source, crs=crs)
    frame = read.frame
    if frame.empty:  # would replace the layer in ``out`` with nothing
        msg = f"{source}：没有任何要素，未写入（{out} 中的 {schema.name} 图层保持不变）"
        raise ImportInputError(msg, parameter="FILE")
    layer_frame, columns, notes = to_layer_frame(frame, schema, pairs)
    text = feature_collection(schema, layer_frame)
    check = check_layers(out, {schema.name: text})
    result = LayerImport(
        schema, source, len(frame), columns, check.issues, [*read.notes, *notes, *check.notes]
    )
    if report is not None:
        write_report(report, check.issues, source=source)
    if not check.issues:
        result.written = write_layers(out, {schema.name: text})[0]
    return result
