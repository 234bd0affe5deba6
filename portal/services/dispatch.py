"""From an approved campaign to one accepted message per recipient: never none, never two.

The outbox is the `notification` table. Each row moves forward only:

    pending ──claim──▶ sending ──provider accepted──▶ sent ──callback──▶ delivered / failed
       ▲                  │
       └──not accepted────┘ (429, or a 5xx or timeout that reconciliation shows was not accepted)

- **Writing the outbox** (`write_notifications`): one row per audience member, each with a
  fresh notice code whose Argon2id hash is stored; the plain code goes only into the row's
  encrypted text, which is wiped once the provider has accepted the message.
- **Claiming** (`claim_due`) commits `sending` before anything is sent. PostgreSQL workers use
  `FOR UPDATE SKIP LOCKED`; every claim is also a conditional UPDATE, so two workers (or
  SQLite, which has no SKIP LOCKED) can never both claim a row.
- **A row in `sending` without a provider id** means a send may or may not have reached the
  provider: a timeout, a 5xx, or a worker killed mid-send. Before such a row is sent again it
  is reconciled against the provider's messages to that recipient: a message with the same
  text (which holds the one-time notice code, so it cannot be another notice) created after
  the claim means it was accepted, and its id is recorded instead of sending again.
- **Results** are committed for several messages at once (`send_claimed`): each row's claim
  was committed before its send, and a row whose result was lost is reconciled like any other.
- **The sweeper** reconciles rows left in `sending` by dead workers; asks the provider for the
  status of sent messages whose final delivery report is overdue (`STATUS_CHECK_AFTER`,
  default 10 minutes: Twilio does not resend a report our endpoint missed); and gives up on
  messages that got no final status within `FINAL_STATUS_TIMEOUT` (default 72 hours),
  recording a temporary failure.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from portal.messaging.sms import SmsSender
from portal.messaging.twilio_sms import TIMEOUT_CODE, ProviderMessage, SmsSendError
from portal.models import (
    Campaign,
    CampaignState,
    Channel,
    EarlyDeliveryReport,
    NoticeCode,
    Notification,
    NotificationState,
)
from portal.services.audiences import Recipient, recipients
from portal.services.contact import numbers_that_said_stop, people_who_stopped_texts
from portal.services.delivery_status import record_delivery_status
from portal.services.notice_codes import new_notice_codes
from portal.services.schedule import in_quiet_hours

FINAL_STATES = frozenset({NotificationState.DELIVERED, NotificationState.FAILED, NotificationState.UNDELIVERABLE,
                          NotificationState.CANCELLED})
MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=5)
LONGEST_RETRY = timedelta(minutes=30)
STALE_CLAIM = timedelta(minutes=2)  # a `sending` row this old belongs to a dead worker (> 2 send timeouts)
CLAIM_RENEWAL = timedelta(seconds=1)  # how old a batch's claims may get before they are renewed
STATUS_CHECK_AFTER = timedelta(minutes=10)  # a sent message without a final report then is asked about
STATUS_CHECKS_PER_SECOND = 10  # for each sending loop
CLOCK_SKEW = timedelta(minutes=5)  # between our clock and the provider's
WRITE_BATCH = 200
NOTICE_CODE_PLACEHOLDER = "((notice_code))"
PORTAL_URL_PLACEHOLDER = "((portal_url))"


class SendPace(Protocol):
    def wait_for_turn(self) -> None: ...


@dataclass(frozen=True)
class Settings:
    portal_url: str
    final_status_timeout: timedelta = timedelta(hours=72)
    stale_claim: timedelta = STALE_CLAIM
    first_retry: timedelta = FIRST_RETRY
    status_check_after: timedelta = STATUS_CHECK_AFTER
    status_checks_per_second: int = STATUS_CHECKS_PER_SECOND

    @property
    def claim_renewal(self) -> timedelta:
        """How often a sending worker renews its batch's claims: well before they look stale."""
        return min(CLAIM_RENEWAL, self.stale_claim / 4)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Settings:
        return cls(portal_url=config["PUBLIC_BASE_URL"],
                   final_status_timeout=timedelta(hours=config["FINAL_STATUS_TIMEOUT_HOURS"]),
                   stale_claim=timedelta(seconds=config["STALE_CLAIM_SECONDS"]),
                   status_check_after=timedelta(minutes=config["STATUS_CHECK_AFTER_MINUTES"]),
                   status_checks_per_second=config["STATUS_CHECKS_PER_SECOND"])


# Writing the outbox


