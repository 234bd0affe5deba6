"""How we contact you: a verified person chooses SMS (to a number they confirm), a letter (to a
US or international address) or their lawyer, and the language; and can stop texts."""

from datetime import date, timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select

from portal.models import (
    Attorney,
    AttorneyStatus,
    AuditEvent,
    CodePurpose,
    ContactChannel,
    ContactPreference,
    OneTimeCode,
    Representation,
    RepresentationMethod,
    utcnow,
)
from portal.security.context import blind_index
from portal.services import contact
from portal.services.notice_codes import issue_notice_code
from portal.web.public.contact import CHANGES
from tests.conftest import LOG_COLLECTOR
from tests.factories import add_person
from tests.pages import csrf_token, submit, text_of
from tests.test_public_identify import deliver_codes, identify, latest_sms, sign_in_with_notice_code
from tests.test_public_pages import PAGE_WEIGHT_LIMIT, parts, stylesheet_size

NEW_PHONE = "+525512345678"
NEW_PHONE_SHOWN = "+52 55 1234 5678"
US_ADDRESS = {"line1": "1450 Wilshire Blvd", "line2": "Apt 4", "city": "Los Angeles", "state": "CA",
              "zip_code": "90017 1234"}
ABROAD_ADDRESS = {"line1": "Calle 23 No. 1055", "line2": "", "line3": "", "city": "La Habana",
                  "region": "Plaza de la Revolución", "postal_code": "10400", "country": "CU"}
PERSONAL_PAGES = [
    "/you/contact", "/you/contact/how", "/you/contact/phone", "/you/contact/phone/code", "/you/contact/letter",
    "/you/contact/letter/united-states", "/you/contact/letter/other-country", "/you/contact/lawyer",
    "/you/contact/language", "/you/contact/stop-texts", "/you/contact/changed/phone",
]
WRITTEN = {"/you/contact/how", "/you/contact/phone", "/you/contact/phone/code", "/you/contact/letter",
           "/you/contact/letter/united-states", "/you/contact/letter/other-country", "/you/contact/lawyer",
           "/you/contact/language", "/you/contact/stop-texts"}


def make_person(db, **changes):
    person_id = add_person(db, **changes)
    code = issue_notice_code(db, person_id)
    db.commit()
    return {"id": person_id, "a_number": "A-201-555-001", "born": date(1990, 3, 15), "notice_code": code}


@pytest.fixture
def person(db):
    return make_person(db)


@pytest.fixture
def signed_in(client, person):
    sign_in_with_notice_code(client, person)
    return person


class Redirects:
    """Every redirect the pages answered with, to check none carries anything personal."""

    def __init__(self, client):
        self.client = client
        self.locations: list[str] = []

    def submit(self, url, data):
        response = submit(self.client, url, data)
        if response.status_code in (301, 302, 303):
            self.locations.append(unquote(response.headers["Location"]))
        return response


@pytest.fixture
def pages(client, signed_in):
    return Redirects(client)


def catalogue_messages() -> set[str]:
    """Every message in the committed catalogue template, that translators translate."""
    with (Path(__file__).resolve().parent.parent / "translations" / "messages.pot").open("rb") as template:
        return {message.id for message in read_po(template) if isinstance(message.id, str)}


def preference_of(db, person_id) -> ContactPreference:
    db.expire_all()
    return db.scalar(select(ContactPreference).where(ContactPreference.person_id == person_id))


def snapshot(db, person_id):
    preference = preference_of(db, person_id)
    return (preference.channel, preference.phone, preference.phone_verified_at, preference.postal_address,
            preference.language, preference.chosen_at, preference.opted_out_at)


def contact_events(db, person_id):
    db.expire_all()
    return [(event.action, event.details) for event in db.scalars(
        select(AuditEvent).where(AuditEvent.subject_id == str(person_id), AuditEvent.action.like("contact.%"))
        .order_by(AuditEvent.id)
    )]


def ask_for_phone_code(pages, phone=NEW_PHONE_SHOWN):
    chosen = pages.submit("/you/contact/how", {"channel": "sms"})
    assert chosen.headers["Location"] == "/you/contact/phone"
    return pages.submit("/you/contact/phone", {"phone": phone})


def code_from_sms(db):
    return latest_sms(db).body.split("Your code is ")[1][:6]


def wrong(code):
    return "000000" if code != "000000" else "111111"


