"""Retention: personal data the portal holds only to reach people is deleted `RETENTION_DAYS`
(default 90) days after it has served that purpose. `flask purge` runs it (daily, from cron).

What goes, and when the clock starts:

- **texts of a completed campaign**: each notification's recipient number and text, once its
  campaign was completed (every message final) that many days ago. Texts Twilio accepted had
  both wiped already; this takes those that failed, were undeliverable or were cancelled;
- **replies**: the stored reply (the sender's number and the text, the whole row) once staff
  marked it handled that many days ago. A reply nobody has handled stays in the staff inbox
  and is counted as waiting, so that nobody's message is lost unread;
- **interpreter call-backs**: the number to call, once the call was made that many days ago;
- **stopped numbers**: the number a person confirmed for texts (with its blind index and the
  time it was confirmed), once they stopped texts that many days ago and did not restart them.
  The opt-out itself stays (`sms_opt_out` by blind index, `opted_out_at`), so the number is
  never texted again; restarting texts means confirming a number again. Postal addresses stay:
  a letter is how the portal reaches someone whose texts stopped or failed;
- **expired one-time codes**: rows whose code expired that many days ago, which hold the
  number a code went to and the birth date someone typed;
- **"post me a new notice" requests**: the birth date typed with the request, once a letter
  batch resolved it that many days ago;
- **the local SMS outbox** (`SMS_BACKEND=outbox`): messages older than that.

What stays, because the audit and the remedies need it: the people in the affected list and
what each incident exposed (the subject of every remedy), remedies and their dated history,
campaigns and each notification's state, times, attempts, error codes and provider message id
(the proof that a person was notified, or why not), notice-code hashes, confirmation letters,
contact channels, languages and opt-out times, staff queue items and their notes, and the
audit log itself, whose hash chain a purge only extends.

Each rule touches only rows that still hold something to delete, so a second run finds
nothing and records nothing. A run that deleted anything appends one audit event with the
counts per rule; nothing here logs or records a value. The caller commits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.orm import Session

from portal.models import (
    Campaign,
    CampaignState,
    ContactPreference,
    InboundMessage,
    InterpreterCallRequest,
    LetterRequest,
    Notification,
    OneTimeCode,
    OutboxMessage,
)
from portal.services.audit import record_event

PURGE_ACTION = "retention.purged"


@dataclass(frozen=True)
class Rule:
    """Rows of `model` matching `due(cutoff)` lose `wipe` (set to NULL), or the whole row
    when `wipe` is empty."""

    name: str
    model: type[Any]
    due: Callable[[datetime], ColumnElement[bool]]
    wipe: tuple[str, ...] = ()

    def condition(self, cutoff: datetime) -> ColumnElement[bool]:
        if not self.wipe:
            return self.due(cutoff)
        still_held = or_(*(getattr(self.model, column).is_not(None) for column in self.wipe))
        return self.due(cutoff) & still_held


def _completed_campaign_texts(cutoff: datetime) -> ColumnElement[bool]:
    completed = select(Campaign.id).where(Campaign.state == CampaignState.COMPLETED, Campaign.completed_at < cutoff)
    return Notification.campaign_id.in_(completed)


RULES = (
    Rule("campaign_texts", Notification, _completed_campaign_texts, ("recipient_encrypted", "body_encrypted")),
    Rule("replies", InboundMessage, lambda cutoff: InboundMessage.handled_at < cutoff),
    Rule("interpreter_numbers", InterpreterCallRequest, lambda cutoff: InterpreterCallRequest.called_at < cutoff,
         ("phone_encrypted",)),
    Rule("stopped_numbers", ContactPreference, lambda cutoff: ContactPreference.opted_out_at < cutoff,
         ("phone_encrypted", "phone_index", "phone_verified_at")),
    Rule("expired_one_time_codes", OneTimeCode, lambda cutoff: OneTimeCode.expires_at < cutoff),
    Rule("letter_request_birth_dates", LetterRequest, lambda cutoff: LetterRequest.resolved_at < cutoff,
         ("claimed_date_of_birth_encrypted",)),
    Rule("outbox_messages", OutboxMessage, lambda cutoff: OutboxMessage.created_at < cutoff),
)


@dataclass(frozen=True)
class PurgeReport:
    retention_days: int
    cutoff: datetime
    counts: dict[str, int]
    # Replies older than the cutoff that no one has handled yet: kept, but worth a look.
    unhandled_old_replies: int

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def purge(db: Session, *, retention_days: int, now: datetime, dry_run: bool = False) -> PurgeReport:
    """Delete what every rule finds due (or, with `dry_run`, only count it) and return the counts."""
    if retention_days < 1:
        raise ValueError("retention_days must be at least 1")
    cutoff = now - timedelta(days=retention_days)
    counts = {rule.name: (_count if dry_run else _apply)(db, rule, cutoff) for rule in RULES}
    report = PurgeReport(retention_days, cutoff, counts, _count_unhandled_replies(db, cutoff))
    if not dry_run and report.total:
        record_event(db, actor_type="system", actor_id=None, action=PURGE_ACTION,
                     details={"retention_days": retention_days, "cutoff": cutoff.isoformat(), **counts})
    return report


def _count(db: Session, rule: Rule, cutoff: datetime) -> int:
    return db.scalar(select(func.count()).select_from(rule.model).where(rule.condition(cutoff))) or 0


def _apply(db: Session, rule: Rule, cutoff: datetime) -> int:
    if rule.wipe:
        statement: Any = update(rule.model).where(rule.condition(cutoff)).values(dict.fromkeys(rule.wipe))
    else:
        statement = delete(rule.model).where(rule.condition(cutoff))
    # One statement per rule, whatever the number of rows; objects the session holds are not
    # refreshed, so run this in a session of its own (the command does).
    return db.execute(statement, execution_options={"synchronize_session": False}).rowcount


def _count_unhandled_replies(db: Session, cutoff: datetime) -> int:
    waiting = select(func.count()).select_from(InboundMessage).where(
        InboundMessage.handled_at.is_(None), InboundMessage.received_at < cutoff)
    return db.scalar(waiting) or 0
