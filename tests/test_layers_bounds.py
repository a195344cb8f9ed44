"""Layers that Python's JSON parser cannot take, and features far outside the boundary
(issue 10, items 15 and 16): one clear line each, never a traceback."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from support.validation_layers import valid_layers, write_layers

from geo_app.cli import main as cli_main
from layers import LayerValidationError, load_community, validate_directory


@pytest.fixture
def layer_dir(tmp_path):
    return write_layers(tmp_path / "layers", valid_layers())


def _validate(layer_dir, *args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(cli_main, ["validate", str(layer_dir), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result.exit_code, result.output.strip().splitlines()


def _stations_with_a_5000_digit_integer() -> str:
    return json.dumps(valid_layers()["stations"]).replace(
        '"umbrella": 10', '"umbrella": ' + "9" * 5000
    )


@pytest.mark.parametrize(
    ("layer", "text", "reason"),
    [
        pytest.param(
            "pois", lambda: "[" * 100_000 + "]" * 100_000,
            "JSON 嵌套层数过深（超出解析上限），不是有效的 GeoJSON",
            id="a-hundred-thousand-nested-brackets",
        ),
        pytest.param(
            "stations", _stations_with_a_5000_digit_integer,
            "含位数过多的整数（超过 4300 位），不是有效的数值",
            id="an-integer-of-5000-digits",
        ),
    ],
)
def test_a_layer_the_json_parser_refuses_is_one_clear_line(layer_dir, layer, text, reason):
    write_layers(layer_dir, {layer: text()})
    code, lines = _validate(layer_dir)
    assert code == 1
    assert lines == [f"{layer_dir / f'{layer}.geojson'}: {reason}", "共 1 个问题。"]


def test_coordinates_nested_nearly_as_deep_as_the_parser_allows(layer_dir):
    deep = [117.258, 31.9566]
    for _ in range(900):
        deep = [deep]
    doc = valid_layers()["pois"]
    doc["features"][0]["geometry"]["coordinates"] = deep
    write_layers(layer_dir, {"pois": doc})
    code, lines = _validate(layer_dir)
    assert code == 1
    assert len(lines) == 2
    assert lines[0].startswith(f"{layer_dir / 'pois.geojson'}: 要素 #0")


def test_a_station_1600_km_away_is_an_error(layer_dir):
    doc = valid_layers()["stations"]
    doc["features"][0]["geometry"]["coordinates"] = [131.957, 31.9565]  # 117 typed as 131
    write_layers(layer_dir, {"stations": doc})
    issues = [str(i) for i in validate_directory(layer_dir)]
    # Independent figure: 13.3° of longitude east of the boundary's eastern edge (117.265°) at
    # latitude 31.96° is 13.3 * 111.32 km * cos(31.96°) ≈ 1,255 km on the ellipsoid; the UTM
    # zone's scale stretches it, so the message reads over a thousand kilometres.
    assert len(issues) == 1
    assert issues[0].startswith(f"{layer_dir / 'stations.geojson'}: 要素 #0 (id=S1): 字段 geometry")
    assert "位于社区边界之外" in issues[0]
    assert "（允许 1000 米），坐标是否有误？" in issues[0]
    kilometres = float(issues[0].split("之外 ")[1].split(" 千米")[0].replace(",", ""))
    assert 1_200 < kilometres < 1_700
    with pytest.raises(LayerValidationError):
        load_community(layer_dir)


def test_features_just_across_the_boundary_road_are_fine_and_the_margin_is_configurable(
    layer_dir,
):
    doc = valid_layers()["pois"]
    # 0.005° east of the boundary's edge at 31.96° N: 0.005 * 111.32 km * cos(31.96°) = 472 m.
    doc["features"][0]["geometry"]["coordinates"] = [117.270, 31.9566]
    write_layers(layer_dir, {"pois": doc})
    assert validate_directory(layer_dir) == []
    assert load_community(layer_dir) is not None
    code, lines = _validate(layer_dir, "--boundary-margin", "300")
    assert code == 1
    assert "位于社区边界之外 47" in lines[0]  # 472 m, give or take the UTM scale
    assert "（允许 300 米）" in lines[0]
    issues = validate_directory(layer_dir, boundary_margin_m=500)
    assert issues == []
