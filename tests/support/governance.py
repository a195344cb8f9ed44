"""Helpers of the 微协商 tests: the tiny two-grid community (see test_grid_community) with
accounts, points inside it worked out by hand, and views made straight in the store.

Grid JN-01 is the square lon 117.260–117.262, lat 31.960–31.962; JN-02 lies east of it
(117.262–117.264); they share the border lon = 117.262. Buildings are 0.0003° squares at lat
31.9605–31.9608: FG-1 from lon 117.2603, FG-2 117.2608, FG-3 117.2613 (JN-01), HY-1 117.2623,
HY-2 117.2628 (JN-02). One street runs east–west along lat 31.961.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from geo_app.governance.views import Step, Submission, create_view, transition
from geo_app.store import get_store
from geo_app.web.governance_support import categories, text_limits
from support.accounts import add_accounts, logged_in
from support.apps import make_grid_app
from support.grid_community import LAT, LON

TZ = ZoneInfo("Asia/Shanghai")
MOMENT = datetime(2025, 6, 2, 10, 0, tzinfo=TZ)
IN_JN01 = (LON + 0.001, LAT + 0.0015)  # inside JN-01, far from every building
IN_JN02 = (LON + 0.003, LAT + 0.0015)
IN_FG1 = (LON + 0.00045, LAT + 0.00065)  # inside building FG-1
ON_BORDER = (LON + 0.002, LAT + 0.0015)  # on the JN-01 / JN-02 border
OUTSIDE = (LON + 0.01, LAT + 0.01)
CONTACT_NAME = "测试联系人甲"
CONTACT_PHONE = "13912345678"


class Admin:
    """The actor of set-up steps (acts as the admin)."""

    username = "setup"
    role = "admin"
    grid_id = None
    building_ids = frozenset()


def governance_app(tmp_path, **config: object):
    """The tiny community with every test account, CSRF off, the clock pinned and budgets high
    (the tests of the limits set their own)."""
    config = {"VIEW_RATE_LIMIT": "1000 per minute", "VIEW_DEVICE_DAILY_BUDGET": 1000,
              "VIEW_PHOTO_DIR": str(tmp_path / "photos"),
              "LOGIN_RATE_LIMIT": "1000 per minute", "LOGIN_RATE_LIMIT_PER_IP": "1000 per minute",
              **config}
    app = make_grid_app(tmp_path, WTF_CSRF_ENABLED=False, **config)
    app.config.setdefault("CLOCK", lambda: MOMENT)
    add_accounts(app)
    return app


def make_view(
    app,
    *,
    grid_id: str = "JN-01",
    point: tuple[float, float] = IN_JN01,
    category: str = "environment",
    text: str = "楼下垃圾很多没人清理",
    building_id: str | None = None,
    steps: tuple[Step, ...] = (),
    at: datetime = MOMENT,
    name: str | None = CONTACT_NAME,
    phone: str | None = CONTACT_PHONE,
) -> tuple[int, str]:
    """A view made in the store and taken through ``steps``; (id, code)."""
    with app.app_context(), get_store().write() as db:
        view = create_view(
            db,
            Submission(lon=point[0], lat=point[1], category=category, text=text,
                       grid_id=grid_id, building_id=building_id, name=name, phone=phone),
            categories=categories(), limits=text_limits(), at=at,
        )
        for step in steps:
            transition(db, view.id, step, caller=Admin(), known_grids={"JN-01", "JN-02"}, at=at)
        return view.id, view.code


def decided_item(app, *, owner: str = "供电所", budget_source: str = "共建单位") -> int:
    """An item 增设充电桩 decided by leader1 at a meeting on one 停车充电 view of JN-01,
    through the JSON API; its id."""
    view_id, _ = make_view(app, point=IN_JN01, category="parking_charging")
    leader = logged_in(app, "leader1")
    meeting = leader.post("/api/meetings", json={
        "kind": "meeting", "held_at": "2025-05-30T19:30", "topic": "充电难议事",
        "place_name": "金大姐聊天室", "lon": IN_JN01[0], "lat": IN_JN01[1],
        "attendees": ["张书记"], "minutes": "同意增设充电桩", "view_ids": [view_id],
    })
    assert meeting.status_code == 201, meeting.get_json()
    item = leader.post(f"/api/meetings/{meeting.get_json()['id']}/decisions", json={
        "title": "增设充电桩", "category": "parking_charging", "owner": owner,
        "budget_source": budget_source, "lon": IN_JN01[0], "lat": IN_JN01[1],
    })
    assert item.status_code == 201, item.get_json()
    return item.get_json()["id"]
