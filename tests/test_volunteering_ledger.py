"""微积分 and 微活动 in the store: sign-up with a waitlist, idempotent scans, hours to points
with caps, a ledger that never goes negative, reversals, goods, and reconciliation.

Every expected figure is worked out by hand in the comment beside it. The concurrency tests run
on SQLite and, in ``make test-postgres``, on PostgreSQL as well.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text, update
from support.database import fresh_database_url

from geo_app.store.engine import Store
from geo_app.store.migrate import upgrade
from geo_app.volunteering.activities import (
    Place,
    ScanRefused,
    cancel_sign_up,
    check_in,
    confirm_hours,
    create_activity,
    sign_up,
)
from geo_app.volunteering.errors import ConflictError, VolunteeringError
from geo_app.volunteering.goods import add_goods, move_goods, redeem
from geo_app.volunteering.ledger import balance_of, post_entry, reverse_entry
from geo_app.volunteering.models import PointsBalance, ServiceHours, SignUp, Volunteer
from geo_app.volunteering.reconcile import reconcile
from geo_app.volunteering.registry import get_volunteer, register_volunteer

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 12, 6, 9, 0, tzinfo=TZ)
BEFORE = START - timedelta(days=1)
DURING = START + timedelta(minutes=10)
STATIONS = ("PS-01", "PS-02")
SQUARE = Place("square", None, "风格城市广场议事角", 117.2546, 31.9638)

@pytest.fixture
def store(tmp_path):
    """A migrated, empty store: an SQLite file, or (``GEO_APP_TEST_DATABASE_URL`` set) a fresh
    schema of the test PostgreSQL database."""
    store = Store(fresh_database_url(tmp_path))
    upgrade(store.engine)
    yield store
    store.dispose()


def _volunteers(store: Store, n: int) -> list[str]:
    with store.write() as db:
        return [
            register_volunteer(
                db, name=f"志愿者{i}", phone=f"139{i:08d}", building_id=None,
                known_buildings=(), actor="test",
            ).card
            for i in range(n)
        ]


def _activity(store: Store, *, capacity: int = 2, per_hour: int = 10, per_attendance: int = 5,
              starts: datetime = START, hours: int = 2) -> int:
    with store.write() as db:
        return create_activity(
            db, title="急救科普", kind="talk", topic="急救科普", place=SQUARE, starts_at=starts,
            ends_at=starts + timedelta(hours=hours), capacity=capacity, points_per_hour=per_hour,
            points_per_attendance=per_attendance, audience=[], organiser="org",
        ).id


def _sign_up(store: Store, activity_id: int, card: str, now: datetime = BEFORE):
    with store.write() as db:
        return sign_up(db, activity_id, get_volunteer(db, card), actor="test", now=now)


def _check_in(store: Store, activity_id: int, card: str, now: datetime = DURING):
    with store.write() as db:
        return check_in(db, activity_id, card, method="card", actor="org", now=now)


def _earn(store: Store, card: str, points: int) -> None:
    with store.write() as db:
        post_entry(db, get_volunteer(db, card), kind="earn", points=points, actor="test",
                   reason="测试", ref="test")


def _balance(store: Store, card: str) -> int:
    with store.read() as db:
        return balance_of(db, get_volunteer(db, card).id)


# ---------------------------------------------------------------- sign-up and waitlist


def test_capacity_then_waitlist_and_first_come_promotion(store):
    a, b, c, d = _volunteers(store, 4)
    activity = _activity(store, capacity=2)
    assert _sign_up(store, activity, a).status == "confirmed"
    assert _sign_up(store, activity, b).status == "confirmed"
    third = _sign_up(store, activity, c)
    fourth = _sign_up(store, activity, d)
    assert (third.status, third.position) == ("waitlisted", 1)
    assert (fourth.status, fourth.position) == ("waitlisted", 2)
    repeat = _sign_up(store, activity, a)
    assert repeat.repeat and repeat.status == "confirmed"
    with store.write() as db:  # a leaves: c (first on the waitlist) gets the place, not d
        promoted = cancel_sign_up(db, activity, get_volunteer(db, a), actor="test", now=BEFORE)
    assert promoted is not None and promoted.card == c
    with store.read() as db:
        states = {s.volunteer.card: s.status for s in db.query(SignUp).all()}
        from geo_app.volunteering.models import Activity

        confirmed = db.get(Activity, activity).confirmed
    assert states == {a: "cancelled", b: "confirmed", c: "confirmed", d: "waitlisted"}
    assert confirmed == 2
    with store.write() as db:  # b leaves too: d promoted; still 2 confirmed
        cancel_sign_up(db, activity, get_volunteer(db, b), actor="test", now=BEFORE)
    with store.write() as db:  # c leaves: nobody waiting, confirmed drops to 1
        assert cancel_sign_up(db, activity, get_volunteer(db, c), actor="test", now=BEFORE) is None
    with store.read() as db:
        assert db.get(Activity, activity).confirmed == 1


def test_signing_up_after_the_start_is_refused(store):
    (a,) = _volunteers(store, 1)
    activity = _activity(store)
    with pytest.raises(ConflictError, match="已开始"):
        _sign_up(store, activity, a, now=START + timedelta(minutes=1))


def test_cancelling_once_the_activity_has_started_is_refused(store):
    from geo_app.volunteering.models import Activity

    a, b, c = _volunteers(store, 3)
    activity = _activity(store, capacity=3)
    for card in (a, b, c):
        _sign_up(store, activity, card)
    # at the start, and after the end: the confirmed count is what took place
    for moment in (START, START + timedelta(hours=3)):
        with pytest.raises(ConflictError, match="已开始，不能再取消报名") as refused, \
                store.write() as db:
            cancel_sign_up(db, activity, get_volunteer(db, a), actor="test", now=moment)
        assert refused.value.parameter == "activity"
    with store.write() as db:  # a minute before the start a place may still be given back
        cancel_sign_up(db, activity, get_volunteer(db, b), actor="test",
                       now=START - timedelta(minutes=1))
    # checked in early (check-in opens an hour before): held, so no cancelling either
    _check_in(store, activity, a, now=START - timedelta(minutes=30))
    with pytest.raises(ConflictError, match="已举办，不能再取消报名"), store.write() as db:
        cancel_sign_up(db, activity, get_volunteer(db, c), actor="test",
                       now=START - timedelta(minutes=20))
    with store.read() as db:
        assert db.get(Activity, activity).confirmed == 2  # 3 signed up, b left before the start


def test_concurrent_sign_ups_never_exceed_capacity(store):
    cards = _volunteers(store, 30)
    activity = _activity(store, capacity=7)
    barrier = threading.Barrier(10)
    errors: list[BaseException] = []

    def worker(chunk: list[str]) -> None:
        barrier.wait()
        for card in chunk:
            try:
                _sign_up(store, activity, card)
            except BaseException as exc:
                errors.append(exc)

    threads = [threading.Thread(target=worker, args=(cards[i::10],)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with store.read() as db:
        from geo_app.volunteering.models import Activity

        statuses = [s.status for s in db.query(SignUp).all()]
        assert db.get(Activity, activity).confirmed == 7
    assert statuses.count("confirmed") == 7 and statuses.count("waitlisted") == 23


# ---------------------------------------------------------------- check-in


def test_a_scan_is_idempotent_and_failed_scans_say_why(store):
    a, b, c = _volunteers(store, 3)
    activity = _activity(store, capacity=1)
    _sign_up(store, activity, a)
    _sign_up(store, activity, b)  # waitlisted
    first = _check_in(store, activity, a.lower() + " ")  # typed in lower case with a space
    again = _check_in(store, activity, a)
    assert (first.repeat, again.repeat) == (False, True)
    with store.read() as db:
        assert db.execute(text("SELECT count(*) FROM checkins")).scalar_one() == 1
    reasons = {
        "JN99999": "不存在",
        "  ": "没有读到卡号",  # the scanner sent nothing
        b: "候补",
        c: "没有报名",
    }
    for card, reason in reasons.items():
        with pytest.raises(ScanRefused, match=reason):
            _check_in(store, activity, card)
    with pytest.raises(ScanRefused, match="还没到签到时间"):
        _check_in(store, activity, a, now=START - timedelta(hours=2))
    with pytest.raises(ScanRefused, match="签到已结束"):
        _check_in(store, activity, a, now=START + timedelta(hours=5))


def test_concurrent_check_ins_count_each_volunteer_once(store):
    cards = _volunteers(store, 50)
    activity = _activity(store, capacity=50)
    for card in cards:
        _sign_up(store, activity, card)
    barrier = threading.Barrier(10)
    outcomes: list[bool] = []

    def worker(chunk: list[str]) -> None:
        barrier.wait()
        for card in chunk:  # every card scanned twice: 100 scans
            outcomes.append(_check_in(store, activity, card).repeat)

    threads = [threading.Thread(target=worker, args=((cards * 2)[i::10],)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 100 and outcomes.count(False) == 50
    with store.read() as db:
        assert db.execute(text("SELECT count(*) FROM checkins")).scalar_one() == 50
        assert reconcile(db) == []


# ---------------------------------------------------------------- hours to points


def _confirm(store, activity, minutes, *, cap_activity=50, cap_day=100):
    with store.write() as db:
        return confirm_hours(db, activity, minutes, actor="org", cap_per_activity=cap_activity,
                             cap_per_day=cap_day, timezone=TZ)


def test_hours_credit_points_by_the_rates_within_the_caps(store):
    a, b, c = _volunteers(store, 3)
    morning = _activity(store, capacity=5, per_hour=10, per_attendance=5)
    for card in (a, b, c):
        _sign_up(store, morning, card)
    for card in (a, b):
        _check_in(store, morning, card)
    # a: 5 + 10 × 150 // 60 = 5 + 25 = 30; b: 5 + 10 × 600 // 60 = 105 → activity cap 50.
    assert _confirm(store, morning, {a: 150, b: 600}) == {a: 30, b: 50}
    with pytest.raises(ConflictError, match="没有签到"):
        _confirm(store, morning, {c: 60})
    with pytest.raises(ConflictError, match="已确认过"):
        _confirm(store, morning, {a: 60})
    with pytest.raises(VolunteeringError, match="服务时长"):
        _confirm(store, morning, {b: "2.5"})
    # The same day, another activity: b has 50 of the day's 100; 5 + 10 × 480 // 60 = 85 → 50.
    afternoon = _activity(store, capacity=5, starts=START + timedelta(hours=5))
    _sign_up(store, afternoon, b)
    _check_in(store, afternoon, b, now=START + timedelta(hours=5, minutes=5))
    assert _confirm(store, afternoon, {b: 480}) == {b: 50}
    # Next day the day cap starts afresh: 5 + 10 × 60 // 60 = 15.
    tomorrow = _activity(store, capacity=5, starts=START + timedelta(days=1))
    _sign_up(store, tomorrow, b)
    _check_in(store, tomorrow, b, now=START + timedelta(days=1, minutes=5))
    assert _confirm(store, tomorrow, {b: 60}) == {b: 15}
    assert (_balance(store, a), _balance(store, b)) == (30, 115)
    with store.read() as db:
        minutes = db.execute(text("SELECT sum(minutes) FROM service_hours")).scalar_one()
    assert minutes == 150 + 600 + 480 + 60  # hours recorded in full whatever the caps


# ---------------------------------------------------------------- ledger, goods, redemption


def _catalogue(store: Store) -> None:
    with store.write() as db:
        add_goods(db, goods_id="dish_soap", name="洗洁精", unit="瓶", points=20, actor="t")
        add_goods(db, goods_id="tissue", name="纸巾", unit="包", points=10, actor="t")
        move_goods(db, "PS-01", "dish_soap", kind="received", quantity=5, actor="t",
                   known_stations=STATIONS)


def _redeem(store: Store, card: str, goods: str = "dish_soap", quantity: int = 1,
            station: str = "PS-01"):
    with store.write() as db:
        return redeem(db, card=card, station_id=station, goods_id=goods, quantity=quantity,
                      actor="counter", known_stations=STATIONS)


def test_a_redemption_debits_points_and_goods_together(store):
    (a,) = _volunteers(store, 1)
    _catalogue(store)
    _earn(store, a, 50)
    done = _redeem(store, a, quantity=2)  # 2 × 20 = 40 points; 5 − 2 = 3 bottles
    assert (done.points, done.balance_after, done.stock_after) == (40, 10, 3)
    with pytest.raises(ConflictError, match="积分不足"):  # 10 left, a bottle costs 20
        _redeem(store, a)
    with pytest.raises(ConflictError, match="库存不足"):  # PS-02 has none
        _earn(store, a, 100)
        _redeem(store, a, station="PS-02")
    assert _balance(store, a) == 110
    with store.read() as db:  # the refused ones left nothing behind
        assert db.execute(text("SELECT count(*) FROM redemptions")).scalar_one() == 1
        assert db.execute(text("SELECT count(*) FROM goods_movements")).scalar_one() == 2
        assert reconcile(db) == []
    with store.read() as db:  # redeeming never reduces recorded service hours
        assert db.query(ServiceHours).count() == 0


@pytest.mark.parametrize(
    ("quantity", "message"),
    [(0, "1–20"), (21, "1–20"), (True, "正整数"), ("2.7", "正整数"), ("1e30", "正整数")],
)
def test_redemption_quantities_are_bounded_integers(store, quantity, message):
    (a,) = _volunteers(store, 1)
    _catalogue(store)
    _earn(store, a, 100)
    with pytest.raises(VolunteeringError, match=message):
        _redeem(store, a, quantity=quantity)


def test_two_simultaneous_redemptions_of_a_balance_that_covers_one_succeed_once(store):
    cards = _volunteers(store, 1)
    _catalogue(store)
    _earn(store, cards[0], 25)  # covers one bottle (20), not two
    with store.write() as db:
        move_goods(db, "PS-01", "dish_soap", kind="received", quantity=100, actor="t",
                   known_stations=STATIONS)
    barrier = threading.Barrier(50)
    results: list[str] = []

    def worker() -> None:
        barrier.wait()
        try:
            _redeem(store, cards[0])
            results.append("ok")
        except ConflictError:
            results.append("refused")

    threads = [threading.Thread(target=worker) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 1 and results.count("refused") == 49
    assert _balance(store, cards[0]) == 5
    with store.read() as db:
        stock = db.execute(text("SELECT count FROM goods_stock WHERE goods_id='dish_soap'"))
        assert stock.scalar_one() == 5 + 100 - 1
        assert reconcile(db) == []


def test_fifty_concurrent_redemptions_on_one_station_stay_exact(store):
    cards = _volunteers(store, 50)
    _catalogue(store)  # 5 bottles at PS-01
    for card in cards:
        _earn(store, card, 20)
    barrier = threading.Barrier(50)
    results: list[str] = []

    def worker(card: str) -> None:
        barrier.wait()
        try:
            _redeem(store, card)
            results.append("ok")
        except ConflictError:
            results.append("refused")

    threads = [threading.Thread(target=worker, args=(card,)) for card in cards]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 5 and results.count("refused") == 45
    with store.read() as db:
        assert sum(balance_of(db, v.id) for v in db.query(Volunteer).all()) == 45 * 20
        assert db.execute(text("SELECT count FROM goods_stock")).scalar_one() == 0
        assert reconcile(db) == []


def test_reversals_correct_once_and_never_overdraw(store):
    (a,) = _volunteers(store, 1)
    _earn(store, a, 30)
    with store.read() as db:
        entry_id = db.execute(text("SELECT id FROM points_entries")).scalar_one()
    with store.write() as db:
        reversal = reverse_entry(db, entry_id, actor="admin", reason="重复计分")
    assert (reversal.points, reversal.balance_after) == (-30, 0)
    with pytest.raises(ConflictError, match="已于记录"), store.write() as db:
        reverse_entry(db, entry_id, actor="admin", reason="再来一次")
    _catalogue(store)
    _earn(store, a, 20)
    _redeem(store, a)  # spends the 20
    with store.read() as db:
        earn_id = db.execute(
            text("SELECT max(id) FROM points_entries WHERE kind = 'earn'")
        ).scalar_one()
    # reversing points already spent would overdraw
    with pytest.raises(ConflictError, match="积分不足"), store.write() as db:
        reverse_entry(db, earn_id, actor="admin", reason="误计")
    assert _balance(store, a) == 0


def test_the_ledger_is_append_only(store):
    (a,) = _volunteers(store, 1)
    _earn(store, a, 10)
    for statement in ("UPDATE points_entries SET points = 1000", "DELETE FROM points_entries"):
        with pytest.raises(Exception, match="append-only"), store.write() as db:
            db.execute(text(statement))
    assert _balance(store, a) == 10


def test_reconciliation_catches_a_hand_corrupted_balance_and_stock(store):
    (a,) = _volunteers(store, 1)
    _catalogue(store)
    _earn(store, a, 40)
    with store.read() as db:
        assert reconcile(db) == []
    with store.write() as db:
        db.execute(update(PointsBalance).values(balance=1000))
        db.execute(text("UPDATE goods_stock SET count = 99 WHERE goods_id = 'dish_soap'"))
    with store.read() as db:
        problems = reconcile(db)
    assert len(problems) == 2  # the balance and the stock (the entries themselves agree)
    assert f"志愿者 {a}：余额 1000 分，但积分记录合计 40 分（差 +960）" in problems
    assert "站点 PS-01 的 洗洁精（dish_soap）：库存 99，但出入库记录合计 5（差 +94）" in problems
