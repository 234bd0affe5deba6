from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.messaging.sms import OutboxSmsSender
from portal.models import OneTimeCode, OutboxMessage, utcnow
from portal.services.code_delivery import deliver_pending_codes
from portal.services.notice_codes import issue_notice_code
from portal.services.verification import ONE_TIME_CODE_TRIES
from tests.factories import add_person
from tests.pages import csrf_token, submit, text_of


@pytest.fixture
def person(db):
    person_id = add_person(db)
    code = issue_notice_code(db, person_id)
    db.commit()
    return {"id": person_id, "a_number": "A-201-555-001", "born": date(1990, 3, 15), "notice_code": code}


def identify(client, a_number, born):
    submit(client, "/check/a-number", {"a_number": a_number})
    return submit(client, "/check/date-of-birth", {"day": str(born.day), "month": str(born.month),
                                                   "year": str(born.year)})


def sign_in_with_notice_code(client, person, code=None):
    identify(client, person["a_number"], person["born"])
    submit(client, "/check/code", {"has_code": "yes"})
    return submit(client, "/check/notice-code", {"code": code or person["notice_code"]})


def deliver_codes(db):
    sent = deliver_pending_codes(db, OutboxSmsSender(db), now=utcnow())
    db.commit()
    return sent


def latest_sms(db):
    return db.scalars(select(OutboxMessage).order_by(OutboxMessage.created_at.desc())).first()


def ask_for_text_code(client, db, person) -> str:
    """Go through identification, ask for a text code, send it, and read it from the outbox."""
    identify(client, person["a_number"], person["born"])
    submit(client, "/check/code", {"has_code": "no"})
    deliver_codes(db)
    return latest_sms(db).body.split("Your code is ")[1][:6]


def test_a_person_signs_in_with_the_code_from_their_letter(client, person):
    response = sign_in_with_notice_code(client, person)

    assert response.status_code == 302
    assert response.headers["Location"] == "/you"
    overview = client.get("/you")
    assert overview.status_code == 200
    assert "Yes. Your information was part of 1 incident." in text_of(overview)


def test_a_notice_code_is_accepted_however_it_is_typed(client, person):
    typed = person["notice_code"].lower().replace("-", " ")

    assert sign_in_with_notice_code(client, person, typed).headers["Location"] == "/you"


def test_a_person_signs_in_with_a_code_texted_to_the_phone_on_record(client, db, person):
    identify(client, person["a_number"], person["born"])
    asked = submit(client, "/check/code", {"has_code": "no"})
    assert asked.headers["Location"] == "/check/text-code"

    assert deliver_codes(db) == 1
    sms = latest_sms(db)
    code = sms.body.split("Your code is ")[1][:6]
    response = submit(client, "/check/text-code", {"code": code})

    assert sms.recipient == "+16195550142"
    assert person["a_number"].replace("-", "")[1:] not in sms.body
    assert response.headers["Location"] == "/you"


def test_no_code_is_sent_for_details_that_match_nobody(client, db, person):
    identify(client, "A-999-999-999", person["born"])
    submit(client, "/check/code", {"has_code": "no"})
    identify(client, person["a_number"], date(1991, 1, 1))
    submit(client, "/check/code", {"has_code": "no"})

    assert deliver_codes(db) == 0
    assert latest_sms(db) is None
    assert all(record.code_for_delivery is None for record in db.scalars(select(OneTimeCode)))


def test_the_a_number_and_birth_date_alone_never_sign_anyone_in(client, person):
    identify(client, person["a_number"], person["born"])

    assert client.get("/you").headers["Location"] == "/signed-out"
    wrong = submit(client, "/check/notice-code", {"code": "AAAAA-AAAAA"})
    assert "We could not confirm these details" in text_of(wrong)


def test_a_one_time_code_stops_working_after_ten_minutes(client, db, person):
    code = ask_for_text_code(client, db, person)
    record = db.scalars(select(OneTimeCode)).one()
    record.expires_at = utcnow() - timedelta(seconds=1)
    db.commit()

    response = submit(client, "/check/text-code", {"code": code})

    assert "We could not confirm these details" in text_of(response)


def test_a_one_time_code_stops_working_after_five_wrong_tries(client, db, person):
    code = ask_for_text_code(client, db, person)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(ONE_TIME_CODE_TRIES):
        submit(client, "/check/text-code", {"code": wrong})

    response = submit(client, "/check/text-code", {"code": code})

    assert "We could not confirm these details" in text_of(response)


def test_at_most_three_codes_an_hour_are_sent_for_one_a_number(client, db, person):
    identify(client, person["a_number"], person["born"])
    for _ in range(5):
        submit(client, "/check/code", {"has_code": "no"})

    assert deliver_codes(db) == 3


def test_signing_out_ends_the_session_for_good(client, person):
    sign_in_with_notice_code(client, person)
    with client.session_transaction() as cookie_session:
        copied = dict(cookie_session)

    page = text_of(client.get("/you"))
    client.post("/sign-out", data={"csrf_token": csrf_token(page)})
    with client.session_transaction() as cookie_session:
        cookie_session.update(copied)

    assert client.get("/you").headers["Location"] == "/signed-out"


def test_a_session_ends_after_fifteen_idle_minutes(client, db, person):
    from portal.models import PersonSession

    sign_in_with_notice_code(client, person)
    for record in db.scalars(select(PersonSession)):
        record.last_seen_at = utcnow() - timedelta(minutes=16)
    db.commit()

    assert client.get("/you").headers["Location"] == "/signed-out"


def test_the_session_cookie_is_http_only_and_same_site_lax(client, person):
    response = sign_in_with_notice_code(client, person)

    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_every_public_page_is_never_cached(client, person):
    for url in ("/", "/check/a-number", "/signed-out"):
        assert client.get(url).headers["Cache-Control"] == "no-store"
    sign_in_with_notice_code(client, person)
    assert client.get("/you").headers["Cache-Control"] == "no-store"
