"""The affected person's journey in a real browser, on a phone and on a desktop, with
JavaScript on and off: every page is photographed and checked by axe-core on the way."""

import pytest

WALKS = [
    pytest.param(("phone", True), id="phone-js"),
    pytest.param(("phone", False), id="phone-nojs"),
    pytest.param(("desktop", True), id="desktop-js"),
    pytest.param(("desktop", False), id="desktop-nojs"),
]


@pytest.fixture(params=WALKS)
def walk(request, open_walk):
    viewport, javascript = request.param
    return open_walk(viewport, javascript=javascript)


def identify(walk, person):
    """From the start page to "Do you have a code", by A-number and date of birth."""
    walk.goto("/", "start")
    walk.follow('main a[href="/check/a-number"]', "a-number")
    walk.page.fill("#a_number", person.a_number)
    walk.submit("date-of-birth")
    walk.page.fill("#day", str(person.born.day))
    walk.page.fill("#month", str(person.born.month))
    walk.page.fill("#year", str(person.born.year))
    walk.submit("has-code")
    assert walk.path == "/check/code"


def sign_in_with_notice_code(walk, person, code=None):
    identify(walk, person)
    walk.page.check('input[name="has_code"][value="yes"]')
    walk.submit("notice-code")
    walk.page.fill("#code", code or person.notice_code)
    walk.submit("overview" if code is None else "not-confirmed")


def ask_for_help_and_sign_out(walk):
    """From the overview: what was exposed, the remedies, ask for one, sign out."""
    walk.follow('main a[href="/you/exposure"]', "exposure")
    walk.follow('main a[href="/you/remedies"]', "remedies")
    walk.follow('main a[href="/you/remedies/release_review"]', "remedy")
    walk.submit("remedy-requested")
    assert walk.path == "/you/remedies/release_review/requested"
    walk.follow('header form[action="/sign-out"] button', "signed-out")
    assert walk.path == "/signed-out"


def test_a_person_signs_in_with_their_notice_code_asks_for_help_and_signs_out(walk, person):
    sign_in_with_notice_code(walk, person)
    assert walk.path == "/you"

    ask_for_help_and_sign_out(walk)

    walk.goto("/you", "after-sign-out")
    assert walk.path == "/signed-out"
    walk.finish()


def test_a_person_without_a_code_signs_in_with_one_texted_to_the_phone_on_record(walk, live_server, person):
    identify(walk, person)
    walk.page.check('input[name="has_code"][value="no"]')
    walk.submit("text-code")
    assert walk.path == "/check/text-code"

    walk.page.fill("#code", live_server.text_code_sent_to(person))
    walk.submit("overview")

    assert walk.path == "/you"
    walk.finish()


def test_a_wrong_code_ends_on_the_page_that_says_the_details_could_not_be_confirmed(walk, person):
    wrong = "AAAAA-AAAAA" if person.notice_code != "AAAAA-AAAAA" else "BBBBB-BBBBB"

    sign_in_with_notice_code(walk, person, code=wrong)

    assert walk.page.locator("h1").inner_text() == "We could not confirm these details"
    walk.goto("/you", "still-signed-out")
    assert walk.path == "/signed-out"
    walk.finish()
