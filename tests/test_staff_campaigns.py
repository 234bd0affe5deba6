"""The campaign pages of the staff console, driven through the test client: a notifier
writes and submits, someone else approves, the worker sends, everyone watches the progress,
and the delivery report holds nothing about the people it went to."""

from __future__ import annotations

import csv
import io
import re
import uuid
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from portal.messaging.pace import Unpaced
from portal.messaging.sms import sms_sender
from portal.models import Campaign, CampaignState, Notification, OutboxMessage, StaffRole, utcnow
from portal.security.rate_limits import limiter
from portal.services.dispatch import Settings
from portal.services.worker import Worker
from portal.web.staff import campaigns as campaign_pages
from tests.factories import PERSON, add_person
from tests.pages import csrf_token, text_of
from tests.staff_pages import sign_in_staff, staff_csrf_token
from tests.test_hostile_input import HOSTILE, HOSTILE_TEXT, assert_nothing_injected, error_messages, post_form

ENGLISH = "There is news about your case. Sign in at ((portal_url)) with code ((notice_code))."
SPANISH = "Hay noticias sobre su caso. Entre en ((portal_url)) con el código ((notice_code))."
WARNED = "Asylum news: sign in at ((portal_url)) with code ((notice_code))."
REFUSED = "Your A-number A-123-456-789: ((notice_code))"
SECOND_PERSON = {"a_number": "201555002", "last_name": "Pérez Soto", "first_name": "Ana María",
                 "phone": "+16195550143", "preferred_language": "es"}


@pytest.fixture
def people(db):
    """Two people who chose text messages: one reads English, one Spanish."""
    ids = [add_person(db), add_person(db, **SECOND_PERSON)]
    db.commit()
    return ids


def new_campaign_fields(**changes) -> dict[str, object]:
    return {"name": "News about your case", "text_en": ENGLISH, "text_es": SPANISH,
            "timezone": "America/New_York", **changes}


def post_new_campaign(client, **changes):
    token = csrf_token(text_of(client.get("/staff/campaigns/new")))
    return client.post("/staff/campaigns/new", data={**new_campaign_fields(**changes), "csrf_token": token})


def campaign_count(db) -> int:
    return db.scalar(select(func.count()).select_from(Campaign))


def campaign_id_from(response) -> uuid.UUID:
    assert response.status_code == 302, re.findall(r'<li><a href="#[^"]*">(.*?)</a></li>', text_of(response))
    return uuid.UUID(response.headers["Location"].rsplit("/", 1)[1])


def post(client, url: str, **fields):
    return client.post(url, data={**fields, "csrf_token": staff_csrf_token(client)})


def send_everything(db) -> None:
    worker = Worker("test-worker", sms_sender, Unpaced(), Settings(portal_url="https://help.example"))
    while worker.work_once(db):
        pass


def submitted_campaign(app, db) -> uuid.UUID:
    """A campaign a notifier wrote and submitted through the pages, with its own client."""
    author = app.test_client()
    sign_in_staff(author, db, StaffRole.NOTIFIER)
    campaign_id = campaign_id_from(post_new_campaign(author))
    assert post(author, f"/staff/campaigns/{campaign_id}/submit").status_code == 302
    return campaign_id


# The whole flow