def write_notifications(db: Session, campaign: Campaign, settings: Settings, *, now: datetime,
                        batch: int = WRITE_BATCH) -> int:
    """Write the next `batch` notifications of an approved campaign and commit; returns how
    many. When none are left to write, the campaign moves on to `sending`.

    The codes are hashed between two short transactions, so no lock is held meanwhile (on
    SQLite a write lock is the whole database); people another worker wrote meanwhile are
    skipped."""
    last = db.scalar(select(Notification.person_id).where(Notification.campaign_id == campaign.id)
                     .order_by(Notification.person_id.desc()).limit(1))
    chosen = list(recipients(db, campaign.audience, campaign.channel, after=last, limit=batch))
    db.commit()
    codes = new_notice_codes(len(chosen))
    written = set(db.scalars(select(Notification.person_id).where(
        Notification.campaign_id == campaign.id, Notification.person_id.in_([r.person_id for r in chosen]))))
    for recipient, (code, code_hash) in zip(chosen, codes, strict=True):
        if recipient.person_id not in written:
            db.add(_notification(db, campaign, recipient, code, code_hash, settings, now))
    if not chosen:
        campaign.state = CampaignState.SENDING
    db.commit()
    return len(chosen)


def _notification(db: Session, campaign: Campaign, recipient: Recipient, code: str, code_hash: str,
                  settings: Settings, now: datetime) -> Notification:
    notice_code = NoticeCode(id=uuid.uuid4(), person_id=recipient.person_id, code_hash=code_hash, issued_at=now)
    db.add(notice_code)
    return Notification(
        campaign_id=campaign.id, person_id=recipient.person_id, notice_code_id=notice_code.id,
        channel=campaign.channel, locale=recipient.locale, state=NotificationState.PENDING,
        recipient=recipient.phone, body=notice_text(campaign, recipient.locale, code, settings.portal_url),
        next_attempt_at=campaign.send_after or now, created_at=now, updated_at=now,
    )


def notice_text(campaign: Campaign, locale: str, code: str, portal_url: str) -> str:
    """The campaign's text in `locale` (English when it has none), its two placeholders filled."""
    template = campaign.templates.get(locale) or campaign.templates["en"]
    return template.replace(NOTICE_CODE_PLACEHOLDER, code).replace(PORTAL_URL_PLACEHOLDER, portal_url)


# Sending


def claim_due(db: Session, worker: str, *, now: datetime, limit: int) -> list[Notification]:
    """Mark up to `limit` due SMS notifications `sending` for this worker, and commit.
    Campaigns in their quiet hours wait."""
    query = (select(Notification.id)
             .where(Notification.state == NotificationState.PENDING, Notification.channel == Channel.SMS,
                    Notification.next_attempt_at <= now)
             .order_by(Notification.next_attempt_at).limit(limit))
    resting = _campaigns_in_quiet_hours(db, now)
    if resting:
        query = query.where(Notification.campaign_id.not_in(resting))
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    # Conditional, so that without SKIP LOCKED (SQLite) two workers still never both win a row.
    claimed = db.execute(
        update(Notification)
        .where(Notification.id.in_(db.scalars(query).all()), Notification.state == NotificationState.PENDING)
        .values(state=NotificationState.SENDING, claimed_by=worker, claimed_at=now,
                attempts=Notification.attempts + 1, updated_at=now)
        .returning(Notification.id)
        .execution_options(synchronize_session=False)
    ).scalars().all()
    db.commit()
    # populate_existing: rows this session saw before the UPDATE must not keep their old state.
    return list(db.scalars(select(Notification).where(Notification.id.in_(claimed))
                           .order_by(Notification.next_attempt_at).execution_options(populate_existing=True)))


def _campaigns_in_quiet_hours(db: Session, now: datetime) -> list[uuid.UUID]:
    sending = db.scalars(select(Campaign).where(Campaign.state == CampaignState.SENDING,
                                                Campaign.quiet_start.is_not(None))).all()
    return [campaign.id for campaign in sending
            if in_quiet_hours(now, start=campaign.quiet_start, end=campaign.quiet_end, zone=campaign.timezone)]


