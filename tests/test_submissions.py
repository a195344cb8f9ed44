"""Counters move once per submission: a staff form's one-time token and an API call's
Idempotency-Key, claimed in the same transaction as the movement.

On the tiny community (support.grid_community): S-1 (grid JN-01) holds 10 umbrellas; steward1
is the 红色小管家 of JN-01. Here 5 bottles of 洗洁精 (20 points each) are received at S-1 and
the volunteer JN00001 has earned 100 points. Every expected figure below is that starting
state moved by hand: one redemption of one bottle is 100 − 20 = 80 points and 5 − 1 = 4 bottles.
"""

from __future__ import annotations

import json
import re
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text
from support.accounts import add_accounts, logged_in
from support.activities import signed_up_activity
from support.apps import make_grid_app
from support.counters import volunteer_with_points
from support.database import fresh_database_url

from geo_app.state.community import get_community
from geo_app.store import get_store
from geo_app.store.engine import make_engine
from geo_app.store.migrate import upgrade
from geo_app.store.models import AuditEntry, Household, Loan, Visit
from geo_app.store.sample import facts_from_layer, seed_people
from geo_app.store.stock import stock_levels
from geo_app.store.submissions import (
    AlreadyAnswered,
    AlreadySubmitted,
    KeyReused,
    Submission,
    SubmissionError,
    claim,
    record_answer,
)
from geo_app.volunteering.goods import goods_levels
from geo_app.volunteering.ledger import balance_of
from geo_app.volunteering.models import CheckIn, Redemption
from geo_app.volunteering.registry import get_volunteer

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 27, 14, 3, tzinfo=TZ)
KEEP = timedelta(days=2)
TOKEN_FIELD = re.compile(r'<input type="hidden" name="submission" value="([^"]+)">')
ALREADY_SENT = "这张表单已经提交过，没有重复记录"
STOCK_API = "/admin/api/stock"
REPLAYED = "Idempotent-Replayed"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app = make_grid_app(tmp_path_factory.mktemp("submissions"), CLOCK=lambda: NOW,
                        WTF_CSRF_ENABLED=False, LOGIN_RATE_LIMIT="1000 per minute",
                        LOGIN_RATE_LIMIT_PER_IP="1000 per minute")
    add_accounts(app)
    with app.app_context(), get_store().write() as db:
        volunteer_with_points(db, points=100, bottles=5)
        seed_people(db, facts_from_layer(get_community().buildings), actor="t")
    return app


@pytest.fixture(scope="module")
def admin(app):
    return logged_in(app, "admin")


@pytest.fixture(scope="module")
def steward(app):
    return logged_in(app, "steward1")


def _tokens(html: str) -> list[str]:
    return TOKEN_FIELD.findall(html)


def _form_token(client, page: str, action: str) -> str:
    """The one-time token of the form posting to ``action`` on ``page``."""
    html = client.get(page).get_data(as_text=True)
    form = re.search(rf'<form[^>]*action="{re.escape(action)}"[^>]*>(.*?)</form>', html, re.S)
    assert form is not None, action
    (token,) = _tokens(form.group(1))
    return token


def _umbrellas(app) -> int:
    with app.app_context(), get_store().read() as db:
        return stock_levels(db)["S-1"]["umbrella"]


def _points_and_bottles(app) -> tuple[int, int, int]:
    """(JN00001's balance, bottles at S-1, redemptions recorded)."""
    with app.app_context(), get_store().read() as db:
        return (balance_of(db, get_volunteer(db, "JN00001").id),
                goods_levels(db)["dish_soap"]["S-1"],
                db.scalar(select(func.count()).select_from(Redemption)))


# ---------------------------------------------------------------- the store's claim


def test_a_token_is_claimed_once_per_account(app):
    with app.app_context():
        store = get_store()
        with store.write() as db:
            claim(db, "tok-1", actor="admin", action="a", now=NOW, keep=KEEP)
        with pytest.raises(AlreadySubmitted, match="已处理过") as again, store.write() as db:
            claim(db, "tok-1", actor="admin", action="a", now=NOW + timedelta(seconds=3),
                  keep=KEEP)
        assert again.value.status == 409 and again.value.parameter == "submission"
        assert "2026-11-27 14:03:00" in str(again.value)  # when it was first sent, local time
        with store.write() as db:  # another account's key of the same text is its own
            claim(db, "tok-1", actor="steward1", action="a", now=NOW, keep=KEEP)
        with pytest.raises(AlreadySubmitted, match="另一项操作"), store.write() as db:
            claim(db, "tok-1", actor="admin", action="b", now=NOW, keep=KEEP,
                  parameter="Idempotency-Key")


