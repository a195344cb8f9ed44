"""Second QA pass as a volunteer with the test client: self check-in from the activity's QR code.

At the activity the volunteer sees when check-in is open (北京时间) before typing anything, a
refused check-in keeps the card number typed (never the PIN), and a finished activity offers no
form to fill in for nothing.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from support.activities import signed_up_activity
from support.governance import IN_JN01, MOMENT, governance_app

from geo_app.store import get_store
from geo_app.volunteering.activities import Place, create_activity
from geo_app.volunteering.registry import register_volunteer, set_pin

# support.governance pins the clock at 2025-06-02 10:00 北京时间 (Monday)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return governance_app(tmp_path_factory.mktemp("qa_res2_activities"))


@pytest.fixture(scope="module")
def activities(app) -> dict[str, int]:
    """Volunteer JN00001 (PIN 246810); two-hour activities that began 30 minutes ago
    (``now``), begin in three days (``coming``) and began six hours ago (``over``)."""
    starts = {"now": -timedelta(minutes=30), "coming": timedelta(days=3),
              "over": -timedelta(hours=6)}
    ids = {}
    with app.app_context(), get_store().write() as db:
        volunteer = register_volunteer(db, name="赵一鸣", phone="13900000001", building_id="FG-1",
                                       known_buildings={"FG-1"}, actor="test")
        set_pin(db, volunteer, "246810", actor="test")
        for key, start in starts.items():
            activity = create_activity(
                db, title=f"环境卫生整治（{key}）", kind="service", topic=None,
                place=Place("square", None, "风格城市广场议事角", *IN_JN01),
                starts_at=MOMENT + start, ends_at=MOMENT + start + timedelta(hours=2),
                capacity=5, points_per_hour=10, points_per_attendance=0, audience=[],
                organiser="steward1",
            )
            ids[key] = activity.id
    return ids


def test_the_check_in_page_says_when_check_in_opens(app, activities):
    page = app.test_client().get(f"/activities/{activities['coming']}/checkin")
    text = page.get_data(as_text=True)
    # starts 2025-06-05 10:00, ends 12:00: check-in from an hour before to two hours after
    assert "签到时间（北京时间）：2025-06-05 09:00 至 14:00" in text
    assert "还没到签到时间，2025-06-05 09:00 起可以签到。" in text
    assert 'data-testid="self-checkin"' in text  # early volunteers may still try
    now = app.test_client().get(f"/activities/{activities['now']}/checkin").get_data(as_text=True)
    # began 09:30, ends 11:30: window 08:30 to 13:30, open at 10:00
    assert "签到时间（北京时间）：2025-06-02 08:30 至 13:30" in now and "现在可以签到。" in now


def test_a_finished_activity_offers_no_check_in_form(app, activities):
    text = app.test_client().get(f"/activities/{activities['over']}/checkin").get_data(
        as_text=True)
    # began 04:00, ended 06:00: check-in closed at 08:00
    assert "签到时间（北京时间）：2025-06-02 03:00 至 08:00" in text
    assert "签到已结束。" in text and 'data-testid="self-checkin"' not in text


def test_a_refused_check_in_keeps_the_card_but_never_the_pin(app, activities):
    client = app.test_client()
    url = f"/activities/{activities['now']}/checkin"
    refused = client.post(url, data={"card": " jn00001 ", "pin": "999999"})
    assert refused.status_code == 302
    assert refused.headers["Location"] == f"{url}?card=JN00001"
    page = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "签到未成功：卡号或查询密码不正确" in page
    assert 'value="JN00001"' in page and "999999" not in page
    # not signed up: refused with the reason, the card still kept
    again = client.post(url, data={"card": "JN00001", "pin": "246810"})
    assert again.headers["Location"] == f"{url}?card=JN00001"
    assert "没有报名本活动" in client.get(again.headers["Location"]).get_data(as_text=True)


def test_a_check_in_that_succeeds_comes_back_to_a_clean_form(app, activities):
    with app.app_context(), get_store().write() as db:
        activity_id = signed_up_activity(
            db, card="JN00001", starts_at=MOMENT - timedelta(minutes=10),
            ends_at=MOMENT + timedelta(hours=1), signed_up_at=MOMENT - timedelta(days=1),
        )
    client = app.test_client()
    url = f"/activities/{activity_id}/checkin"
    done = client.post(url, data={"card": "JN00001", "pin": "246810"})
    assert done.headers["Location"] == url
    page = client.get(url).get_data(as_text=True)
    assert "签到成功" in page and 'value="JN00001"' not in page
