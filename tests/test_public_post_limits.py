"""Public posts (意见, 照片, +1) behind one carrier address: each device its own budget.

Limits here: 2 posts a minute per device (``VIEW_DEVICE_RATE_LIMIT``, the signed ``jn_device``
cookie the app sets) and 5 per client address (``VIEW_RATE_LIMIT``). Every phone of a test posts
from the same address, as behind a mobile carrier's NAT.
"""

from __future__ import annotations

from support.governance import IN_JN01, Step, governance_app, make_view

from geo_app.config import DEFAULTS

GOOD = {"lon": IN_JN01[0], "lat": IN_JN01[1], "category": "greening",
        "text": "花坛里的树被砍了好几棵", "name": "李阿姨", "phone": "0551-66128801"}
DEVICE_WORDS = "提交太频繁：本设备的意见、照片和 +1 合计，每 1 分钟最多 2 次。请 1 分钟后再试。"
ADDRESS_WORDS = "提交太频繁：同一网络的意见、照片和 +1 合计，每 1 分钟最多 5 次。请 1 分钟后再试。"


def carrier_app(tmp_path):
    return governance_app(tmp_path, VIEW_RATE_LIMIT="5 per minute",
                          VIEW_DEVICE_RATE_LIMIT="2 per minute")


def new_phone(app):
    """A phone that has never posted: no cookie yet (its first answer sets it)."""
    return app.test_client()


def test_two_phones_behind_one_address_each_get_their_own_budget(tmp_path):
    app = carrier_app(tmp_path)
    first, second = new_phone(app), new_phone(app)
    assert [first.post("/api/views", json=GOOD).status_code for _ in range(2)] == [201, 201]
    assert first.get_cookie("jn_device") is not None
    blocked = first.post("/api/views", json=GOOD)
    assert blocked.status_code == 429 and blocked.headers["Retry-After"] == "60"
    assert blocked.get_json() == {"parameter": None, "error": DEVICE_WORDS}
    # the second phone, same address: its own two posts (the address has used 2 of its 5)
    assert [second.post("/api/views", json=GOOD).status_code for _ in range(2)] == [201, 201]
    assert second.post("/api/views", json=GOOD).get_json()["error"] == DEVICE_WORDS


def test_views_photos_and_plus_ones_share_the_device_budget(tmp_path):
    app = carrier_app(tmp_path)
    view_id, _ = make_view(app, steps=(Step("published"),))
    other_id, _ = make_view(app, steps=(Step("published"),))
    phone = new_phone(app)
    assert phone.post("/api/views", json=GOOD).status_code == 201
    assert phone.post(f"/api/views/{view_id}/support").status_code == 200
    refused = phone.post(f"/api/views/{other_id}/support")
    assert refused.status_code == 429 and refused.get_json()["error"] == DEVICE_WORDS


def test_clearing_cookies_does_not_escape_the_address_limit(tmp_path):
    app = carrier_app(tmp_path)
    view_id, _ = make_view(app, steps=(Step("published"),))
    phone = app.test_client()
    answers = []
    for _ in range(6):
        phone.delete_cookie("jn_device")  # a new device every time
        answers.append(phone.post("/api/views", json=GOOD))
    assert [a.status_code for a in answers] == [201] * 5 + [429]
    assert answers[-1].get_json() == {"parameter": None, "error": ADDRESS_WORDS}
    # a resident with a cookie behind that address is stopped too: the flood fills it
    assert new_phone(app).post("/api/views", json=GOOD).get_json()["error"] == ADDRESS_WORDS
    # and a +1 shares that budget (it had a bucket of its own)
    assert new_phone(app).post(f"/api/views/{view_id}/support").get_json()["error"] == (
        ADDRESS_WORDS
    )


def test_a_device_refused_does_not_use_up_the_address(tmp_path):
    app = carrier_app(tmp_path)
    eager = new_phone(app)
    statuses = [eager.post("/api/views", json=GOOD).status_code for _ in range(10)]
    assert statuses == [201, 201] + [429] * 8
    # the address counted only the 2 accepted posts: 3 more phones get a post each
    assert [new_phone(app).post("/api/views", json=GOOD).status_code for _ in range(3)] == [201] * 3
    assert new_phone(app).post("/api/views", json=GOOD).get_json()["error"] == ADDRESS_WORDS


def test_defaults_are_generous_per_address_and_tight_per_device():
    from limits import parse_many

    def per_hour(setting: str) -> float:
        return min(lim.amount * 3600 / lim.get_expiry() for lim in parse_many(DEFAULTS[setting]))

    # a carrier address is shared by many residents: at least 10 devices' worth an hour
    assert per_hour("VIEW_RATE_LIMIT") >= 10 * per_hour("VIEW_DEVICE_RATE_LIMIT")
