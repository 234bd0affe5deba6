"""Twilio's webhooks: delivery reports move a notification only forward, and texts people send
opt their number out or in, ask for help, or are kept encrypted for staff. Nothing is
accepted without Twilio's signature over the public URL and every posted field."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from twilio.request_validator import RequestValidator

from portal.i18n import SUPPORTED_LOCALES
from portal.messaging.segments import measure
from portal.models import (
    AuditEvent,
    Campaign,
    CampaignState,
    Channel,
    ContactPreference,
    InboundMessage,
    Notification,
    NotificationState,
    SmsOptOut,
    StaffRole,
    StaffUser,
    utcnow,
)
from portal.security.context import blind_index
from portal.security.rate_limits import FORM_POSTS_PER_CLIENT
from portal.services import delivery_status, replies
from portal.services.delivery_status import STATE_RANK, apply_status, state_for
from portal.services.replies import KEYWORDS, KeywordAction, match_keyword, reply_word
from portal.services.staff import create_staff_user
from portal.web.webhooks.twilio import WEBHOOK_POSTS_PER_CLIENT
from tests.conftest import LOG_COLLECTOR
from tests.factories import PERSON, add_person
from tests.test_sms_texts import SENSITIVE_ENGLISH

TOKEN = "twilio-test-auth-token"
PUBLIC = "https://notices.agency.example.gov"
HELP_PHONE = "1-800-555-0199"
STATUS = "/webhooks/twilio/status"
INBOUND = "/webhooks/twilio/inbound"
SID = "SM0123456789abcdef0123456789abcdef"
PHONE = PERSON.phone  # the test person's number on record
OTHER_PHONE = "+12135550187"  # another test person's number
STRANGER = "+13125550100"  # a number in nobody's record
REPLY = "Necesito hablar con alguien sobre mi caso"


@pytest.fixture
def twilio_app(app, monkeypatch):
    """The app configured for Twilio, reached at its public address."""
    monkeypatch.setitem(app.config, "TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", PUBLIC)
    monkeypatch.setitem(app.config, "HELP_PHONE", HELP_PHONE)
    return app


def signature(params: dict, url: str, token: str = TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


def post_signed(client, path: str, params: dict, *, signed_url: str | None = None, **options):
    """POST as Twilio does: form-encoded, signed over the public URL and every field."""
    headers = {"X-Twilio-Signature": signature(params, signed_url or PUBLIC + path)}
    return client.post(path, data=params, headers=headers, **options)


def report(client, status: str, *, sid: str = SID, error_code: str | None = None):
    params = {"MessageSid": sid, "SmsSid": sid, "MessageStatus": status, "SmsStatus": status,
              "AccountSid": "AC0123456789abcdef0123456789abcdef", "ApiVersion": "2010-04-01",
              "From": "+18885550100", "To": PHONE}
    if error_code:
        params["ErrorCode"] = error_code
    return post_signed(client, STATUS, params)


def text_in(client, body: str, *, sender: str = PHONE, sid: str = "SM" + "1" * 32):
    params = {"MessageSid": sid, "SmsMessageSid": sid, "AccountSid": "AC0123456789abcdef0123456789abcdef",
              "From": sender, "To": "+18885550100", "Body": body, "NumMedia": "0", "NumSegments": "1"}
    return post_signed(client, INBOUND, params)


def messages_in(response) -> list[str]:
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    root = ElementTree.fromstring(response.data)  # noqa: S314  (our own answer, not untrusted input)
    assert root.tag == "Response"
    return [element.text for element in root.findall("Message")]


def add_notification(db, *, state=NotificationState.SENT, sid=SID):
    staff = db.scalar(select(StaffUser).limit(1))
    if staff is None:
        staff, _ = create_staff_user(db, email="notifier@agency.example", full_name="Nora Notifier",
                                     role=StaffRole.NOTIFIER, password="a long enough password")
    campaign = Campaign(name="First notice", channel=Channel.SMS, templates={"en": "You have a notice."},
                        audience={}, state=CampaignState.SENDING, created_by_id=staff.id)
    db.add(campaign)
    db.flush()
    notification = Notification(campaign_id=campaign.id, person_id=add_person(db), channel=Channel.SMS, locale="en",
                                state=state, provider_message_id=sid, sent_at=utcnow() - timedelta(minutes=1))
    db.add(notification)
    db.commit()
    return notification.id


def notification_now(db, notification_id):
    db.expire_all()
    found = db.get(Notification, notification_id)
    return (found.state, found.sent_at, found.delivered_at, found.final_at, found.error_code, found.error_reason,
            found.updated_at)


# Delivery reports


def test_a_report_moves_the_notification_forward_and_records_when(twilio_app, client, db):
    notification_id = add_notification(db, state=NotificationState.SENDING)
    sent_at = notification_now(db, notification_id)[1]

    sent = report(client, "sent")
    after_sent = notification_now(db, notification_id)
    delivered = report(client, "delivered")
    state, sent_at_after, delivered_at, final_at, error_code, _, _ = notification_now(db, notification_id)

    assert (sent.status_code, sent.data, delivered.status_code, delivered.data) == (204, b"", 204, b"")
    assert after_sent[0] is NotificationState.SENT and after_sent[3] is None
    assert state is NotificationState.DELIVERED
    assert sent_at_after == sent_at, "the time the provider accepted it is kept"
    assert delivered_at is not None and final_at == delivered_at
    assert error_code is None


def test_a_late_sent_never_overwrites_delivered(twilio_app, client, db):
    notification_id = add_notification(db)
    report(client, "delivered")
    delivered = notification_now(db, notification_id)

    response = report(client, "sent")

    assert response.status_code == 204
    assert notification_now(db, notification_id) == delivered


def test_a_repeated_report_changes_nothing(twilio_app, client, db):
    notification_id = add_notification(db)
    report(client, "undelivered", error_code="30003")
    first = notification_now(db, notification_id)

    report(client, "undelivered", error_code="30003")

    assert notification_now(db, notification_id) == first


@pytest.mark.parametrize(("reports", "final_state"), [
    (["delivered", "sent", "sending", "queued"], NotificationState.DELIVERED),
    (["sent", "sending", "queued", "accepted"], NotificationState.SENT),
    (["queued", "sent", "sending", "delivered", "sent"], NotificationState.DELIVERED),
    (["failed", "sent", "delivered"], NotificationState.FAILED),
    (["delivered", "undelivered"], NotificationState.DELIVERED),
    (["sent", "no-such-status", "sending"], NotificationState.SENT),
])
def test_reports_out_of_order_only_ever_move_forward(twilio_app, client, db, reports, final_state):
    notification_id = add_notification(db, state=NotificationState.SENDING)

    for status in reports:
        assert report(client, status, error_code="30008" if status in ("failed", "undelivered") else None
                      ).status_code == 204

    assert notification_now(db, notification_id)[0] is final_state


@pytest.mark.parametrize(("status", "code", "state", "reason"), [
    ("undelivered", "30003", NotificationState.FAILED, "undelivered: unreachable handset"),
    ("failed", "30007", NotificationState.FAILED, "failed: carrier filtering"),
    ("failed", "30008", NotificationState.FAILED, "failed: unknown error"),
    ("failed", "12345", NotificationState.FAILED, "failed"),
    ("undelivered", "30005", NotificationState.UNDELIVERABLE, "undelivered: unknown handset"),
    ("undelivered", "30006", NotificationState.UNDELIVERABLE, "undelivered: landline or unreachable carrier"),
    ("failed", "21610", NotificationState.UNDELIVERABLE, "failed: recipient unsubscribed"),
    ("failed", "21614", NotificationState.UNDELIVERABLE, "failed: not a mobile number"),
])
def test_a_failure_records_its_error_code_and_whether_the_number_can_ever_get_texts(
    twilio_app, client, db, status, code, state, reason,
):
    notification_id = add_notification(db)

    report(client, status, error_code=code)

    found_state, _, delivered_at, final_at, error_code, error_reason, _ = notification_now(db, notification_id)
    assert (found_state, error_code, error_reason) == (state, code, reason)
    assert final_at is not None and delivered_at is None


def test_a_failure_without_an_error_code_is_still_final(twilio_app, client, db):
    notification_id = add_notification(db)

    report(client, "failed")

    state, _, _, final_at, error_code, error_reason, _ = notification_now(db, notification_id)
    assert (state, error_code, error_reason) == (NotificationState.FAILED, None, "failed")
    assert final_at is not None


def test_a_report_for_an_unknown_message_is_acknowledged_and_changes_nothing(twilio_app, client, db):
    notification_id = add_notification(db)
    before = notification_now(db, notification_id)

    response = report(client, "delivered", sid="SM" + "f" * 32)

    assert (response.status_code, response.data) == (204, b"")
    assert notification_now(db, notification_id) == before


@pytest.mark.parametrize("current", list(NotificationState))
@pytest.mark.parametrize("status", ["queued", "accepted", "scheduled", "sending", "sent", "delivered", "read",
                                    "undelivered", "failed", "canceled", "receiving", "unknown"])
def test_no_report_ever_moves_a_notification_back_or_out_of_a_final_state(current, status):
    notification = Notification(state=current, channel=Channel.SMS, locale="en")
    now = utcnow()

    changed = apply_status(notification, status, "30003", now=now)

    assert STATE_RANK[notification.state] >= STATE_RANK[current]
    assert changed is (notification.state is not current)
    if STATE_RANK[current] == delivery_status.FINAL_RANK:
        assert not changed
    if changed and STATE_RANK[notification.state] == delivery_status.FINAL_RANK:
        assert notification.final_at == now


def test_the_provider_statuses_map_to_states_by_rank():
    assert [state_for(status) for status in ("queued", "accepted", "sending", "sent", "delivered")] == [
        NotificationState.SENDING, NotificationState.SENDING, NotificationState.SENDING, NotificationState.SENT,
        NotificationState.DELIVERED,
    ]
    assert state_for("undelivered", "30003") is NotificationState.FAILED
    assert state_for("FAILED", " 30006 ") is NotificationState.UNDELIVERABLE
    assert state_for("receiving") is None


# Signatures


def test_a_report_without_a_signature_is_refused_and_changes_nothing(twilio_app, client, db):
    notification_id = add_notification(db)
    before = notification_now(db, notification_id)

    response = client.post(STATUS, data={"MessageSid": SID, "MessageStatus": "delivered"})

    assert (response.status_code, response.data) == (403, b"")
    assert notification_now(db, notification_id) == before


@pytest.mark.parametrize("forgery", ["wrong token", "signed for request.url", "field added", "field changed",
                                     "no token configured", "empty signature"])
def test_a_report_with_a_wrong_signature_is_refused_and_changes_nothing(twilio_app, client, db, monkeypatch, forgery):
    notification_id = add_notification(db)
    before = notification_now(db, notification_id)
    params = {"MessageSid": SID, "MessageStatus": "delivered"}
    signed = signature(params, PUBLIC + STATUS)
    sent = dict(params)
    if forgery == "wrong token":
        signed = signature(params, PUBLIC + STATUS, token="another-token")
    elif forgery == "signed for request.url":  # what Flask sees behind a proxy; Twilio signed the public URL
        signed = signature(params, "http://localhost" + STATUS)
    elif forgery == "field added":
        sent["ErrorCode"] = "30003"
    elif forgery == "field changed":
        sent["MessageStatus"] = "failed"
    elif forgery == "no token configured":
        monkeypatch.setitem(twilio_app.config, "TWILIO_AUTH_TOKEN", None)
    else:
        signed = ""

    response = client.post(STATUS, data=sent, headers={"X-Twilio-Signature": signed})

    assert (response.status_code, response.data) == (403, b"")
    assert notification_now(db, notification_id) == before


def test_the_signature_is_checked_against_the_public_url_whatever_host_the_proxy_uses(twilio_app, client, db):
    notification_id = add_notification(db)

    response = post_signed(client, STATUS, {"MessageSid": SID, "MessageStatus": "delivered"},
                           base_url="http://10.0.0.5:8000")

    assert response.status_code == 204
    assert notification_now(db, notification_id)[0] is NotificationState.DELIVERED


def test_the_query_string_is_part_of_the_signed_url(twilio_app, client, db):
    notification_id = add_notification(db)
    params = {"MessageSid": SID, "MessageStatus": "sent"}
    without_query = client.post(STATUS + "?attempt=2", data=params,
                                headers={"X-Twilio-Signature": signature(params, PUBLIC + STATUS)})
    assert without_query.status_code == 403

    with_query = post_signed(client, STATUS + "?attempt=2", {**params, "MessageStatus": "delivered"})

    assert with_query.status_code == 204
    assert notification_now(db, notification_id)[0] is NotificationState.DELIVERED


def test_a_field_twilio_adds_later_is_signed_and_accepted(twilio_app, client, db):
    notification_id = add_notification(db)

    response = post_signed(client, STATUS, {"MessageSid": SID, "MessageStatus": "delivered", "RawDlrDoneDate": "1"})

    assert response.status_code == 204
    assert notification_now(db, notification_id)[0] is NotificationState.DELIVERED


def test_a_text_without_a_valid_signature_is_refused_and_changes_nothing(twilio_app, client, db):
    add_person(db)
    db.commit()
    before = stored_replies_state(db)
    params = {"MessageSid": SID, "From": PHONE, "Body": "STOP"}

    unsigned = client.post(INBOUND, data=params)
    wrong = client.post(INBOUND, data=params, headers={"X-Twilio-Signature": signature(params, "http://localhost"
                                                                                                + INBOUND)})
    other = client.post(INBOUND, data={**params, "Body": REPLY}, headers={"X-Twilio-Signature": "forged"})

    assert [response.status_code for response in (unsigned, wrong, other)] == [403, 403, 403]
    assert stored_replies_state(db) == before


def stored_replies_state(db):
    db.expire_all()
    return (db.scalar(select(func.count()).select_from(SmsOptOut)),
            db.scalar(select(func.count()).select_from(InboundMessage)),
            db.scalar(select(func.count()).select_from(AuditEvent)),
            sorted(str(value) for value in db.scalars(select(ContactPreference.opted_out_at))))


# Keywords

def keyword_cases(wanted: KeywordAction) -> list:
    """(language, word) for every word of the table that does `wanted`, line by line."""
    return [
        pytest.param(language, word, id=f"{language}-{word}")
        for language, line in KEYWORDS.items()
        for action, group in zip(KeywordAction, line.split("|"), strict=True) if action is wanted
        for word in group.split()
    ]


def person_with_phone(db, language: str = "en", **changes):
    person_id = add_person(db, preferred_language=language, **changes)
    db.commit()
    return person_id


def preference_of(db, person_id) -> ContactPreference:
    db.expire_all()
    return db.scalar(select(ContactPreference).where(ContactPreference.person_id == person_id))


def opt_out_of(db, phone: str = PHONE) -> SmsOptOut | None:
    db.expire_all()
    return db.get(SmsOptOut, blind_index().phone(phone))


def events(db, action: str) -> list[tuple[str | None, dict]]:
    db.expire_all()
    return [(event.subject_id, event.details)
            for event in db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))]


def test_the_keyword_table_has_a_line_for_every_language_and_no_word_with_two_meanings():
    assert list(KEYWORDS) == list(SUPPORTED_LOCALES)
    for language, line in KEYWORDS.items():
        groups = line.split("|")
        assert len(groups) == 3 and all(group.split() for group in groups), language
    for keyword in replies.all_keywords():
        assert keyword.languages == ("en",) or "en" not in keyword.languages, keyword
        assert len(keyword.word) <= SmsOptOut.keyword.type.length


@pytest.mark.parametrize(("language", "word"), keyword_cases(KeywordAction.OPT_OUT))
def test_every_opt_out_word_of_every_language_stops_texts_to_the_number(twilio_app, client, db, language, word):
    person_id = person_with_phone(db, language)

    response = text_in(client, word)

    record = opt_out_of(db)
    assert record is not None and record.opted_out_at is not None and record.opted_in_at is None
    assert record.keyword == match_keyword(word).word
    assert preference_of(db, person_id).opted_out_at == record.opted_out_at
    assert events(db, "sms.opted_out") == [(str(person_id), {"keyword_language": language})]
    if language == "en":
        assert messages_in(response) == [], "Twilio confirms English keywords itself"
    else:
        assert messages_in(response) == [answer_in(twilio_app, replies.opt_out_message, language)]
        assert reply_word(language, KeywordAction.OPT_IN) in messages_in(response)[0]


@pytest.mark.parametrize(("language", "word"), keyword_cases(KeywordAction.OPT_IN))
def test_every_opt_in_word_of_every_language_restarts_texts_to_the_number(twilio_app, client, db, language, word):
    person_id = person_with_phone(db, language)
    text_in(client, reply_word(language, KeywordAction.OPT_OUT), sid="SM" + "2" * 32)

    response = text_in(client, word)

    record = opt_out_of(db)
    assert record.opted_out_at is None and record.opted_in_at is not None
    assert preference_of(db, person_id).opted_out_at is None
    assert events(db, "sms.opted_in") == [(str(person_id), {"keyword_language": language})]
    if language == "en":
        assert messages_in(response) == []
    else:
        assert messages_in(response) == [answer_in(twilio_app, replies.opt_in_message, language)]
        assert reply_word(language, KeywordAction.OPT_OUT) in messages_in(response)[0]


@pytest.mark.parametrize(("language", "word"), keyword_cases(KeywordAction.HELP))
def test_every_help_word_of_every_language_answers_in_the_persons_language(twilio_app, client, db, language, word):
    person_with_phone(db, language)
    before = stored_replies_state(db)

    response = text_in(client, word)

    expected = answer_in(twilio_app, help_text, language)
    assert messages_in(response) == [expected]
    assert HELP_PHONE in expected and PUBLIC in expected and reply_word(language, KeywordAction.OPT_OUT) in expected
    assert stored_replies_state(db) == before, "asking for help changes nothing"


def help_text(language):
    return replies.help_message(language, help_phone=HELP_PHONE, website=PUBLIC)


def answer_in(app, render, language):
    with app.app_context():
        return render(language)


@pytest.mark.parametrize(("typed", "word"), [
    (" stop ", "STOP"), ("Stop!", "STOP"), ("stop.\n", "STOP"), ("ＳＴＯＰ", "STOP"), ("«Stop»", "STOP"),
    ("arret", "ARRÊT"), ("Arrêter.", "ARRÊTER"), ("ARRETER", "ARRÊTER"), ("desabonner", "DÉSABONNER"),
    ("İptal", "İPTAL"), ("iptal", "İPTAL"), ("IPTAL", "İPTAL"), ("basla", "BAŞLA"), ("yardım", "YARDIM"),
    ("sí", "SÍ"), ("Si", "SÍ"), ("¡Ayuda!", "AYUDA"), ("comecar", "COMEÇAR"), ("komanse", "KÒMANSE"),
    ("ed?", "ÈD"), ("停止。", "停止"), ("ايقاف", "إيقاف"), ("الغاء", "إلغاء"), ("كمك", "کمک"), ("مساعده", "مساعدة"),
    ("توقّف", "توقف"), ("стоп", "СТОП"), ("Помощь!", "ПОМОЩЬ"),
])
def test_keywords_match_whatever_the_case_accents_and_surrounding_punctuation(typed, word):
    assert match_keyword(typed).word == word


@pytest.mark.parametrize("typed", ["stop please", "STOP STOP", "please stop", "st op", "", "  ", "أبدا", "ابدا",
                                   "helps", "start-up"])
def test_anything_but_a_single_keyword_is_not_a_keyword(typed):
    """أبدا is "never": folding the final hamza away would make it ابدأ, "start"."""
    assert match_keyword(typed) is None


def test_an_accented_variant_opts_out_and_is_answered_in_the_keywords_language(twilio_app, client, db):
    person_id = person_with_phone(db, "en")

    response = text_in(client, "  arret! ")

    assert preference_of(db, person_id).opted_out_at is not None
    assert messages_in(response) == [answer_in(twilio_app, replies.opt_out_message, "fr")]
    assert "COMMENCER" in messages_in(response)[0]


@pytest.mark.parametrize(("language", "restart_word"), [("pt_BR", "COMEÇAR"), ("es", "EMPEZAR"), ("en", "EMPEZAR")])
def test_a_word_two_languages_share_is_answered_in_the_persons_language_when_it_is_one_of_them(
    twilio_app, client, db, language, restart_word,
):
    person_with_phone(db, language)

    response = text_in(client, "parar")

    assert restart_word in messages_in(response)[0]


def test_the_help_answer_is_the_same_for_a_number_in_nobodys_record(twilio_app, client, db):
    person_with_phone(db, "en")

    known = text_in(client, "HELP", sid="SM" + "3" * 32)
    stranger = text_in(client, "HELP", sender=STRANGER, sid="SM" + "4" * 32)
    stranger_in_spanish = text_in(client, "AYUDA", sender=STRANGER, sid="SM" + "5" * 32)

    assert messages_in(known) == messages_in(stranger) == [answer_in(twilio_app, help_text, "en")]
    assert messages_in(stranger_in_spanish) == [answer_in(twilio_app, help_text, "es")]


def test_the_help_answer_is_in_the_language_the_person_chose(twilio_app, client, db):
    person_id = person_with_phone(db, "en")
    preference = preference_of(db, person_id)
    preference.language = "es"
    db.commit()

    response = text_in(client, "help")

    assert messages_in(response) == [answer_in(twilio_app, help_text, "es")]
    assert "PARA" in messages_in(response)[0]


def test_a_repeated_opt_out_changes_nothing_and_records_nothing_more(twilio_app, client, db):
    person_id = person_with_phone(db, "es")
    text_in(client, "BAJA", sid="SM" + "6" * 32)
    first = (opt_out_of(db).opted_out_at, preference_of(db, person_id).opted_out_at, events(db, "sms.opted_out"))

    again = text_in(client, "para", sid="SM" + "7" * 32)

    assert messages_in(again) == [answer_in(twilio_app, replies.opt_out_message, "es")]
    assert (opt_out_of(db).opted_out_at, preference_of(db, person_id).opted_out_at,
            events(db, "sms.opted_out")) == first


def test_an_opt_out_reaches_every_preference_that_texts_the_number_and_no_other(twilio_app, client, db):
    holds_it = person_with_phone(db)
    only_on_record = person_with_phone(db, a_number="201555002", phone=PHONE)
    moved_away = person_with_phone(db, a_number="20155500", phone=PHONE)
    someone_else = person_with_phone(db, a_number="201555003", phone=OTHER_PHONE)
    preference_of(db, only_on_record).phone_index = None  # their texts follow the record
    moved = preference_of(db, moved_away)
    moved.phone, moved.phone_index = OTHER_PHONE, blind_index().phone(OTHER_PHONE)  # confirmed another number
    db.commit()

    text_in(client, "STOP")

    stopped = {person: preference_of(db, person).opted_out_at is not None
               for person in (holds_it, only_on_record, moved_away, someone_else)}
    assert stopped == {holds_it: True, only_on_record: True, moved_away: False, someone_else: False}
    assert sorted(subject for subject, _ in events(db, "sms.opted_out")) == sorted([str(holds_it),
                                                                                  str(only_on_record)])
    assert opt_out_of(db, OTHER_PHONE) is None


def test_an_opt_out_from_a_number_in_nobodys_record_is_kept_for_the_number(twilio_app, client, db):
    response = text_in(client, "UNSUBSCRIBE", sender=STRANGER)

    assert messages_in(response) == []
    assert opt_out_of(db, STRANGER).opted_out_at is not None
    assert events(db, "sms.opted_out") == [(None, {"keyword_language": "en"})]


def test_an_opt_in_clears_the_opt_out_that_stop_texts_on_the_portal_left(twilio_app, client, db):
    person_id = person_with_phone(db, "tr")
    preference = preference_of(db, person_id)
    preference.opted_out_at = utcnow()
    db.commit()

    response = text_in(client, "başla")

    assert preference_of(db, person_id).opted_out_at is None
    assert opt_out_of(db).opted_in_at is not None
    assert messages_in(response) == [answer_in(twilio_app, replies.opt_in_message, "tr")]


# Other replies


def test_a_reply_is_kept_for_staff_with_sender_and_text_encrypted(twilio_app, client, db):
    person_with_phone(db)

    response = text_in(client, REPLY, sid=SID)

    assert messages_in(response) == []
    stored = db.scalars(select(InboundMessage)).one()
    assert (stored.provider_message_id, stored.sender, stored.body) == (SID, PHONE, REPLY)
    assert stored.sender_index == blind_index().phone(PHONE)
    raw = db.execute(text("SELECT sender_encrypted, body_encrypted FROM inbound_message")).one()
    for column in raw:
        column = bytes(column)
        assert REPLY.encode() not in column and PHONE.encode() not in column and PHONE[2:].encode() not in column


def test_a_reply_delivered_twice_is_kept_once(twilio_app, client, db):
    first = text_in(client, REPLY, sid=SID)
    second = text_in(client, REPLY, sid=SID)

    assert messages_in(first) == messages_in(second) == []
    assert db.scalar(select(func.count()).select_from(InboundMessage)) == 1


def test_a_reply_delivered_twice_at_the_same_moment_is_kept_once_and_the_rest_of_the_work_stays(db, monkeypatch):
    message = replies.InboundSms(SID, PHONE, REPLY)
    index = blind_index().phone(PHONE)
    assert replies.store_reply(db, message, phone=PHONE, phone_index=index, now=utcnow())
    other_work = add_person(db, a_number="201555002")
    monkeypatch.setattr(db, "scalar", lambda *_args, **_kwargs: None)  # both deliveries saw no row yet

    stored_again = replies.store_reply(db, message, phone=PHONE, phone_index=index, now=utcnow())

    monkeypatch.undo()
    db.commit()
    assert stored_again is False
    assert db.scalar(select(func.count()).select_from(InboundMessage)) == 1
    assert preference_of(db, other_work) is not None


def test_a_reply_that_is_not_a_keyword_changes_no_preference(twilio_app, client, db):
    person_id = person_with_phone(db)

    text_in(client, "stop texting me about this please")

    assert preference_of(db, person_id).opted_out_at is None
    assert opt_out_of(db) is None
    assert db.scalar(select(func.count()).select_from(InboundMessage)) == 1


def test_a_text_without_a_sender_or_message_id_is_ignored(twilio_app, client, db):
    response = post_signed(client, INBOUND, {"Body": "STOP"})

    assert messages_in(response) == []
    assert stored_replies_state(db)[:3] == (0, 0, 0)


# Privacy, limits and length


def test_no_phone_number_or_text_reaches_the_log_or_the_audit_log(twilio_app, client, db):
    first_line = len(LOG_COLLECTOR.lines)
    person_with_phone(db, "fr")
    add_notification(db)
    text_in(client, "ARRÊT", sid="SM" + "8" * 32)
    text_in(client, "AIDE", sid="SM" + "9" * 32)
    text_in(client, REPLY, sid=SID)
    text_in(client, "START", sender=STRANGER, sid="SM" + "a" * 32)
    report(client, "failed", error_code="30005")
    client.post(INBOUND, data={"MessageSid": SID, "From": PHONE, "Body": REPLY}, headers={"X-Twilio-Signature": "x"})

    log = "\n".join(LOG_COLLECTOR.lines[first_line:])
    secrets = [PHONE, PHONE[2:], STRANGER, STRANGER[2:], REPLY]
    assert [value for value in secrets if value in log] == []
    assert "Refused a Twilio webhook without a valid signature" in log
    db.expire_all()
    audit = repr([(event.actor_id, event.subject_id, event.details) for event in db.scalars(select(AuditEvent))])
    assert [value for value in secrets if value in audit] == []


def test_twilios_signed_delivery_reports_are_not_limited(twilio_app, client, db):
    """A large campaign brings thousands of reports a minute from a few Twilio addresses."""
    many = int(WEBHOOK_POSTS_PER_CLIENT.split()[0]) + 1

    answers = {report(client, "sent", sid=f"SM{count:032d}").status_code for count in range(many)}

    assert answers == {204}


def test_unsigned_requests_are_held_to_the_form_limit(twilio_app, client):
    form_limit = int(FORM_POSTS_PER_CLIENT.split()[0])

    answers = [client.post(INBOUND, data={"Body": "hi"}).status_code for _ in range(form_limit + 1)]

    assert answers == [403] * form_limit + [429]


def test_unsigned_requests_do_not_use_up_twilios_share_of_the_same_address(twilio_app, client, db):
    """Behind a proxy every caller may share one client key: strangers posting all they may
    must leave Twilio its whole allowance."""
    form_limit = int(FORM_POSTS_PER_CLIENT.split()[0])
    webhook_limit = int(WEBHOOK_POSTS_PER_CLIENT.split()[0])
    strangers = [client.post(STATUS, data={"MessageSid": SID}).status_code for _ in range(form_limit + 1)]

    signed = [report(client, "sent", sid=f"SM{count:032d}").status_code for count in range(webhook_limit)]

    assert strangers == [403] * form_limit + [429]
    assert signed == [204] * webhook_limit


def test_every_answer_fits_in_two_segments_in_every_language_and_says_nothing_sensitive(app):
    website = "https://notices.agency.example.gov"
    with app.app_context():
        answers = {
            (name, locale): render(locale)
            for locale in SUPPORTED_LOCALES
            for name, render in (
                ("help", lambda locale: replies.help_message(locale, help_phone="1-800-555-0199", website=website)),
                ("opt-out", replies.opt_out_message), ("opt-in", replies.opt_in_message),
            )
        }
    for (name, locale), answer in answers.items():
        assert measure(answer).segments <= 2, (name, locale, answer)
    for (_name, locale), answer in answers.items():
        if locale == "en":
            assert [word for word in SENSITIVE_ENGLISH if word.lower() in answer.lower()] == []
