"""QA pass (admin) in Chromium on a 768×1024 tablet: the accounts table and the audit log fit.

Before, the 操作 column squeezed 保存分工 / 重设密码 / 停用 to one character a line, and an
account with a 64-character 姓名 made the audit log's 人员 filter 940 px wide (the page
scrolled sideways).
"""

from __future__ import annotations

import pytest
from support.accounts import ensure_account

from geo_app.state.community import get_community
from geo_app.store import get_store

USERNAME, PASSWORD = "qa_tablet_admin", "qa tablet admin passphrase"
LONG_NAME = "社区志愿服务联络员" * 7  # 63 characters, within the form's 64


@pytest.fixture(scope="module")
def admin(live_app) -> str:
    with live_app.app_context(), get_store().write() as db:
        ensure_account(db, get_community(), username=USERNAME, password=PASSWORD, role="admin")
        ensure_account(db, get_community(), username="qa_long_name", password=PASSWORD,
                       role="organiser", display_name=LONG_NAME)
    return USERNAME


def test_the_admin_pages_fit_a_tablet(live_server, offline_page, admin):
    tab = offline_page(768, 1024)
    page = tab.page
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", admin)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    for path in ("/admin/", "/admin/audit"):
        page.goto(f"{live_server}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 768, f"{path} scrolls sideways: {width} px"
    page.goto(f"{live_server}/admin/")
    row = page.locator("tr[data-account=qa_long_name]")
    for testid in ("reset-qa_long_name", "deactivate-qa_long_name"):
        button = row.locator(f"[data-testid={testid}]")
        lines = button.evaluate(
            "b => { const r = document.createRange(); r.selectNodeContents(b);"
            " return r.getClientRects().length; }")
        assert lines == 1, f"{testid} wraps onto {lines} lines"
    assert tab.errors == []
