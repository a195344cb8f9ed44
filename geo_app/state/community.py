"""The loaded community layers, held once per process and swapped only when valid."""

from __future__ import annotations

import threading
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask, current_app

from layers import Community, LayerIssue, LayerValidationError, load_community

if TYPE_CHECKING:
    from geo_app.walking import PreparedNetwork

EXTENSION_KEY = "geo_app.community"


class CommunityState:
    """Holds the current :class:`~layers.Community`; a bad reload never replaces a good one."""

    def __init__(self, data_dir: str, cache_dir: Path) -> None:
        self.data_dir = data_dir
        self.cache_dir = cache_dir
        self._lock = threading.Lock()
        self._community = load_community(data_dir, reuse=True)  # parsed once for all apps

    @property
    def community(self) -> Community:
        return self._community

    @cached_property
    def walk_network(self) -> PreparedNetwork:
        """The walking network of ``paths`` fenced by ``compounds``, ready to query (built once,
        its graph cached on disk): the same as ``geo-app coverage`` builds."""
        from geo_app.walking import prepare_community

        with self._lock:
            return prepare_community(self._community, cache_dir=self.cache_dir)

    def reload(self) -> list[LayerIssue]:
        """Reload the layers; on any issue keep the current ones and return the issues."""
        try:
            fresh = load_community(self.data_dir)
        except LayerValidationError as exc:
            return exc.issues
        with self._lock:
            self._community = fresh
            self.__dict__.pop("walk_network", None)
        return []


def init_app(app: Flask) -> None:
    """Load the layers at start-up; invalid layers stop the service with every issue listed."""
    cache_dir = Path(app.instance_path) / "walk_cache"
    app.extensions[EXTENSION_KEY] = CommunityState(app.config["DATA_DIR"], cache_dir)


def get_state() -> CommunityState:
    return current_app.extensions[EXTENSION_KEY]


def get_community() -> Community:
    """The community layers of the running app."""
    return get_state().community
