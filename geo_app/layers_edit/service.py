"""A layer edit in the running app: validated and written by :mod:`layers.editing`, audited in
the store, and swapped into this worker at once (the other workers see the files' new stamp
before their next request)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, current_app
from sqlalchemy.orm import Session

from geo_app.config import BUNDLED_DATA_DIR
from geo_app.layers_edit import attached
from geo_app.state.clock import now
from geo_app.state.community import get_state
from geo_app.stations.levels import get_stock_levels
from geo_app.store import get_store
from geo_app.store.audit import record
from layers.editing import EditResult, LayerEditError, LayerEditor, RestoreResult

R = TypeVar("R", EditResult, RestoreResult)


def history_dir_of(app: Flask) -> Path:
    """Where replaced layer versions are kept (``LAYER_HISTORY_DIR``, default
    ``instance/layer_history``)."""
    configured = app.config.get("LAYER_HISTORY_DIR")
    return Path(configured) if configured else Path(app.instance_path) / "layer_history"


def get_editor() -> LayerEditor:
    """The editor of the running app's layer directory (never the sample shipped in the
    repository: edits belong in the community's own copy)."""
    data_dir = Path(current_app.config["DATA_DIR"]).resolve()
    if data_dir == BUNDLED_DATA_DIR.resolve():
        msg = (
            "自带的样例图层不能在线修改：请把 data/geojson 复制到自己的目录，"
            "用 GEO_APP_DATA_DIR=该目录 启动服务后再编辑"
        )
        raise LayerEditError(msg, parameter="DATA_DIR", status=409)
    return LayerEditor(data_dir, history_dir_of(current_app))


def _saved(
    change: Callable[[LayerEditor, datetime, Session], R], *, audit: Callable[[R], dict]
) -> R:
    """Run ``change(editor, moment, db)`` inside a store transaction with its audit entry (a
    refused or failed write records nothing), then load the new layers into this worker and
    seed the stock of a station the change added (so a restock right after adds to it)."""
    with get_store().write() as db:
        result = change(get_editor(), now(), db)
        record(db, **audit(result))
    issues = get_state().reload()
    if issues:  # validated before writing: only a concurrent bad write on disk gets here
        current_app.logger.error("保存后重新加载失败：%s", "; ".join(map(str, issues)))
    get_stock_levels()
    return result


def save_edit(
    change: Callable[[LayerEditor, datetime], EditResult], *, actor: str
) -> EditResult:
    """Apply one feature edit (``change(editor, moment)``), audited as ``layer.create`` or
    ``layer.update`` on ``<layer>/<id>`` with the feature before and after."""

    def audit(result: EditResult) -> dict:
        return {
            "actor": actor,
            "action": "layer.create" if result.before is None else "layer.update",
            "target": f"{result.layer}/{result.feature_id}",
            "before": result.before,
            "after": result.after,
            "note": f"原文件已保存为历史版本 {result.kept.name}" if result.kept else "",
        }

    return _saved(lambda editor, moment, _db: change(editor, moment), audit=audit)


@dataclass(frozen=True)
class Deletion:
    """A deleted station or POI, and the stock written off with it (item → count)."""

    edit: EditResult
    written_off: dict[str, int]


@dataclass(frozen=True)
class Restore:
    """A restored version, and the stock written off at the stations it has no more."""

    result: RestoreResult
    written_off: dict[str, int]


def delete_feature(
    layer: str, feature_id: str, *, actor: str, write_off_stock: bool = False
) -> Deletion:
    """Delete station or POI ``feature_id``, audited as ``layer.delete`` with the feature as it
    was. A station with open loans, goods or activities is refused (409, listing them), and so
    is one with stock on its shelf unless ``write_off_stock`` (then written off in the same
    transaction, audited per item)."""
    if layer == "stations":
        get_stock_levels()  # the layer's stations are seeded: the store knows their stock
    written_off: dict[str, int] = {}

    def change(editor: LayerEditor, moment: datetime, db: Session) -> EditResult:
        def guard(feature: Mapping[str, Any]) -> None:
            if layer == "stations":
                name = str((feature.get("properties") or {}).get("name") or feature_id)
                written_off.update(attached.clear_station(
                    db, feature_id, name, moment=moment, write_off_stock=write_off_stock,
                    actor=actor,
                ))

        return editor.delete(layer, feature_id, moment=moment, guard=guard)

    def audit(result: EditResult) -> dict:
        notes = [f"原文件已保存为历史版本 {result.kept.name}" if result.kept else ""]
        if written_off:
            notes.append(f"库存报损清零：{attached.items_text(written_off)}")
        return {
            "actor": actor,
            "action": "layer.delete",
            "target": f"{result.layer}/{result.feature_id}",
            "before": result.before,
            "after": None,
            "note": "；".join(n for n in notes if n),
        }

    return Deletion(_saved(change, audit=audit), written_off)


def restore_version(name: str, *, actor: str, write_off_stock: bool = False) -> Restore:
    """Restore the kept version ``name``, audited as ``layer.restore``. A version without a
    station that still has loans, goods or activities is refused (409), as deleting that
    station would be; so is one with stock on its shelf unless ``write_off_stock``."""
    get_stock_levels()  # the layer's stations are seeded: the store knows their stock
    written_off: dict[str, int] = {}

    def change(editor: LayerEditor, moment: datetime, db: Session) -> RestoreResult:
        def guard(layer: str, removed: list[dict[str, Any]]) -> None:
            if layer != "stations":
                return
            for feature in removed:
                props = feature.get("properties") or {}
                station_id = str(props.get("id"))
                cleared = attached.clear_station(
                    db, station_id, str(props.get("name") or station_id), moment=moment,
                    write_off_stock=write_off_stock, actor=actor, restoring=True)
                for item, count in cleared.items():
                    written_off[item] = written_off.get(item, 0) + count

        return editor.restore(name, moment=moment, guard=guard)

    def audit(result: RestoreResult) -> dict:
        kept = result.kept.name if result.kept else None
        notes = [f"恢复历史版本 {result.restored.name}"]
        if written_off:
            notes.append(f"库存报损清零：{attached.items_text(written_off)}")
        return {
            "actor": actor,
            "action": "layer.restore",
            "target": result.layer,
            "before": {"features": result.features_before, "kept_as": kept},
            "after": {"features": result.features_after, "restored": result.restored.name},
            "note": "；".join(notes),
        }

    return Restore(_saved(change, audit=audit), written_off)
