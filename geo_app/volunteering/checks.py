"""Checks every volunteering form shares: a required short text, a kind from a fixed list, a
whole number in a range."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from geo_app.formats.numbers import whole_number
from geo_app.volunteering.errors import VolunteeringError
from layers.quoting import quoted


def required_text(value: str, *, label: str, limit: int, parameter: str) -> str:
    """``value`` without surrounding blanks; refused when empty or over ``limit`` characters."""
    text = value.strip()
    if not text or len(text) > limit:
        msg = f"{label}不能为空，且不超过 {limit} 个字"
        raise VolunteeringError(msg, parameter=parameter)
    return text


def check_kind(
    kind: str, kinds: Mapping[str, object], *, label: str, shown: Iterable[str] | None = None
) -> None:
    """Refuse a ``kind`` not among ``kinds``, listing ``shown`` (the kinds' keys by default)."""
    if kind not in kinds:
        choices = "、".join(kinds if shown is None else shown)
        msg = f"未知{label} {quoted(kind)}（可选：{choices}）"
        raise VolunteeringError(msg, parameter="kind")


def whole_in_range(value: object, *, low: int, high: int, label: str, parameter: str) -> int:
    """A whole number in ``[low, high]`` as typed (full-width digits too); else refused."""
    return whole_number(value, low=low, high=high, label=label, parameter=parameter,
                        error=VolunteeringError)
