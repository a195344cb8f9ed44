"""The loaded community layers, held once per process and swapped only when valid.

Every worker process holds its own :class:`CommunityState`. A cheap check before each request
(at most once per ``LAYER_CHECK_INTERVAL_S``) compares the layer files' version stamp — inode,
modification time and size of each file, and of the reload stamp that ``geo-app reload``
replaces — with the loaded one, and reloads when it changed: an edit saved by one worker, or
files replaced on disk, reach every worker without a restart. A bad layer set never replaces
a good one. Each request sees one community from start to end (it is pinned in ``g``), and its
walking network is reused while the paths and fences are unchanged (keyed by their content).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import shapely
from flask import Flask, current_app, g, has_app_context

from layers import (
    SCHEMAS,
    Community,
    GeoJSONDirectory,
    LayerIssue,
    LayerValidationError,
    load_community,
)
from layers.validate import BOUNDARY_MARGIN_M

if TYPE_CHECKING:
    from geo_app.walking import PreparedNetwork

EXTENSION_KEY = "geo_app.community"
#: Where a request's pinned community is kept in ``g``: (state, community).
PIN_KEY = "_geo_app_community_pin"
#: Walking networks kept by content key (the current one and the one before).
NETWORKS_KEPT = 2
#: One file's stamp: (inode, modification time in ns, size), or None when it is absent.
FileStamp = tuple[int, int, int] | None

logger = logging.getLogger(__name__)


def file_stamp(path: Path) -> FileStamp:
    """``path``'s (inode, mtime_ns, size); an atomic replace always changes the inode."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def touch_stamp(path: Path) -> None:
    """Replace the reload stamp at ``path`` (a new file, so every worker sees a new stamp)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(f"{time.time_ns()}\n")
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def network_content_key(community: Community) -> str:
    """SHA-256 of what the walking network depends on: the paths and the compounds' fences."""
    digest = hashlib.sha256()
    for frame in (community.paths, community.compounds):
        digest.update(f"{len(frame)}|".encode())
        for wkb in shapely.to_wkb(frame.geometry.to_numpy(), output_dimension=2, byte_order=1):
            digest.update(len(wkb).to_bytes(8, "little"))
            digest.update(wkb)
    return digest.hexdigest()


