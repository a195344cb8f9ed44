"""Any vector file as WGS84 lon/lat: GDAL's formats through pyogrio, CSV with lon/lat columns.

* Shapefiles: a ``.cpg`` names the attribute encoding. Without one, GDAL reads bytes as
  ISO-8859-1; text that only makes sense re-read as UTF-8 or GBK (the usual encoding of files
  from Chinese desktop GIS) is re-read so.
* CRS: ``crs`` names the CRS of a file that declares none. ``"gcj02"`` / ``"bd09"`` mean
  lon/lat digitised on 高德 / 百度 maps, converted back by :mod:`layers.china_coords`;
  ``"EPSG:4548"`` and the like are reprojected by PROJ. A file without a CRS whose coordinates
  are lon/lat is read as WGS84; one with projected-looking numbers is refused with a request for
  ``--crs``. A file that declares a CRS is read in it: ``crs`` naming another one is refused
  (one of the two is wrong, and guessing which would silently move every feature), except
  ``gcj02`` / ``bd09`` on a file declaring WGS84 — the tools that export 高德/百度 coordinates
  label them WGS84 — which is read so and said in :attr:`VectorFile.notes`. A GeoJSON without
  a ``crs`` member declares nothing (GDAL reports WGS84 for it, by the specification's default).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from geo_app.imports.errors import ImportInputError
from layers.china_coords import TO_WGS84

WGS84 = "EPSG:4326"
#: Declared CRSs read as WGS84 lon/lat: WGS84 and CGCS2000 (they agree to centimetres here).
WGS84_EPSG_CODES = frozenset({4326, 4490})
#: How the operator's ``--crs gcj02`` / ``bd09`` is named in messages.
CHINA_CRS_LABELS = {"gcj02": "高德/腾讯 GCJ-02", "bd09": "百度 BD-09"}
LON_HEADERS = ("lon", "lng", "long", "longitude", "经度", "x")
LAT_HEADERS = ("lat", "latitude", "纬度", "y")
CSV_ENCODINGS = ("utf-8-sig", "gb18030")
_MOJIBAKE_ENCODINGS = ("utf-8", "gb18030")
#: What an operator can give instead of a file GDAL does not know.
KNOWN_FORMATS = "可用 GeoPackage、Shapefile、GeoJSON、KML 或带经纬度列的 CSV"


@dataclass
class VectorFile:
    """A file read as WGS84, and what the reading assumed that the operator should know."""

    frame: gpd.GeoDataFrame
    notes: list[str] = field(default_factory=list)


def read_vector(path: str | Path, *, crs: str | None = None) -> gpd.GeoDataFrame:
    """The file's features in WGS84, one row per feature, in file order, 2-D geometries."""
    return read_vector_file(path, crs=crs).frame


def read_vector_file(path: str | Path, *, crs: str | None = None) -> VectorFile:
    """:func:`read_vector`, with the notes on how the file's CRS was taken."""
    path = Path(path)
    if not path.exists():
        msg = f"{path}：文件不存在"
        raise ImportInputError(msg, parameter="FILE")
    frame = _read_csv(path) if path.suffix.lower() in (".csv", ".txt") else _read_gdal(path)
    notes: list[str] = []
    frame = _to_wgs84(frame, crs, path, notes)
    frame = frame.set_geometry(shapely.force_2d(np.asarray(frame.geometry.values, dtype=object)))
    return VectorFile(frame.reset_index(drop=True), notes)


def _read_gdal(path: Path) -> gpd.GeoDataFrame:
    try:
        layers = [name for name, _ in pyogrio.list_layers(path)]
        frames = [pyogrio.read_dataframe(path, layer=name) for name in layers]
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        unknown = "not recognized as" in str(exc)  # GDAL has no driver for it
        reason = f"不是可识别的 GIS 文件（{KNOWN_FORMATS}）" if unknown else f"无法读取（{exc}）"
        msg = f"{path}：{reason}"
        raise ImportInputError(msg, parameter="FILE") from exc
    if not frames:
        msg = f"{path}：文件中没有图层"
        raise ImportInputError(msg, parameter="FILE")
    frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    declared = frames[0].crs if _declares_crs(path) else None
    geometry = np.asarray(frame["geometry"].values, dtype=object)  # plain: no CRS attached
    frame = gpd.GeoDataFrame(frame.drop(columns="geometry"), geometry=geometry, crs=declared)
    if path.suffix.lower() == ".shp" and not path.with_suffix(".cpg").exists():
        encoding = _mojibake_encoding(frame)
        if encoding:
            frame = pyogrio.read_dataframe(path, encoding=encoding)
    return frame


def _declares_crs(path: Path) -> bool:
    """Whether the file names its CRS: always, but for a GeoJSON without a ``crs`` member,
    which GDAL reads as WGS84 by the specification's default (RFC 7946 dropped the member)."""
    if pyogrio.read_info(path)["driver"] != "GeoJSON":
        return True
    try:
        doc = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return False  # GDAL read it (NaN, comments): as if without the member, like before
    return isinstance(doc, dict) and doc.get("crs") is not None


def _mojibake_encoding(frame: gpd.GeoDataFrame) -> str | None:
    """The encoding that turns ISO-8859-1-decoded text back into sense, if one does."""
    texts = [str(c) for c in frame.columns]
    for column in frame.columns:
        if frame[column].dtype == object and column != frame.geometry.name:
            texts.extend(v for v in frame[column].head(200) if isinstance(v, str))
    suspicious = [t for t in texts if any("\x80" <= ch <= "\xff" for ch in t)]
    if not suspicious:
        return None
    for encoding in _MOJIBAKE_ENCODINGS:
        try:
            for text in suspicious:
                text.encode("latin-1").decode(encoding)
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        return encoding
    return None


