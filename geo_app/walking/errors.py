"""Errors of the walking engine, in one place."""

from __future__ import annotations


class WalkError(Exception):
    """Base class of every walking-engine error."""


class NetworkInputError(WalkError, ValueError):
    """The lines, points or options given to the engine cannot be used (the message says why)."""


class PointTooFarError(WalkError):
    """A point lies farther than the attachment limit from every path of the network."""

    def __init__(self, distance_m: float, limit_m: float) -> None:
        self.distance_m = distance_m
        self.limit_m = limit_m
        if distance_m == float("inf"):
            msg = f"该位置 {limit_m:.0f} 米内没有步行道路，无法计算步行距离"
        else:
            msg = (
                f"该位置距最近的步行道路 {distance_m:.0f} 米，超过 {limit_m:.0f} 米的接入上限，"
                "无法计算步行距离"
            )
        super().__init__(msg)