def test_a_notifier_writes_a_campaign_an_approver_approves_it_and_the_report_names_nobody(app, client, db, people):
    notifier = sign_in_staff(client, db, StaffRole.NOTIFIER)

    refused = post_new_campaign(client, text_es=REFUSED)
    assert refused.status_code == 200
    assert "The text seems to contain an A-number" in text_of(refused)
    assert campaign_count(db) == 0

    campaign_id = campaign_id_from(post_new_campaign(client, text_en=WARNED, incident="2022-11-posting"))
    campaign = db.get(Campaign, campaign_id)
    assert (campaign.state, campaign.created_by_id) == (CampaignState.DRAFT, notifier.id)
    assert campaign.templates == {"en": WARNED, "es": SPANISH}
    assert campaign.audience == {"incident": "2022-11-posting", "channel": "sms"}

    page = text_of(client.get(f"/staff/campaigns/{campaign_id}"))
    assert "tells anyone who sees the phone what the message is about" in page  # the warning, shown
    assert re.search(r"English</th>\s*<td class=\"numeric\">1</td>\s*<td>GSM-7</td>", page)
    assert re.search(r"Spanish</th>\s*<td class=\"numeric\">1</td>\s*<td>UCS-2</td>", page)
    assert "$0.0083" in page and "K7QM4-TX2PB" in page  # cost of one part, and the sample code

    notifier.phone, notifier.phone_verified_at = "+16195550199", utcnow()  # confirmed: see test_staff_phone.py
    db.commit()
    tested = post(client, f"/staff/campaigns/{campaign_id}/test", **{"test-language": "en"})
    assert tested.headers["Location"] == f"/staff/campaigns/{campaign_id}#test-message"
    assert "We sent the test message to your phone" in text_of(client.get(f"/staff/campaigns/{campaign_id}"))
    (test_message,) = db.scalars(select(OutboxMessage)).all()
    assert (test_message.recipient, "K7QM4-TX2PB" in test_message.body) == ("+16195550199", True)
    db.delete(test_message)  # from here on the outbox holds the people's messages only
    db.commit()
    db.expire_all()
    assert db.get(Campaign, campaign_id).test_sent_at is not None

    assert post(client, f"/staff/campaigns/{campaign_id}/submit").status_code == 302
    assert post(client, f"/staff/campaigns/{campaign_id}/decision", decision="approve").status_code == 403

    approver = app.test_client()
    sign_in_staff(approver, db, StaffRole.APPROVER)
    assert "News about your case" in text_of(approver.get("/staff/campaigns/approvals"))
    decided = post(approver, f"/staff/campaigns/{campaign_id}/decision", decision="approve")
    assert decided.headers["Location"] == f"/staff/campaigns/{campaign_id}/progress"
    db.expire_all()
    assert db.get(Campaign, campaign_id).state is CampaignState.APPROVED

    send_everything(db)

    progress = text_of(client.get(f"/staff/campaigns/{campaign_id}/progress"))
    assert 'data-count="sent">2<' in progress and 'data-count="pending">0<' in progress
    assert 'max="2" value="2"' in progress
    numbers = client.get(f"/staff/campaigns/{campaign_id}/progress.json").get_json()
    assert numbers["counts"]["sent"] == 2 and numbers["done"] == numbers["total"] == 2

    report = client.get(f"/staff/campaigns/{campaign_id}/report.csv")
    assert report.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(text_of(report))))
    notification_ids = {str(value) for value in db.scalars(select(Notification.id))}
    assert {row["notification_id"] for row in rows} == notification_ids
    assert sorted((row["locale"], row["state"]) for row in rows) == [("en", "sent"), ("es", "sent")]
    assert_names_nobody(db, text_of(report))


def assert_names_nobody(db, report: str) -> None:
    codes = [re.search(r"\b[0-9A-Z]{5}-[0-9A-Z]{5}\b", message.body).group(0)
             for message in db.scalars(select(OutboxMessage))]
    assert len(codes) == 2
    personal = [PERSON.phone, PERSON.phone.removeprefix("+1"), PERSON.a_number, SECOND_PERSON["phone"],
                SECOND_PERSON["a_number"], *PERSON.first_name.split(), *PERSON.last_name.split(),
                *SECOND_PERSON["first_name"].split(), *SECOND_PERSON["last_name"].split(), *codes,
                *(code.replace("-", "") for code in codes)]
    assert [value for value in personal if value.lower() in report.lower()] == []


# Writing


def test_a_text_with_a_placeholder_other_than_the_two_allowed_is_refused(client, db):
    sign_in_staff(client, db, StaffRole.NOTIFIER)

    response = post_new_campaign(client, text_en="Hello ((name)), code ((notice_code))")

    assert response.status_code == 200
    assert "not ((name))" in text_of(response)
    assert campaign_count(db) == 0


