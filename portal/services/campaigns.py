"""Campaigns: a notice written by one staff member and approved by another.

    draft ──submit──▶ submitted ──approve──▶ approved ──(worker)──▶ sending ──▶ completed
                          └──────reject──▶ rejected

A notice is one SMS text per language. The only placeholders are ((notice_code)) and
((portal_url)); a text that carries anything else personal (another placeholder, an
A-number, a phone number, an email address, a date) is refused, and words that would tell
a reader's family or a foreign official what the message is about raise a warning."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.i18n import folded
from portal.messaging.segments import SmsLength, measure
from portal.models import (
    AffectedPerson,
    Campaign,
    CampaignState,
    Channel,
    ContactPreference,
    Notification,
    NotificationState,
    StaffUser,
)
from portal.services.audiences import audience_people
from portal.services.audit import record_event
from portal.services.dispatch import NOTICE_CODE_PLACEHOLDER, PORTAL_URL_PLACEHOLDER, notice_text

PLACEHOLDERS = (NOTICE_CODE_PLACEHOLDER, PORTAL_URL_PLACEHOLDER)
SAMPLE_CODE = "K7QM4-TX2PB"
REPEAT_WINDOW = timedelta(hours=24)
# Campaigns that can have messages: those approved at some point.
_SENT_STATES = (CampaignState.APPROVED, CampaignState.SENDING, CampaignState.COMPLETED, CampaignState.CANCELLED)
_FAILED_STATES = (NotificationState.FAILED, NotificationState.UNDELIVERABLE)
_ANY_PLACEHOLDER = re.compile(r"\(\(\s*([^()]*?)\s*\)\)")
_PERSONAL_PATTERNS = {
    "a_number": re.compile(r"\bA?[-\s]?\d{3}[-\s]?\d{3}[-\s]?\d{2,3}\b", re.IGNORECASE),
    "phone": re.compile(r"\+?\d[\d\s().-]{8,}\d"),
    "email": re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+"),
    "date": re.compile(r"\b\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\b"),
}
_PERSONAL_DATA_MESSAGES = {
    "a_number": _l("The text seems to contain an A-number. Notices may not carry personal data."),
    "phone": _l("The text seems to contain a phone number. Notices may not carry personal data."),
    "email": _l("The text seems to contain an email address. Notices may not carry personal data."),
    "date": _l("The text seems to contain a date. Notices may not carry personal data."),
}
# Words that say what the message is about, in the portal's languages (lower case, no accents).
SENSITIVE_WORDS = frozenset({
    "asylum", "refugee", "deport", "deportation", "detention", "detained", "immigration", "leak", "breach",
    "protection", "persecution", "a-number", "asilo", "refugiado", "deportacion", "detencion", "inmigracion",
    "refugie", "expulsion", "asile", "azil", "depote", "imigracao", "deportacao", "убежище", "депортация",
    "беженец", "iltica", "sinir disi", "sığınma", "لجوء", "ترحيل", "پناهندگی", "اخراج", "शरण", "निर्वासन",
    "ਸ਼ਰਨ", "ਡਿਪੋਰਟ", "庇护", "遣返", "难民",
})


class CampaignRefused(ValueError):
    """The request breaks a campaign rule; the message (translated) says which."""


@dataclass(frozen=True)
class TextCheck:
    problems: list[str] = field(default_factory=list)  # refuse
    warnings: list[str] = field(default_factory=list)  # show, allow


@dataclass(frozen=True)
class MessageCounts:
    """A campaign's messages, those delivered and those failed for good."""

    total: int = 0
    delivered: int = 0
    failed: int = 0


@dataclass(frozen=True)
class LanguageEstimate:
    locale: str
    recipients: int
    length: SmsLength
    cost: Decimal


def check_text(text: str) -> TextCheck:
    """What is wrong with one language's text (refused) and what is risky (warned)."""
    problems = [gettext("Only ((notice_code)) and ((portal_url)) may be used, not ((%(name)s)).", name=name)
                for name in _ANY_PLACEHOLDER.findall(text) if f"(({name}))" not in PLACEHOLDERS]
    without_placeholders = _ANY_PLACEHOLDER.sub("", text)
    problems += [str(message) for kind, message in _PERSONAL_DATA_MESSAGES.items()
                 if _PERSONAL_PATTERNS[kind].search(without_placeholders)]
    if NOTICE_CODE_PLACEHOLDER not in text:
        problems.append(gettext("Put ((notice_code)) in the text, so the person can sign in."))
    plain = folded(without_placeholders)
    warnings = [gettext("The word “%(word)s” tells anyone who sees the phone what the message is about.",
                        word=word) for word in sorted(SENSITIVE_WORDS) if folded(word) in plain]
    return TextCheck(problems, warnings)


def create_draft(db: Session, author: StaffUser, *, name: str, templates: dict[str, str],
                 audience: dict[str, Any], channel: Channel = Channel.SMS) -> Campaign:
    _require_clean_texts(templates)
    campaign = Campaign(id=uuid.uuid4(), name=name, channel=channel, templates=templates, audience=audience,
                        state=CampaignState.DRAFT, created_by_id=author.id)
    db.add(campaign)
    db.flush()
    _audit(db, author, "campaign.drafted", campaign)
    return campaign


