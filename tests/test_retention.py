"""Retention (`flask purge`): what is deleted once its purpose ended long enough ago, and what
the audit and the remedies keep."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.models import (
    AuditEvent,
    Campaign,
    CampaignState,
    Channel,
    CodePurpose,
    ContactChannel,
    ContactPreference,
    InboundMessage,
    InterpreterCallRequest,
    LetterRequest,
    Notification,
    NotificationState,
    OneTimeCode,
    OutboxMessage,
    PersonRemedy,
    RemedyEvent,
    RemedyStatus,
    SmsOptOut,
    StaffRole,
    utcnow,
)
from portal.security.context import blind_index
from portal.services.audiences import recipients
from portal.services.audit import verify_chain
from portal.services.remedies import request_remedy
from portal.services.retention import PURGE_ACTION, RULES, purge
from tests.campaigns import TEMPLATES, add_staff
from tests.factories import add_person

NOW = utcnow()
LONG_AGO = NOW - timedelta(days=120)  # beyond the default 90 days
RECENTLY = NOW - timedelta(days=30)
PHONE, OTHER_PHONE = "+16195550142", "+12135550187"
SENT_TEXT = "A notice about your case is ready. Sign in with code ABCD-EFGH."


def add_campaign(db, state: CampaignState, completed_at) -> Campaign:
    creator, approver = add_staff(db, StaffRole.NOTIFIER), add_staff(db, StaffRole.APPROVER)
    campaign = Campaign(name="Notice", channel=Channel.SMS, templates=TEMPLATES, audience={}, state=state,
                        created_by_id=creator.id, approved_by_id=approver.id, decided_at=LONG_AGO,
                        completed_at=completed_at)
    db.add(campaign)
    db.flush()
    return campaign


def add_notification(db, campaign: Campaign, person_id, state: NotificationState, *, text: bool) -> Notification:
    notification = Notification(campaign_id=campaign.id, person_id=person_id, channel=Channel.SMS, locale="en",
                                state=state, provider_message_id=f"SM{uuid.uuid4().hex}", attempts=1,
                                error_code="21211" if state is NotificationState.UNDELIVERABLE else None)
    if text:
        notification.recipient, notification.body = PHONE, SENT_TEXT
    db.add(notification)
    return notification


def add_reply(db, *, received_at, handled_at) -> InboundMessage:
    reply = InboundMessage(provider_message_id=f"SM{uuid.uuid4().hex}", sender_index=blind_index().phone(PHONE),
                           received_at=received_at, handled_at=handled_at)
    reply.sender, reply.body = PHONE, "Where do I sign in?"
    db.add(reply)
    return reply


def add_call_back(db, *, called_at) -> InterpreterCallRequest:
    request = InterpreterCallRequest(language="mam", phone=OTHER_PHONE, created_at=LONG_AGO, called_at=called_at)
    db.add(request)
    return request


def stop_texts(db, person_id, *, at) -> ContactPreference:
    preference = db.scalar(select(ContactPreference).where(ContactPreference.person_id == person_id))
    preference.channel, preference.phone = ContactChannel.SMS, OTHER_PHONE
    preference.phone_index, preference.phone_verified_at = blind_index().phone(OTHER_PHONE), LONG_AGO
    preference.postal_address, preference.opted_out_at = "1 Main Street, San Diego CA 92101", at
    db.add(SmsOptOut(phone_index=blind_index().phone(OTHER_PHONE), opted_out_at=at, keyword="STOP"))
    return preference


def add_one_time_code(db, *, expires_at) -> OneTimeCode:
    code = OneTimeCode(a_number_index=blind_index().a_number("201555001"), purpose=CodePurpose.IDENTIFY,
                       code_hash="not-a-real-hash", created_at=expires_at - timedelta(minutes=10),
                       expires_at=expires_at)
    code.phone = PHONE
    db.add(code)
    return code


def add_letter_request(db, *, resolved_at) -> LetterRequest:
    request = LetterRequest(a_number_index=blind_index().a_number("201555001"), created_at=LONG_AGO,
                            resolved_at=resolved_at)
    request.claimed_date_of_birth = LONG_AGO.date()
    db.add(request)
    return request


def add_outbox_message(db, *, created_at) -> OutboxMessage:
    message = OutboxMessage(created_at=created_at)
    message.recipient, message.body = PHONE, "Your code is 123456."
    db.add(message)
    return message


@pytest.fixture
def stored(db):
    """One of everything the rules look at: due for deletion, too recent, or not done yet."""
    stopped_long_ago = add_person(db)
    stopped_recently = add_person(db, a_number="201555002", phone=OTHER_PHONE)
    request_remedy(db, stopped_long_ago, "release_review", actor_type="person", actor_id=str(stopped_long_ago),
                   now=LONG_AGO)
    done_long_ago = add_campaign(db, CampaignState.COMPLETED, LONG_AGO)
    done_recently = add_campaign(db, CampaignState.COMPLETED, RECENTLY)
    still_sending = add_campaign(db, CampaignState.SENDING, None)
    items = {
        "old_failed": add_notification(db, done_long_ago, stopped_long_ago, NotificationState.UNDELIVERABLE, text=True),
        "old_delivered": add_notification(db, done_long_ago, stopped_recently, NotificationState.DELIVERED, text=False),
        "recent_failed": add_notification(db, done_recently, stopped_long_ago, NotificationState.FAILED, text=True),
        "sending": add_notification(db, still_sending, stopped_long_ago, NotificationState.PENDING, text=True),
        "reply_handled_long_ago": add_reply(db, received_at=LONG_AGO, handled_at=LONG_AGO + timedelta(days=1)),
        "reply_handled_recently": add_reply(db, received_at=LONG_AGO, handled_at=RECENTLY),
        "reply_unhandled": add_reply(db, received_at=LONG_AGO, handled_at=None),
        "called_long_ago": add_call_back(db, called_at=LONG_AGO),
        "called_recently": add_call_back(db, called_at=RECENTLY),
        "not_called": add_call_back(db, called_at=None),
        "stopped_long_ago": stop_texts(db, stopped_long_ago, at=LONG_AGO),
        "code_expired_long_ago": add_one_time_code(db, expires_at=LONG_AGO),
        "code_expired_recently": add_one_time_code(db, expires_at=RECENTLY),
        "letter_resolved_long_ago": add_letter_request(db, resolved_at=LONG_AGO),
        "letter_resolved_recently": add_letter_request(db, resolved_at=RECENTLY),
        "letter_unresolved": add_letter_request(db, resolved_at=None),
        "outbox_old": add_outbox_message(db, created_at=LONG_AGO),
        "outbox_recent": add_outbox_message(db, created_at=RECENTLY),
    }
    recent_preference = db.scalar(select(ContactPreference).where(ContactPreference.person_id == stopped_recently))
    recent_preference.phone, recent_preference.phone_index = OTHER_PHONE, blind_index().phone("+12135550188")
    recent_preference.phone_verified_at, recent_preference.opted_out_at = LONG_AGO, RECENTLY
    items["stopped_recently"] = recent_preference
    db.commit()
    return {"ids": {name: item.id for name, item in items.items()}, "person": stopped_long_ago}


EXPECTED_COUNTS = {
    "campaign_texts": 1, "replies": 1, "interpreter_numbers": 1, "stopped_numbers": 1,
    "expired_one_time_codes": 1, "letter_request_birth_dates": 1, "outbox_messages": 1,
}


def fresh(db, model, row_id):
    db.expire_all()
    return db.get(model, row_id)


def audit_events(db, action: str) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_every_rule_is_counted_in_the_report():
    assert {rule.name for rule in RULES} == set(EXPECTED_COUNTS)


def test_a_dry_run_counts_and_changes_nothing(db, stored):
    events_before = db.scalar(select(func.count()).select_from(AuditEvent))

    report = purge(db, retention_days=90, now=NOW, dry_run=True)
    db.rollback()

    assert report.counts == EXPECTED_COUNTS
    assert report.unhandled_old_replies == 1
    ids = stored["ids"]
    assert fresh(db, Notification, ids["old_failed"]).body == SENT_TEXT
    assert fresh(db, InboundMessage, ids["reply_handled_long_ago"]) is not None
    assert fresh(db, ContactPreference, ids["stopped_long_ago"]).phone == OTHER_PHONE
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == events_before


def test_a_purge_deletes_what_served_its_purpose_long_enough_ago(db, stored):
    report = purge(db, retention_days=90, now=NOW)
    db.commit()

    assert report.counts == EXPECTED_COUNTS
    ids = stored["ids"]
    old_failed = fresh(db, Notification, ids["old_failed"])
    assert old_failed.recipient is None and old_failed.body is None
    assert fresh(db, InboundMessage, ids["reply_handled_long_ago"]) is None
    assert fresh(db, InterpreterCallRequest, ids["called_long_ago"]).phone is None
    stopped = fresh(db, ContactPreference, ids["stopped_long_ago"])
    assert (stopped.phone, stopped.phone_index, stopped.phone_verified_at) == (None, None, None)
    assert fresh(db, OneTimeCode, ids["code_expired_long_ago"]) is None
    assert fresh(db, LetterRequest, ids["letter_resolved_long_ago"]).claimed_date_of_birth is None
    assert fresh(db, OutboxMessage, ids["outbox_old"]) is None


def test_a_purge_keeps_what_is_too_recent_or_not_done(db, stored):
    purge(db, retention_days=90, now=NOW)
    db.commit()

    ids = stored["ids"]
    for name in ("recent_failed", "sending"):  # a campaign done too recently, and one still sending
        kept = fresh(db, Notification, ids[name])
        assert (kept.recipient, kept.body) == (PHONE, SENT_TEXT)
    assert fresh(db, InboundMessage, ids["reply_handled_recently"]).body == "Where do I sign in?"
    assert fresh(db, InboundMessage, ids["reply_unhandled"]).sender == PHONE
    assert fresh(db, InterpreterCallRequest, ids["called_recently"]).phone == OTHER_PHONE
    assert fresh(db, InterpreterCallRequest, ids["not_called"]).phone == OTHER_PHONE
    assert fresh(db, ContactPreference, ids["stopped_recently"]).phone == OTHER_PHONE
    assert fresh(db, OneTimeCode, ids["code_expired_recently"]).phone == PHONE
    assert fresh(db, LetterRequest, ids["letter_resolved_recently"]).claimed_date_of_birth is not None
    assert fresh(db, LetterRequest, ids["letter_unresolved"]).claimed_date_of_birth is not None
    assert fresh(db, OutboxMessage, ids["outbox_recent"]).body == "Your code is 123456."


def test_a_purge_keeps_what_the_audit_and_the_remedies_need(db, stored):
    purge(db, retention_days=90, now=NOW)
    db.commit()

    ids, person_id = stored["ids"], stored["person"]
    # The proof of each notice, minus its text.
    old_failed = fresh(db, Notification, ids["old_failed"])
    assert (old_failed.state, old_failed.error_code, old_failed.attempts) == (NotificationState.UNDELIVERABLE,
                                                                              "21211", 1)
    assert old_failed.provider_message_id.startswith("SM")
    # The remedy and its dated history.
    remedy = db.scalar(select(PersonRemedy).where(PersonRemedy.person_id == person_id,
                                                  PersonRemedy.status == RemedyStatus.REQUESTED))
    assert [step.status for step in db.scalars(select(RemedyEvent).where(
        RemedyEvent.person_remedy_id == remedy.id))] == [RemedyStatus.REQUESTED]
    # The opt-out still holds: the channel, its time and the number's own record stay, and
    # the person is still in no text audience.
    stopped = fresh(db, ContactPreference, ids["stopped_long_ago"])
    assert (stopped.channel, stopped.opted_out_at) == (ContactChannel.SMS, LONG_AGO)
    assert stopped.postal_address == "1 Main Street, San Diego CA 92101"
    assert db.get(SmsOptOut, blind_index().phone(OTHER_PHONE)).opted_out_at == LONG_AGO
    assert person_id not in {recipient.person_id for recipient in recipients(db, {}, Channel.SMS)}
    # The audit log: intact, with one event that holds counts only.
    assert verify_chain(db).ok
    [event] = audit_events(db, PURGE_ACTION)
    assert event.actor_type == "system" and event.subject_id is None
    assert {name: event.details[name] for name in EXPECTED_COUNTS} == EXPECTED_COUNTS
    assert set(event.details) == {*EXPECTED_COUNTS, "retention_days", "cutoff"}


def test_a_second_purge_deletes_nothing_and_records_nothing(db, stored):
    purge(db, retention_days=90, now=NOW)
    db.commit()

    again = purge(db, retention_days=90, now=NOW)
    db.commit()

    assert again.total == 0
    assert len(audit_events(db, PURGE_ACTION)) == 1
    assert verify_chain(db).ok


def test_a_longer_retention_keeps_everything_for_longer(db, stored):
    assert purge(db, retention_days=365, now=NOW, dry_run=True).total == 0


def test_the_command_reports_counts_then_purges_once(runner, db, stored):
    dry = runner.invoke(args=["purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Dry run: 7 would be deleted; nothing was changed." in dry.output
    assert "replies staff handled" in dry.output
    assert "Kept: 1 replies older than that which no one has handled yet." in dry.output
    assert fresh(db, InboundMessage, stored["ids"]["reply_handled_long_ago"]) is not None

    done = runner.invoke(args=["purge"])
    assert done.exit_code == 0, done.output
    assert "Deleted 7; the counts are in the audit log." in done.output
    assert fresh(db, InboundMessage, stored["ids"]["reply_handled_long_ago"]) is None

    again = runner.invoke(args=["purge"])
    assert "Nothing to delete." in again.output
    assert PHONE not in dry.output + done.output + again.output


def test_the_command_takes_another_number_of_days(runner, stored):
    result = runner.invoke(args=["purge", "--dry-run", "--days", "365"])
    assert "Retention 365 days" in result.output and "Dry run: 0 would be deleted" in result.output


def test_a_retention_of_less_than_a_day_is_refused(tmp_path):
    from portal.config import ConfigurationError
    from tests.conftest import build_app

    with pytest.raises(ConfigurationError, match="RETENTION_DAYS must be at least 1"):
        build_app(f"sqlite:///{tmp_path / 'never.sqlite3'}", RETENTION_DAYS=0)