def send_claimed(db: Session, sms: SmsSender, pace: SendPace, notifications: Iterable[Notification], *,
                 worker: str, clock: Callable[[], datetime], first_retry: timedelta = FIRST_RETRY,
                 renew_every: timedelta = CLAIM_RENEWAL, status_check_after: timedelta = STATUS_CHECK_AFTER) -> None:
    """Send each claimed notification once, and record the results.

    Only rows that are still this worker's are sent: a row that waited in the batch long enough
    to look abandoned may meanwhile have been reconciled by another worker, and is then left
    alone. So the claims of the rest of the batch are renewed in one statement before the
    first send and again whenever `renew_every` has passed (far less than a stale claim's age),
    and the results so far are committed with each renewal and at the end: a batch costs a
    few commits, not one a message. A crash before a result is committed leaves its row
    `sending` without a provider id, which is what reconciliation is for."""
    # Each number is decrypted once; the text only when it is sent.
    queue = [(notification, notification.recipient or "") for notification in notifications]
    # Whoever stopped texts after the outbox was written (Twilio itself only honours English
    # keywords): one query each for the batch.
    stopped_numbers = numbers_that_said_stop(db, {recipient for _notification, recipient in queue if recipient})
    stopped_people = people_who_stopped_texts(db, {notification.person_id for notification, _recipient in queue})
    ours: set[uuid.UUID] = set()
    renewed_at: datetime | None = None
    for position, (notification, recipient) in enumerate(queue):
        stopped = recipient in stopped_numbers or notification.person_id in stopped_people
        if not stopped:
            pace.wait_for_turn()
        if renewed_at is None or clock() - renewed_at >= renew_every:
            renewed_at = clock()
            # The UPDATE flushes the results so far, and the commit makes them durable.
            ours = _renew_claims(db, [row for row, _recipient in queue[position:]], worker, renewed_at)
            db.commit()
        if notification.id not in ours:
            continue
        if stopped:
            notification.error_code = "opted-out"
            _finish(notification, NotificationState.CANCELLED, clock())
        else:
            _send_one(sms, notification, recipient, clock, first_retry, status_check_after)
    db.commit()


def _send_one(sms: SmsSender, notification: Notification, recipient: str, clock: Callable[[], datetime],
              first_retry: timedelta, status_check_after: timedelta) -> None:
    try:
        provider_id = sms.send(recipient, notification.body or "")
    except SmsSendError as error:
        _not_accepted(notification, error, clock(), first_retry)
    else:
        _accepted(notification, provider_id, clock(), status_check_after)


def _renew_claims(db: Session, notifications: list[Notification], worker: str, now: datetime) -> set[uuid.UUID]:
    """Renew the claims that are still this worker's and unsent; return their ids."""
    renewed = db.execute(
        update(Notification)
        .where(Notification.id.in_([notification.id for notification in notifications]),
               Notification.state == NotificationState.SENDING, Notification.claimed_by == worker,
               Notification.provider_message_id.is_(None))
        .values(claimed_at=now)
        .returning(Notification.id)
        .execution_options(synchronize_session=False)
    ).scalars()
    return set(renewed)


def _accepted(notification: Notification, provider_id: str, now: datetime, status_check_after: timedelta) -> None:
    notification.provider_message_id = provider_id
    notification.state = NotificationState.SENT
    notification.sent_at = now
    # From here on, when to ask the provider for a status if no final report has come.
    notification.next_attempt_at = now + status_check_after
    # The plain notice code now exists only in the message, and the number is no longer needed.
    notification.body = None
    notification.recipient = None
    notification.error_code = None


def _not_accepted(notification: Notification, error: SmsSendError, now: datetime, first_retry: timedelta) -> None:
    notification.error_code = error.code
    if not error.retryable:
        _finish(notification, NotificationState.UNDELIVERABLE, now)
    elif error.status == 429 and notification.attempts >= MAX_ATTEMPTS:
        _finish(notification, NotificationState.FAILED, now)
    elif error.status == 429:
        _retry_later(notification, now, first_retry)
    # Otherwise (a 5xx or a timeout) the provider may have accepted it: the row stays
    # `sending` until reconciliation says whether it did, and counts the attempts then.


def _retry_later(notification: Notification, now: datetime, first_retry: timedelta = FIRST_RETRY) -> None:
    delay = min(first_retry * 2 ** max(notification.attempts - 1, 0), LONGEST_RETRY)
    notification.state = NotificationState.PENDING
    notification.next_attempt_at = now + delay
    notification.claimed_by = None


def _finish(notification: Notification, state: NotificationState, now: datetime) -> None:
    notification.state = state
    notification.final_at = now
    notification.body = None
    notification.recipient = None


# Recovering


