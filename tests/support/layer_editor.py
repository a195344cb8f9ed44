"""The admin's layer editor on the tiny grid community, ready to edit, and the walks its tests
expect: worked out by hand (geodesic legs along the one street and up to a station) and by the
networkx reference of ``support.oracle``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from flask import Flask
from flask.testing import FlaskClient
from pyproj import Geod

from layers import load_community
from support.accounts import ACCOUNTS, add_accounts, csrf_token_of, logged_in
from support.apps import make_grid_app
from support.browser import served
from support.grid_community import LAT
from support.oracle import ReferenceNetwork

GEOD = Geod(ellps="WGS84")
#: The tiny community's one street P-1 runs along this latitude.
STREET_LAT = LAT + 0.001


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The geodesic distance between two (lon, lat) points, in metres."""
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


def hand_walk(origin: tuple[float, float], station: tuple[float, float]) -> float:
    """Along the street from ``origin`` (on it) to the station's foot, then up to the station."""
    foot = (station[0], STREET_LAT)
    return metres(origin, foot) + metres(foot, station)


def reference_walk(data_dir: Path, origin: tuple[float, float],
                   station: tuple[float, float]) -> float:
    """The walk from ``origin`` to ``station`` on the paths of ``data_dir``, by networkx."""
    network = ReferenceNetwork(list(load_community(data_dir).paths.geometry))
    return float(network.distance_matrix(np.array([origin]), np.array([station]))[0, 0])


@contextmanager
def served_editor(directory: Path) -> Iterator[tuple[str, Path]]:
    """A live server on a copy of the tiny community in ``directory`` (CSRF on), the admin
    account made; yields (base URL, layer directory)."""
    app = make_grid_app(directory, LAYER_HISTORY_DIR=str(directory / "history"),
                        LAYER_RELOAD_STAMP=str(directory / "layers.reload"))
    add_accounts(app, {"admin": ACCOUNTS["admin"]})
    with served(app) as base:
        yield base, Path(app.config["DATA_DIR"])


def layer_editor_client(grid_app_factory: Callable[..., Flask], tmp_path: Path) -> FlaskClient:
    """The admin logged in on an app whose layers may be edited; ``client.token`` is the
    editor page's CSRF token and ``client.data_dir`` the layer directory."""
    app = grid_app_factory(
        accounts={"admin": ACCOUNTS["admin"]},
        LAYER_HISTORY_DIR=str(tmp_path / "history"),
        LAYER_RELOAD_STAMP=str(tmp_path / "layers.reload"),
    )
    client = logged_in(app, "admin")
    client.token = csrf_token_of(client, "/admin/layers")  # type: ignore[attr-defined]
    client.data_dir = Path(app.config["DATA_DIR"])  # type: ignore[attr-defined]
    return client
