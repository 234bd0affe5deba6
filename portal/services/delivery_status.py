"""What a provider's delivery report does to a notification.

Twilio reports a message's status in callbacks that may come late, twice or out of order
(DESIGN.md §7), so a report only ever moves a notification forward:

    queued, accepted, scheduled, sending  →  SENDING                    (rank 1)
    sent                                  →  SENT                       (rank 2)
    delivered (or read)                   →  DELIVERED                  (rank 3, final)
    undelivered, failed, canceled         →  FAILED or UNDELIVERABLE    (rank 3, final)

A report of a rank no higher than the notification's is ignored: a late `sent` never
overwrites `delivered`, a repeated report changes nothing, and the first final report wins
(a `delivered` after `failed` is ignored too). CANCELLED, which staff set, is final as well.
Unknown statuses are ignored.

A failure is UNDELIVERABLE when Twilio's error code says the number itself cannot get texts
(UNDELIVERABLE_ERRORS: not a valid number, not a mobile, unknown handset, a landline, or the
recipient said STOP), and FAILED otherwise, including 30003 "unreachable handset": it usually
means a phone switched off or out of coverage, common for people just released or removed,
and a later notice may reach it. Either way the error code is kept.

A report can arrive before the worker has committed the message id its send returned; it
is then held in `early_delivery_report` and applied when the id is recorded.

`state_for`, `is_forward`, `failure_reason` and `apply_status` are pure."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.models import EarlyDeliveryReport, Notification, NotificationState

FINAL_RANK = 3
STATE_RANK = {
    NotificationState.PENDING: 0,
    NotificationState.SENDING: 1,
    NotificationState.SENT: 2,
    NotificationState.DELIVERED: FINAL_RANK,
    NotificationState.FAILED: FINAL_RANK,
    NotificationState.UNDELIVERABLE: FINAL_RANK,
    NotificationState.CANCELLED: FINAL_RANK,
}
_PROGRESS = {
    "queued": NotificationState.SENDING,
    "accepted": NotificationState.SENDING,
    "scheduled": NotificationState.SENDING,
    "sending": NotificationState.SENDING,
    "sent": NotificationState.SENT,
    "delivered": NotificationState.DELIVERED,
    "read": NotificationState.DELIVERED,  # RCS and WhatsApp: read implies delivered
}
FAILURE_STATUSES = frozenset({"undelivered", "failed", "canceled"})
# Twilio error codes meaning the number can never get our texts; any other failure is FAILED.
UNDELIVERABLE_ERRORS = frozenset({
    21211,  # invalid 'To' number
    21610,  # the recipient replied STOP
    21614,  # 'To' is not a mobile number
    30005,  # unknown destination handset: the number does not exist
    30006,  # landline or unreachable carrier
})
# Short reasons for staff, from Twilio's error dictionary; nothing about the recipient.
ERROR_REASONS = {
    21211: "invalid number", 21610: "recipient unsubscribed", 21614: "not a mobile number",
    30001: "queue overflow", 30002: "account suspended", 30003: "unreachable handset",
    30004: "message blocked", 30005: "unknown handset", 30006: "landline or unreachable carrier",
    30007: "carrier filtering", 30008: "unknown error",
}
ERROR_CODE_LENGTH = 20


def state_for(provider_status: str, error_code: str | None = None) -> NotificationState | None:
    """The notification state a provider status means, or None for a status we ignore."""
    status = provider_status.strip().lower()
    if status not in FAILURE_STATUSES:
        return _PROGRESS.get(status)
    if _code(error_code) in UNDELIVERABLE_ERRORS:
        return NotificationState.UNDELIVERABLE
    return NotificationState.FAILED


def is_forward(current: NotificationState, target: NotificationState) -> bool:
    """Whether moving from `current` to `target` is a step forward (never sideways or back)."""
    return STATE_RANK[target] > STATE_RANK[current]


def failure_reason(provider_status: str, error_code: str | None) -> str:
    """What staff read about a failure: the provider's status and, if known, the code's meaning."""
    meaning = ERROR_REASONS.get(_code(error_code) or 0)
    status = provider_status.strip().lower()
    return f"{status}: {meaning}" if meaning else status


def apply_status(
    notification: Notification, provider_status: str, error_code: str | None, *, now: datetime
) -> bool:
    """Move `notification` to what the provider reports if that is a step forward, setting
    the times and (for failures) the error; return whether anything changed."""
    target = state_for(provider_status, error_code)
    if target is None or not is_forward(notification.state, target):
        return False
    notification.state = target
    if target in (NotificationState.SENT, NotificationState.DELIVERED):
        notification.sent_at = notification.sent_at or now
    if target is NotificationState.DELIVERED:
        notification.delivered_at = now
    elif STATE_RANK[target] == FINAL_RANK:
        notification.error_code = (error_code or "").strip()[:ERROR_CODE_LENGTH] or None
        notification.error_reason = failure_reason(provider_status, error_code)
    if STATE_RANK[target] == FINAL_RANK:
        notification.final_at = now
    return True


def record_delivery_status(
    db: Session, message_sid: str, provider_status: str, error_code: str | None, *, now: datetime
) -> bool:
    """Apply one delivery report to the notification the provider knows as `message_sid`.
    A report for a SID not recorded yet is held (`hold_early_report`) and returns False. The
    row is locked (on PostgreSQL) so two reports for one message arriving at once are applied
    one after the other, and read afresh: the session may hold an older copy (the worker's
    status checks). Does not commit."""
    if not message_sid:
        return False
    notification = db.scalars(
        select(Notification).where(Notification.provider_message_id == message_sid).limit(1).with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if notification is None:
        hold_early_report(db, message_sid, provider_status, error_code, now=now)
        return False
    return apply_status(notification, provider_status, error_code, now=now)


def hold_early_report(db: Session, message_sid: str, provider_status: str, error_code: str | None, *,
                      now: datetime) -> None:
    """Keep the furthest report for a SID the worker has not recorded yet. Two reports for
    one message may arrive at once (duplicates, out of order): the second to insert finds the
    first one's row and moves it forward instead."""
    target = state_for(provider_status, error_code)
    if target is None:
        return
    sid, code = message_sid[:64], (error_code or None) and error_code[:ERROR_CODE_LENGTH]
    try:
        with db.begin_nested():
            db.add(EarlyDeliveryReport(provider_message_id=sid, provider_status=provider_status[:20],
                                       error_code=code, received_at=now))
        return
    except IntegrityError:
        pass
    held = db.get(EarlyDeliveryReport, sid, with_for_update=True, populate_existing=True)
    if held is not None and is_forward(state_for(held.provider_status, held.error_code) or NotificationState.PENDING,
                                       target):
        held.provider_status, held.error_code = provider_status[:20], code
    db.flush()


def apply_held_reports(db: Session, *, now: datetime) -> int:
    """Apply the held reports whose message ids are now recorded, and drop them. Does not
    commit. Run by the worker after each batch and on every pass."""
    query = select(Notification, EarlyDeliveryReport).join(
        EarlyDeliveryReport, EarlyDeliveryReport.provider_message_id == Notification.provider_message_id)
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)  # another worker is applying these
    matched = db.execute(query).all()
    for notification, held in matched:
        apply_status(notification, held.provider_status, held.error_code, now=now)  # idempotent
    # A plain DELETE: two workers may both have read a report, and the second deletes nothing.
    db.execute(delete(EarlyDeliveryReport).where(
        EarlyDeliveryReport.provider_message_id.in_([held.provider_message_id for _, held in matched])))
    return len(matched)


def _code(error_code: str | None) -> int | None:
    try:
        return int((error_code or "").strip())
    except ValueError:
        return None
