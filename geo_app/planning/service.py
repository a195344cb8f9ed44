"""The planners' report inside the running app: computed once per community and parameters.

Distances are measured once per loaded :class:`~layers.Community` (a reload starts afresh);
reports are kept per (threshold, k, settings, stock) for the page and its downloads, and so are
the page's rendered map of each and the map's data layers (as the bytes sent), in the app's
bounded per-community cache (:mod:`geo_app.state.cache`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from flask import current_app

from geo_app.maps.base import MapParts
from geo_app.planning.measure import CommunityDistances, measure_distances
from geo_app.planning.report import PlannerReport, planner_report, station_isochrones
from geo_app.planning.settings import PlanningSettings, settings_from_config
from geo_app.state.cache import per_community
from geo_app.state.community import get_state
from geo_app.stations.levels import get_stock_levels, levels_key
from geo_app.walking import Isochrone
from layers import Community


def current_settings() -> PlanningSettings:
    """The planners' settings of the running app."""
    return settings_from_config(current_app.config)


def _distances(settings: PlanningSettings) -> CommunityDistances:
    def build(community: Community) -> CommunityDistances:
        network = get_state().walk_network
        return measure_distances(community, network, max_attach_m=settings.max_attach_m)

    return per_community(("planning.distances", settings.max_attach_m), build)


def _report_key(threshold_m: float, k: int) -> tuple[Hashable, ...]:
    """What a report depends on: its parameters, the settings and the current stock (the kit
    rule reads it: a change of stock makes a new report)."""
    return ("planning.report", threshold_m, k, current_settings(), levels_key(get_stock_levels()))


def current_report(
    *, threshold_m: float, k: int, before_build: Callable[[], None] | None = None
) -> PlannerReport:
    """The report of the loaded community at ``threshold_m`` with ``k`` new sites.

    ``before_build()`` runs only when the report is not cached yet (a rate limit's hook: it
    may raise to refuse the work).
    """
    settings = current_settings()
    stock = get_stock_levels()

    def build(community: Community) -> PlannerReport:
        if before_build is not None:
            before_build()
        network = get_state().walk_network
        return planner_report(
            community, network, _distances(settings), settings,
            threshold_m=threshold_m, k=k, stock=stock,
        )

    return per_community(_report_key(threshold_m, k), build)


def current_map_parts(
    report: PlannerReport, options: tuple[str, ...], render: Callable[[], MapParts]
) -> MapParts:
    """The planner page's map of ``report``, rendered once per report and map options."""
    key = ("planning.map", _report_key(report.threshold_m, report.siting.k), options)
    return per_community(key, lambda community: render())


def current_map_layers(report: PlannerReport, build: Callable[[], bytes]) -> bytes:
    """The planner map's data layers of ``report`` as sent (JSON bytes), built once per report."""
    key = ("planning.map_layers", _report_key(report.threshold_m, report.siting.k))
    return per_community(key, lambda community: build())


def current_isochrones() -> list[tuple[str, Isochrone]]:
    """Each station's 15-minute walk of the loaded community."""
    settings = current_settings()

    def build(community: Community) -> list[tuple[str, Isochrone]]:
        return station_isochrones(community, get_state().walk_network, settings)

    return per_community(("planning.isochrones", settings), build)


def current_distances() -> CommunityDistances:
    """Every building's distances of the loaded community (measured once per community)."""
    return _distances(current_settings())
