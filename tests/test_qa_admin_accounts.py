"""QA pass (admin): the admin cannot lock themselves out from the accounts table.

On the tiny community (see support.grid_community): grid JN-01 holds FG-1..3.
"""

from __future__ import annotations

from html import unescape

import pytest
from support.accounts import csrf_token_of, logged_in

from geo_app.store import get_store
from geo_app.store.accounts import find_account


@pytest.fixture
def app(grid_app_factory):
    return grid_app_factory()


@pytest.fixture
def admin(app):
    """The admin, logged in, with the accounts page's CSRF token."""
    client = logged_in(app, "admin")
    client.token = csrf_token_of(client, "/admin/")
    return client


def _own_id(app) -> int:
    with app.app_context(), get_store().read() as db:
        return find_account(db, "admin").id


@pytest.mark.parametrize(
    "form",
    [
        {"role": "admin", "grid": "", "buildings": ""},  # 启用 unticked on the own row
        {"role": "grid_leader", "grid": "JN-01", "buildings": "", "active": "on"},
    ],
    ids=["switch-off", "demote"],
)
def test_the_admin_cannot_switch_off_or_demote_their_own_account(app, admin, form):
    response = admin.post(f"/admin/accounts/{_own_id(app)}",
                          data={"csrf_token": admin.token, **form}, follow_redirects=True)
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "未保存：不能停用自己正在使用的账号，也不能取消自己的社区管理员角色" in html
    with app.app_context(), get_store().read() as db:
        own = find_account(db, "admin")
        assert (own.role, own.active) == ("admin", True)
    # still logged in and still the admin
    assert admin.get("/admin/").status_code == 200


def test_the_admin_can_still_save_their_own_unchanged_row(app, admin):
    response = admin.post(
        f"/admin/accounts/{_own_id(app)}",
        data={"csrf_token": admin.token, "role": "admin", "grid": "", "buildings": "",
              "active": "on"},
        follow_redirects=True,
    )
    assert "admin 的分工没有变化" in unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("username", ["张三", "leader 2", "li@jn", "x"])
def test_a_username_is_ascii_letters_digits_and_marks(app, admin, username):
    """The form says 字母、数字 but 张三 was accepted (Python's \\w matches any script); a
    space, an @ or one letter stay refused."""
    response = admin.post("/admin/accounts/new", data={
        "csrf_token": admin.token, "username": username, "role": "grid_leader",
        "grid": "JN-01"}, follow_redirects=True)
    html = unescape(response.get_data(as_text=True))
    assert ("未创建：用户名须为 2–64 个英文字母、数字、下划线、点或连字符（不能用汉字或空格）"
            in html)
    with app.app_context(), get_store().read() as db:
        assert find_account(db, username) is None


def test_a_username_with_dots_and_dashes_is_accepted(app, admin):
    response = admin.post("/admin/accounts/new", data={
        "csrf_token": admin.token, "username": "wang.li-2_b", "role": "grid_leader",
        "grid": "JN-01"})
    assert response.status_code == 200 and "一次性密码" in response.get_data(as_text=True)
    with app.app_context(), get_store().read() as db:
        assert find_account(db, "wang.li-2_b") is not None
