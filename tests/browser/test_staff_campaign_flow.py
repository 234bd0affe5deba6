"""A campaign through the staff console in a real browser, on a phone, with JavaScript on
and off: a notifier writes and submits it, an approver approves it, the worker sends it,
and the progress page shows the numbers. Every page is photographed and checked by axe-core."""

import re

import pyotp
import pytest

from portal.db import session
from portal.messaging.pace import Unpaced
from portal.messaging.sms import OutboxSmsSender
from portal.services.dispatch import Settings
from portal.services.worker import Worker

ENGLISH = "There is news about your case. Sign in at ((portal_url)) with code ((notice_code))."
SPANISH = "Hay noticias sobre su caso. Entre en ((portal_url)) con el código ((notice_code))."

WALKS = [
    pytest.param(("phone", True), id="phone-js"),
    pytest.param(("phone", False), id="phone-nojs"),
]


@pytest.fixture(params=WALKS)
def walk(request, open_walk):
    viewport, javascript = request.param
    return open_walk(viewport, javascript=javascript)


def sign_in(walk, staff, role):
    """The password step, then the authenticator app's current code."""
    walk.goto("/staff/sign-in", f"{role}-sign-in")
    walk.page.fill("#email", staff.email)
    walk.page.fill("#password", staff.password)
    walk.submit(f"{role}-sign-in-code")
    assert walk.path == "/staff/sign-in/code"
    walk.page.fill("#code", pyotp.TOTP(staff.totp_secret).now())
    walk.submit(f"{role}-home")
    assert walk.path == "/staff"


def sign_out(walk, role):
    walk.follow('header form[action="/staff/sign-out"] button', f"{role}-signed-out")
    assert walk.path == "/staff/signed-out"


def cell(walk, row_heading: str, column: int) -> str:
    """The text of a cell of the estimate table, in the row headed `row_heading`."""
    row = walk.page.locator("main table tr", has=walk.page.locator(f'th:text-is("{row_heading}")'))
    return row.locator("td").nth(column).inner_text().strip()


def send_as_the_worker_would(live_server) -> None:
    """The worker's passes in this process, with the outbox sender, on the live server's database."""
    with live_server.app.app_context():
        db = session()
        worker = Worker("browser-test-worker", OutboxSmsSender, Unpaced(),
                        Settings(portal_url=live_server.app.config["PUBLIC_BASE_URL"]))
        while worker.work_once(db):
            pass
        db.commit()


def test_a_notifier_writes_a_campaign_an_approver_approves_it_and_the_progress_page_shows_it_sent(
        walk, live_server):
    live_server.add_people_with_phones(("en", "es"))
    notifier = live_server.add_staff("notifier")
    approver = live_server.add_staff("approver")
    name = f"News about your case ({walk.label})"

    # The notifier writes the campaign, sees the estimate per language and submits it.
    sign_in(walk, notifier, "notifier")
    walk.follow('main a[href="/staff/campaigns"], nav a[href="/staff/campaigns"]', "notifier-campaigns")
    walk.follow('main a[href="/staff/campaigns/new"]', "new-campaign")
    walk.page.fill("#name", name)
    # A text of this walk's own: the same text to the same people again would need a confirmation.
    walk.page.fill("#text_en", f"{ENGLISH} ({walk.label})")
    walk.page.fill("#text_es", f"{SPANISH} ({walk.label})")
    walk.follow('main form[method=post] button[type=submit]', "campaign-draft")
    assert re.fullmatch(r"/staff/campaigns/[0-9a-f-]{36}", walk.path), walk.path
    campaign_path = walk.path
    assert walk.page.locator("h1").inner_text() == name
    assert cell(walk, "English", 1) == "GSM-7" and cell(walk, "Spanish", 1) == "UCS-2"
    assert int(cell(walk, "English", 0)) >= 1 and int(cell(walk, "Spanish", 0)) >= 1
    recipients = int(cell(walk, "Total", 0).replace(",", ""))
    walk.follow(f'main form[action="{campaign_path}/submit"] button[type=submit]', "campaign-submitted")
    assert walk.path == campaign_path
    assert "Waiting for approval" in walk.page.locator("main .campaign-summary").inner_text()
    sign_out(walk, "notifier")

    # The approver finds it among the campaigns to approve and approves it.
    sign_in(walk, approver, "approver")
    walk.goto("/staff/campaigns/approvals", "approvals")
    walk.page.get_by_role("link", name=name).click()
    walk.page.wait_for_url(f"**{campaign_path}")
    walk.check("campaign-to-decide")
    walk.page.check('input[name="decision"][value="approve"]')
    walk.follow(f'main form[action="{campaign_path}/decision"] button[type=submit]', "approved-progress")
    assert walk.path == f"{campaign_path}/progress"

    # The worker sends the messages; the progress page shows them sent.
    send_as_the_worker_would(live_server)
    walk.goto(f"{campaign_path}/progress", "progress-sent")
    counts = {state: int(walk.page.locator(f'main [data-count="{state}"]').inner_text().replace(",", ""))
              for state in ("pending", "sending", "sent", "delivered", "failed")}
    assert counts == {"pending": 0, "sending": 0, "sent": recipients, "delivered": 0, "failed": 0}
    bar = walk.page.locator("#campaign-progress-bar")
    assert (bar.get_attribute("max"), bar.get_attribute("value")) == (str(recipients), str(recipients))
    assert walk.page.locator("main [data-progress-done]").inner_text() == str(recipients)
    sign_out(walk, "approver")
    walk.finish()
