"""The community's layers as one validated, immutable bundle."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd

from layers.errors import LayerIssue, LayerValidationError
from layers.schema import SCHEMAS, LayerSchema
from layers.source import GeoJSONDirectory, LayerSource
from layers.validate import (
    BOUNDARY_MARGIN_M,
    ParsedLayer,
    check_entrances,
    check_references,
    check_within_boundary,
    parse_layer,
)

WGS84 = "EPSG:4326"
#: How many loaded communities a process keeps (see :func:`load_community`).
LOADED_CACHE_SIZE = 8
_loaded: dict[tuple[str, float, tuple[str | None, ...]], Community] = {}
_loaded_lock = threading.Lock()


@dataclass(frozen=True)
class Community:
    """Every layer of the community, validated, as GeoDataFrames in WGS84 lon/lat.

    Rows keep the file's feature order; each frame has one column per schema field
    (absent optional values are ``None``) and ``geometry``.
    """

    boundary: gpd.GeoDataFrame
    grids: gpd.GeoDataFrame
    buildings: gpd.GeoDataFrame
    stations: gpd.GeoDataFrame
    paths: gpd.GeoDataFrame
    pois: gpd.GeoDataFrame
    #: Fences of the gated 小区 (optional layer: empty when absent). A point inside one walks
    #: out only through a gate.
    compounds: gpd.GeoDataFrame
    source: str

    def layer(self, name: str) -> gpd.GeoDataFrame:
        """The layer called ``name`` (a schema name such as ``"buildings"``)."""
        if name not in {s.name for s in SCHEMAS}:
            msg = f"未知图层 {name!r}"
            raise KeyError(msg)
        return getattr(self, name)


def validate_source(
    source: LayerSource, *, boundary_margin_m: float = BOUNDARY_MARGIN_M
) -> tuple[dict[str, ParsedLayer], list[LayerIssue]]:
    """Parse every layer of ``source``, check references and that every feature lies within
    ``boundary_margin_m`` of the boundary; return the layers and all issues."""
    parsed: dict[str, ParsedLayer] = {}
    issues: list[LayerIssue] = []
    for schema in SCHEMAS:
        filename = source.describe(schema.name)
        try:
            raw = source.read(schema.name)
        except FileNotFoundError:
            if schema.optional:
                parsed[schema.name] = ParsedLayer(schema, [], [])
            else:
                issues.append(LayerIssue(filename, "文件不存在"))
            continue
        except OSError as exc:
            issues.append(LayerIssue(filename, f"无法读取：{exc.strerror or exc}"))
            continue
        layer = parse_layer(schema, raw, filename)
        parsed[schema.name] = layer
        issues.extend(layer.issues)
    known_ids = {name: layer.ids for name, layer in parsed.items()}
    for name, layer in parsed.items():
        issues.extend(check_references(layer, known_ids, source.describe(name)))
    filenames = {name: source.describe(name) for name in parsed}
    issues.extend(check_within_boundary(parsed, filenames, margin_m=boundary_margin_m))
    if "buildings" in parsed:
        issues.extend(check_entrances(parsed["buildings"], filenames["buildings"]))
    return parsed, issues


def validate_directory(
    directory: str | Path, *, boundary_margin_m: float = BOUNDARY_MARGIN_M
) -> list[LayerIssue]:
    """All issues of the layers in ``directory`` (an empty list when they are valid)."""
    return validate_source(GeoJSONDirectory(directory), boundary_margin_m=boundary_margin_m)[1]


def load_community(
    source: str | Path | LayerSource,
    *,
    reuse: bool = False,
    boundary_margin_m: float = BOUNDARY_MARGIN_M,
) -> Community:
    """Load and validate every layer; raise :class:`LayerValidationError` listing all issues.

    Nothing is returned unless every layer is valid, so a caller holding a good
    :class:`Community` never replaces it with a half-loaded one. With ``reuse``, a source
    whose layers have not changed since this process last loaded them (same place, same
    bytes) gives that immutable :class:`Community` again without parsing (apps starting in one
    process, as in the tests).
    """
    if not isinstance(source, LayerSource):
        source = GeoJSONDirectory(source)
    key = _content_key(source, boundary_margin_m)
    with _loaded_lock:
        cached = _loaded.get(key) if key and reuse else None
    if cached is not None:
        return cached
    parsed, issues = validate_source(source, boundary_margin_m=boundary_margin_m)
    if issues:
        raise LayerValidationError(issues)
    frames = {s.name: _to_frame(s, parsed[s.name]) for s in SCHEMAS}
    community = Community(**frames, source=str(source))
    if key:
        with _loaded_lock:
            _loaded[key] = community
            while len(_loaded) > LOADED_CACHE_SIZE:
                del _loaded[next(iter(_loaded))]
    return community


def _content_key(
    source: LayerSource, boundary_margin_m: float
) -> tuple[str, float, tuple[str | None, ...]] | None:
    """Where the layers are, the margin they were checked with and a fingerprint of each
    one's bytes; ``None`` if unreadable."""
    prints: list[str | None] = []
    for schema in SCHEMAS:
        try:
            prints.append(source.fingerprint(schema.name))
        except FileNotFoundError:
            prints.append(None)
        except OSError:
            return None
    return str(source), boundary_margin_m, tuple(prints)


def _to_frame(schema: LayerSchema, layer: ParsedLayer) -> gpd.GeoDataFrame:
    columns = [f.name for f in schema.fields]
    rows = [{c: f.properties.get(c) for c in columns} for f in layer.features]
    geometry = [f.geometry for f in layer.features]
    frame = gpd.GeoDataFrame(rows, columns=columns, geometry=geometry, crs=WGS84)
    return frame
