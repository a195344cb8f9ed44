"""The planners' report inside the running app: computed once per community and parameters.

Distances are measured once per loaded :class:`~layers.Community` (a reload starts afresh);
reports are kept per (threshold, k) for the page and its downloads, a few at a time, and so
is the page's rendered map of each.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from flask import current_app

from geo_app.community_state import get_state
from geo_app.maps import MapParts
from geo_app.planning.measure import CommunityDistances, measure_distances
from geo_app.planning.report import PlannerReport, planner_report, station_isochrones
from geo_app.planning.settings import PlanningSettings, settings_from_config
from geo_app.stock import get_stock_levels
from geo_app.walking import Isochrone
from layers import Community

EXTENSION_KEY = "geo_app.planning"
KEPT_REPORTS = 16


class PlanningCache:
    """Distances, reports and isochrones of one community, rebuilt when the layers change."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._community: Community | None = None
        self._distances: CommunityDistances | None = None
        self._isochrones: dict[PlanningSettings, list[tuple[str, Isochrone]]] = {}
        self._reports: OrderedDict[tuple[object, ...], PlannerReport] = OrderedDict()
        #: Rendered page maps, per report (by identity) and map options.
        self._maps: OrderedDict[tuple[int, tuple[str, ...]], tuple[PlannerReport, MapParts]] = (
            OrderedDict()
        )

    def _for(self, community: Community) -> None:
        if community is not self._community:
            self._community = community
            self._distances = None
            self._isochrones.clear()
            self._reports.clear()
            self._maps.clear()

    def report(self, settings: PlanningSettings, *, threshold_m: float, k: int) -> PlannerReport:
        state = get_state()
        community, network = state.community, state.walk_network
        stock = get_stock_levels()
        # The kit rule reads the current stock: a change of stock makes a new report.
        stock_key = tuple(sorted((s, tuple(sorted(items.items()))) for s, items in stock.items()))
        with self._lock:
            self._for(community)
            key = (threshold_m, k, settings, stock_key)
            if key in self._reports:
                self._reports.move_to_end(key)
                return self._reports[key]
            if self._distances is None:
                self._distances = measure_distances(
                    community, network, max_attach_m=settings.max_attach_m
                )
            report = planner_report(
                community, network, self._distances, settings, threshold_m=threshold_m, k=k,
                stock=stock,
            )
            self._reports[key] = report
            while len(self._reports) > KEPT_REPORTS:
                self._reports.popitem(last=False)
            return report

    def isochrones(self, settings: PlanningSettings) -> list[tuple[str, Isochrone]]:
        state = get_state()
        community, network = state.community, state.walk_network
        with self._lock:
            self._for(community)
            if settings not in self._isochrones:
                self._isochrones[settings] = station_isochrones(community, network, settings)
            return self._isochrones[settings]


    def map_parts(
        self, report: PlannerReport, options: tuple[str, ...], render: Callable[[], MapParts]
    ) -> MapParts:
        """The page's rendered map of ``report``, drawn by ``render`` once per map options."""
        key = (id(report), options)
        with self._lock:
            cached = self._maps.get(key)
            if cached is not None and cached[0] is report:
                self._maps.move_to_end(key)
                return cached[1]
        parts = render()
        with self._lock:
            self._maps[key] = (report, parts)
            while len(self._maps) > KEPT_REPORTS:
                self._maps.popitem(last=False)
        return parts


def _cache() -> PlanningCache:
    return current_app.extensions.setdefault(EXTENSION_KEY, PlanningCache())


def current_settings() -> PlanningSettings:
    """The planners' settings of the running app."""
    return settings_from_config(current_app.config)


def current_report(*, threshold_m: float, k: int) -> PlannerReport:
    """The report of the loaded community at ``threshold_m`` with ``k`` new sites."""
    return _cache().report(current_settings(), threshold_m=threshold_m, k=k)


def current_map_parts(
    report: PlannerReport, options: tuple[str, ...], render: Callable[[], MapParts]
) -> MapParts:
    """The planner page's map of ``report``, rendered once per report and map options."""
    return _cache().map_parts(report, options, render)


def current_isochrones() -> list[tuple[str, Isochrone]]:
    """Each station's 15-minute walk of the loaded community."""
    return _cache().isochrones(current_settings())
