"""QA pass 3 (planners): a number of sites written the way people write it is read."""

from __future__ import annotations

import pytest

from geo_app.planning.errors import BadParameterError
from geo_app.planning.settings import validate_k


@pytest.mark.parametrize("written", ["03", "+3", " 3 ", "３", "０３", 3, 3.0])
def test_three_sites_however_written(written) -> None:
    # "03" (a planner copying from a spreadsheet) was refused as 应为整数
    assert validate_k(written) == 3


@pytest.mark.parametrize(("written", "words"), [
    ("-0", "应在 1–50 之间"),  # was "应为整数": it is one, only out of range
    ("0", "应在 1–50 之间"),
    ("2.5", "应为整数"),
    (2.5, "应为整数"),
    ("1e1", "应为整数"),
    ("三", "应为整数"),
])
def test_a_refusal_gives_the_true_reason(written, words) -> None:
    with pytest.raises(BadParameterError, match=words):
        validate_k(written)


def test_the_page_reads_03_as_three_sites(client) -> None:
    answer = client.get("/planner/report.json?threshold=500&k=03")
    assert answer.status_code == 200
    assert answer.get_json()["siting"]["k"] == 3
    assert len(answer.get_json()["siting"]["maximal_covering"]["exact"]["sites"]) == 3