@pytest.mark.parametrize("token", ["", "x" * 129, "has space", "换行\n", "中文"])
def test_a_malformed_token_is_refused_naming_the_parameter(app, token):
    with app.app_context(), pytest.raises(SubmissionError) as refused, get_store().write() as db:
        claim(db, token, actor="admin", action="a", now=NOW, keep=KEEP,
              parameter="Idempotency-Key")
    assert refused.value.parameter == "Idempotency-Key" and refused.value.status == 400


def test_claims_older_than_the_keep_period_are_purged_on_insert(app):
    with app.app_context():
        store = get_store()
        with store.write() as db:
            claim(db, "old", actor="purge", action="a", now=NOW - timedelta(days=3), keep=KEEP)
            claim(db, "recent", actor="purge", action="a", now=NOW - timedelta(days=1),
                  keep=KEEP)
        with store.write() as db:  # 3 days old: gone; 1 day old: kept
            claim(db, "new", actor="purge", action="a", now=NOW, keep=KEEP)
        with store.read() as db:
            kept = set(db.scalars(select(Submission.token).where(Submission.actor == "purge")))
    assert kept == {"recent", "new"}


# ---------------------------------------------------------------- forms


def test_every_counter_form_carries_its_own_fresh_token(app, admin, steward):
    pages = {
        "/organise/redeem": 2,  # 兑换, 入库/报损
        "/admin/stock": 1,
        "/organise/volunteers": 1,  # 登记志愿者
        "/organise/": 1,  # 发布活动
    }
    seen: list[str] = []
    for page, forms in pages.items():
        tokens = _tokens(admin.get(page).get_data(as_text=True))
        assert len(tokens) == forms, page
        seen += tokens
    seen += _tokens(steward.get("/admin/loans").get_data(as_text=True))  # 借出
    seen += _tokens(admin.get("/organise/redeem").get_data(as_text=True))  # a new page: new ones
    assert len(seen) == len(set(seen)) == 8
    assert all(len(t) >= 32 for t in seen)  # 24 random bytes, URL-safe


def test_a_redemption_form_sent_twice_redeems_once(app, steward):
    before = _points_and_bottles(app)
    token = _form_token(steward, "/organise/redeem", "/organise/redeem")
    form = {"submission": token, "station": "S-1", "card": "JN00001", "goods": "dish_soap",
            "quantity": "1"}
    first = steward.post("/organise/redeem", data=form)
    second = steward.post("/organise/redeem", data=form)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]  # the same page
    page = steward.get(second.headers["Location"]).get_data(as_text=True)
    assert ALREADY_SENT in page
    points, bottles, redemptions = _points_and_bottles(app)
    assert (points, bottles, redemptions) == (before[0] - 20, before[1] - 1, before[2] + 1)


def test_a_refused_submission_does_not_use_up_its_token(app, steward):
    before = _points_and_bottles(app)
    token = _form_token(steward, "/organise/redeem", "/organise/redeem")
    form = {"submission": token, "station": "S-1", "card": "JN00001", "goods": "dish_soap"}
    refused = steward.post("/organise/redeem", data={**form, "quantity": "21"},
                           follow_redirects=True)
    assert "未成功" in refused.get_data(as_text=True)
    assert _points_and_bottles(app) == before
    done = steward.post("/organise/redeem", data={**form, "quantity": "1"},
                        follow_redirects=True).get_data(as_text=True)
    assert "已兑换，扣 20 分" in done
    assert _points_and_bottles(app) == (before[0] - 20, before[1] - 1, before[2] + 1)


def test_a_form_without_a_token_still_works(app, admin):
    before = _umbrellas(app)
    form = {"station": "S-1", "item": "umbrella", "movement": "restocked", "quantity": "1"}
    for _ in range(2):  # an old page: not deduplicated, as before
        assert "已登记" in admin.post("/admin/stock", data=form,
                                      follow_redirects=True).get_data(as_text=True)
    assert _umbrellas(app) == before + 2