def test_a_person_changes_to_text_messages_at_a_new_number_confirmed_by_the_code(client, db, pages, person):
    asked = ask_for_phone_code(pages)
    assert asked.headers["Location"] == "/you/contact/phone/code"
    assert deliver_codes(db) == 1
    assert latest_sms(db).recipient == NEW_PHONE
    code_page = text_of(client.get("/you/contact/phone/code"))
    assert f"We sent a 6-digit code to <bdi>{NEW_PHONE_SHOWN}</bdi>." in code_page

    confirmed = pages.submit("/you/contact/phone/code", {"code": code_from_sms(db)})

    assert confirmed.headers["Location"] == "/you/contact/changed/phone"
    assert f"We will send text messages to <bdi>{NEW_PHONE_SHOWN}</bdi>." in text_of(client.get(confirmed.location))
    preference = preference_of(db, person["id"])
    assert preference.channel is ContactChannel.SMS
    assert preference.phone == NEW_PHONE
    assert preference.phone_index == blind_index().phone(NEW_PHONE)
    assert preference.phone_verified_at is not None and preference.chosen_at is not None
    assert contact_events(db, person["id"]) == [
        ("contact.phone_code_requested", {"channel": "sms"}), ("contact.phone_confirmed", {"channel": "sms"}),
    ]


def test_a_confirmed_number_is_where_sign_in_codes_go_next_time(app, db, pages, person):
    ask_for_phone_code(pages)
    deliver_codes(db)
    pages.submit("/you/contact/phone/code", {"code": code_from_sms(db)})
    another_visit = app.test_client()

    identify(another_visit, person["a_number"], person["born"])
    submit(another_visit, "/check/code", {"has_code": "no"})
    deliver_codes(db)

    assert latest_sms(db).recipient == NEW_PHONE


def test_a_wrong_code_leaves_the_preference_as_it_was(client, db, pages, person):
    before = snapshot(db, person["id"])
    ask_for_phone_code(pages)
    deliver_codes(db)

    response = pages.submit("/you/contact/phone/code", {"code": wrong(code_from_sms(db))})

    assert response.status_code == 200
    assert "The code is not right, or it is too old." in text_of(response)
    assert snapshot(db, person["id"]) == before
    assert db.scalars(select(OneTimeCode.failed_attempts)).one() == 1
    assert [action for action, _ in contact_events(db, person["id"])] == ["contact.phone_code_requested"]


def test_a_code_stops_working_after_five_wrong_tries(client, db, pages, person):
    before = snapshot(db, person["id"])
    ask_for_phone_code(pages)
    deliver_codes(db)
    code = code_from_sms(db)
    for _ in range(5):
        pages.submit("/you/contact/phone/code", {"code": wrong(code)})

    response = pages.submit("/you/contact/phone/code", {"code": code})

    assert "The code is not right" in text_of(response)
    assert snapshot(db, person["id"]) == before


def test_an_expired_code_asks_for_a_new_one(client, db, pages, person):
    ask_for_phone_code(pages)
    deliver_codes(db)
    record = db.scalars(select(OneTimeCode)).one()
    record.expires_at = utcnow() - timedelta(seconds=1)
    db.commit()

    response = pages.submit("/you/contact/phone/code", {"code": code_from_sms(db)})

    assert "Your code has run out" in text_of(response)
    assert preference_of(db, person["id"]).phone_verified_at is None


@pytest.mark.parametrize(("typed", "message"), [
    ("12345", "Enter a real phone number. If it is not in the United States, start with + and the country code"),
    ("not a number", "Enter a real phone number. If it is not in the United States, start with + and the country"),
    ("+44 20 7946 0018", "This number cannot get text messages. Enter a mobile phone number"),
    ("", "Enter a mobile phone number"),
])
def test_an_invalid_phone_number_gets_a_translatable_message_and_changes_nothing(db, pages, person, typed, message):
    before = snapshot(db, person["id"])

    response = pages.submit("/you/contact/phone", {"phone": typed})

    page = text_of(response)
    assert response.status_code == 200
    assert message in page
    assert 'class="error-summary"' in page
    assert any(msgid.startswith(message) for msgid in catalogue_messages())
    assert db.scalars(select(OneTimeCode)).all() == []
    assert snapshot(db, person["id"]) == before
    assert contact_events(db, person["id"]) == []


