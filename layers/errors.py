"""Errors raised while reading and validating layers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LayerIssue:
    """One problem in one place: file, feature (index and id), field, reason."""

    file: str
    reason: str
    index: int | None = None
    feature_id: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.index is not None:
            feature = f"要素 #{self.index}"
            if self.feature_id is not None:
                feature += f" (id={self.feature_id})"
            where.append(feature)
        if self.field is not None:
            where.append(f"字段 {self.field}")
        return f"{': '.join(where)}: {self.reason}"


class LayerError(Exception):
    """Base class of the layer errors."""


class LayerValidationError(LayerError):
    """One or more layers failed validation; nothing of them was loaded."""

    def __init__(self, issues: list[LayerIssue]) -> None:
        self.issues = list(issues)
        lines = "\n".join(str(i) for i in self.issues)
        super().__init__(f"{len(self.issues)} 个数据问题：\n{lines}")
