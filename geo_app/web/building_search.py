"""The search and grid filter of a building list (楼栋划分 and 楼栋属性): what ``?q=`` (part of a
name, an id or a 小区) and ``?grid=`` (a grid id) ask for, checked once for both pages.

Templates draw the form and the count with ``building_search.html``; the list is paged with
:func:`geo_app.web.paging.list_page` (``keep`` carries the filter to the other pages).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from geo_app.web.errors import ApiError
from layers.quoting import quoted

#: The longest building search taken (a name or an id is far shorter).
MAX_BUILDING_QUERY = 64


@dataclass(frozen=True)
class BuildingSearch:
    """A building list's filter: ``query`` (may be empty) and ``grid`` (empty: every grid)."""

    query: str
    grid: str

    @property
    def keep(self) -> list[tuple[str, str]]:
        """The filter as query arguments, for the pager's links and a form's way back."""
        return [(k, v) for k, v in (("q", self.query), ("grid", self.grid)) if v]

    def matches(self, *, grid: str, texts: Iterable[object]) -> bool:
        """Whether a building in ``grid`` whose name, id, 小区… are ``texts`` is listed."""
        return (not self.grid or grid == self.grid) and (
            not self.query or any(self.query in str(text) for text in texts)
        )


def building_search(args: Mapping[str, str], grids: Mapping[str, str]) -> BuildingSearch:
    """The filter ``args`` ask for; a grid not in ``grids`` (id → name) is a 400 naming it."""
    query = args.get("q", "").strip()[:MAX_BUILDING_QUERY]
    grid = args.get("grid", "").strip()
    if grid and grid not in grids:
        raise ApiError("grid", f"网格 {quoted(grid[:40])} 不存在")
    return BuildingSearch(query, grid)
