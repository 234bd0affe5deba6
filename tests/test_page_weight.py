"""Every page people and attorneys open without a staff account stays under 30 KB of HTML
and CSS, in every language (a size check, not a timing one; bench/page_weight.py prints the
table). Cheap phones on prepaid data are who these pages are for."""

from datetime import date

from bench.page_weight import TARGET_BYTES, demo_visitors, weigh_pages
from portal.i18n import SUPPORTED_LOCALES
from portal.services.notice_codes import issue_notice_code
from tests.factories import add_person


def test_every_public_page_is_under_30_kb_of_html_and_css_in_every_language(app, db):
    code = issue_notice_code(db, add_person(db))
    db.commit()
    person = {"a_number": "A-201-555-001", "born": date(1990, 3, 15), "notice_code": code}

    weights = weigh_pages(demo_visitors(app, person), app, SUPPORTED_LOCALES)

    weighed = [weight for weight in weights if weight.weighed]
    # Pages of every kind were reached: signed out, half way through identifying, signed in, errors.
    assert {"public.start", "public.date_of_birth", "public.overview", "public.contact_international_address",
            "(not found)"} <= {weight.endpoint for weight in weighed}
    assert {weight.locale for weight in weighed} == set(SUPPORTED_LOCALES)
    assert all(weight.css > 0 for weight in weighed)
    too_heavy = [(weight.endpoint, weight.locale, weight.html_and_css) for weight in weighed
                 if weight.html_and_css >= TARGET_BYTES]
    assert too_heavy == []
