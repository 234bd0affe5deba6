import re
import time
from datetime import date

from portal.models import DataCategory, IncidentKind
from portal.services.incidents import add_incident
from portal.web import shared_pages as shared_pages_module


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


def csrf_token_in(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_the_start_page_is_kept_per_language_but_each_visitor_gets_a_token_of_their_own(app, db):
    first, second = app.test_client(), app.test_client()
    english = first.get("/").get_data(as_text=True)
    add_posting(db)

    again = second.get("/").get_data(as_text=True)
    spanish = first.get("/", headers={"Accept-Language": "es"}).get_data(as_text=True)

    assert "November 28, 2022" not in again, "the copy made before the incident was added is still fresh"
    assert csrf_token_in(english) != csrf_token_in(again)
    assert english.replace(csrf_token_in(english), "") == again.replace(csrf_token_in(again), "")
    assert '<html lang="es" dir="ltr">' in spanish and "28 de noviembre de 2022" in spanish


def test_each_visitor_s_token_is_the_one_their_session_accepts(app):
    client = app.test_client()
    token = csrf_token_in(client.get("/").get_data(as_text=True))

    chosen = client.post("/language", data={"csrf_token": token, "locale": "fr", "next": "/"})
    refused = app.test_client().post("/language", data={"csrf_token": token, "locale": "fr", "next": "/"})

    assert chosen.status_code == 302 and "fr" in chosen.headers.get("Set-Cookie", "")
    assert "fr" not in refused.headers.get("Set-Cookie", "")


def test_a_new_copy_is_made_once_the_old_one_is_older_than_the_setting(app, db, monkeypatch):
    client = app.test_client()
    client.get("/")
    add_posting(db)
    clock = time.monotonic() + app.config["SHARED_PAGE_SECONDS"] + 1
    monkeypatch.setattr(shared_pages_module.time, "monotonic", lambda: clock)

    assert "November 28, 2022" in client.get("/").get_data(as_text=True)