def _find(columns: list[str], names: tuple[str, ...]) -> str | None:
    lowered = {c.strip().lower(): c for c in columns}
    return next((lowered[n] for n in names if n in lowered), None)


def read_csv_text(path: Path) -> str:
    """A CSV file's text, in the first of :data:`CSV_ENCODINGS` that decodes it (else refused)."""
    data = path.read_bytes()
    for encoding in CSV_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    msg = f"{path}：无法识别文件编码（应为 UTF-8 或 GBK）"
    raise ImportInputError(msg, parameter="FILE")


def _read_csv(path: Path) -> gpd.GeoDataFrame:
    text = read_csv_text(path)
    table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    columns = list(table.columns)
    lon_col, lat_col = _find(columns, LON_HEADERS), _find(columns, LAT_HEADERS)
    if lon_col is None or lat_col is None:
        msg = (
            f"{path}：找不到经度、纬度列"
            f"（列名应为 经度/纬度 或 lon/lat，现有列：{'、'.join(columns)}）"
        )
        raise ImportInputError(msg, parameter="FILE")
    lon = pd.to_numeric(table[lon_col], errors="coerce").to_numpy()
    lat = pd.to_numeric(table[lat_col], errors="coerce").to_numpy()
    ok = np.isfinite(lon) & np.isfinite(lat)
    geometry = np.full(len(table), None, dtype=object)
    geometry[ok] = shapely.points(lon[ok], lat[ok])
    return gpd.GeoDataFrame(table.drop(columns=[lon_col, lat_col]), geometry=geometry)


def _looks_lonlat(frame: gpd.GeoDataFrame) -> bool:
    """Whether most features lie within lon/lat ranges (a few bad rows are the validator's)."""
    valid = frame.geometry[~frame.geometry.isna() & ~frame.geometry.is_empty]
    if valid.empty:
        return True
    bounds = valid.bounds.to_numpy()
    west, south, east, north = bounds.T
    inside = (west >= -180) & (east <= 180) & (south >= -90) & (north <= 90)
    return bool(inside.mean() >= 0.5)


def _parse_crs(text: str) -> CRS:
    try:
        return CRS.from_user_input(text)
    except CRSError as exc:
        msg = f"--crs {text!r} 无法识别（应为 EPSG:XXXX、gcj02 或 bd09）"
        raise ImportInputError(msg, parameter="--crs") from exc


def _crs_label(crs: CRS) -> str:
    """A CRS as an operator recognises it:
    ``CGCS2000 / 3-degree Gauss-Kruger CM 117E（EPSG:4548）``
    (its name, and its EPSG code when it has one)."""
    code = crs.to_epsg()
    return f"{crs.name}（EPSG:{code}）" if code else crs.name


def _is_wgs84(crs: CRS) -> bool:
    """WGS84 lon/lat in either axis order, or CGCS2000 lon/lat (the same to centimetres here)."""
    return crs.is_geographic and (
        crs.to_epsg() in WGS84_EPSG_CODES or crs.equals(CRS.from_user_input(WGS84),
                                                       ignore_axis_order=True)
    )


def _conflict(path: Path, declared: CRS, given: str, given_label: str) -> ImportInputError:
    msg = (
        f"{path}：文件声明的坐标系是 {_crs_label(declared)}，与 --crs {given}"
        f"（{given_label}）不同，未导入。文件声明正确时请去掉 --crs；"
        "声明有误时请先在 GIS 软件中为文件改正坐标系（定义投影）再导入"
    )
    return ImportInputError(msg, parameter="--crs")


def _to_wgs84(
    frame: gpd.GeoDataFrame, crs: str | None, path: Path, notes: list[str]
) -> gpd.GeoDataFrame:
    china = crs.strip().lower().replace("-", "") if crs else None
    declared: CRS | None = frame.crs
    if crs and china in TO_WGS84:
        label = CHINA_CRS_LABELS[china]
        if declared is not None:
            if not _is_wgs84(declared):
                raise _conflict(path, declared, crs, f"{label} 经纬度")
            notes.append(
                f"{path.name} 声明的坐标系为 {_crs_label(declared)}，已按 --crs {crs} 读作 "
                f"{label} 经纬度并转换为 WGS84（导出高德、百度坐标的工具常把它标为 WGS84）"
            )
        if not _looks_lonlat(frame):
            msg = f"{path}：坐标超出经纬度范围，不是 {crs} 经纬度"
            raise ImportInputError(msg, parameter="--crs")
        convert = TO_WGS84[china]
        geoms = shapely.transform(
            np.asarray(frame.geometry.values, dtype=object),
            lambda xy: np.column_stack(convert(xy[:, 0], xy[:, 1])),
        )
        return frame.set_geometry(geoms).set_crs(WGS84, allow_override=True)
    if crs:
        given = _parse_crs(crs)
        if declared is not None and not _same_crs(declared, given):
            raise _conflict(path, declared, crs, given.name)
        frame = frame.set_crs(given, allow_override=True)
    elif declared is None:
        if not _looks_lonlat(frame):
            msg = (
                f"{path}：文件没有坐标系信息，坐标不是经纬度；"
                "请用 --crs EPSG:XXXX 指定（如 EPSG:4548）"
            )
            raise ImportInputError(msg, parameter="--crs")
        frame = frame.set_crs(WGS84)
    if not frame.crs.equals(CRS.from_user_input(WGS84)):
        frame = frame.to_crs(WGS84)
    return frame


def _same_crs(declared: CRS, given: CRS) -> bool:
    """The same CRS, whatever the axis order or the name it goes by; the WGS84 family is one."""
    if declared.equals(given, ignore_axis_order=True):
        return True
    return _is_wgs84(declared) and _is_wgs84(given)
