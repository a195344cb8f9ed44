"""The stations a counter may move stock at: those of the layers on disk when it asks.

A request's community is pinned when the request begins; a station deleted by another admin
(or another worker) since then is still in it. The store asks this collection only once it
holds the station's lock (:mod:`geo_app.store.station_lock`), so a loan, restock or
redemption never lands on a station deleted in the meantime.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator

from geo_app.state.community import get_state


class CurrentStationIds(Collection[str]):
    """Station ids read from the newest valid layers each time the collection is asked."""

    def _ids(self) -> list[str]:
        return [str(s) for s in get_state().latest().stations["id"]]

    def __contains__(self, station_id: object) -> bool:
        return station_id in self._ids()

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids())

    def __len__(self) -> int:
        return len(self._ids())


def current_station_ids() -> CurrentStationIds:
    """The live collection of station ids (see the module's docstring)."""
    return CurrentStationIds()
