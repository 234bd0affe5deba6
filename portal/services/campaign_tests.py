"""A campaign's test message: the text exactly as people will get it (the sample code in
place of theirs), sent to the staff member's own confirmed phone and to no one else.

The staff member chooses one of the campaign's languages, or every language (one message
each). Nothing goes out without a confirmed number on their account (`staff_phones`)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from portal.messaging.sms import SmsSender
from portal.messaging.twilio_sms import SmsSendError
from portal.models import Campaign, StaffUser
from portal.services.audit import record_event
from portal.services.campaigns import SAMPLE_CODE
from portal.services.dispatch import notice_text
from portal.services.staff_phones import verified_phone

EVERY_LANGUAGE = "all"
log = logging.getLogger(__name__)


class CampaignTestOutcome(StrEnum):
    SENT = "sent"
    NO_PHONE = "no_phone"  # the staff member has no confirmed number: nothing was sent
    FAILED = "failed"  # the provider refused a message; `sent` says which went before it


@dataclass(frozen=True)
class CampaignTest:
    outcome: CampaignTestOutcome
    sent: tuple[str, ...] = ()  # the locales whose text went out, in the campaign's order


def locales_to_test(campaign: Campaign, choice: str) -> list[str]:
    """The languages a choice stands for: every language the campaign has a text in, or the
    one chosen; none when the campaign has no text in it."""
    if choice == EVERY_LANGUAGE:
        return list(campaign.templates)
    return [choice] if choice in campaign.templates else []


def send_campaign_test(
    db: Session, campaign: Campaign, staff: StaffUser, sender: SmsSender, *,
    locales: Sequence[str], portal_url: str, now: datetime,
) -> CampaignTest:
    """Text the campaign's preview in each of `locales` to the staff member's own confirmed
    phone, stopping at the first message the provider refuses. When anything went out, the
    campaign's `test_sent_at` is now and the audit log says who tested it in which languages
    (never the number). Flushes, does not commit."""
    phone = verified_phone(staff)
    if phone is None:
        return CampaignTest(CampaignTestOutcome.NO_PHONE)
    sent: list[str] = []
    outcome = CampaignTestOutcome.SENT
    for locale in locales:
        try:
            sender.send(phone, notice_text(campaign, locale, SAMPLE_CODE, portal_url))
        except SmsSendError as error:
            # Never the exception itself: a provider's message names the recipient (DESIGN.md §7).
            log.warning("campaign test not sent: provider code %s, HTTP status %s", error.code, error.status)
            outcome = CampaignTestOutcome.FAILED
            break
        sent.append(locale)
    if sent:
        campaign.test_sent_at = now
        record_event(db, actor_type="staff", actor_id=str(staff.id), action="campaign.test_sent",
                     subject_type="campaign", subject_id=str(campaign.id), details={"locales": sent})
    return CampaignTest(outcome, tuple(sent))