class CommunityState:
    """Holds the current :class:`~layers.Community`; a bad reload never replaces a good one."""

    def __init__(
        self,
        data_dir: str,
        cache_dir: Path,
        *,
        stamp_path: Path | None = None,
        check_interval_s: float = 1.0,
        boundary_margin_m: float = BOUNDARY_MARGIN_M,
    ) -> None:
        self.data_dir = data_dir
        self.cache_dir = cache_dir
        self.stamp_path = stamp_path
        self.check_interval_s = check_interval_s
        self.boundary_margin_m = boundary_margin_m
        self._lock = threading.Lock()
        self._network_lock = threading.Lock()
        self._check_lock = threading.Lock()
        self._next_check = time.monotonic() + check_interval_s
        self._version = self.layer_version()
        # parsed once for all apps of the process
        self._community = load_community(
            data_dir, reuse=True, boundary_margin_m=boundary_margin_m
        )
        #: (community, its network), newest last; networks by content key, newest last.
        self._network_of: list[tuple[Community, PreparedNetwork]] = []
        self._networks: dict[str, PreparedNetwork] = {}

    # ------------------------------------------------------------------ what is served

    @property
    def community(self) -> Community:
        """The community of this request (pinned when it started), else the current one."""
        pinned = self._pinned()
        return pinned if pinned is not None else self._community

    @property
    def walk_network(self) -> PreparedNetwork:
        """The walking network of :attr:`community`: ``paths`` fenced by ``compounds``, ready to
        query — the same as ``geo-app coverage`` builds. Reused while the paths and compounds
        are unchanged; otherwise built (its graph read from the disk cache when current)."""
        community = self.community
        for held, network in reversed(self._network_of):
            if held is community:
                return network
        from geo_app.walking import prepare_community

        with self._network_lock:
            for held, network in reversed(self._network_of):
                if held is community:
                    return network
            key = network_content_key(community)
            kept = self._networks.pop(key, None)
            network = (kept if kept is not None
                       else prepare_community(community, cache_dir=self.cache_dir))
            self._networks[key] = network
            while len(self._networks) > NETWORKS_KEPT:
                self._networks.pop(next(iter(self._networks)))
            self._network_of = [*self._network_of[-(NETWORKS_KEPT - 1):], (community, network)]
            return network

    # ------------------------------------------------------------------ reloading

    def layer_version(self) -> tuple[FileStamp, ...]:
        """The stamp of every layer file and of the reload stamp: changes with any of them."""
        source = GeoJSONDirectory(self.data_dir)
        paths = [source.path(schema.name) for schema in SCHEMAS]
        if self.stamp_path is not None:
            paths.append(self.stamp_path)
        return tuple(file_stamp(path) for path in paths)

    def reload(self) -> list[LayerIssue]:
        """Reload the layers; on any issue keep the current ones and return the issues."""
        version = self.layer_version()  # read before loading: a later change is seen again
        try:
            fresh = load_community(self.data_dir, boundary_margin_m=self.boundary_margin_m)
        except LayerValidationError as exc:
            self._version = version
            return exc.issues
        with self._lock:
            self._community = fresh
            self._version = version
        if self._pinned() is not None:  # the request that reloaded answers with the new data
            self.pin()
        return []

    def refresh_if_changed(self) -> bool:
        """Reload when the layer files changed (checked at most once per interval); True when
        a new community was loaded. Another thread already checking is not waited for."""
        if time.monotonic() < self._next_check or not self._check_lock.acquire(blocking=False):
            return False
        try:
            self._next_check = time.monotonic() + self.check_interval_s
            return self._reload_if_changed()
        finally:
            self._check_lock.release()

    def latest(self) -> Community:
        """The newest valid community on disk, checked now whatever the interval (and not the
        one pinned to this request): for a write that must not act on a station deleted since
        the request began."""
        with self._check_lock:
            self._reload_if_changed()
        return self._community

    def _reload_if_changed(self) -> bool:
        """Reload if the files' stamp changed (the caller holds the check lock); True when a
        new community was loaded."""
        if self.layer_version() == self._version:
            return False
        issues = self.reload()
        if issues:
            logger.warning(
                "图层 %s 已改动但校验未通过，继续使用上一版数据：\n%s",
                self.data_dir, "\n".join(str(i) for i in issues),
            )
            return False
        logger.info("图层 %s 已改动，已重新加载", self.data_dir)
        return True

    # ------------------------------------------------------------------ one community per request

    def pin(self) -> None:
        """Serve the current community for the rest of this request."""
        setattr(g, PIN_KEY, (self, self._community))

    def _pinned(self) -> Community | None:
        if not has_app_context():
            return None
        pin = g.get(PIN_KEY)
        return pin[1] if pin is not None and pin[0] is self else None


def stamp_path_of(app: Flask) -> Path:
    """The reload stamp ``geo-app reload`` replaces (``LAYER_RELOAD_STAMP``, default in the
    instance folder)."""
    configured = app.config.get("LAYER_RELOAD_STAMP")
    return Path(configured) if configured else Path(app.instance_path) / "layers.reload"


def _refresh_and_pin() -> None:
    state = get_state()
    state.refresh_if_changed()
    state.pin()


def _unpin(_exc: BaseException | None) -> None:
    g.pop(PIN_KEY, None)


def init_app(app: Flask) -> None:
    """Load the layers at start-up (invalid layers stop the service with every issue listed)
    and check for new layers before each request."""
    cache_dir = Path(app.instance_path) / "walk_cache"
    app.extensions[EXTENSION_KEY] = CommunityState(
        app.config["DATA_DIR"],
        cache_dir,
        stamp_path=stamp_path_of(app),
        check_interval_s=float(app.config["LAYER_CHECK_INTERVAL_S"]),
        boundary_margin_m=float(app.config["LAYER_BOUNDARY_MARGIN_M"]),
    )
    app.before_request(_refresh_and_pin)
    app.teardown_request(_unpin)


def get_state() -> CommunityState:
    return current_app.extensions[EXTENSION_KEY]


def get_community() -> Community:
    """The community layers of the running app."""
    return get_state().community
