"""The dispatch outbox: one notification per recipient, each sent once, whatever fails."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.models import (
    Campaign,
    CampaignState,
    ContactPreference,
    EarlyDeliveryReport,
    NoticeCode,
    Notification,
    NotificationState,
    SmsOptOut,
    utcnow,
)
from portal.security.a_numbers import normalise_a_number
from portal.security.context import blind_index
from portal.services import dispatch
from portal.services.delivery_status import apply_held_reports, record_delivery_status
from portal.services.verification import IdentityClaim, verify_notice_code
from tests.campaigns import FakeProvider, NoPace, add_approved_campaign
from tests.factories import add_person

NOTICE_CODE_PATTERN = re.compile(r"[0-9A-Z]{5}-[0-9A-Z]{5}")
SETTINGS = dispatch.Settings(portal_url="https://help.example")
PEOPLE = [("201555001", "+16195550142", "en"), ("201555002", "+16195550143", "es"), ("201555003", "+16195550144", "fr")]


@pytest.fixture
def people(db):
    ids = [add_person(db, a_number=a_number, phone=phone, preferred_language=language)
           for a_number, phone, language in PEOPLE]
    db.commit()
    return ids


@pytest.fixture
def campaign(db, people):
    return add_approved_campaign(db)


def write_all(db, campaign):
    while dispatch.write_notifications(db, campaign, SETTINGS, now=utcnow(), batch=2):
        pass


def send_due(db, provider, worker="worker-1"):
    claimed = dispatch.claim_due(db, worker, now=utcnow(), limit=50)
    dispatch.send_claimed(db, provider, NoPace(), claimed, worker=worker, clock=utcnow)
    apply_held_reports(db, now=utcnow())  # as every worker pass does
    db.commit()
    return claimed


def notifications(db):
    db.expire_all()
    return db.scalars(select(Notification).order_by(Notification.created_at)).all()


def test_the_outbox_holds_one_notification_per_recipient_with_a_hashed_notice_code(db, campaign, people):
    write_all(db, campaign)

    rows = notifications(db)
    assert sorted(row.person_id for row in rows) == sorted(people)
    assert db.get(Campaign, campaign.id).state is CampaignState.SENDING
    for row in rows:
        code = NOTICE_CODE_PATTERN.search(row.body).group(0)
        stored = db.get(NoticeCode, row.notice_code_id)
        assert stored.code_hash.startswith("$argon2id$") and code not in stored.code_hash
        assert "https://help.example" in row.body
    spanish = next(row for row in rows if row.locale == "es")
    assert spanish.body.startswith("Hay un aviso")
    french = next(row for row in rows if row.locale == "fr")
    assert french.body.startswith("A notice"), "a language without a text gets the English one"


def test_writing_again_adds_nobody_twice(db, campaign):
    write_all(db, campaign)
    campaign.state = CampaignState.APPROVED

    assert dispatch.write_notifications(db, campaign, SETTINGS, now=utcnow()) == 0
    assert len(notifications(db)) == len(PEOPLE)


def test_each_accepted_message_is_recorded_and_its_text_wiped(db, campaign):
    write_all(db, campaign)
    provider = FakeProvider()

    send_due(db, provider)

    for row in notifications(db):
        assert row.state is NotificationState.SENT
        assert row.provider_message_id.startswith("SM")
        assert row.body is None and row.body_encrypted is None
    assert sorted(to for _sid, to, _body, _at in provider.accepted) == sorted(phone for _a, phone, _l in PEOPLE)


def test_the_code_in_the_message_signs_the_person_in(db, campaign, people):
    write_all(db, campaign)
    provider = FakeProvider()
    send_due(db, provider)

    _sid, _to, body, _at = next(message for message in provider.accepted if message[1] == PEOPLE[0][1])
    code = NOTICE_CODE_PATTERN.search(body).group(0)
    claim = IdentityClaim(normalise_a_number(PEOPLE[0][0]), date(1990, 3, 15))
    assert verify_notice_code(db, claim, code, now=utcnow()) == people[0]


def test_a_429_puts_the_message_back_for_later(db, campaign):
    write_all(db, campaign)
    provider = FakeProvider()
    provider.script = ["429"]

    send_due(db, provider)

    waiting = [row for row in notifications(db) if row.state is NotificationState.PENDING]
    assert len(waiting) == 1
    assert waiting[0].next_attempt_at > utcnow() and waiting[0].error_code == "429"
    assert waiting[0].body is not None


@pytest.mark.parametrize("outcome", ["timeout-accepted", "500", "timeout-lost"])
def test_an_unanswered_send_is_reconciled_before_it_is_sent_again(db, campaign, outcome):
    write_all(db, campaign)
    provider = FakeProvider()
    provider.script = [outcome]
    send_due(db, provider)
    unsure = [row for row in notifications(db) if row.state is NotificationState.SENDING]
    assert len(unsure) == 1 and unsure[0].provider_message_id is None
    phone = unsure[0].recipient

    if outcome.startswith("timeout"):
        # A timed-out send may still be on its way: not settled until a claim would be stale.
        assert dispatch.reconcile_unconfirmed(db, provider, now=utcnow(), worker="worker-1") == 0
    later = utcnow() + (dispatch.STALE_CLAIM + timedelta(seconds=1) if outcome.startswith("timeout") else timedelta())
    dispatch.reconcile_unconfirmed(db, provider, now=later, worker="worker-1")
    for row in notifications(db):
        row.next_attempt_at = utcnow()
    db.commit()
    send_due(db, provider)

    assert provider.count_to(phone) == 1
    assert all(row.state is NotificationState.SENT for row in notifications(db))


def test_a_dead_workers_send_is_reconciled_by_another_worker_without_sending_again(db, campaign):
    write_all(db, campaign)
    provider = FakeProvider()
    claimed = dispatch.claim_due(db, "dead-worker", now=utcnow(), limit=1)
    provider.send(claimed[0].recipient, claimed[0].body)  # accepted, then the worker died
    claimed[0].claimed_at = utcnow() - timedelta(minutes=10)
    db.commit()

    assert dispatch.reconcile_unconfirmed(db, provider, now=utcnow(), worker="worker-2") == 1
    send_due(db, provider, worker="worker-2")

    assert all(provider.count_to(phone) == 1 for _a, phone, _l in PEOPLE)
    assert all(row.state is NotificationState.SENT for row in notifications(db))


def test_a_fresh_claim_of_another_worker_is_left_alone(db, campaign):
    write_all(db, campaign)
    dispatch.claim_due(db, "busy-worker", now=utcnow(), limit=1)

    assert dispatch.reconcile_unconfirmed(db, FakeProvider(), now=utcnow(), worker="worker-2") == 0


def test_a_row_is_claimed_by_one_worker_only(db, campaign):
    write_all(db, campaign)

    first = dispatch.claim_due(db, "worker-1", now=utcnow(), limit=2)
    second = dispatch.claim_due(db, "worker-2", now=utcnow(), limit=50)

    assert len(first) == 2 and len(second) == 1
    assert not {row.id for row in first} & {row.id for row in second}


@pytest.mark.parametrize("code", ["21211", "21610", "21614"])
def test_a_permanent_error_is_final_and_not_retried(db, campaign, code):
    write_all(db, campaign)
    provider = FakeProvider()
    provider.script = [code]

    send_due(db, provider)
    send_due(db, provider)

    failed = [row for row in notifications(db) if row.state is NotificationState.UNDELIVERABLE]
    assert len(failed) == 1
    assert failed[0].error_code == code and failed[0].final_at is not None
    assert failed[0].body is None and failed[0].recipient is None
    assert len(provider.accepted) == len(PEOPLE) - 1


def test_a_message_without_a_final_status_times_out_as_a_temporary_failure(db, campaign):
    write_all(db, campaign)
    send_due(db, FakeProvider())

    assert dispatch.time_out_silent_messages(db, SETTINGS, now=utcnow() + timedelta(hours=71)) == 0
    assert dispatch.time_out_silent_messages(db, SETTINGS, now=utcnow() + timedelta(hours=73)) == len(PEOPLE)
    assert {(row.state, row.error_code) for row in notifications(db)} == {(NotificationState.FAILED,
                                                                           "no-final-status")}
    assert dispatch.complete_finished_campaigns(db, now=utcnow()) == 1
    assert db.get(Campaign, campaign.id).state is CampaignState.COMPLETED


def test_opted_out_people_are_not_in_an_sms_audience(db, people):
    preference = db.scalars(select(ContactPreference).where(ContactPreference.person_id == people[1])).one()
    preference.opted_out_at = utcnow()
    db.commit()
    campaign = add_approved_campaign(db)

    write_all(db, campaign)

    assert people[1] not in {row.person_id for row in notifications(db)}
    assert len(notifications(db)) == len(PEOPLE) - 1


def test_a_number_that_said_stop_after_the_outbox_was_written_is_not_sent_to(db, campaign):
    write_all(db, campaign)
    db.add(SmsOptOut(phone_index=blind_index().phone(PEOPLE[1][1]), opted_out_at=utcnow(), keyword="PARA"))
    db.commit()
    provider = FakeProvider()

    send_due(db, provider)

    assert provider.count_to(PEOPLE[1][1]) == 0
    cancelled = [row for row in notifications(db) if row.state is NotificationState.CANCELLED]
    assert [(row.error_code, row.body) for row in cancelled] == [("opted-out", None)]


def test_a_delivery_report_that_comes_before_the_message_id_is_recorded_is_held_and_applied(db, campaign):
    write_all(db, campaign)
    provider = FakeProvider()
    first_sid = f"SM{1:032x}"
    record_delivery_status(db, first_sid, "delivered", None, now=utcnow())  # the callback wins the race
    db.commit()
    assert db.get(EarlyDeliveryReport, first_sid) is not None

    send_due(db, provider)

    delivered = [row for row in notifications(db) if row.state is NotificationState.DELIVERED]
    assert [row.provider_message_id for row in delivered] == [first_sid]
    assert db.get(EarlyDeliveryReport, first_sid) is None


@pytest.mark.parametrize(("first", "second"), [("sent", "delivered"), ("delivered", "sent")])
def test_two_early_reports_for_one_message_keep_the_furthest(db, first, second):
    sid = "SM" + "7" * 32
    for status in (first, second):  # as two webhook requests, each with its own session state
        record_delivery_status(db, sid, status, None, now=utcnow())
        db.commit()
        db.expunge_all()

    assert db.get(EarlyDeliveryReport, sid).provider_status == "delivered"
