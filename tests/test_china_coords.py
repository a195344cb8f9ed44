"""GCJ-02 / BD-09 conversions against published reference pairs, within 1 m.

Reference pairs (third-party test vectors, computed by other implementations):

* googollee/eviltransform, ``python/test.py``: ``TESTS`` (WGS84 → GCJ-02 in Shanghai, Shenzhen,
  Beijing). Its ``TESTS_bd`` pairs are not used: they disagree with the published BD-09
  formula (eviltransform's own ``bd2wgs`` included) by 10–40 m, as if read from Baidu's service.
* wandergis/coordtransform, ``test/app.js``: the results printed for (116.404, 39.915).
* Glatzel/pyxis, Python crypto tests: one point near Shanghai in WGS84, GCJ-02 and BD-09.

Distances are measured on the WGS84 ellipsoid with pyproj's ``Geod`` (independent of the code).
"""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod

from layers.china_coords import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    in_china,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

GEOD = Geod(ellps="WGS84")

# (wgs lon, wgs lat, gcj lon, gcj lat) from eviltransform's TESTS (there written lat first).
EVIL_WGS_GCJ = [
    (121.5272106, 31.1774276, 121.531541859215, 31.17530398364597),  # shanghai
    (113.912316, 22.543847, 113.9171764808363, 22.540796131694766),  # shenzhen
    (116.377817, 39.911954, 116.38404722455657, 39.91334545536069),  # beijing
]
# Glatzel/pyxis: the same point in the three systems.
PYXIS_WGS = (121.0917077, 30.6107779)
PYXIS_GCJ = (121.09626935575027, 30.608604331756705)
PYXIS_BD = (121.10271732371203, 30.61484572185035)
# wandergis/coordtransform test/app.js, input (116.404, 39.915).
WANDERGIS_IN = (116.404, 39.915)
WANDERGIS_BD_TO_GCJ = (116.39762729119315, 39.90865673957631)
WANDERGIS_GCJ_TO_BD = (116.41036949371029, 39.92133699351021)
WANDERGIS_WGS_TO_GCJ = (116.41024449916938, 39.91640428150164)


def metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    return np.asarray(GEOD.inv(lon1, lat1, lon2, lat2)[2])


def test_wgs84_to_gcj02_matches_reference_pairs():
    ref = np.array([*EVIL_WGS_GCJ, (*WANDERGIS_IN, *WANDERGIS_WGS_TO_GCJ)])
    lon, lat = wgs84_to_gcj02(ref[:, 0], ref[:, 1])
    assert metres(lon, lat, ref[:, 2], ref[:, 3]).max() < 1.0
    # the shift itself is hundreds of metres, so the check is not vacuous
    assert metres(ref[:, 0], ref[:, 1], ref[:, 2], ref[:, 3]).min() > 300


def test_gcj02_to_wgs84_inverts_reference_pairs():
    ref = np.array(EVIL_WGS_GCJ)
    lon, lat = gcj02_to_wgs84(ref[:, 2], ref[:, 3])
    assert metres(lon, lat, ref[:, 0], ref[:, 1]).max() < 1.0


def test_bd09_reference_pairs():
    assert metres(*wgs84_to_bd09(*PYXIS_WGS), *PYXIS_BD) < 1.0
    assert metres(*bd09_to_wgs84(*PYXIS_BD), *PYXIS_WGS) < 1.0
    assert metres(*bd09_to_gcj02(*PYXIS_BD), *PYXIS_GCJ) < 1.0
    assert metres(*gcj02_to_wgs84(*PYXIS_GCJ), *PYXIS_WGS) < 1.0
    lon, lat = gcj02_to_bd09(*WANDERGIS_IN)
    assert metres(lon, lat, *WANDERGIS_GCJ_TO_BD) < 1.0
    lon, lat = bd09_to_gcj02(*WANDERGIS_IN)
    assert metres(lon, lat, *WANDERGIS_BD_TO_GCJ) < 1.0


def test_hefei_offset_is_about_520_m_east_225_m_south():
    lon, lat = wgs84_to_gcj02(117.26, 31.96)
    east = metres(117.26, 31.96, float(lon), 31.96)
    south = metres(117.26, 31.96, 117.26, float(lat))
    assert 450 < east < 600
    assert float(lat) < 31.96
    assert 180 < south < 280


@pytest.mark.parametrize(
    ("forward", "inverse"),
    [
        (wgs84_to_gcj02, gcj02_to_wgs84),
        (gcj02_to_bd09, bd09_to_gcj02),
        (wgs84_to_bd09, bd09_to_wgs84),
    ],
)
def test_round_trips_within_a_centimetre_over_china(forward, inverse):
    rng = np.random.default_rng(7)
    lon = rng.uniform(100.0, 122.0, 2000)
    lat = rng.uniform(22.0, 40.0, 2000)
    keep = in_china(lon, lat)
    lon, lat = lon[keep], lat[keep]
    back_lon, back_lat = inverse(*forward(lon, lat))
    assert metres(lon, lat, back_lon, back_lat).max() < 0.01  # 1e-7° is about 1 cm


def test_outside_china_points_pass_through():
    # Helsinki, Seoul, Ulaanbaatar, Hanoi, Taipei: none is shifted.
    lon = np.array([24.94, 126.98, 106.92, 105.85, 121.56])
    lat = np.array([60.17, 37.57, 47.92, 21.03, 25.04])
    assert not in_china(lon, lat).any()
    for convert in (wgs84_to_gcj02, gcj02_to_wgs84, wgs84_to_bd09, bd09_to_wgs84):
        out_lon, out_lat = convert(lon, lat)
        np.testing.assert_array_equal(out_lon, lon)
        np.testing.assert_array_equal(out_lat, lat)


def test_mixed_arrays_and_scalars():
    assert in_china(117.26, 31.96)  # Hefei
    assert in_china(116.39, 39.9) and in_china(91.1, 29.65) and in_china(87.6, 43.8)
    lon, _lat = wgs84_to_gcj02([117.26, 24.94], [31.96, 60.17])
    assert lon.shape == (2,)
    assert lon[1] == 24.94 and lon[0] != 117.26
    scalar_lon, _ = gcj02_to_wgs84(117.26, 31.96)
    assert scalar_lon.shape == ()