@pytest.mark.parametrize(
    ("page", "action", "form"),
    [
        ("/admin/stock", "/admin/stock",
         {"station": "S-1", "item": "umbrella", "movement": "restocked", "quantity": "2"}),
        ("/organise/redeem", "/organise/goods",
         {"station": "S-1", "goods": "dish_soap", "kind": "received", "quantity": "3"}),
    ],
)
def test_stock_and_goods_forms_sent_twice_move_once(app, admin, page, action, form):
    before_umbrellas = _umbrellas(app)
    before_bottles = _points_and_bottles(app)[1]
    token = _form_token(admin, page, action)
    answers = [admin.post(action, data={**form, "submission": token}) for _ in range(2)]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    assert ALREADY_SENT in admin.get(answers[1].headers["Location"]).get_data(as_text=True)
    if action == "/admin/stock":
        assert _umbrellas(app) == before_umbrellas + 2
    else:
        assert _points_and_bottles(app)[1] == before_bottles + 3


def test_a_loan_and_its_return_sent_twice_are_recorded_once(app, steward):
    before = _umbrellas(app)
    token = _form_token(steward, "/admin/loans", "/admin/loans")
    form = {"submission": token, "station": "S-1", "item": "umbrella",
            "borrower_name": "王阿姨", "borrower_phone": "13900000009"}
    for _ in range(2):
        assert steward.post("/admin/loans", data=form).status_code == 302
    with app.app_context(), get_store().read() as db:
        loans = list(db.scalars(select(Loan).where(Loan.borrower_phone == "13900000009")))
    assert len(loans) == 1 and _umbrellas(app) == before - 1
    loan_id = loans[0].id
    action = f"/admin/loans/{loan_id}/return"
    token = _form_token(steward, "/admin/loans", action)
    answers = [steward.post(action, data={"submission": token}) for _ in range(2)]
    assert ALREADY_SENT in steward.get(answers[1].headers["Location"]).get_data(as_text=True)
    assert _umbrellas(app) == before


def test_a_visit_sent_twice_is_recorded_once(app):
    member = logged_in(app, "member1")  # 楼栋党员 of FG-1
    with app.app_context(), get_store().read() as db:
        household = db.scalars(select(Household).where(Household.building_id == "FG-1")).first()
        assert household is not None
        household_id = household.id
    url = f"/grid/buildings/FG-1/households/{household_id}"
    token = _form_token(member, url, f"{url}/visits")
    form = {"submission": token, "visited_on": "2026-11-27", "kind": "入户走访", "note": "安好"}
    pages = [member.post(f"{url}/visits", data=form, follow_redirects=True) for _ in range(2)]
    assert "已登记走访" in pages[0].get_data(as_text=True)
    assert ALREADY_SENT in pages[1].get_data(as_text=True)
    with app.app_context(), get_store().read() as db:
        visits = db.scalar(select(func.count()).select_from(Visit)
                           .where(Visit.household_id == household_id))
    assert visits == 1


# ---------------------------------------------------------------- JSON: Idempotency-Key


def _audit_rows(app) -> int:
    with app.app_context(), get_store().read() as db:
        return db.scalar(select(func.count()).select_from(AuditEntry))


def _loans_of(app, phone: str) -> int:
    with app.app_context(), get_store().read() as db:
        return db.scalar(select(func.count()).select_from(Loan).where(Loan.borrower_phone == phone))


def test_an_api_call_repeated_with_its_key_gets_its_first_answer_again(app, admin):
    before, audited = _umbrellas(app), _audit_rows(app)
    body = {"station": "S-1", "item": "umbrella", "movement": "restocked", "quantity": 3}
    # the draft writes the key as a quoted string; the same key unquoted is the same key
    first = admin.post(STOCK_API, json=body, headers={"Idempotency-Key": '"5b3c9a70-stock"'})
    assert first.status_code == 200 and REPLAYED not in first.headers
    assert first.json == {"station": "S-1", "item": "umbrella", "before": before,
                          "after": before + 3}
    again = admin.post(STOCK_API, json=body, headers={"Idempotency-Key": "5b3c9a70-stock"})
    assert again.status_code == 200 and again.headers[REPLAYED] == "true"
    assert again.get_data() == first.get_data()  # byte for byte, "before" included
    assert again.content_type == first.content_type == "application/json"
    assert _umbrellas(app) == before + 3 and _audit_rows(app) == audited + 1  # moved once
    other = admin.post(STOCK_API, json=body, headers={"Idempotency-Key": "another"})
    assert other.status_code == 200 and REPLAYED not in other.headers
    assert other.json["after"] == before + 6 and _umbrellas(app) == before + 6