def test_at_most_three_codes_an_hour_are_sent_to_new_numbers(client, db, pages):
    for _ in range(3):
        assert pages.submit("/you/contact/phone", {"phone": NEW_PHONE_SHOWN}).status_code == 302

    refused = pages.submit("/you/contact/phone", {"phone": NEW_PHONE_SHOWN})

    assert refused.status_code == 200
    assert "You asked for too many codes. Wait one hour, then try again" in text_of(refused)
    assert deliver_codes(db) == 3


def test_a_person_changes_to_letters_at_a_us_address(client, db, pages, person):
    assert pages.submit("/you/contact/how", {"channel": "letter"}).headers["Location"] == "/you/contact/letter"
    place = pages.submit("/you/contact/letter", {"place": "us"})
    assert place.headers["Location"] == "/you/contact/letter/united-states"

    saved = pages.submit("/you/contact/letter/united-states", US_ADDRESS)

    assert saved.headers["Location"] == "/you/contact/changed/letter"
    assert "<bdi>Los Angeles, CA 90017-1234</bdi>" in text_of(client.get(saved.location))
    preference = preference_of(db, person["id"])
    assert preference.channel is ContactChannel.LETTER
    assert preference.postal_address == "1450 Wilshire Blvd\nApt 4\nLos Angeles, CA 90017-1234"
    assert contact_events(db, person["id"]) == [("contact.letter_chosen", {"channel": "letter"})]


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"zip_code": "9001"}, "zip_code", "Enter a ZIP code with 5 or 9 digits, like 92154"),
    ({"state": ""}, "state", "Choose the state"),
    ({"state": "XX"}, "state", "Choose the state"),
    ({"line1": " "}, "line1", "Enter the first line of the address"),
])
def test_a_us_address_with_a_mistake_is_shown_again_with_what_was_typed(db, pages, person, changes, field, message):
    before = snapshot(db, person["id"])

    response = pages.submit("/you/contact/letter/united-states", {**US_ADDRESS, **changes})

    page = text_of(response)
    assert response.status_code == 200
    assert f'<a href="#{field}">{message}</a>' in page
    assert 'value="Los Angeles"' in page
    assert snapshot(db, person["id"]) == before


def test_a_person_changes_to_letters_at_an_address_in_another_country(client, db, pages, person):
    place = pages.submit("/you/contact/letter", {"place": "abroad"})
    assert place.headers["Location"] == "/you/contact/letter/other-country"

    saved = pages.submit("/you/contact/letter/other-country", ABROAD_ADDRESS)

    assert saved.headers["Location"] == "/you/contact/changed/letter"
    preference = preference_of(db, person["id"])
    assert preference.channel is ContactChannel.LETTER
    assert preference.postal_address == "Calle 23 No. 1055\nLa Habana, Plaza de la Revolución\n10400\nCUBA"
    assert contact_events(db, person["id"]) == [("contact.letter_chosen", {"channel": "letter"})]


def test_the_country_list_is_sorted_names_with_iso_codes_and_leaves_out_us_mail(client, signed_in):
    page = text_of(client.get("/you/contact/letter/other-country"))

    assert '<option value="CU">Cuba</option>' in page
    assert page.index(">Åland Islands<") < page.index(">Albania<") < page.index(">Zimbabwe<")
    for domestic in ("US", "PR", "GU", "VI"):
        assert f'<option value="{domestic}">' not in page
    assert '<option value="PR">Puerto Rico</option>' in text_of(client.get("/you/contact/letter/united-states"))


@pytest.mark.parametrize(("url", "tokens"), [
    ("/you/contact/letter/united-states", ["address-line1", "address-line2", "address-level2", "address-level1",
                                           "postal-code"]),
    ("/you/contact/letter/other-country", ["address-line1", "address-line2", "address-line3", "address-level2",
                                           "address-level1", "postal-code", "country"]),
    ("/you/contact/phone", ["tel"]),
])
def test_every_address_and_phone_field_says_what_it_is_for(client, signed_in, url, tokens):
    fields = parts(text_of(client.get(url))).inputs

    assert [field.get("autocomplete") for field in fields] == tokens


def test_every_contact_page_is_labelled_and_light(client, db, pages):
    ask_for_phone_code(pages)
    for url in [*PERSONAL_PAGES[:-1], *(f"/you/contact/changed/{change}" for change in CHANGES)]:
        response = client.get(url)
        assert response.status_code == 200, url
        page = parts(text_of(response))
        unlabelled = [field.get("id") for field in page.inputs if field.get("id") not in page.label_targets]
        assert unlabelled == [], url
        weight = len(response.data) + sum(stylesheet_size(client, href) for href in page.stylesheets)
        assert weight < PAGE_WEIGHT_LIMIT, url
        assert "<script>" not in text_of(response) and "style=" not in text_of(response), url


