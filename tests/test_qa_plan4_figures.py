"""Planner QA pass 4: numbers as typed (no ``1_000``), metres without float noise, and what the
siting report's ``bound`` bounds."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from geo_app.formats.bbox import BoxError, parse_box
from geo_app.formats.numbers import decimal_number, integer_number
from geo_app.planning.errors import BadParameterError
from geo_app.planning.settings import validate_k, validate_threshold

#: A point inside the bundled community (a proposed site of the sample report).
INSIDE = (117.2668741, 31.9608091)


@pytest.fixture(scope="module")
def reader(app_factory):
    return app_factory().test_client()


@pytest.fixture(scope="module")
def report(reader):
    answer = reader.get("/planner/report.json?threshold=500&k=3")
    assert answer.status_code == 200
    return answer.get_json()


# ------------------------------------------------------------------ 2. no digit separators


@pytest.mark.parametrize("typed", ["1_000", "1_0", "5_00.5", "_500", "500_"])
def test_underscored_numbers_are_refused_by_the_shared_readers(typed) -> None:
    # float("1_000") == 1000.0 and int("1_0") == 10 in Python: a person never types that
    with pytest.raises(ValueError):
        decimal_number(typed)
    with pytest.raises(ValueError):
        integer_number(typed)


def test_full_width_and_ordinary_forms_are_still_read() -> None:
    assert decimal_number("５００") == 500.0
    assert decimal_number("\u3000１．５") == 1.5
    assert decimal_number("1e3") == 1000.0
    assert integer_number("＋１２") == 12
    assert validate_threshold("１０００") == 1000.0
    assert validate_k("０３") == 3


def test_planning_validators_refuse_underscores() -> None:
    with pytest.raises(BadParameterError, match="应为以米计的数值"):
        validate_threshold("1_000")
    with pytest.raises(BadParameterError, match="应为整数"):
        validate_k("1_0")


def test_a_box_with_an_underscored_number_is_refused() -> None:
    with pytest.raises(BoxError):
        parse_box("117_2,31.9,117.3,32.0")


@pytest.mark.parametrize(("path", "query", "parameter"), [
    ("/planner/report.json", {"threshold": "1_000"}, "threshold"),
    ("/planner/report.json", {"k": "1_0"}, "k"),
    ("/planner/grids.csv", {"threshold": "1_000"}, "threshold"),
    ("/planner/whatif.json", {"lon": INSIDE[0], "lat": INSIDE[1], "threshold": "1_000"},
     "threshold"),
    ("/api/nearest", {"lon": INSIDE[0], "lat": INSIDE[1], "k": "1_0"}, "k"),
    ("/api/nearest", {"lon": "117_2", "lat": INSIDE[1]}, "lon"),
])
def test_routes_refuse_an_underscored_number_naming_it(reader, path, query, parameter) -> None:
    answer = reader.get(path, query_string=query, headers={"Accept": "application/json"})
    assert answer.status_code == 400, answer.get_data(as_text=True)[:300]
    body = answer.get_json()
    assert body["parameter"] == parameter
    assert "1_0" in body["error"] or "117_2" in body["error"]


def test_full_width_threshold_still_reads_on_the_report(reader) -> None:
    body = reader.get("/planner/report.json", query_string={"threshold": "１０００", "k": "２"})
    assert body.status_code == 200
    assert body.get_json()["threshold_m"] == 1000.0


# ------------------------------------------------------------------ 3. metres without noise


def _metres(value, path=""):
    """Every (path, value) of a key ending in ``_m`` in a JSON value."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key.endswith("_m") and isinstance(item, float):
                yield f"{path}.{key}", item
            yield from _metres(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _metres(item, f"{path}[{i}]")


def test_the_circles_reach_is_published_as_1000_metres(report) -> None:
    # 4 km/h for 15 minutes: 4000 m / 60 × 15 = 1000 m exactly (the float sum gave
    # 1000.0000000000001)
    assert report["circle"]["reach_m"] == 1000.0
    assert repr(report["circle"]["reach_m"]) == "1000.0"


def test_every_metre_figure_of_the_report_has_at_most_one_decimal(report) -> None:
    found = list(_metres(report))
    assert len(found) > 10
    noisy = [(path, v) for path, v in found if v != round(v, 1)]
    assert noisy == []


def test_whatif_metres_have_at_most_one_decimal(reader) -> None:
    answer = reader.get("/planner/whatif.json", query_string={"lon": INSIDE[0], "lat": INSIDE[1]})
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["circle"]["reach_m"] == 1000.0
    assert body["isochrone"]["properties"]["reach_m"] == 1000.0
    assert [(p, v) for p, v in _metres(body) if v != round(v, 1)] == []


def test_the_computation_keeps_its_precision() -> None:
    # rounded where published, not where computed: the settings still carry the exact product
    from geo_app.planning.settings import PlanningSettings

    assert PlanningSettings().circle_reach_m == 4.0 * 1000.0 / 60.0 * 15.0


# ------------------------------------------------------------------ 4. what the bound bounds


def test_the_maximal_covering_bound_says_it_bounds_the_gain(report) -> None:
    siting = report["siting"]
    exact = siting["maximal_covering"]["exact"]
    now, residents = siting["residents_covered_now"], siting["residents"]
    assert exact["bound_of"] == "gain"
    assert exact["bound"] is not None
    gain = exact["covered_weight"] - now
    # an upper bound on residents gained: at least what the answer gains, at most everyone
    # not yet within reach — and so it may well be below covered_weight, which counts `now`
    assert gain <= exact["bound"] + 1e-9
    assert exact["bound"] <= residents - now
    assert exact["bound"] < exact["covered_weight"]
    text = exact["bound_text"]
    assert f"{exact['bound']:,.0f} 名居民新进入" in text
    assert f"已在范围内的 {now:,} 人" in text
    assert f"合计至多 {exact['bound'] + now:,.0f} 人" in text


def test_the_set_covering_bound_says_it_bounds_sites(report) -> None:
    exact = report["siting"]["set_covering"]["exact"]
    assert exact["bound_of"] == "sites"
    assert exact["bound"] <= len(exact["selected"])
    assert f"至少需要新增 {exact['bound']:,.0f} 处站点" in exact["bound_text"]


def test_a_greedy_answer_has_no_bound_and_no_text(report) -> None:
    greedy = report["siting"]["maximal_covering"]["greedy"]
    assert greedy["bound"] is None and greedy["bound_text"] is None
    assert greedy["bound_of"] == "gain"


def test_openapi_documents_the_report_and_its_bound(reader, report) -> None:
    document = reader.get("/api/openapi.json").get_json()
    operation = document["paths"]["/planner/report.json"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"threshold", "k"}
    answer = document["components"]["schemas"]["SitingAnswer"]["properties"]
    assert answer["bound_of"]["enum"] == ["gain", "sites"]
    assert "covered_weight" in answer["bound"]["description"]
    Draft202012Validator(
        {"$ref": "#/components/schemas/PlannerReport", **document}
    ).validate(report)


def test_the_report_refuses_an_unknown_parameter(reader) -> None:
    answer = reader.get("/planner/report.json?threshold=500&treshold=600")
    assert answer.status_code == 400
    assert answer.get_json()["parameter"] == "treshold"
