"""QA pass 3 (planners): the planner map's colours are told apart by colour-blind eyes.

The legend's colours are read from the page and simulated as a deuteranope, protanope and
tritanope sees them (Machado, Oliveira & Fernandes 2009, severity 1, in linear RGB), then
compared in CIE L*a*b* (ΔE 1976). The covered / falsely covered / uncovered buildings were
green, orange and red: ΔE 16 between green and red for a deuteranope (one man in twenty), so
the map of who is out of reach looked all one colour to them.
"""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
from support.planner_page import layer_data

PAGE = "/planner?threshold=500&k=2"

#: Machado et al. (2009) simulation matrices at severity 1.0 (linear RGB).
CVD = {
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                     [-0.011820, 0.042940, 0.968881]],
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                   [-0.003882, -0.048116, 1.051998]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                   [0.004733, 0.691367, 0.303900]],
}
#: Clearly different at a glance, even on small building footprints.
MIN_DELTA_E = 25.0


def _linear(hex_colour: str) -> np.ndarray:
    srgb = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255.0
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def _lab(linear: np.ndarray) -> np.ndarray:
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                    [0.0193, 0.1192, 0.9505]]) @ np.clip(linear, 0, 1)
    xyz = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _delta_e(a: str, b: str, matrix: list[list[float]]) -> float:
    m = np.array(matrix)
    return float(np.linalg.norm(_lab(m @ _linear(a)) - _lab(m @ _linear(b))))


@pytest.fixture(scope="module")
def legend(app_factory) -> dict[str, str]:
    """The legend of the sample's page: its words → the swatch colour."""
    html = app_factory().test_client().get(PAGE).get_data(as_text=True)
    pairs = re.findall(r'class="swatch (\w+)" style="--swatch: (#[0-9a-fA-F]{6})"></span>([^<]+)',
                       html)
    return {words.strip(): colour for _, colour, words in pairs}


def _pick(legend: dict[str, str], *starts: str) -> list[str]:
    return [next(c for words, c in legend.items() if words.startswith(s)) for s in starts]


@pytest.mark.parametrize("vision", sorted(CVD))
def test_building_classes_differ_for_colour_blind_eyes(legend, vision) -> None:
    colours = _pick(legend, "楼栋：500 米步行范围内", "楼栋：超出，但按直线", "楼栋：超出 500 米")
    for a, b in itertools.combinations(colours, 2):
        assert _delta_e(a, b, CVD[vision]) >= MIN_DELTA_E, (vision, a, b)


@pytest.mark.parametrize("vision", sorted(CVD))
def test_proposed_and_fewest_covering_sites_differ(legend, vision) -> None:
    """The blue proposed sites looked like the purple fewest-covering sites to a deuteranope."""
    proposed, covering = _pick(legend, "建议新增站点", "全覆盖最少站点")
    assert _delta_e(proposed, covering, CVD[vision]) >= MIN_DELTA_E


def test_the_map_draws_the_legends_building_colours(app_factory, legend) -> None:
    data = layer_data(app_factory().test_client(), PAGE)
    fills = {style.get("fillColor") for layer in data["layers"]
             for style in layer.get("styles", [])}
    assert set(_pick(legend, "楼栋：500 米步行范围内", "楼栋：超出，但按直线",
                     "楼栋：超出 500 米")) <= fills


def test_the_simulation_reproduces_the_known_confusion() -> None:
    """Checks the check: pure red and green are near neighbours for a deuteranope, far apart
    for normal sight (the matrices and ΔE are applied as published)."""
    identity = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    assert _delta_e("#2e7d32", "#c62828", identity) > 60
    assert _delta_e("#2e7d32", "#c62828", CVD["deuteranopia"]) < 20


def test_the_printed_maps_key_names_the_colours_it_draws(app_factory, legend) -> None:
    """The printed sheet's key still said 绿 … 蓝菱形 after the colours changed."""
    html = app_factory().test_client().get("/planner/print?threshold=500&k=2").get_data(
        as_text=True)
    caption = re.search(r"<figcaption>(.*?)</figcaption>", html).group(1)
    covered, uncovered, proposed = _pick(legend, "楼栋：500 米步行范围内", "楼栋：超出 500 米",
                                         "建议新增站点")
    assert (covered, uncovered, proposed) == ("#2166ac", "#b2182b", "#212121")
    assert "蓝：步行范围内" in caption and "深红：超出" in caption and "黑菱形：建议新增" in caption
    assert f'fill="{covered}"' in html and f'fill="{uncovered}"' in html