def test_the_key_sent_with_another_request_is_a_422_and_changes_nothing(app, admin):
    key = {"Idempotency-Key": "k-422"}
    body = {"station": "S-1", "item": "umbrella", "movement": "restocked", "quantity": 1}
    assert admin.post(STOCK_API, json=body, headers=key).status_code == 200
    before, audited = _umbrellas(app), _audit_rows(app)
    loan = {"station": "S-1", "item": "umbrella", "borrower_name": "周师傅",
            "borrower_phone": "13900000422"}
    refused = [
        admin.post(STOCK_API, json={**body, "quantity": 2}, headers=key),  # another body
        admin.post(STOCK_API, data=json.dumps(body, indent=1),  # the same JSON, other bytes
                   content_type="application/json", headers=key),
        admin.post("/admin/api/loans", json=loan, headers=key),  # another path
    ]
    for answer in refused:
        assert answer.status_code == 422, answer.json
        assert set(answer.json) == {"error", "parameter"}
        assert answer.json["parameter"] == "Idempotency-Key"
        assert "k-422" in answer.json["error"] and "另一个请求" in answer.json["error"]
        assert REPLAYED not in answer.headers
    assert _umbrellas(app) == before and _audit_rows(app) == audited
    assert _loans_of(app, "13900000422") == 0


def test_a_refused_first_call_uses_up_nothing_and_its_corrected_retry_succeeds(app, steward):
    key = {"Idempotency-Key": "redeem-fixed"}
    body = {"card": "JN00001", "station": "S-1", "goods": "dish_soap"}
    before, audited = _points_and_bottles(app), _audit_rows(app)
    # 20 bottles (the most one redemption may take) cost 400 points: more than JN00001 has
    # (100 at most) and than S-1 holds (5 at most)
    refused = steward.post("/api/redemptions", json={**body, "quantity": 20}, headers=key)
    assert refused.status_code == 409 and refused.json["parameter"] != "Idempotency-Key"
    assert _points_and_bottles(app) == before and _audit_rows(app) == audited
    done = steward.post("/api/redemptions", json={**body, "quantity": 1}, headers=key)
    assert done.status_code == 201 and REPLAYED not in done.headers
    assert (done.json["points"], done.json["balance_after"]) == (20, before[0] - 20)
    again = steward.post("/api/redemptions", json={**body, "quantity": 1}, headers=key)
    assert again.status_code == 201 and again.headers[REPLAYED] == "true"
    assert again.get_data() == done.get_data()
    assert _points_and_bottles(app) == (before[0] - 20, before[1] - 1, before[2] + 1)
    # the refused request is now another request than the one the key answered
    assert steward.post("/api/redemptions", json={**body, "quantity": 20},
                        headers=key).status_code == 422
    # a 404 stores nothing either: the key is then free for a request on another path
    missing = steward.post("/admin/api/loans/999999/return", headers={"Idempotency-Key": "k-404"})
    assert missing.status_code == 404
    loan = {"station": "S-1", "item": "umbrella", "borrower_name": "吴阿姨",
            "borrower_phone": "13900000404"}
    lent = steward.post("/admin/api/loans", json=loan, headers={"Idempotency-Key": "k-404"})
    assert lent.status_code == 201 and _loans_of(app, "13900000404") == 1


def test_loan_and_return_apis_replay_their_answers(app, steward):
    before = _umbrellas(app)
    loan = {"station": "S-1", "item": "umbrella", "borrower_name": "李师傅",
            "borrower_phone": "13900000010"}
    key = {"Idempotency-Key": "loan-7f1e"}
    lent = [steward.post("/admin/api/loans", json=loan, headers=key) for _ in range(2)]
    assert [a.status_code for a in lent] == [201, 201]
    assert lent[1].get_data() == lent[0].get_data() and lent[1].headers[REPLAYED] == "true"
    assert lent[0].json["stock_after"] == before - 1
    assert _loans_of(app, "13900000010") == 1 and _umbrellas(app) == before - 1
    url = f"/admin/api/loans/{lent[0].json['id']}/return"
    key = {"Idempotency-Key": "return-7f1e"}
    audited = _audit_rows(app)
    returned = [steward.post(url, headers=key) for _ in range(2)]
    # one return is audited twice: the stock's count (stock.returned) and the loan (loan.return)
    # the retry is answered 200 as the return was, not 409 "already returned"
    assert [a.status_code for a in returned] == [200, 200]
    assert returned[0].json == {"id": lent[0].json["id"], "stock_after": before}
    assert returned[1].get_data() == returned[0].get_data()
    assert _umbrellas(app) == before and _audit_rows(app) == audited + 2
    # without the key, a second return is the domain's own refusal
    assert steward.post(url).status_code == 409


