"""Campaign rules: what a notice may say, who may approve it, repeats, estimates, quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.messaging.segments import GSM7, UCS2
from portal.models import AuditEvent, Campaign, CampaignState, Notification, NotificationState, StaffRole, utcnow
from portal.services import campaigns, dispatch
from portal.services.schedule import in_quiet_hours
from tests.campaigns import TEMPLATES, add_approved_campaign, add_staff
from tests.factories import add_person

GOOD = "News about your case: ((portal_url)) code ((notice_code))"


@pytest.fixture
def notifier(db):
    return add_staff(db, StaffRole.NOTIFIER)


@pytest.fixture
def approver(db):
    return add_staff(db, StaffRole.APPROVER)


def draft(db, author, templates=None, audience=None):
    return campaigns.create_draft(db, author, name="Notice", templates=templates or dict(TEMPLATES),
                                  audience=audience or {})


@pytest.mark.parametrize(("text", "problem"), [
    ("Hello ((name)), code ((notice_code))", "not ((name))"),
    ("Your A-number A-123-456-789: ((notice_code))", "A-number"),
    ("Call +1 619 555 0142 with ((notice_code))", "phone number"),
    ("Write to me@agency.example ((notice_code))", "email address"),
    ("Born 03/15/1990 ((notice_code))", "date"),
    ("Sign in at ((portal_url))", "Put ((notice_code)) in the text"),
])
def test_a_text_with_personal_data_or_other_placeholders_is_refused(app, text, problem):
    check = campaigns.check_text(text)

    assert any(problem in message for message in check.problems), check.problems


@pytest.mark.parametrize("word", ["asylum", "Deportación", "asile", "убежище", "لجوء", "庇护"])
def test_sensitive_words_raise_a_warning_but_are_allowed(app, word):
    check = campaigns.check_text(f"{word}: ((portal_url)) ((notice_code))")

    assert check.problems == []
    assert check.warnings


def test_a_clean_text_passes(app):
    assert campaigns.check_text(GOOD) == campaigns.TextCheck([], [])


def test_a_draft_needs_an_english_text_and_clean_texts(db, notifier):
    with pytest.raises(campaigns.CampaignRefused):
        draft(db, notifier, templates={"es": GOOD})
    with pytest.raises(campaigns.CampaignRefused, match="A-number"):
        draft(db, notifier, templates={"en": GOOD, "es": "Su A-123-456-789 ((notice_code))"})


def test_nobody_approves_their_own_campaign(db, notifier, approver):
    campaign = draft(db, notifier)
    campaigns.submit(db, campaign, notifier, now=utcnow())

    with pytest.raises(campaigns.CampaignRefused):
        campaigns.approve(db, campaign, notifier, now=utcnow())
    assert campaign.state is CampaignState.SUBMITTED
    campaigns.approve(db, campaign, approver, now=utcnow())
    assert campaign.state is CampaignState.APPROVED and campaign.approved_by_id == approver.id


def test_the_database_itself_refuses_self_approval(db, notifier):
    campaign = draft(db, notifier)
    campaign.approved_by_id = notifier.id

    with pytest.raises(IntegrityError):
        db.flush()
    db.rollback()


def test_a_rejection_keeps_its_reason_and_everything_is_audited(db, notifier, approver):
    campaign = draft(db, notifier)
    campaigns.submit(db, campaign, notifier, now=utcnow())
    campaigns.reject(db, campaign, approver, now=utcnow(), reason="Too vague")

    assert (campaign.state, campaign.decision_reason) == (CampaignState.REJECTED, "Too vague")
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.subject_id == str(campaign.id))).all()
    assert actions == ["campaign.drafted", "campaign.submitted", "campaign.rejected"]
    with pytest.raises(campaigns.CampaignRefused):
        campaigns.approve(db, campaign, approver, now=utcnow())


def test_the_same_text_to_the_same_audience_within_a_day_needs_a_confirmation(db, notifier):
    first = draft(db, notifier)
    campaigns.submit(db, first, notifier, now=utcnow())
    again = draft(db, notifier)

    with pytest.raises(campaigns.CampaignRefused, match="24 hours"):
        campaigns.submit(db, again, notifier, now=utcnow())
    campaigns.submit(db, again, notifier, now=utcnow(), confirm_repeat=True)
    assert again.state is CampaignState.SUBMITTED
    later = draft(db, notifier)
    campaigns.submit(db, later, notifier, now=utcnow() + timedelta(hours=25))


def test_the_estimate_counts_people_encoding_segments_and_cost_per_language(db, notifier):
    add_person(db, a_number="201555001", phone="+16195550142", preferred_language="en")
    add_person(db, a_number="201555002", phone="+16195550143", preferred_language="es")
    add_person(db, a_number="201555003", phone="+16195550144", preferred_language="es")
    campaign = draft(db, notifier)

    estimates = {item.locale: item for item in campaigns.estimate(
        db, campaign, portal_url="https://help.example", price_per_segment=Decimal("0.0083"))}

    assert {locale: item.recipients for locale, item in estimates.items()} == {"en": 1, "es": 2}
    assert estimates["en"].length.encoding == GSM7 and estimates["es"].length.encoding == UCS2
    assert estimates["es"].length.segments == 2
    assert estimates["es"].cost == Decimal("0.0083") * 2 * 2


@pytest.mark.parametrize(("local", "quiet"), [("22:30", True), ("03:00", True), ("08:00", False), ("12:00", False)])
def test_quiet_hours_run_past_midnight_in_the_campaigns_time_zone(local, quiet):
    hour, minute = map(int, local.split(":"))
    new_york_in_winter = datetime(2026, 1, 15, hour, minute, tzinfo=UTC) + timedelta(hours=5)

    assert in_quiet_hours(new_york_in_winter, start=time(21), end=time(8), zone="America/New_York") is quiet


def test_a_campaign_in_its_quiet_hours_waits(db):
    add_person(db)
    campaign = add_approved_campaign(db)
    while dispatch.write_notifications(db, campaign, dispatch.Settings(portal_url="https://x.example"), now=utcnow()):
        pass
    now = utcnow()
    campaign.quiet_start, campaign.quiet_end = (now - timedelta(hours=1)).time(), (now + timedelta(hours=1)).time()
    campaign.timezone = "UTC"
    db.commit()

    assert dispatch.claim_due(db, "worker", now=now, limit=10) == []
    campaign.quiet_start = campaign.quiet_end = None
    db.commit()
    assert len(dispatch.claim_due(db, "worker", now=utcnow(), limit=10)) == 1
    assert db.get(Campaign, campaign.id).state is CampaignState.SENDING


def test_message_counts_give_each_sent_campaign_its_total_delivered_and_failed(db, notifier):
    for number in range(4):
        add_person(db, a_number=f"20155540{number}")
    campaign = add_approved_campaign(db)
    while dispatch.write_notifications(db, campaign, dispatch.Settings(portal_url="https://x.example"), now=utcnow()):
        pass
    notifications = db.scalars(select(Notification).where(Notification.campaign_id == campaign.id)).all()
    for notification, state in zip(notifications, (NotificationState.DELIVERED, NotificationState.FAILED,
                                                   NotificationState.UNDELIVERABLE), strict=False):
        notification.state = state
    unsent = draft(db, notifier)
    db.commit()

    counts = campaigns.message_counts(db, [campaign, unsent])

    assert counts == {campaign.id: campaigns.MessageCounts(total=len(notifications), delivered=1, failed=2)}
