"""Reading GeoJSON layers for the walking engine, with errors that name the file."""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd

from geo_app.walking.errors import NetworkInputError


def read_geojson(path: str | Path, *, name: str) -> gpd.GeoDataFrame:
    """The features of the GeoJSON file ``path``; ``name`` says which input it is in errors."""
    path = Path(path)
    if not path.is_file():
        msg = f"{name}文件 {path} 不存在"
        raise NetworkInputError(msg)
    try:
        with warnings.catch_warnings():
            # nested properties (a station's opening hours) are kept as text, which is all the
            # engine needs (it reads ids and geometry): geopandas says so on every read
            warnings.filterwarnings("ignore", "Could not parse column", UserWarning)
            return gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        msg = f"无法读取{name}文件 {path}：{exc}"
        raise NetworkInputError(msg) from exc