def test_a_check_in_replays_its_201_while_a_new_scan_is_the_200_repeat(app, steward):
    with app.app_context(), get_store().write() as db:
        activity_id = signed_up_activity(
            db, card="JN00001", starts_at=NOW - timedelta(minutes=10),
            ends_at=NOW + timedelta(hours=1), signed_up_at=NOW - timedelta(days=1),
        )
    url = f"/api/activities/{activity_id}/checkins"
    key = {"Idempotency-Key": "scan-1"}
    first = steward.post(url, json={"card": "JN00001"}, headers=key)
    assert first.status_code == 201 and first.json["repeat"] is False
    again = steward.post(url, json={"card": "JN00001"}, headers=key)
    assert again.status_code == 201 and again.headers[REPLAYED] == "true"
    assert again.get_data() == first.get_data()
    scanned = steward.post(url, json={"card": "JN00001"}, headers={"Idempotency-Key": "scan-2"})
    assert scanned.status_code == 200 and scanned.json["repeat"] is True
    with app.app_context(), get_store().read() as db:
        assert db.scalar(select(func.count()).select_from(CheckIn)
                         .where(CheckIn.activity_id == activity_id)) == 1


def test_a_form_posted_with_the_header_keeps_its_flash(app, admin):
    """The replay is for API calls: a form view sent a key twice still flashes ALREADY_SENT."""
    before = _umbrellas(app)
    form = {"station": "S-1", "item": "umbrella", "movement": "restocked", "quantity": "1"}
    key = {"Idempotency-Key": "form-with-header"}
    answers = [admin.post("/admin/stock", data=form, headers=key) for _ in range(2)]
    assert [a.status_code for a in answers] == [302, 302] and REPLAYED not in answers[1].headers
    assert ALREADY_SENT in admin.get(answers[1].headers["Location"]).get_data(as_text=True)
    assert _umbrellas(app) == before + 1


def test_a_malformed_key_is_a_400_naming_the_header(app, admin):
    body = {"station": "S-1", "item": "umbrella", "movement": "restocked", "quantity": 1}
    before = _umbrellas(app)
    answer = admin.post(STOCK_API, json=body, headers={"Idempotency-Key": "k" * 200})
    assert answer.status_code == 400 and answer.json["parameter"] == "Idempotency-Key"
    assert _umbrellas(app) == before


def test_the_openapi_document_describes_the_header(app):
    document = app.test_client().get("/api/openapi.json").get_json()
    for path in ("/admin/api/stock", "/admin/api/loans", "/admin/api/loans/{loan_id}/return",
                 "/api/redemptions", "/api/activities/{activity_id}/checkins"):
        operation = document["paths"][path]["post"]
        headers = {p["name"]: p for p in operation["parameters"] if p["in"] == "header"}
        assert headers["Idempotency-Key"]["required"] is False, path
        text = headers["Idempotency-Key"]["description"]
        assert "Idempotent-Replayed: true" in text and "422" in text, path
        assert "409" in operation["responses"], path
        reused = operation["responses"]["422"]["$ref"].rsplit("/", 1)[1]
        assert "Idempotency-Key" in document["components"]["responses"][reused]["description"]


# ---------------------------------------------------------------- the store's answers