def _require_clean_texts(templates: dict[str, str]) -> None:
    if not templates.get("en"):
        raise CampaignRefused(gettext("Write the English text: it goes to everyone whose language has no text."))
    for text in templates.values():
        problems = check_text(text).problems
        if problems:
            raise CampaignRefused(problems[0])


def estimate(db: Session, campaign: Campaign, *, portal_url: str, price_per_segment: Decimal) -> list[LanguageEstimate]:
    """Recipients, encoding, segments and cost per language, as the audience stands now."""
    counts = audience_counts(db, campaign.audience, campaign.channel)
    estimates = []
    for locale, recipients in sorted(counts.items()):
        length = measure(notice_text(campaign, locale, SAMPLE_CODE, portal_url))
        estimates.append(LanguageEstimate(locale, recipients, length,
                                          price_per_segment * length.segments * recipients))
    return estimates


def audience_counts(db: Session, audience: dict[str, Any], channel: Channel) -> Counter[str]:
    """People per language in the audience (their language on record, else English)."""
    language = func.coalesce(ContactPreference.language, AffectedPerson.preferred_language, "en")
    query = audience_people(audience, channel).with_only_columns(language, func.count()).order_by(None)
    return Counter({locale: count for locale, count in db.execute(query.group_by(language))})


def progress(db: Session, campaign_id: uuid.UUID) -> Counter[str]:
    """Notifications per state, for the progress page and the report."""
    rows = db.execute(select(Notification.state, func.count()).where(Notification.campaign_id == campaign_id)
                      .group_by(Notification.state))
    return Counter({state.value: count for state, count in rows})


def message_counts(db: Session, campaigns: Sequence[Campaign]) -> dict[uuid.UUID, MessageCounts]:
    """Campaign id → its MessageCounts, for those of these campaigns that can have messages
    (others are absent), in one query grouped by campaign."""
    ids = [campaign.id for campaign in campaigns if campaign.state in _SENT_STATES]
    if not ids:
        return {}
    state = Notification.state
    rows = db.execute(select(Notification.campaign_id, func.count(),
                             func.count().filter(state == NotificationState.DELIVERED),
                             func.count().filter(state.in_(_FAILED_STATES)))
                      .where(Notification.campaign_id.in_(ids)).group_by(Notification.campaign_id))
    return {campaign_id: MessageCounts(total, delivered, failed) for campaign_id, total, delivered, failed in rows}


def submit(db: Session, campaign: Campaign, author: StaffUser, *, now: datetime, confirm_repeat: bool = False) -> None:
    """Send for approval. The same texts to the same audience within a day needs `confirm_repeat`."""
    require_state(campaign, CampaignState.DRAFT)
    _require_clean_texts(campaign.templates)
    if repeats_recent_campaign(db, campaign, now=now) and not confirm_repeat:
        raise CampaignRefused(gettext("The same text went to the same audience in the last 24 hours. "
                                      "Confirm to send it again."))
    campaign.state = CampaignState.SUBMITTED
    campaign.submitted_at = now
    _audit(db, author, "campaign.submitted", campaign)


def repeats_recent_campaign(db: Session, campaign: Campaign, *, now: datetime) -> bool:
    recent = db.scalars(select(Campaign).where(
        Campaign.id != campaign.id, Campaign.submitted_at > now - REPEAT_WINDOW,
        Campaign.state.in_([CampaignState.SUBMITTED, CampaignState.APPROVED, CampaignState.SENDING,
                            CampaignState.COMPLETED]))).all()
    return any(other.templates == campaign.templates and other.audience == campaign.audience for other in recent)


def approve(db: Session, campaign: Campaign, approver: StaffUser, *, now: datetime) -> None:
    _decide(db, campaign, approver, CampaignState.APPROVED, now=now, reason=None)


def reject(db: Session, campaign: Campaign, approver: StaffUser, *, now: datetime, reason: str) -> None:
    _decide(db, campaign, approver, CampaignState.REJECTED, now=now, reason=reason)


def _decide(db: Session, campaign: Campaign, approver: StaffUser, state: CampaignState, *, now: datetime,
            reason: str | None) -> None:
    require_state(campaign, CampaignState.SUBMITTED)
    if approver.id == campaign.created_by_id:
        raise CampaignRefused(gettext("Nobody may approve or reject a campaign they wrote."))
    campaign.state = state
    campaign.approved_by_id = approver.id
    campaign.decided_at = now
    campaign.decision_reason = reason
    _audit(db, approver, f"campaign.{state.value}", campaign)


def require_state(campaign: Campaign, state: CampaignState) -> None:
    """Refuse a change the campaign's state no longer allows."""
    if campaign.state is not state:
        raise CampaignRefused(gettext("This campaign can no longer be changed this way."))


def _audit(db: Session, staff: StaffUser, action: str, campaign: Campaign) -> None:
    record_event(db, actor_type="staff", actor_id=str(staff.id), action=action, subject_type="campaign",
                 subject_id=str(campaign.id), details={"state": campaign.state.value})
