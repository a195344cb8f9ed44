"""Wrong PINs, not PIN entries, are limited: per card and per client address.

A resident checking their points (``/me``) every few minutes must never be locked out; an
attacker who knows their own card's PIN must not wipe the failures of their guesses at other
cards by signing in between. Limits here: 3 wrong PINs a minute per card
(``LOGIN_RATE_LIMIT``), 5 per client address (``LOGIN_RATE_LIMIT_PER_IP``).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from support.activities import signed_up_activity
from support.governance import MOMENT, governance_app

from geo_app.store import get_store
from geo_app.volunteering.registry import register_volunteer

PINS = {"JN00001": "246810", "JN00002": "135790", "JN00003": "111111", "JN00004": "222222"}
WRONG = "000000"


@pytest.fixture
def app(tmp_path):
    app = governance_app(tmp_path, LOGIN_RATE_LIMIT="3 per minute",
                         LOGIN_RATE_LIMIT_PER_IP="5 per minute")
    with app.app_context(), get_store().write() as db:
        for number, pin in enumerate(PINS.values(), start=1):
            volunteer = register_volunteer(
                db, name=f"志愿者{number}", phone=f"1390000000{number}", building_id=None,
                known_buildings=set(), actor="test", pin=pin,
            )
            assert volunteer.card == f"JN0000{number}"
    return app


def client_at(app, address: str):
    """A browser at client address ``address``."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def check(client, card: str, pin: str) -> int:
    """The status of one ``/me`` sign-in: 302 right, 401 wrong, 429 refused by the limit."""
    return client.post("/me", data={"card": card, "pin": pin}).status_code


def test_a_resident_checking_often_is_never_locked_out(app):
    resident = client_at(app, "10.0.0.1")
    # twelve right entries in a minute: more than both limits (3 and 5)
    assert [check(resident, "JN00001", PINS["JN00001"]) for _ in range(12)] == [302] * 12
    # two typos among them leave room for the third; a fourth wrong one is refused
    assert check(resident, "JN00001", WRONG) == 401
    assert check(resident, "JN00001", PINS["JN00001"]) == 302
    assert check(resident, "JN00001", WRONG) == 401
    assert [check(resident, "JN00001", PINS["JN00001"]) for _ in range(6)] == [302] * 6
    assert check(resident, "JN00001", WRONG) == 401  # the third failure: still answered
    assert check(resident, "JN00001", PINS["JN00001"]) == 429  # the card is now locked


def test_wrong_pins_at_one_card_count_from_every_address(app):
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        assert check(client_at(app, address), "JN00002", WRONG) == 401
    refused = client_at(app, "10.0.0.4").post("/me", data={"card": "JN00002", "pin": WRONG})
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"
    assert "每 1 分钟最多输错 3 次。请 1 分钟后再试。" in refused.get_data(as_text=True)
    # the right PIN is refused too while the card is locked; other cards are not affected
    assert check(client_at(app, "10.0.0.5"), "JN00002", PINS["JN00002"]) == 429
    assert check(client_at(app, "10.0.0.5"), "JN00003", PINS["JN00003"]) == 302


def test_a_known_pin_does_not_wipe_the_guesses_from_an_address(app):
    attacker = client_at(app, "10.0.0.9")
    # the attacker signs in with their own card between guesses, one guess per other card
    # (never 3 at one card): the address's 5 failures still stop them
    outcomes = []
    for guess in range(5):
        outcomes.append(check(attacker, "JN00001", PINS["JN00001"]))
        outcomes.append(check(attacker, ("JN00002", "JN00003", "JN00004")[guess % 3], WRONG))
    assert outcomes == [302, 401] * 5
    assert check(attacker, "JN00004", WRONG) == 429
    assert check(attacker, "JN00001", PINS["JN00001"]) == 429  # the address is locked
    # the guessed cards' owners, elsewhere, still get in (each card has at most 2 failures)
    assert check(client_at(app, "10.0.0.1"), "JN00002", PINS["JN00002"]) == 302


def test_wrong_pins_at_sign_up_and_check_in_count_for_the_card_too(app):
    with app.app_context(), get_store().write() as db:
        activity = signed_up_activity(
            db, card="JN00001", starts_at=MOMENT + timedelta(minutes=10),
            ends_at=MOMENT + timedelta(hours=2), signed_up_at=MOMENT - timedelta(days=1),
        )
    phone = client_at(app, "10.0.0.1")
    right = {"card": "JN00001", "pin": PINS["JN00001"]}
    wrong = {"card": "JN00001", "pin": WRONG}
    # a right PIN at each form counts nowhere
    for _ in range(4):
        assert phone.post(f"/activities/{activity}/signup", data=right).status_code == 302
        assert phone.post(f"/activities/{activity}/checkin", data=right).status_code == 302
    # one wrong PIN at each form and one at /me: the card's three failures
    assert phone.post(f"/activities/{activity}/signup", data=wrong).status_code == 302
    assert phone.post(f"/activities/{activity}/checkin", data=wrong).status_code == 302
    assert check(phone, "JN00001", WRONG) == 401
    assert phone.post(f"/activities/{activity}/checkin", data=right).status_code == 429
    assert check(phone, "JN00001", PINS["JN00001"]) == 429
