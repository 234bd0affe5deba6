"""A staff member's own mobile phone, confirmed with a texted code, and the campaign test
message that goes to it and to no one else. Driven through the pages; the local `outbox`
SMS backend stands in for the provider, so the outbox shows what each phone got."""

from __future__ import annotations

import logging
import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.models import (
    AuditEvent,
    Campaign,
    CampaignState,
    Channel,
    OutboxMessage,
    StaffPhoneCode,
    StaffRole,
    StaffUser,
    utcnow,
)
from portal.services import campaign_tests, staff_phones
from portal.services.campaigns import SAMPLE_CODE
from portal.services.dispatch import notice_text
from portal.services.verification import ONE_TIME_CODE_TRIES
from portal.web.staff import account as account_pages
from tests.campaigns import TEMPLATES, FakeProvider
from tests.factories import add_person
from tests.pages import csrf_token, text_of
from tests.schema_differences import schema_differences
from tests.staff_pages import sign_in_staff, staff_csrf_token

PHONE_PAGE = "/staff/account/phone"
NUMBER_PAGE = "/staff/account/phone/number"
CODE_PAGE = "/staff/account/phone/code"
MY_NUMBER = "+16195550199"
MY_NUMBER_TYPED = "(619) 555-0199"
COLLEAGUE_NUMBER = "+16195550177"
PORTAL_URL = "https://help.example"  # for the service called directly
WRONG_CODE = "The code is not right, or it is too old"


def spellings(e164: str) -> list[str]:
    """The number as stored, as typed, and its bare digits."""
    return [e164, e164[2:], f"{e164[2:5]}-{e164[5:8]}-{e164[8:]}", f"555-{e164[-4:]}", e164[-7:]]


def outbox(db) -> list[tuple[str, str]]:
    """(recipient, body) of every message the outbox holds, oldest first."""
    db.expire_all()
    return [(message.recipient, message.body)
            for message in db.scalars(select(OutboxMessage).order_by(OutboxMessage.created_at))]


def post_form(client, page: str, **fields):
    """GET the page, then POST its form back with `fields` and its CSRF token."""
    token = csrf_token(text_of(client.get(page)))
    return client.post(page, data={**fields, "csrf_token": token})


def texted_code(db, number: str) -> str:
    """The 6-digit code in the newest message to `number`."""
    bodies = [body for recipient, body in outbox(db) if recipient == number]
    assert bodies, "no code was texted to the number"
    return re.search(r"\b(\d{6})\b", bodies[-1]).group(1)


def give_phone(db, user: StaffUser, number: str) -> None:
    user.phone, user.phone_verified_at = number, utcnow()
    db.commit()


def add_draft(db, author: StaffUser, templates: dict[str, str] | None = None) -> Campaign:
    campaign = Campaign(name="News", channel=Channel.SMS, templates=templates or TEMPLATES, audience={},
                        state=CampaignState.DRAFT, created_by_id=author.id)
    db.add(campaign)
    db.commit()
    return campaign


def audit_events(db, *actions: str) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action.in_(actions)).order_by(AuditEvent.id)))


def assert_no_number_in(text: str, *numbers: str) -> None:
    for number in numbers:
        for spelling in spellings(number):
            assert spelling not in text, f"{spelling} leaked"


# Setting and confirming the phone


@pytest.mark.parametrize("role", list(StaffRole))
def test_every_role_sets_its_own_phone_by_typing_back_the_texted_code(client, db, role):
    user = sign_in_staff(client, db, role)
    assert "Your account has no mobile phone number yet" in text_of(client.get(PHONE_PAGE))
    assert f'href="{PHONE_PAGE}"' in text_of(client.get("/staff"))  # linked from the header

    asked = post_form(client, NUMBER_PAGE, phone=MY_NUMBER_TYPED)
    assert asked.headers["Location"] == CODE_PAGE
    assert [recipient for recipient, _ in outbox(db)] == [MY_NUMBER]
    assert "+1 619-555-0199" in text_of(client.get(CODE_PAGE))  # the number, read from the code row

    confirmed = post_form(client, CODE_PAGE, code=texted_code(db, MY_NUMBER))

    assert confirmed.headers["Location"] == PHONE_PAGE
    page = text_of(client.get(PHONE_PAGE))
    assert "Your mobile phone number is confirmed" in page and "+1 619-555-0199" in page
    db.expire_all()
    assert (user.phone, user.phone_verified_at is not None) == (MY_NUMBER, True)
    assert user.phone_encrypted is not None and MY_NUMBER.encode() not in user.phone_encrypted


