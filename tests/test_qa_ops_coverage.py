"""``geo-app coverage`` at a terminal: layers it cannot use are refused in Chinese, each on a line
of its own (not glued to the progress bar), exit status 1, never a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from geo_app.cli import main
from geo_app.config import BUNDLED_DATA_DIR

EMPTY = '{"type": "FeatureCollection", "features": []}'


def copy_of_the_sample(tmp_path: Path) -> Path:
    data = tmp_path / "layers"
    shutil.copytree(BUNDLED_DATA_DIR, data)
    return data


def test_layers_without_any_path_are_refused_naming_the_folder(tmp_path: Path) -> None:
    data = copy_of_the_sample(tmp_path)
    (data / "paths.geojson").write_text(EMPTY)  # what an import outside the extract once wrote
    result = CliRunner().invoke(main, ["coverage", "--data", str(data), "--format", "csv"])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    # refused by the layers' validation, as the service refuses to start on them
    assert (f"{data / 'paths.geojson'}: 字段 features: 步行路网图层没有任何要素："
            "所有步行距离都沿路网计算，至少需要一个") in result.stderr
    assert result.stdout == ""


def test_invalid_layers_are_refused_on_a_line_of_their_own(tmp_path: Path) -> None:
    data = copy_of_the_sample(tmp_path)
    (data / "stations.geojson").write_text('{"type": "FeatureCollection", "features": [')
    result = CliRunner().invoke(main, ["coverage", "--data", str(data)])
    assert result.exit_code == 1
    # the bar is cleared (carriage return) before the refusal is written
    before, _, after = result.stderr.rpartition("\r")
    assert after.lstrip(" ").startswith("图层校验未通过：")
    assert "stations.geojson: 不是有效的 JSON" in after
    assert "图层校验未通过" not in before
