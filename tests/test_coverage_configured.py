"""``geo-app coverage`` reads the service's configuration (``GEO_APP_*``, instance/config.py):
with GEO_APP_DATA_DIR set it reported on the bundled sample instead, silently."""

from __future__ import annotations

import json
import shutil

from click.testing import CliRunner

from geo_app.cli import main
from geo_app.config import BUNDLED_DATA_DIR


def _features(path):
    return json.loads(path.read_text("utf-8"))["features"]


def test_the_configured_layers_and_settings_are_the_reports(tmp_path):
    layers = tmp_path / "layers"
    shutil.copytree(BUNDLED_DATA_DIR, layers)
    buildings = json.loads((layers / "buildings.geojson").read_text("utf-8"))
    kept = buildings["features"][:40]
    buildings["features"] = kept
    (layers / "buildings.geojson").write_text(json.dumps(buildings, ensure_ascii=False), "utf-8")
    env = {"GEO_APP_DATA_DIR": str(layers), "GEO_APP_DEFAULT_THRESHOLD_M": "800",
           "GEO_APP_SITING_K": "2"}
    result = CliRunner().invoke(main, ["coverage", "--format", "json"], env=env)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["network"]["buildings"] == len(kept) == 40
    assert report["threshold_m"] == 800.0
    assert report["siting"]["k"] == 2
    bundled = len(_features(BUNDLED_DATA_DIR / "buildings.geojson"))
    flags = CliRunner().invoke(main, ["coverage", "--format", "json", "--data",
                                      str(BUNDLED_DATA_DIR), "--threshold", "300"], env=env)
    assert json.loads(flags.stdout)["network"]["buildings"] == bundled  # flags still win
    assert json.loads(flags.stdout)["threshold_m"] == 300.0


def test_a_bad_configured_setting_is_refused_in_chinese(tmp_path):
    result = CliRunner().invoke(main, ["coverage"], env={"GEO_APP_SITING_K": "0"})
    assert result.exit_code == 1
    assert "配置有误，未执行。" in result.output
    assert "配置项有误：SITING_K 应在 1–50 之间，实际为 0" in result.output
    assert "Traceback" not in result.output