def test_a_person_without_a_lawyer_is_told_how_to_link_one_and_nothing_changes(client, db, pages, person):
    before = snapshot(db, person["id"])
    chosen = pages.submit("/you/contact/how", {"channel": "attorney"})
    assert chosen.headers["Location"] == "/you/contact/lawyer"

    page = text_of(pages.submit("/you/contact/lawyer", {}))

    assert "Your lawyer must first link their account to you" in page
    assert snapshot(db, person["id"]) == before
    assert contact_events(db, person["id"]) == []


def test_a_person_with_an_attorney_of_record_chooses_to_be_contacted_through_them(client, db):
    person = make_person(db, attorney_name="Jonathan Pereira", attorney_identifier="AB123456")
    sign_in_with_notice_code(client, person)

    response = submit(client, "/you/contact/lawyer", {})

    assert response.headers["Location"] == "/you/contact/changed/lawyer"
    assert preference_of(db, person["id"]).channel is ContactChannel.ATTORNEY
    assert contact_events(db, person["id"]) == [("contact.attorney_chosen", {"channel": "attorney"})]


def test_only_a_verified_attorney_with_a_live_link_counts_as_the_persons_lawyer(db, person):
    attorney = Attorney(email="lawyer@example.org", full_name="A Lawyer", password_hash="x",
                        status=AttorneyStatus.PENDING)
    db.add(attorney)
    db.flush()
    link = Representation(attorney_id=attorney.id, person_id=person["id"], method=RepresentationMethod.SHARE_CODE)
    db.add(link)
    db.flush()
    assert not contact.has_attorney(db, person["id"])

    attorney.status = AttorneyStatus.VERIFIED
    db.flush()
    assert contact.has_attorney(db, person["id"])

    link.revoked_at = utcnow()
    db.flush()
    assert not contact.has_attorney(db, person["id"])
    with pytest.raises(contact.NoAttorneyLinked):
        contact.choose_attorney(db, person["id"], now=utcnow())


def test_a_person_chooses_the_language_of_their_messages(client, db):
    person = make_person(db, preferred_language="so")
    pages = Redirects(client)
    sign_in_with_notice_code(client, person)
    assert preference_of(db, person["id"]).language == "so"
    page = text_of(client.get("/you/contact/language"))
    assert "We cannot write to you in Somali yet." in page
    assert '<label for="language-0" class="radio-label" lang="en">English</label>' in page

    saved = pages.submit("/you/contact/language", {"language": "en"})

    assert saved.headers["Location"] == "/you/contact/changed/language"
    assert "We will write to you in English." in text_of(client.get(saved.location))
    assert preference_of(db, person["id"]).language == "en"
    assert contact_events(db, person["id"]) == [("contact.language_chosen", {"language": "en"})]


def test_a_language_the_portal_does_not_offer_is_refused(db, pages, person):
    before = snapshot(db, person["id"])

    response = pages.submit("/you/contact/language", {"language": "xx"})

    assert "Choose one of the options" in text_of(response)
    assert snapshot(db, person["id"]) == before


def test_stopping_texts_with_no_address_leaves_no_channel_and_says_so(client, db, pages, person):
    assert "Stop all text messages" in text_of(client.get("/you/contact"))

    stopped = pages.submit("/you/contact/stop-texts", {})

    assert stopped.headers["Location"] == "/you/contact/changed/texts-stopped"
    assert "We have no other way to contact you." in text_of(client.get(stopped.location))
    preference = preference_of(db, person["id"])
    assert preference.opted_out_at is not None
    assert preference.channel is ContactChannel.NONE
    assert contact_events(db, person["id"]) == [("contact.sms_stopped", {"channel": "none"})]
    assert "You stopped text messages." in text_of(client.get("/you/contact"))


def test_stopping_texts_falls_back_to_letters_when_there_is_an_address(db):
    person_id = add_person(db, postal_address="1450 Wilshire Blvd\nLos Angeles, CA 90017")

    assert contact.stop_sms(db, person_id, now=utcnow()) is ContactChannel.LETTER
    assert contact.contact_summary(db, person_id).sms_stopped


