"""QA pass 3 (planners): a what-if click does only the work its answer needs.

At 24,576 buildings a click took 1.3 s, two thirds of it writing a row object for each of the
~21,000 buildings out of reach — for both kinds of station, before and after, though the
answer carries neither list (``benchmarks/bench_whatif.py``: median 1.31 s before, 0.48 s now).
"""

from __future__ import annotations

import geo_app.planning.coverage as coverage

POINT = "lon=117.2668741&lat=31.9608091"


def test_a_whatif_lists_only_the_buildings_of_the_kind_asked_once(client, monkeypatch) -> None:
    listed: list[int] = []
    real = coverage._building_rows

    def counted(buildings, rows, network_m, buffer_m):
        listed.append(len(rows))
        return real(buildings, rows, network_m, buffer_m)

    client.get("/planner/report.json?threshold=500&k=2")  # the report's own lists, before
    monkeypatch.setattr(coverage, "_building_rows", counted)
    answer = client.get(f"/planner/whatif.json?{POINT}&threshold=500")
    assert answer.status_code == 200
    # the "after" report of the 党群服务站 only: its uncovered and its buffer-only buildings
    assert len(listed) == 2


def test_the_answer_keeps_its_figures(client) -> None:
    """Before is the page's own report; the gain, 8,362 residents, was worked out with the
    networkx reference (tests/support/oracle.py) over the sample's paths."""
    report = client.get("/planner/report.json?threshold=500&k=2").get_json()
    answer = client.get(f"/planner/whatif.json?{POINT}&threshold=500").get_json()
    assert answer["before"]["network"] == report["network"]
    assert [g["network"] for g in answer["before"]["grids"]] == [
        g["network"] for g in report["grids"]]
    gain = answer["gain"]["residents"]
    assert gain == 8362
    assert answer["after"]["network"]["residents_covered"] == (
        report["network"]["residents_covered"] + gain)