def test_the_english_text_is_required(client, db):
    sign_in_staff(client, db, StaffRole.NOTIFIER)

    response = post_new_campaign(client, text_en="")

    assert "Write the English text" in text_of(response)
    assert campaign_count(db) == 0


def test_the_send_time_and_quiet_hours_are_kept_in_the_campaigns_time_zone(client, db):
    sign_in_staff(client, db, StaffRole.NOTIFIER)

    campaign_id = campaign_id_from(post_new_campaign(client, send_after="2099-01-15T09:30", quiet_start="21:00",
                                                     quiet_end="08:00", custody_status=["in_custody", "released"],
                                                     languages=["es"]))

    campaign = db.get(Campaign, campaign_id)
    assert campaign.send_after.isoformat() == "2099-01-15T14:30:00+00:00"
    assert (str(campaign.quiet_start), str(campaign.quiet_end)) == ("21:00:00", "08:00:00")
    assert campaign.audience["custody_status"] == ["in_custody", "released"]
    assert campaign.audience["languages"] == ["es"]


@pytest.mark.parametrize(("changes", "message"), [
    ({"quiet_start": "21:00"}, "Give both times of the quiet hours, or neither"),
    ({"timezone": "../../etc/passwd"}, "Enter a time zone like America/New_York"),
    ({"send_after": "2001-01-01T10:00"}, "Choose a time in the future"),
    ({"name": "Notice\x00"}, "Remove the invisible characters from this answer"),
    ({"incident": "no-such-incident"}, "Choose one of the options shown"),
])
def test_a_schedule_or_choice_that_makes_no_sense_is_refused(client, db, changes, message):
    sign_in_staff(client, db, StaffRole.NOTIFIER)

    response = post_new_campaign(client, **changes)

    assert response.status_code == 200
    assert message in text_of(response)
    assert campaign_count(db) == 0


def test_markup_in_a_campaign_is_shown_as_text(client, db):
    sign_in_staff(client, db, StaffRole.NOTIFIER)

    campaign_id = campaign_id_from(post_new_campaign(client, name="<script>alert(1)</script>"))

    page = text_of(client.get(f"/staff/campaigns/{campaign_id}"))
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


# Submitting and deciding


def test_sending_the_same_text_to_the_same_people_again_needs_a_confirmation(app, client, db):
    submitted_campaign(app, db)
    sign_in_staff(client, db, StaffRole.NOTIFIER)
    again = campaign_id_from(post_new_campaign(client))
    assert "Yes, send the same text to the same people again" in text_of(client.get(f"/staff/campaigns/{again}"))

    refused = post(client, f"/staff/campaigns/{again}/submit")
    assert refused.status_code == 200
    assert "Confirm to send it again" in text_of(refused)
    assert db.get(Campaign, again).state is CampaignState.DRAFT

    assert post(client, f"/staff/campaigns/{again}/submit", confirm_repeat="y").status_code == 302
    db.expire_all()
    assert db.get(Campaign, again).state is CampaignState.SUBMITTED


def test_an_administrator_cannot_approve_a_campaign_they_wrote(client, db):
    sign_in_staff(client, db, StaffRole.ADMIN)
    campaign_id = campaign_id_from(post_new_campaign(client))
    assert post(client, f"/staff/campaigns/{campaign_id}/submit").status_code == 302
    assert "another person must approve" in text_of(client.get(f"/staff/campaigns/{campaign_id}"))

    response = post(client, f"/staff/campaigns/{campaign_id}/decision", decision="approve")

    assert response.status_code == 200
    assert "Nobody may approve or reject a campaign they wrote." in text_of(response)
    db.expire_all()
    assert db.get(Campaign, campaign_id).state is CampaignState.SUBMITTED


