"""QA pass (planners): what a planner reads on /planner and its printed report."""

from __future__ import annotations

import json
import re

import pytest

from geo_app.config import BUNDLED_DATA_DIR


def _layer(name: str) -> list[dict]:
    text = (BUNDLED_DATA_DIR / f"{name}.geojson").read_text(encoding="utf-8")
    return json.loads(text)["features"]


def _totals() -> tuple[int, int]:
    """Residents and households of the sample, summed from the layer file."""
    buildings = [f["properties"] for f in _layer("buildings")]
    return sum(b["residents"] for b in buildings), sum(b["households"] for b in buildings)


def _section(html: str, testid: str) -> str:
    start = html.index(f'data-testid="{testid}"')
    return html[start:html.index("</table>", start) if "table" in testid else
                html.index("</section>", start)]


@pytest.fixture(scope="module")
def reader(app_factory):
    return app_factory().test_client()


def test_counts_have_thousands_separators(reader) -> None:
    residents, households = _totals()
    assert residents >= 10_000 and households >= 10_000  # both need a separator
    html = reader.get("/planner?threshold=500&k=2").get_data(as_text=True)
    card = _section(html, "planner-summary")
    assert f"/{residents:,} 人" in card and str(residents) not in card
    total = _section(html, "grid-table").split('class="total"')[1]
    assert f"/{households:,}</td>" in total and f"/{residents:,}</td>" in total
    assert str(residents) not in total and str(households) not in total
    siting = html[html.index('data-testid="siting-table"'):html.index('data-testid="siting-note"')]
    assert f"（共 {residents:,} 人）" in siting
    printed = reader.get("/planner/print?threshold=500&k=2").get_data(as_text=True)
    assert re.search(rf"（[\d,]+/{residents:,} 人）", printed)
    assert str(residents) not in printed
