import time
from datetime import date

import pytest

from portal.models import DataCategory, IncidentKind
from portal.services.incidents import add_incident
from portal.web import shared_pages as shared_pages_module
from portal.web.public.forms import ConfirmForm
from portal.web.shared_pages import shared_pages


def test_start_page_explains_what_happened_without_any_lookup(client, db):
    add_incident(
        db, code="2022-11-posting", kind=IncidentKind.PUBLIC_POSTING, occurred_on=date(2022, 11, 28),
        exposure_hours=5, in_custody_on=date(2022, 11, 19), data_categories=[DataCategory.NAME],
    )
    add_incident(
        db, code="2022-12-disclosure", kind=IncidentKind.FOREIGN_GOVERNMENT_DISCLOSURE,
        occurred_on=date(2022, 12, 7), disclosed_to_country="CU", data_categories=[DataCategory.PROTECTION_CLAIM],
    )
    db.commit()

    response = client.get("/")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in page
    assert "November 28, 2022" in page
    assert "about 5 hours" in page
    assert "held by the agency on November 19, 2022" in page
    assert "government of Cuba" in page


def add_posting(db) -> None:
    add_incident(db, code="2022-11-posting", kind=IncidentKind.PUBLIC_POSTING, occurred_on=date(2022, 11, 28),
                 exposure_hours=5, data_categories=[DataCategory.NAME])
    db.commit()


def test_the_start_page_is_one_copy_per_language_for_everyone_and_sets_no_cookie(app, db):
    first, second = app.test_client(), app.test_client()
    english = first.get("/")
    add_posting(db)

    again = second.get("/")
    spanish = first.get("/", headers={"Accept-Language": "es"}).get_data(as_text=True)

    assert again.get_data() == english.get_data()
    assert "November 28, 2022" not in again.get_data(as_text=True), "the copy made before the incident is fresh"
    assert "Set-Cookie" not in english.headers and "Set-Cookie" not in again.headers
    assert '<html lang="es" dir="ltr">' in spanish and "28 de noviembre de 2022" in spanish


def test_a_page_with_a_form_cannot_be_shared(app):
    with app.test_request_context("/letters/check"), pytest.raises(RuntimeError, match="CSRF token"):
        shared_pages(app).render("public/letters/letter.html", lambda: {"form": ConfirmForm()})


def test_a_new_copy_is_made_once_the_old_one_is_older_than_the_setting(app, db, monkeypatch):
    client = app.test_client()
    client.get("/")
    add_posting(db)
    clock = time.monotonic() + app.config["SHARED_PAGE_SECONDS"] + 1
    monkeypatch.setattr(shared_pages_module.time, "monotonic", lambda: clock)

    assert "November 28, 2022" in client.get("/").get_data(as_text=True)
