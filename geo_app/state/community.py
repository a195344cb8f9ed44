"""The loaded community layers, held once per process and swapped only when valid."""

from __future__ import annotations

import threading
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask, current_app

from layers import Community, LayerIssue, LayerValidationError, load_community
from layers.validate import BOUNDARY_MARGIN_M

if TYPE_CHECKING:
    from geo_app.walking import WalkNetwork

EXTENSION_KEY = "geo_app.community"


class CommunityState:
    """Holds the current :class:`~layers.Community`; a bad reload never replaces a good one."""

    def __init__(
        self, data_dir: str, cache_dir: Path, *, boundary_margin_m: float = BOUNDARY_MARGIN_M
    ) -> None:
        self.data_dir = data_dir
        self.cache_dir = cache_dir
        self.boundary_margin_m = boundary_margin_m
        self._lock = threading.Lock()
        self._community = load_community(data_dir, boundary_margin_m=boundary_margin_m)

    @property
    def community(self) -> Community:
        return self._community

    @cached_property
    def walk_network(self) -> WalkNetwork:
        """The walking graph of ``paths`` (built once, cached on disk), fenced by ``compounds``."""
        from geo_app.walking import cached_network
        from geo_app.walking.fences import add_fences

        with self._lock:
            network = cached_network(self._community.paths, cache_dir=self.cache_dir)
            add_fences(network, list(self._community.compounds.geometry))
            return network

    def reload(self) -> list[LayerIssue]:
        """Reload the layers; on any issue keep the current ones and return the issues."""
        try:
            fresh = load_community(self.data_dir, boundary_margin_m=self.boundary_margin_m)
        except LayerValidationError as exc:
            return exc.issues
        with self._lock:
            self._community = fresh
            self.__dict__.pop("walk_network", None)
        return []


def init_app(app: Flask) -> None:
    """Load the layers at start-up; invalid layers stop the service with every issue listed."""
    cache_dir = Path(app.instance_path) / "walk_cache"
    app.extensions[EXTENSION_KEY] = CommunityState(
        app.config["DATA_DIR"], cache_dir,
        boundary_margin_m=float(app.config["LAYER_BOUNDARY_MARGIN_M"]),
    )


def get_state() -> CommunityState:
    return current_app.extensions[EXTENSION_KEY]


def get_community() -> Community:
    """The community layers of the running app."""
    return get_state().community
