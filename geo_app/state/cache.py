"""Values built once per loaded community, per app: indexes, rendered maps, reports.

Every derived structure of the community (the stations' index, the search index of places,
each page's rendered map, the planners' reports) is built by :func:`per_community` on first
use and reused until the layers are reloaded: a new :class:`~layers.Community` object empties
the cache. Each app has its own cache (``app.extensions``), and each key its own build lock, so
one slow build (a planner's report) never holds up another (the station index).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast

from flask import Flask, current_app

from geo_app.state.community import get_state
from layers import Community

EXTENSION_KEY = "geo_app.per_community"
#: Entries kept at most (least recently used dropped first): reports and maps per parameters.
MAX_ENTRIES = 64
T = TypeVar("T")


class CommunityCache:
    """A bounded cache whose entries belong to one loaded community."""

    def __init__(self, *, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._community: Community | None = None
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._build_locks: dict[Hashable, threading.Lock] = {}

    def get(self, community: Community, key: Hashable, build: Callable[[Community], T]) -> T:
        """The value of ``key`` for ``community``, built by ``build(community)`` at most once."""
        with self._lock:
            found = self._lookup(community, key)
            if found is not _MISSING:
                return cast(T, found)
            build_lock = self._build_locks.setdefault(key, threading.Lock())
        with build_lock:
            with self._lock:
                found = self._lookup(community, key)
            if found is not _MISSING:
                return cast(T, found)
            value = build(community)
            with self._lock:
                if community is self._community:
                    self._entries[key] = value
                    while len(self._entries) > self.max_entries:
                        self._entries.popitem(last=False)
            return value

    def _lookup(self, community: Community, key: Hashable) -> Any:
        """The stored value (``_MISSING`` if none); a new community empties the cache."""
        if community is not self._community:
            self._community = community
            self._entries.clear()
            return _MISSING
        if key not in self._entries:
            return _MISSING
        self._entries.move_to_end(key)
        return self._entries[key]


_MISSING = object()


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = CommunityCache()


def per_community(key: Hashable, build: Callable[[Community], T]) -> T:
    """``build(community)`` once per loaded community of the running app, then reused."""
    cache: CommunityCache = current_app.extensions[EXTENSION_KEY]
    return cache.get(get_state().community, key, build)
