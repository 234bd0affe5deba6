"""Keyboard-only use, and errors that take the focus to the list of problems."""

import pytest


def type_into(walk, selector, text):
    walk.tab_to(selector)
    walk.page.keyboard.type(text)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_the_whole_journey_can_be_done_with_the_keyboard_alone(open_walk, person, javascript):
    walk = open_walk("desktop", javascript=javascript)
    walk.goto("/", "keyboard-start")

    walk.tab_to('main a[href="/check/a-number"]')
    walk.press("Enter", "keyboard-a-number")
    type_into(walk, "#a_number", person.a_number)
    walk.press("Enter", "keyboard-date-of-birth")
    type_into(walk, "#day", str(person.born.day))
    type_into(walk, "#month", str(person.born.month))
    type_into(walk, "#year", str(person.born.year))
    walk.press("Enter", "keyboard-has-code")
    walk.tab_to('input[name="has_code"][value="yes"]')
    walk.page.keyboard.press("Space")
    walk.tab_to("main form button[type=submit]")
    walk.press("Enter", "keyboard-notice-code")
    type_into(walk, "#code", person.notice_code)
    walk.press("Enter", "keyboard-overview")
    assert walk.path == "/you"
    walk.tab_to('main a[href="/you/exposure"]')
    walk.press("Enter", "keyboard-exposure")
    walk.tab_to('main a[href="/you/remedies"]')
    walk.press("Enter", "keyboard-remedies")
    walk.tab_to('main a[href="/you/remedies/release_review"]')
    walk.press("Enter", "keyboard-remedy")
    walk.tab_to("main form button[type=submit]")
    walk.press("Enter", "keyboard-remedy-requested")
    assert walk.path == "/you/remedies/release_review/requested"
    walk.tab_to('header form[action="/sign-out"] button')
    walk.press("Enter", "keyboard-signed-out")

    assert walk.path == "/signed-out"
    walk.finish()


def assert_focus_on_error_summary_linking_to_fields(walk):
    page = walk.page
    assert page.evaluate("document.activeElement.id") == "error-summary"
    targets = page.eval_on_selector_all("#error-summary a", "links => links.map(link => link.getAttribute('href'))")
    assert targets, "the error summary links to no field"
    for target in targets:
        assert target.startswith("#")
        assert page.locator(f"[id='{target[1:]}']").count() == 1, f"the error summary links to {target}: no such id"
        assert page.eval_on_selector(f"[id='{target[1:]}']", "field => field.matches('input, select, textarea')")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_an_empty_a_number_takes_the_focus_to_the_error_summary(open_walk, javascript):
    walk = open_walk("phone", javascript=javascript)
    walk.goto("/check/a-number", "a-number")

    walk.submit("a-number-empty")

    assert walk.page.title().startswith("Error:")
    assert_focus_on_error_summary_linking_to_fields(walk)
    walk.finish()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_an_impossible_date_of_birth_takes_the_focus_to_the_error_summary(open_walk, javascript):
    walk = open_walk("phone", javascript=javascript)
    walk.goto("/check/a-number", "a-number")
    walk.page.fill("#a_number", "A-201-555-001")
    walk.submit("date-of-birth")
    walk.page.fill("#day", "31")
    walk.page.fill("#month", "2")
    walk.page.fill("#year", "1990")

    walk.submit("date-of-birth-impossible")

    assert walk.page.input_value("#day") == "31"
    assert_focus_on_error_summary_linking_to_fields(walk)
    walk.finish()