def test_the_code_is_stored_only_as_a_hash_and_works_once(client, db):
    user = sign_in_staff(client, db)
    post_form(client, NUMBER_PAGE, phone=MY_NUMBER)
    code = texted_code(db, MY_NUMBER)
    record = db.scalar(select(StaffPhoneCode).where(StaffPhoneCode.staff_user_id == user.id))
    assert record.code_hash.startswith("$argon2id$") and code not in record.code_hash

    post_form(client, CODE_PAGE, code=code)

    again = client.get(CODE_PAGE)
    assert "Your code has run out" in text_of(again)


def test_a_wrong_code_is_refused_and_uses_up_one_of_its_tries(client, db):
    user = sign_in_staff(client, db)
    post_form(client, NUMBER_PAGE, phone=MY_NUMBER)
    right = texted_code(db, MY_NUMBER)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    refused = post_form(client, CODE_PAGE, code=wrong)

    assert refused.status_code == 200 and WRONG_CODE in text_of(refused)
    db.expire_all()
    assert user.phone is None and user.phone_verified_at is None

    for _ in range(ONE_TIME_CODE_TRIES - 1):
        post_form(client, CODE_PAGE, code=wrong)
    out_of_tries = client.get(CODE_PAGE)
    assert "Your code has run out" in text_of(out_of_tries)
    # Even the right code no longer works once the tries are used up.
    assert client.post(CODE_PAGE, data={"code": right, "csrf_token": staff_csrf_token(client)}).status_code == 200
    db.expire_all()
    assert user.phone is None


def test_an_expired_code_is_refused(client, db, monkeypatch):
    user = sign_in_staff(client, db)
    post_form(client, NUMBER_PAGE, phone=MY_NUMBER)
    code = texted_code(db, MY_NUMBER)
    token = staff_csrf_token(client)

    eleven_minutes_on = utcnow() + timedelta(minutes=11)
    monkeypatch.setattr(account_pages, "utcnow", lambda: eleven_minutes_on)
    late = client.post(CODE_PAGE, data={"code": code, "csrf_token": token})

    assert "Your code has run out" in text_of(late)
    db.expire_all()
    assert user.phone is None
    assert staff_phones.confirm_phone(db, user, code, now=eleven_minutes_on) is False


def test_only_the_newest_code_counts(client, db):
    user = sign_in_staff(client, db)
    post_form(client, NUMBER_PAGE, phone=COLLEAGUE_NUMBER)
    first = texted_code(db, COLLEAGUE_NUMBER)
    post_form(client, NUMBER_PAGE, phone=MY_NUMBER)
    newest = texted_code(db, MY_NUMBER)

    if first != newest:
        assert WRONG_CODE in text_of(post_form(client, CODE_PAGE, code=first))
    post_form(client, CODE_PAGE, code=newest)

    db.expire_all()
    assert user.phone == MY_NUMBER


def test_codes_are_limited_per_account_each_hour(client, db):
    sign_in_staff(client, db)
    for _ in range(staff_phones.PHONE_CODES_PER_HOUR):
        assert post_form(client, NUMBER_PAGE, phone=MY_NUMBER).status_code == 302

    refused = post_form(client, NUMBER_PAGE, phone=MY_NUMBER)

    assert refused.status_code == 200 and "You asked for too many codes" in text_of(refused)
    assert len(outbox(db)) == staff_phones.PHONE_CODES_PER_HOUR


@pytest.mark.parametrize(("typed", "message"), [
    ("", "Enter a mobile phone number"),
    ("12", "Enter a real phone number"),
    ("+44 20 7946 0018", "This number cannot get text messages"),  # a London landline
])
def test_a_number_that_cannot_get_texts_is_refused_and_nothing_is_sent(client, db, typed, message):
    sign_in_staff(client, db)

    refused = post_form(client, NUMBER_PAGE, phone=typed)

    assert refused.status_code == 200 and message in text_of(refused)
    assert 'class="error-summary"' in text_of(refused)
    assert outbox(db) == []


def test_a_code_the_provider_refuses_to_send_is_not_offered(db):
    staff = StaffUser(email=f"{uuid.uuid4().hex[:8]}@agency.example", full_name="Sam", role=StaffRole.VIEWER,
                      password_hash="x")
    db.add(staff)
    provider = FakeProvider()
    provider.script = ["21614"]  # "not a mobile number"
    now = utcnow()

    answer = staff_phones.request_phone_code(db, staff, MY_NUMBER, provider, locale="en", now=now)

    assert answer is staff_phones.CodeRequest.NOT_SENT
    assert staff_phones.phone_awaiting_confirmation(db, staff, now=now) is None
    assert audit_events(db, "staff.phone_code_sent") == []


