"""QA pass 3 as a resident, with the test client: what the public boards say in words.

The items board listed each project as "2 条意见 · 共建单位（社企联盟） · 共建单位": two bare names
with no word for which one answers for the project and which one pays for it (the item's own
page says 责任： and 资金：).
"""

from __future__ import annotations

import pytest
from support.governance import decided_item, governance_app


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return governance_app(tmp_path_factory.mktemp("qa_res3_pages"))


def test_the_items_board_says_who_answers_for_a_project_and_who_pays(app):
    item_id = decided_item(app, owner="供电所", budget_source="共建单位")
    page = app.test_client().get("/items").get_data(as_text=True)
    row = page.split(f'data-item-id="{item_id}"')[1].split("</li>")[0]
    # was "1 条意见 · 供电所 · 共建单位"
    assert "1 条居民意见 · 责任：供电所 · 资金：共建单位" in row
    # the item's own page says the same in the same words
    item = app.test_client().get(f"/items/{item_id}").get_data(as_text=True)
    assert "责任：供电所 · 资金：共建单位" in item
    assert "背后有 <strong>1</strong> 条居民意见" in item