def test_confirming_a_number_starts_texts_again_after_they_were_stopped(db, pages, person):
    pages.submit("/you/contact/stop-texts", {})
    ask_for_phone_code(pages)
    deliver_codes(db)

    pages.submit("/you/contact/phone/code", {"code": code_from_sms(db)})

    preference = preference_of(db, person["id"])
    assert preference.opted_out_at is None
    assert preference.channel is ContactChannel.SMS


def test_the_summary_shows_the_channel_number_address_and_language_with_change_links(client, db, signed_in):
    page = text_of(client.get("/you/contact"))

    assert "By text message" in page
    assert "<bdi>+1 619-555-0142</bdi>" in page
    assert "You have not confirmed this number yet." in page
    assert "English" in page
    for url in ("/you/contact/how", "/you/contact/phone", "/you/contact/language", "/you/contact/stop-texts"):
        assert f'href="{url}"' in page
    assert 'href="/you/contact"' in text_of(client.get("/you"))
    assert 'value="+1 619-555-0142"' in text_of(client.get("/you/contact/phone"))


@pytest.mark.parametrize("url", PERSONAL_PAGES)
def test_contact_pages_send_a_visitor_without_a_session_to_signed_out(client, person, url):
    assert client.get(url).headers["Location"] == "/signed-out"
    if url in WRITTEN:
        token = csrf_token(text_of(client.get("/check/a-number")))
        assert client.post(url, data={"csrf_token": token}).headers["Location"] == "/signed-out"


def test_an_unknown_confirmation_page_is_not_found(client, signed_in):
    assert client.get("/you/contact/changed/anything").status_code == 404


def test_no_phone_number_or_address_reaches_a_url_the_log_or_the_audit_trail(client, db, pages, person):
    first_line = len(LOG_COLLECTOR.lines)
    ask_for_phone_code(pages)
    deliver_codes(db)
    pages.submit("/you/contact/phone/code", {"code": wrong(code_from_sms(db))})
    pages.submit("/you/contact/phone/code", {"code": code_from_sms(db)})
    pages.submit("/you/contact/letter", {"place": "us"})
    pages.submit("/you/contact/letter/united-states", US_ADDRESS)
    pages.submit("/you/contact/letter", {"place": "abroad"})
    pages.submit("/you/contact/letter/other-country", ABROAD_ADDRESS)
    pages.submit("/you/contact/language", {"language": "en"})
    pages.submit("/you/contact/stop-texts", {})

    personal = [NEW_PHONE, NEW_PHONE[1:], "5512345678", "1234 5678", *US_ADDRESS.values(), "90017",
                *ABROAD_ADDRESS.values()]
    personal = [value for value in personal if len(value) > 2]
    assert len(pages.locations) == 9
    assert all(location.startswith("/you/contact") for location in pages.locations)
    assert [value for value in personal if any(value in location for location in pages.locations)] == []
    log = "\n".join(LOG_COLLECTOR.lines[first_line:])
    assert [value for value in personal if value in log] == []
    audit = repr(contact_events(db, person["id"]))
    assert [value for value in personal if value in audit] == []
    with client.session_transaction() as cookie_session:
        assert [value for value in personal if value in repr(dict(cookie_session))] == []


def test_the_number_being_confirmed_is_kept_only_encrypted_in_the_code_row(db, pages):
    ask_for_phone_code(pages)

    record = db.scalars(select(OneTimeCode)).one()
    assert record.purpose is CodePurpose.CONFIRM_PHONE
    assert NEW_PHONE.encode() not in record.phone_encrypted
    assert record.phone == NEW_PHONE


@pytest.mark.parametrize(("typed", "e164"), [
    ("(619) 555-0142", "+16195550142"),
    ("٦١٩٥٥٥٠١٤٢", "+16195550142"),
    ("00 52 55 1234 5678", "+525512345678"),
    ("+53 5 2345678", "+5352345678"),
])
def test_phone_numbers_are_read_in_any_usual_spelling(typed, e164):
    assert contact.normalise_phone_number(typed) == e164


@pytest.mark.parametrize(("typed", "zip_code"), [("92154", "92154"), ("921541234", "92154-1234"),
                                                 (" 92154 - 1234 ", "92154-1234")])
def test_zip_codes_have_5_or_9_digits(typed, zip_code):
    assert contact.normalise_zip_code(typed) == zip_code
