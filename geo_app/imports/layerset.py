"""Layers on their way in: GeoJSON text, the validator's verdict, atomic writes.

An importer turns a frame into the layer's GeoJSON text (:func:`feature_collection`), asks
:func:`check_layers` what the validator of ``geo-app validate`` would say about the layers of
the target directory once the new texts replace theirs, and writes only when nothing is wrong
(:func:`write_layers`: each file through a temporary file and an atomic rename).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from layers.errors import LayerIssue
from layers.schema import SCHEMA_BY_NAME, SCHEMAS, LayerSchema
from layers.source import GeoJSONDirectory
from layers.validate import ParsedLayer, check_references, parse_layer

#: Coordinates are written to 1e-7° (about 1 cm), enough for any survey and a third the text.
COORDINATE_DECIMALS = 7


#: One encoder for every feature's properties (``json.dumps`` with options builds one a call).
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _plain(value: Any) -> Any:
    """A JSON-ready value: NumPy scalars unboxed, NaN and None dropped (as ``None``)."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def feature_collection(schema: LayerSchema, frame: gpd.GeoDataFrame) -> str:
    """The layer's GeoJSON text: one feature per row, in row order, with the schema's fields.

    Empty values are left out (so the validator names a missing required field), geometries
    are rounded to :data:`COORDINATE_DECIMALS` and written as they are, valid or not.
    """
    names = [f.name for f in schema.fields if f.name in frame.columns]
    geometries = shapely.transform(
        np.asarray(frame.geometry.values, dtype=object),
        lambda xy: np.round(xy, COORDINATE_DECIMALS),
    )
    columns = [[_plain(v) for v in frame[name].tolist()] for name in names]
    rows = zip(*columns, strict=True) if names else ((),) * len(frame)
    empty = shapely.is_missing(geometries) | shapely.is_empty(geometries)
    present = np.where(empty, np.array(None, dtype=object), geometries)
    geometry_text = np.where(empty, "null", shapely.to_geojson(present))
    encode = _ENCODER.encode
    features = []
    for values, geometry in zip(rows, geometry_text.tolist(), strict=True):
        text = encode({k: v for k, v in zip(names, values, strict=True) if v is not None})
        features.append(f'{{"type":"Feature","properties":{text},"geometry":{geometry}}}')
    return '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}"


@dataclass
class LayerCheck:
    """What the validator says: the issues, and notes on checks that could not be made."""

    issues: list[LayerIssue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _parse_present(
    directory: GeoJSONDirectory, texts: Mapping[str, str]
) -> tuple[dict[str, ParsedLayer], dict[str, ParsedLayer]]:
    """The layers after the change (new texts over the files) and the files before it."""
    after: dict[str, ParsedLayer] = {}
    before: dict[str, ParsedLayer] = {}
    for schema in SCHEMAS:
        filename = directory.describe(schema.name)
        on_disk = directory.path(schema.name).is_file()
        if on_disk:
            before[schema.name] = parse_layer(schema, directory.read(schema.name), filename)
        if schema.name in texts:
            after[schema.name] = parse_layer(schema, texts[schema.name], filename)
        elif on_disk:
            after[schema.name] = before[schema.name]
    return after, before


def _missing_targets(schema: LayerSchema, present: set[str]) -> list[str]:
    """Reference targets of ``schema`` none of whose layers exist."""
    missing = []
    for spec in schema.fields:
        if spec.ref and not any(t in present for t in spec.ref.split("|")):
            missing.append(spec.ref.replace("|", " 或 "))
    return missing


def check_layers(directory: str | Path, texts: Mapping[str, str]) -> LayerCheck:
    """Validate ``texts`` (layer name → GeoJSON) as they would stand in ``directory``.

    Reports every issue of the new layers, with the validator's messages and the target file
    names, and the reference issues they would cause in the layers already there. References
    to a layer not yet in the directory cannot be checked: that is said in a note.
    """
    source = GeoJSONDirectory(directory)
    after, before = _parse_present(source, texts)
    check = LayerCheck()
    for name in texts:
        check.issues.extend(after[name].issues)
    present = set(after)
    known_after = {name: layer.ids for name, layer in after.items()}
    known_before = {name: layer.ids for name, layer in before.items()}
    for name, layer in after.items():
        missing = _missing_targets(SCHEMA_BY_NAME[name], present)
        if missing:
            if name in texts:
                check.notes.append(
                    f"{source.describe(name)}：{'、'.join(missing)} 图层尚未导入，未检查引用"
                )
            continue
        issues = check_references(layer, known_after, source.describe(name))
        if name not in texts:
            old = set(check_references(before[name], known_before, source.describe(name)))
            issues = [i for i in issues if i not in old]
        check.issues.extend(issues)
    return check


def write_layers(directory: str | Path, texts: Mapping[str, str]) -> list[Path]:
    """Write each layer atomically (temporary file, then rename); the paths written."""
    target = GeoJSONDirectory(directory)
    for name, text in texts.items():
        target.write(name, text)
    return [target.path(name) for name in texts]