def reconcile_unconfirmed(db: Session, sms: SmsSender, *, now: datetime, worker: str | None = None,
                          stale_after: timedelta = STALE_CLAIM, first_retry: timedelta = FIRST_RETRY,
                          status_check_after: timedelta = STATUS_CHECK_AFTER) -> int:
    """Settle `sending` rows that have no provider id: this worker's own answered failures at
    once, timed-out sends and other workers' rows once they are `stale_after` old. Returns how
    many were settled. No transaction stays open while the provider is asked."""
    query = select(Notification).where(Notification.state == NotificationState.SENDING,
                                       Notification.provider_message_id.is_(None))
    stale = Notification.claimed_at < now - stale_after
    # A send that got a 5xx was answered: nothing of it is still on its way, so this worker may
    # settle it at once. A timed-out send may still reach the provider, so it waits as long as
    # another worker's claim would, and a second message cannot cross the first.
    answered = (Notification.claimed_by == worker) & (func.coalesce(Notification.error_code, "") != TIMEOUT_CODE)
    query = query.where(answered | stale) if worker else query.where(stale)
    unsure = db.scalars(query.limit(WRITE_BATCH).execution_options(populate_existing=True)).all()
    db.commit()
    settled = 0
    for notification in unsure:
        try:
            found = _accepted_copy(notification, sms.messages_to(notification.recipient or ""))
        except SmsSendError:
            continue  # the provider cannot tell us now; the next pass asks again
        if found:
            _accepted(notification, found.sid, now, status_check_after)
        elif notification.attempts >= MAX_ATTEMPTS:
            _finish(notification, NotificationState.FAILED, now)
        else:
            _retry_later(notification, now, first_retry)
        db.commit()
        settled += 1
    return settled


def _accepted_copy(notification: Notification, messages: list[ProviderMessage]) -> ProviderMessage | None:
    claimed_at = notification.claimed_at
    for message in messages:
        recent = message.created_at is None or claimed_at is None or message.created_at >= claimed_at - CLOCK_SKEW
        if recent and message.body == notification.body:
            return message
    return None


def check_overdue_statuses(db: Session, sms: SmsSender, *, now: datetime,
                           check_after: timedelta = STATUS_CHECK_AFTER, limit: int = STATUS_CHECKS_PER_SECOND) -> int:
    """Ask the provider about up to `limit` messages whose final delivery report is overdue,
    and apply each answer as the report itself would have been applied (forward only): a lost
    report then costs minutes instead of the final-status timeout. A message still not final,
    or one the provider cannot tell us about now, is asked about again once as much time again
    has passed (after 10, 20, 40 minutes, ...), so handsets that stay off for days cost few
    questions. Returns how many were asked. No transaction stays open while the provider is
    asked."""
    overdue = db.execute(
        select(Notification.id, Notification.provider_message_id, Notification.sent_at)
        .where(Notification.state.in_([NotificationState.SENDING, NotificationState.SENT]),
               Notification.provider_message_id.is_not(None), Notification.next_attempt_at <= now)
        .order_by(Notification.next_attempt_at).limit(limit)).all()
    db.commit()
    for notification_id, message_sid, sent_at in overdue:
        try:
            message = sms.fetch(message_sid)
        except SmsSendError:
            pass  # asked again later, like a message still on its way
        else:
            record_delivery_status(db, message_sid, message.status, message.error_code, now=now)
        ask_again = now + max(check_after, now - (sent_at or now))
        db.execute(update(Notification).where(Notification.id == notification_id)
                   .values(next_attempt_at=ask_again).execution_options(synchronize_session=False))
        db.commit()
    return len(overdue)


def time_out_silent_messages(db: Session, settings: Settings, *, now: datetime) -> int:
    """Sent messages with no final status after the configured time: a temporary failure.
    Held reports that never matched a message are dropped after the same time."""
    too_old = now - settings.final_status_timeout
    silent = db.scalars(select(Notification).where(
        Notification.state == NotificationState.SENT, Notification.sent_at < too_old).limit(WRITE_BATCH)).all()
    for notification in silent:
        notification.error_code = "no-final-status"
        _finish(notification, NotificationState.FAILED, now)
    db.execute(delete(EarlyDeliveryReport).where(EarlyDeliveryReport.received_at < too_old))
    db.commit()
    return len(silent)


def complete_finished_campaigns(db: Session, *, now: datetime) -> int:
    """Campaigns in `sending` whose every notification has reached a final state."""
    open_rows = select(Notification.id).where(Notification.campaign_id == Campaign.id,
                                              Notification.state.not_in(FINAL_STATES)).exists()
    finished = db.scalars(select(Campaign).where(Campaign.state == CampaignState.SENDING, ~open_rows)).all()
    for campaign in finished:
        campaign.state = CampaignState.COMPLETED
        campaign.completed_at = now
    db.commit()
    return len(finished)
