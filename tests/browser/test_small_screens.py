"""At 320 px wide (WCAG 1.4.10 reflow) nothing scrolls sideways and every button in the
main content is at least 44 px tall: `Walk.check` measures both on every page."""

from tests.browser.test_affected_person_flow import ask_for_help_and_sign_out, sign_in_with_notice_code


def test_every_page_of_the_journey_fits_a_320_pixel_screen(open_walk, person):
    walk = open_walk("narrow")
    walk.goto("/check/a-number", "a-number")
    walk.submit("a-number-empty")
    walk.goto("/check/no-code", "no-code")

    sign_in_with_notice_code(walk, person)
    ask_for_help_and_sign_out(walk)

    assert walk.page.evaluate("document.documentElement.scrollWidth") <= 320
    walk.finish()