# The campaign test message


@pytest.fixture
def audience(db):
    """A person the campaign would reach: the test must never text them."""
    add_person(db)
    db.commit()


def test_the_test_message_goes_to_the_staff_members_own_number_only(app, client, db, audience):
    notifier = sign_in_staff(client, db, StaffRole.NOTIFIER)
    colleague = sign_in_staff(app.test_client(), db, StaffRole.NOTIFIER)
    give_phone(db, notifier, MY_NUMBER)
    give_phone(db, colleague, COLLEAGUE_NUMBER)
    campaign = add_draft(db, colleague)
    url = f"/staff/campaigns/{campaign.id}"
    page = text_of(client.get(url))
    assert 'name="test-language"' in page and "Send me a test message" in page

    sent = client.post(f"{url}/test", data={"test-language": "es", "csrf_token": csrf_token(page)})

    assert sent.headers["Location"] == f"{url}#test-message"
    spanish = notice_text(campaign, "es", SAMPLE_CODE, app.config["PUBLIC_BASE_URL"])
    assert outbox(db) == [(MY_NUMBER, spanish)]
    assert "We sent the test message to your phone, in Spanish." in text_of(client.get(url))
    db.expire_all()
    assert campaign.test_sent_at is not None
    (event,) = audit_events(db, "campaign.test_sent")
    assert (event.actor_id, event.subject_id, event.details) == (str(notifier.id), str(campaign.id),
                                                                 {"locales": ["es"]})


def test_every_language_sends_one_message_each_in_the_campaigns_order(app, client, db, audience):
    notifier = sign_in_staff(client, db, StaffRole.ADMIN)
    give_phone(db, notifier, MY_NUMBER)
    campaign = add_draft(db, notifier)
    url = f"/staff/campaigns/{campaign.id}"

    client.post(f"{url}/test", data={"test-language": "all", "csrf_token": staff_csrf_token(client)})

    assert outbox(db) == [(MY_NUMBER, notice_text(campaign, locale, SAMPLE_CODE, app.config["PUBLIC_BASE_URL"]))
                          for locale in ("en", "es")]
    assert "We sent 2 test messages to your phone, one each in English and Spanish." in text_of(client.get(url))


def test_the_language_offered_first_is_the_consoles_when_the_campaign_has_it(client, db):
    notifier = sign_in_staff(client, db, StaffRole.NOTIFIER)
    give_phone(db, notifier, MY_NUMBER)
    campaign = add_draft(db, notifier)
    url = f"/staff/campaigns/{campaign.id}"

    assert '<option selected value="en">' in text_of(client.get(url))
    client.set_cookie("locale", "es")
    assert '<option selected value="es">' in text_of(client.get(url))
    client.set_cookie("locale", "fr")  # no French text: English
    assert '<option selected value="en">' in text_of(client.get(url))


def test_a_language_the_campaign_has_no_text_in_sends_nothing(client, db):
    notifier = sign_in_staff(client, db, StaffRole.NOTIFIER)
    give_phone(db, notifier, MY_NUMBER)
    campaign = add_draft(db, notifier)

    answer = client.post(f"/staff/campaigns/{campaign.id}/test",
                         data={"test-language": "fr", "csrf_token": staff_csrf_token(client)})

    assert answer.status_code == 200
    assert outbox(db) == []
    db.expire_all()
    assert campaign.test_sent_at is None


def test_without_a_confirmed_phone_nothing_is_sent_and_the_page_says_where_to_add_one(client, db, audience):
    notifier = sign_in_staff(client, db, StaffRole.NOTIFIER)
    campaign = add_draft(db, notifier)
    url = f"/staff/campaigns/{campaign.id}"
    page = text_of(client.get(url))
    assert "Send me a test message" not in page
    assert f'<a href="{PHONE_PAGE}">Add your mobile phone number</a>' in page

    answer = client.post(f"{url}/test", data={"test-language": "en", "csrf_token": csrf_token(page)})

    assert answer.headers["Location"] == f"{url}#test-message"
    shown = text_of(client.get(url))
    assert "Nothing was sent: your account has no confirmed mobile phone number." in shown
    assert outbox(db) == []
    db.expire_all()
    assert campaign.test_sent_at is None
    assert audit_events(db, "campaign.test_sent") == []


