"""The main journey in Arabic, Persian and Spanish, chosen with the language switcher, in a
real browser without JavaScript: every page photographed (test-artifacts/screenshots/
phone-nojs/NN-<language>-<page>.png) and checked by axe-core, right-to-left pages mirrored."""

import pytest

QUICK_EXIT = ".quick-exit"
RIGHT_TO_LEFT = {"ar", "fa"}


def choose_language(walk, code):
    walk.goto("/", f"{code}-start-before")
    walk.follow(f'nav.language-switcher a[hreflang="{code}"]', f"{code}-start")


def assert_page_language(walk, code):
    html = walk.page.locator("html")
    assert html.get_attribute("lang") == code
    assert html.get_attribute("dir") == ("rtl" if code in RIGHT_TO_LEFT else "ltr")
    box = walk.page.locator(QUICK_EXIT).bounding_box()
    mirrored = box["x"] + box["width"] / 2 < walk.width / 2
    assert mirrored == (code in RIGHT_TO_LEFT), "the quick exit sits at the end of the line the language reads"


@pytest.mark.parametrize("code", ["ar", "fa", "es"])
def test_the_main_journey_in_arabic_persian_and_spanish(open_walk, person, code):
    walk = open_walk("phone", javascript=False)
    choose_language(walk, code)
    assert_page_language(walk, code)
    english_heading = "Was your information made public?"
    assert walk.page.locator("h1").first.inner_text() != english_heading

    walk.follow('main a[href="/check/a-number"]', f"{code}-a-number")
    walk.page.fill("#a_number", person.a_number)
    walk.submit(f"{code}-date-of-birth")
    walk.page.fill("#day", str(person.born.day))
    walk.page.fill("#month", str(person.born.month))
    walk.page.fill("#year", str(person.born.year))
    walk.submit(f"{code}-has-code")
    walk.page.check('input[name="has_code"][value="yes"]')
    walk.submit(f"{code}-notice-code")
    walk.page.fill("#code", person.notice_code)
    walk.submit(f"{code}-overview")
    assert walk.path == "/you"
    assert_page_language(walk, code)

    walk.follow('main a[href="/you/exposure"]', f"{code}-exposure")
    walk.follow('main a[href="/you/remedies"]', f"{code}-remedies")
    walk.follow('main a[href="/you/remedies/release_review"]', f"{code}-remedy")
    walk.submit(f"{code}-remedy-requested")
    assert walk.path == "/you/remedies/release_review/requested"
    walk.goto("/help-in-your-language", f"{code}-other-languages")
    assert_page_language(walk, code)
    walk.goto("/you", f"{code}-overview-again")
    walk.follow('header form[action="/sign-out"] button', f"{code}-signed-out")
    assert walk.path == "/signed-out"
    walk.finish()