def test_a_rejection_needs_a_reason_which_the_campaign_page_shows(app, client, db):
    campaign_id = submitted_campaign(app, db)
    sign_in_staff(client, db, StaffRole.APPROVER)

    without = post(client, f"/staff/campaigns/{campaign_id}/decision", decision="reject")
    assert "Say why you reject the campaign" in text_of(without)
    assert post(client, f"/staff/campaigns/{campaign_id}/decision", decision="reject",
                reason="The Spanish text is unclear").status_code == 302

    db.expire_all()
    assert db.get(Campaign, campaign_id).state is CampaignState.REJECTED
    assert "The Spanish text is unclear" in text_of(client.get(f"/staff/campaigns/{campaign_id}"))


def test_the_lists_show_each_campaign_with_its_state(app, client, db):
    campaign_id = submitted_campaign(app, db)
    sign_in_staff(client, db, StaffRole.VIEWER)

    page = text_of(client.get("/staff/campaigns"))

    assert f'href="/staff/campaigns/{campaign_id}"' in page and "Waiting for approval" in page
    assert "New campaign" not in page  # a viewer cannot write one
    assert client.get(f"/staff/campaigns/{campaign_id}").status_code == 200
    assert client.get("/staff/campaigns/new").status_code == 403


def test_an_unknown_campaign_is_not_found(client, db):
    sign_in_staff(client, db, StaffRole.ADMIN)

    assert client.get(f"/staff/campaigns/{uuid.uuid4()}").status_code == 404


# Local use: approving sends


def test_with_in_process_delivery_approving_sends_the_campaign_after_the_response(app, client, db, people,
                                                                                   monkeypatch):
    started = []

    class RunAtOnce:
        """Runs the thread's work when started, in this thread (the test's one connection)."""

        def __init__(self, target, args, **_options):
            self.work = lambda: target(*args, idle_seconds=0)

        def start(self):
            started.append(True)
            self.work()

    monkeypatch.setitem(app.config, "DELIVER_CODES_IN_PROCESS", True)
    monkeypatch.setattr(campaign_pages, "threading", SimpleNamespace(Thread=RunAtOnce))
    campaign_id = submitted_campaign(app, db)
    sign_in_staff(client, db, StaffRole.APPROVER)

    response = client.post(f"/staff/campaigns/{campaign_id}/decision", buffered=True,
                           data={"decision": "approve", "csrf_token": staff_csrf_token(client)})
    response.close()

    assert started == [True]
    db.expire_all()
    states = db.scalars(select(Notification.state)).all()
    assert [state.value for state in states] == ["sent", "sent"]


# Hostile input (the shared hostile-input module covers the CSRF token of every POST route)


@pytest.fixture
def notifier_token(client, db) -> str:
    """A signed-in notifier's CSRF token, shared by every example of a test."""
    sign_in_staff(client, db, StaffRole.NOTIFIER)
    return staff_csrf_token(client)


@settings(HOSTILE, max_examples=15)
@given(fields=st.fixed_dictionaries({
    "name": HOSTILE_TEXT, "text_en": st.one_of(st.just(ENGLISH), HOSTILE_TEXT), "text_ar": HOSTILE_TEXT,
    "incident": HOSTILE_TEXT, "custody_status": HOSTILE_TEXT, "timezone": st.one_of(st.just("UTC"), HOSTILE_TEXT),
    "send_after": HOSTILE_TEXT, "quiet_start": HOSTILE_TEXT, "quiet_end": HOSTILE_TEXT,
}))
def test_hostile_answers_never_break_the_new_campaign_form_or_become_markup(client, db, notifier_token, fields):
    limiter.storage.reset()  # not limiter.reset(), which logs a line each time
    before = campaign_count(db)

    response = post_form(client, "/staff/campaigns/new", fields, notifier_token)

    assert response.status_code in (200, 302)
    assert_nothing_injected(text_of(response), fields)
    if response.status_code == 200:
        assert campaign_count(db) == before
        assert error_messages(text_of(response)), "refused without a message"
    else:
        assert_nothing_injected(text_of(client.get(response.headers["Location"])), fields)
