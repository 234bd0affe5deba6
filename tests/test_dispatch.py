"""The dispatch outbox: one notification per recipient, each sent once, whatever fails."""

from __future__ import annotations

import re
import threading
import time
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from portal.messaging.pace import SharedPace
from portal.messaging.sms import OutboxSmsSender
from portal.messaging.twilio_sms import ProviderMessage, SmsSendError
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
from portal.services import contact, dispatch
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


class ReportingProvider(FakeProvider):
    """A FakeProvider that also answers status questions: `statuses[sid]` as (status, error
    code), "sent" by default; every question fails while `unreachable`. `before_answer(sid)`
    runs between the question and the answer."""

    def __init__(self) -> None:
        super().__init__()
        self.statuses: dict[str, tuple[str, str | None]] = {}
        self.unreachable = False
        self.asked: list[str] = []
        self.before_answer = lambda _sid: None

    def fetch(self, message_id: str) -> ProviderMessage:
        self.asked.append(message_id)
        if self.unreachable:
            raise SmsSendError(code="20500", status=500, retryable=True)
        self.before_answer(message_id)
        status, error_code = self.statuses.get(message_id, ("sent", None))
        sid, _to, body, created = next(message for message in self.accepted if message[0] == message_id)
        return ProviderMessage(sid, body, status, created, error_code)


def check_statuses_at(db, provider, moment: datetime) -> int:
    return dispatch.check_overdue_statuses(db, provider, now=moment)


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


def test_a_person_who_stopped_texts_in_the_portal_after_the_outbox_was_written_is_not_sent_to(db, campaign, people):
    write_all(db, campaign)
    contact.stop_sms(db, people[2], now=utcnow())
    db.commit()
    provider = FakeProvider()

    send_due(db, provider)

    assert provider.count_to(PEOPLE[2][1]) == 0
    cancelled = [row for row in notifications(db) if row.state is NotificationState.CANCELLED]
    assert [(row.person_id, row.error_code) for row in cancelled] == [(people[2], "opted-out")]


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


# Asking the provider when a delivery report is overdue


def sent_campaign(db, campaign) -> tuple[ReportingProvider, list[Notification], datetime]:
    write_all(db, campaign)
    provider = ReportingProvider()
    send_due(db, provider)
    rows = notifications(db)
    assert {row.state for row in rows} == {NotificationState.SENT}
    return provider, rows, max(row.sent_at for row in rows)


def test_a_lost_delivery_report_is_recovered_by_asking_the_provider(db, campaign):
    provider, (first, second, third), sent_at = sent_campaign(db, campaign)
    provider.statuses[first.provider_message_id] = ("delivered", None)
    provider.statuses[second.provider_message_id] = ("undelivered", "30005")

    assert check_statuses_at(db, provider, sent_at + timedelta(minutes=9)) == 0, "not overdue yet"
    assert check_statuses_at(db, provider, sent_at + timedelta(minutes=11)) == len(PEOPLE)

    states = {row.id: (row.state, row.error_code) for row in notifications(db)}
    assert states[first.id] == (NotificationState.DELIVERED, None)
    assert states[second.id] == (NotificationState.UNDELIVERABLE, "30005")
    assert states[third.id] == (NotificationState.SENT, None), "the provider says it is still on its way"
    assert db.get(Notification, first.id).final_at is not None


def test_a_message_still_on_its_way_is_asked_about_less_and_less_often(db, campaign):
    provider, rows, sent_at = sent_campaign(db, campaign)
    for row in rows[:2]:
        provider.statuses[row.provider_message_id] = ("delivered", None)
    check_statuses_at(db, provider, sent_at + timedelta(minutes=11))
    provider.asked.clear()

    assert check_statuses_at(db, provider, sent_at + timedelta(minutes=20)) == 0
    assert check_statuses_at(db, provider, sent_at + timedelta(minutes=23)) == 1  # 11 minutes old: asked 22 later
    assert check_statuses_at(db, provider, sent_at + timedelta(minutes=40)) == 0
    assert provider.asked == [rows[2].provider_message_id]


def test_a_status_check_never_moves_a_delivered_message_back(db, campaign):
    provider, (first, *_rest), sent_at = sent_campaign(db, campaign)
    sid = first.provider_message_id
    provider.statuses[sid] = ("failed", "30008")  # a stale or contrary answer

    def report_arrives_meanwhile(asked_sid: str) -> None:
        # The delivery report comes in (another process) while the provider is being asked;
        # this session still holds the row as it was when it was sent.
        if asked_sid == sid:
            db.execute(update(Notification).where(Notification.id == first.id)
                       .values(state=NotificationState.DELIVERED, delivered_at=sent_at, final_at=sent_at)
                       .execution_options(synchronize_session=False))

    provider.before_answer = report_arrives_meanwhile
    check_statuses_at(db, provider, sent_at + timedelta(minutes=11))

    db.expire_all()
    row = db.get(Notification, first.id)
    assert (row.state, row.error_code) == (NotificationState.DELIVERED, None)
    provider.statuses[sid] = ("sent", None)
    assert check_statuses_at(db, provider, sent_at + timedelta(days=2)) == len(PEOPLE) - 1, "a final row is not asked"
    assert db.get(Notification, first.id).state is NotificationState.DELIVERED


def test_a_provider_error_during_a_status_check_leaves_the_message_for_later(db, campaign):
    provider, rows, sent_at = sent_campaign(db, campaign)
    provider.unreachable = True

    assert check_statuses_at(db, provider, sent_at + timedelta(minutes=11)) == len(PEOPLE)
    assert {row.state for row in notifications(db)} == {NotificationState.SENT}
    assert check_statuses_at(db, provider, sent_at + timedelta(minutes=12)) == 0, "not asked again at once"

    provider.unreachable = False
    for row in rows:
        provider.statuses[row.provider_message_id] = ("delivered", None)
    assert check_statuses_at(db, provider, sent_at + timedelta(minutes=23)) == len(PEOPLE)
    assert {row.state for row in notifications(db)} == {NotificationState.DELIVERED}


def test_status_checks_are_limited_per_call(db, campaign):
    provider, _rows, sent_at = sent_campaign(db, campaign)

    assert dispatch.check_overdue_statuses(db, provider, now=sent_at + timedelta(minutes=11), limit=2) == 2
    assert dispatch.check_overdue_statuses(db, provider, now=sent_at + timedelta(minutes=11), limit=2) == 1


def test_the_local_outbox_reports_its_messages_delivered(db, campaign):
    write_all(db, campaign)
    outbox = OutboxSmsSender(db)
    send_due(db, outbox)
    sent_at = max(row.sent_at for row in notifications(db))

    check_statuses_at(db, outbox, sent_at + timedelta(minutes=11))

    assert {row.state for row in notifications(db)} == {NotificationState.DELIVERED}


# The pace


def test_a_pace_spreads_its_turns_over_the_second_for_every_thread_sharing_it():
    pace, per_second, turns_each = SharedPace(50, "memory://", key_prefix=f"test-{time.time_ns()}-"), 50, 10
    taken: list[float] = []

    def take_turns() -> None:
        for _ in range(turns_each):
            pace.wait_for_turn()
            taken.append(time.monotonic())

    started = time.monotonic()
    threads = [threading.Thread(target=take_turns) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Twenty turns at 50 a second take twenty 20 ms turns: the first may come at the end of
    # its turn, so at least 18 turns pass before the last.
    assert max(taken) - started >= (2 * turns_each - 2) / per_second
