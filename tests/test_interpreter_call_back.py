"""Help in another language: a page listing spoken languages by their own names, reachable
from the language switcher, where anyone can leave a phone number for an interpreter to call.
The number is stored encrypted, and bad numbers are refused with nothing stored."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from portal.i18n import SUPPORTED_LOCALES
from portal.models import AuditEvent, InterpreterCallRequest
from portal.services.interpreters import SPOKEN_LANGUAGES
from tests.conftest import LOG_COLLECTOR
from tests.pages import csrf_token, submit, text_of
from tests.test_languages import choose_language

GUATEMALAN_MOBILE = "+502 5123 4567"
GUATEMALAN_MOBILE_E164 = "+50251234567"
PORTAL_LANGUAGE_CODES = {code.split("_")[0] for code in SUPPORTED_LOCALES} | {"cmn"}
REQUIRED_FURTHER = ("mam", "quc", "kjb", "knj", "kek", "ti", "prs", "ps", "bn", "gu", "ro", "uk", "wo", "fuc",
                    "so", "am", "vi", "ne")


def ask_for_call(client, code="mam", phone=GUATEMALAN_MOBILE):
    return submit(client, f"/help-in-your-language/{code}", {"phone": phone})


def stored(db) -> list[InterpreterCallRequest]:
    return db.scalars(select(InterpreterCallRequest)).all()


def test_every_page_links_to_help_in_another_language(client):
    for url in ("/", "/check/a-number", "/letters/check"):
        assert 'href="/help-in-your-language"' in text_of(client.get(url))


def test_the_page_lists_at_least_twenty_further_languages_each_in_its_own_name_and_script(client):
    page = text_of(client.get("/help-in-your-language"))

    further = [language for language in SPOKEN_LANGUAGES if language.code not in PORTAL_LANGUAGE_CODES]
    assert len(further) >= 20
    assert {code for code in REQUIRED_FURTHER} <= {language.code for language in further}
    for own_name, code in [("Mam", "mam"), ("K'iche'", "quc"), ("Q'anjob'al", "kjb"), ("ትግርኛ", "ti"),
                           ("دری", "prs"), ("پښتو", "ps"), ("বাংলা", "bn"), ("Українська", "uk"),
                           ("Tiếng Việt", "vi"), ("नेपाली", "ne")]:
        assert f'lang="{code}"' in page
        assert own_name.replace("'", "&#39;") in page
    assert 'lang="prs" dir="rtl"' in page


def test_a_call_back_request_stores_the_number_encrypted_and_the_language(client, db):
    response = ask_for_call(client)

    assert response.status_code == 303
    assert response.headers["Location"] == "/help-in-your-language/mam/requested"
    request = stored(db)[0]
    assert (request.language, request.phone) == ("mam", GUATEMALAN_MOBILE_E164)
    raw = db.execute(text("SELECT phone_encrypted FROM interpreter_call_request")).scalar_one()
    assert GUATEMALAN_MOBILE_E164.encode() not in raw and b"51234567" not in raw
    confirmation = text_of(client.get(response.headers["Location"]))
    assert "An interpreter will call you" in confirmation
    assert "5123" not in confirmation


def test_a_landline_is_fine_for_a_call(client, db):
    assert ask_for_call(client, code="es", phone="+44 20 7946 0018").status_code == 303

    assert stored(db)[0].phone == "+442079460018"


@pytest.mark.parametrize(("typed", "message"), [
    ("12345", "Enter a real phone number. If it is not in the United States, start with + and the country code"),
    ("call me", "Enter a real phone number. If it is not in the United States, start with + and the country code"),
    ("+1 555", "Enter a real phone number. If it is not in the United States, start with + and the country code"),
    ("", "Enter a phone number"),
    ("5" * 65, "The phone number is too long"),
])
def test_a_bad_number_is_refused_with_a_clear_message_and_nothing_stored(client, db, typed, message):
    response = ask_for_call(client, phone=typed)

    page = text_of(response)
    assert response.status_code == 200
    assert 'class="error-summary"' in page
    assert message in page
    assert stored(db) == []


def test_an_unknown_language_is_not_found_and_nothing_is_stored(client, db):
    assert client.get("/help-in-your-language/klingon").status_code == 404
    token = csrf_token(text_of(client.get("/check/a-number")))
    posted = client.post("/help-in-your-language/klingon", data={"phone": GUATEMALAN_MOBILE, "csrf_token": token})
    assert posted.status_code == 404
    assert stored(db) == []


def test_the_number_reaches_neither_the_url_the_log_nor_the_audit_trail(client, db):
    first_line = len(LOG_COLLECTOR.lines)

    response = ask_for_call(client)

    assert "5123" not in response.headers["Location"]
    log = "\n".join(LOG_COLLECTOR.lines[first_line:])
    assert "5123" not in log
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "interpreter.requested")).all()
    assert [(event.subject_id, event.details) for event in events] == [(str(stored(db)[0].id), {"language": "mam"})]


def test_the_pages_are_translated_into_the_page_language(client):
    choose_language(client, "es")
    page = text_of(client.get("/help-in-your-language/mam"))

    assert 'lang="es"' in page
    assert "What phone number should the interpreter call?" not in page
