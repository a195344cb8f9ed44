"""Where layers come from: one interface, whatever file or database holds them.

A :class:`LayerSource` hands out each layer's GeoJSON text by schema name; validation and
loading (:mod:`layers.community`) do not care where it came from.
"""

from __future__ import annotations

import os
import tempfile
from abc import ABC, abstractmethod
from pathlib import Path


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class LayerSource(ABC):
    """A store of GeoJSON layers, addressed by schema name (``"buildings"``, …)."""

    @abstractmethod
    def read(self, name: str) -> bytes:
        """The layer's GeoJSON text; ``FileNotFoundError`` when it has none."""

    @abstractmethod
    def describe(self, name: str) -> str:
        """How to name the layer in a message (a file path, a table name)."""

    def fingerprint(self, name: str) -> str:
        """A value that changes whenever the layer changes (used to invalidate caches)."""
        import hashlib

        return hashlib.sha256(self.read(name)).hexdigest()


class GeoJSONDirectory(LayerSource):
    """Layers as ``<name>.geojson`` files in one directory."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def path(self, name: str) -> Path:
        return self.directory / f"{name}.geojson"

    def read(self, name: str) -> bytes:
        return self.path(name).read_bytes()

    def describe(self, name: str) -> str:
        return str(self.path(name))

    def write(self, name: str, text: str) -> None:
        """Replace a layer atomically: a failed write leaves the old file intact."""
        self.directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            Path(tmp).chmod(0o666 & ~_current_umask())  # mkstemp's 0600 is too strict for data
            Path(tmp).replace(self.path(name))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def __str__(self) -> str:
        return str(self.directory)
