"""An attorney in a real browser, with JavaScript on and off: registers with an authenticator
app, waits while staff verify the account, links a client with the code the client made on
their own page, and asks for a remedy for them. Three visitors (attorney, staff member,
client), each in a browser of their own; every page is photographed and checked by axe-core."""

import uuid

import pyotp
import pytest

from tests.browser.test_affected_person_flow import sign_in_with_notice_code
from tests.browser.test_staff_campaign_flow import sign_in as sign_in_staff

WALKS = [
    pytest.param(("desktop", True), id="desktop-js"),
    pytest.param(("phone", False), id="phone-nojs"),
]
PASSWORD = "a long and lawyerly passphrase"


@pytest.fixture(params=WALKS)
def walks(request, open_walk):
    """The attorney's, the staff member's and the client's browsers, all of one kind."""
    viewport, javascript = request.param
    return [open_walk(viewport, javascript=javascript) for _ in range(3)]


def register(walk, email: str) -> None:
    """The details, then the authenticator app's key and its first code."""
    walk.goto("/attorney/register", "attorney-register")
    walk.page.fill("#full_name", "Ana Abogada")
    walk.page.fill("#email", email)
    walk.page.fill("#firm", "Legal Aid of the Border")
    walk.page.fill("#eoir_id", "ZZ" + uuid.uuid4().hex[:6].upper())
    walk.page.fill("#password", PASSWORD)
    walk.submit("attorney-set-up")
    assert walk.path == "/attorney/set-up"
    secret = walk.page.input_value("#totp-secret")
    assert walk.page.input_value("#totp-uri").startswith("otpauth://totp/")
    walk.page.fill("#code", pyotp.TOTP(secret).now())
    walk.submit("attorney-waiting")
    assert walk.path == "/attorney/account"
    assert "waiting for verification" in walk.page.locator("h1").inner_text()


def verify_in_the_queue(walk, live_server, email: str) -> None:
    """A caseworker opens the attorney's queue item and verifies the account."""
    sign_in_staff(walk, live_server.add_staff("caseworker"), "caseworker")
    walk.goto("/staff/queues/attorneys", "attorney-queue")
    row = walk.page.locator("main table tr", has=walk.page.locator("td", has_text="Ana Abogada")).last
    with walk.page.expect_navigation():
        row.locator("a").click()
    walk.check("attorney-queue-item")
    assert email in walk.page.locator("main").inner_text()
    walk.follow('main form[action$="/verify"] button[type=submit]', "attorney-verified")
    assert "Verified." in walk.page.locator("main").inner_text()


def make_share_code(walk, person) -> str:
    """The client signs in with their notice code and makes a code for their lawyer."""
    sign_in_with_notice_code(walk, person)
    walk.follow('main a[href="/you/lawyer"]', "client-lawyer")
    walk.follow('main a[href="/you/lawyer/code"]', "client-make-code")
    walk.submit("client-code-made")
    return walk.page.locator("main .share-code").inner_text().strip()


def test_an_attorney_registers_is_verified_links_a_client_by_code_and_asks_for_a_remedy(walks, live_server, person):
    attorney, staff, client = walks
    email = f"ana-{uuid.uuid4().hex[:8]}@legal-aid.example"

    register(attorney, email)
    attorney.goto("/attorney", "attorney-still-waiting")
    assert attorney.path == "/attorney/account"  # no client before staff verify the account

    verify_in_the_queue(staff, live_server, email)
    code = make_share_code(client, person)

    attorney.goto("/attorney", "attorney-no-clients")
    assert "No client matches." in attorney.page.locator("main").inner_text()
    attorney.follow('main a[href="/attorney/clients/add"]', "attorney-add-client")
    attorney.page.fill("#code", code)
    attorney.page.fill("#a_number", person.a_number)
    attorney.page.fill("#day", str(person.born.day))
    attorney.page.fill("#month", str(person.born.month))
    attorney.page.fill("#year", str(person.born.year))
    attorney.submit("attorney-client")
    assert attorney.path.startswith("/attorney/clients/")
    client_path = attorney.path
    assert person.a_number[-3:] in attorney.page.locator("main").inner_text()
    assert person.a_number not in attorney.page.locator("main").inner_text()

    attorney.follow(f'main a[href="{client_path}/remedies/release_review"]', "attorney-remedy")
    attorney.submit("attorney-remedy-requested")
    assert attorney.path == f"{client_path}/remedies/release_review"
    assert "Requested" in attorney.page.locator("main").inner_text()
    attorney.goto("/attorney?remedy_status=requested", "attorney-dashboard-filtered")
    assert attorney.page.locator("main table tbody tr").count() == 1

    # The client sees on their own page what their lawyer asked for, and who the lawyer is.
    client.goto("/you/remedies", "client-remedies")
    assert "You asked for this" in client.page.locator("main").inner_text()
    client.goto("/you/lawyer", "client-sees-lawyer")
    assert "Ana Abogada" in client.page.locator("main").inner_text()
    for walk in walks:
        walk.finish()