def test_a_number_waiting_for_its_code_gets_no_test_message(client, db):
    notifier = sign_in_staff(client, db, StaffRole.NOTIFIER)
    post_form(client, NUMBER_PAGE, phone=MY_NUMBER)
    campaign = add_draft(db, notifier)

    client.post(f"/staff/campaigns/{campaign.id}/test", data={"csrf_token": staff_csrf_token(client)})

    assert [body for _, body in outbox(db) if SAMPLE_CODE in body] == []


def test_roles_that_cannot_write_campaigns_cannot_send_a_test(client, db):
    viewer = sign_in_staff(client, db, StaffRole.VIEWER)
    give_phone(db, viewer, MY_NUMBER)
    campaign = add_draft(db, viewer)

    refused = client.post(f"/staff/campaigns/{campaign.id}/test",
                          data={"test-language": "en", "csrf_token": staff_csrf_token(client)})

    assert refused.status_code == 403
    assert outbox(db) == []


def test_a_test_the_provider_refuses_stops_there_and_says_so(db):
    staff = StaffUser(email=f"{uuid.uuid4().hex[:8]}@agency.example", full_name="Sam", role=StaffRole.NOTIFIER,
                      password_hash="x")
    db.add(staff)
    db.flush()
    give_phone(db, staff, MY_NUMBER)
    campaign = add_draft(db, staff)
    provider = FakeProvider()
    provider.script = ["ok", "21610"]  # the second message: the number has said STOP

    result = campaign_tests.send_campaign_test(db, campaign, staff, provider, locales=["en", "es"],
                                               portal_url=PORTAL_URL, now=utcnow())

    assert (result.outcome, result.sent) == (campaign_tests.CampaignTestOutcome.FAILED, ("en",))
    assert [recipient for _, recipient, _, _ in provider.accepted] == [MY_NUMBER]
    assert campaign.test_sent_at is not None


# Nothing personal on the record


def test_no_number_reaches_the_logs_or_the_audit_log(app, client, db, caplog, audience):
    caplog.set_level(logging.DEBUG)
    notifier = sign_in_staff(client, db, StaffRole.NOTIFIER)
    post_form(client, NUMBER_PAGE, phone=COLLEAGUE_NUMBER)
    post_form(client, CODE_PAGE, code="000000" if texted_code(db, COLLEAGUE_NUMBER) != "000000" else "111111")
    post_form(client, NUMBER_PAGE, phone=MY_NUMBER_TYPED)
    post_form(client, CODE_PAGE, code=texted_code(db, MY_NUMBER))
    campaign = add_draft(db, notifier)
    client.post(f"/staff/campaigns/{campaign.id}/test",
                data={"test-language": "all", "csrf_token": staff_csrf_token(client)})
    staff_phones.request_phone_code(db, notifier, MY_NUMBER, _refusing_provider(), locale="en", now=utcnow())

    events = audit_events(db, "staff.phone_code_sent", "staff.phone_confirmed", "campaign.test_sent")
    assert [event.action for event in events] == ["staff.phone_code_sent", "staff.phone_code_sent",
                                                  "staff.phone_confirmed", "campaign.test_sent"]
    assert all(event.subject_id == str(notifier.id) for event in events[:3])
    recorded = "\n".join(f"{event.subject_type} {event.subject_id} {event.details}" for event in events)
    assert_no_number_in(recorded, MY_NUMBER, COLLEAGUE_NUMBER)
    assert_no_number_in(caplog.text, MY_NUMBER, COLLEAGUE_NUMBER)
    assert "staff phone code refused" in caplog.text and "provider code 21614" in caplog.text


def test_no_number_is_put_in_a_url_or_the_session_cookie(client, db):
    sign_in_staff(client, db)

    asked = post_form(client, NUMBER_PAGE, phone=MY_NUMBER_TYPED)

    assert_no_number_in(asked.headers["Location"], MY_NUMBER)
    cookie = client.get_cookie("session")
    assert_no_number_in(cookie.value if cookie else "", MY_NUMBER)


def _refusing_provider() -> FakeProvider:
    provider = FakeProvider()
    provider.script = ["21614"]
    return provider


# The migration


def test_the_migration_creates_what_the_models_describe(db):
    """Migration 0010 and the models agree on the staff phone columns and the code table."""
    differences = schema_differences(db, {"staff_user", "staff_phone_code"})

    assert differences == []

