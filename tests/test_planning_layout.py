"""The planning tests' Layout builder (support.planning_layout) draws where it is told."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.geo import HEFEI_METRIC, X0, Y0
from support.planning_layout import Layout

from layers import load_community


def test_local_frame_round_trips_to_the_metre(tmp_path: Path) -> None:
    layout = (Layout().grid("G1", (0, 0, 1000, 1000)).building("B1", (300, 400), "G1")
              .path("P1", (0, 500), (1000, 500)))  # a layer set needs a path to walk
    community = load_community(layout.write(tmp_path))
    centroid = community.buildings.to_crs(HEFEI_METRIC).geometry.iloc[0].centroid
    assert centroid.x - X0 == pytest.approx(300, abs=0.01)
    assert centroid.y - Y0 == pytest.approx(400, abs=0.01)