def test_a_claim_answered_is_replayed_and_another_fingerprint_refused(app):
    first, other = "a" * 64, "b" * 64
    with app.app_context():
        store = get_store()
        with store.write() as db:
            claim(db, "ans-1", actor="admin", action="a", now=NOW, keep=KEEP,
                  parameter="Idempotency-Key", fingerprint=first)
            record_answer(db, "ans-1", actor="admin", status=201, body='{"id": 7}\n')
            claim(db, "ans-2", actor="admin", action="a", now=NOW, keep=KEEP,
                  parameter="Idempotency-Key", fingerprint=first)  # claimed, not answered
        with pytest.raises(AlreadyAnswered) as again, store.write() as db:
            claim(db, "ans-1", actor="admin", action="a", now=NOW, keep=KEEP,
                  parameter="Idempotency-Key", fingerprint=first)
        assert (again.value.answer_status, again.value.answer_body) == (201, '{"id": 7}\n')
        assert again.value.status == 409  # unreplayed, still the repeat's conflict
        with pytest.raises(KeyReused, match="另一个请求") as reused, store.write() as db:
            claim(db, "ans-1", actor="admin", action="a", now=NOW, keep=KEEP,
                  parameter="Idempotency-Key", fingerprint=other)
        assert reused.value.status == 422 and reused.value.parameter == "Idempotency-Key"
        with pytest.raises(AlreadySubmitted) as unanswered, store.write() as db:
            claim(db, "ans-2", actor="admin", action="a", now=NOW, keep=KEEP,
                  parameter="Idempotency-Key", fingerprint=first)
        assert not isinstance(unanswered.value, AlreadyAnswered)
        with pytest.raises(AlreadySubmitted) as form, store.write() as db:
            claim(db, "ans-1", actor="admin", action="a", now=NOW, keep=KEEP)  # a form's
        assert not isinstance(form.value, AlreadyAnswered | KeyReused)
        with pytest.raises(RuntimeError, match="未在本事务中登记"), store.write() as db:
            record_answer(db, "never-claimed", actor="admin", status=200, body="{}")


def test_migration_0007_keeps_the_claims_made_before_it(tmp_path):
    engine = make_engine(fresh_database_url(tmp_path))
    try:
        upgrade(engine, revision="0006")
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO submissions (actor, token, action, created_at) "
                     "VALUES ('admin', 'old-form', 'admin.move', :at)"), {"at": NOW})
        upgrade(engine, revision="0007")
        with engine.connect() as connection:
            row = connection.execute(text(
                "SELECT action, fingerprint, answer_status, answer_body FROM submissions"
            )).one()
    finally:
        engine.dispose()
    assert tuple(row) == ("admin.move", None, None, None)


# ---------------------------------------------------------------- at the same moment


@pytest.mark.parametrize("how", ["form", "api"])
def test_simultaneous_posts_of_one_token_record_one_movement(app, how):
    """Eight clients of the admin send the same token at once (a phone retrying while the first
    request is still in the database): exactly one movement and one audit entry; a form shows
    one success and seven ALREADY_SENT, an API call gets the first answer eight times, seven of
    them marked replayed — never a 500."""
    clients = [logged_in(app, "admin") for _ in range(8)]
    token = f"race-{how}-0001"
    body = {"station": "S-1", "item": "umbrella", "movement": "restocked", "quantity": "1"}
    before, audited = _umbrellas(app), _audit_rows(app)
    start = threading.Barrier(len(clients))
    answers: list[tuple[int, bytes, bool]] = []
    errors: list[BaseException] = []

    def send(client) -> None:
        try:
            start.wait()
            if how == "form":
                answer = client.post("/admin/stock", data={**body, "submission": token})
                page = client.get(answer.headers["Location"]).get_data(as_text=True)
                status = 200 if "已登记：" in page else 409 if ALREADY_SENT in page else 0
                answers.append((status, b"", False))
            else:
                answer = client.post(STOCK_API, json={**body, "quantity": 1},
                                     headers={"Idempotency-Key": token})
                answers.append((answer.status_code, answer.get_data(),
                                answer.headers.get(REPLAYED) == "true"))
        except BaseException as exc:  # a failure in a thread must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    if how == "form":
        assert sorted(status for status, _, _ in answers) == [200] + [409] * 7
    else:
        assert [status for status, _, _ in answers] == [200] * 8
        assert sorted(replayed for _, _, replayed in answers) == [False] + [True] * 7
        expected = {"station": "S-1", "item": "umbrella", "before": before, "after": before + 1}
        assert {json.loads(data) == expected for _, data, _ in answers} == {True}
        assert len({data for _, data, _ in answers}) == 1  # byte-identical
    assert _umbrellas(app) == before + 1
    assert _audit_rows(app) == audited + 1
