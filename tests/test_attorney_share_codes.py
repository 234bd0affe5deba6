"""The attorney's page for adding a client with the code the client made: a right code with
the client's A-number and date of birth links them; anything wrong gets one answer, the
same whatever was wrong; failed tries are limited per attorney, per A-number and per
client address."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.models import Representation, RepresentationMethod, utcnow
from portal.services.share_codes import create_share_code
from tests.attorney_pages import HOME, add_attorney, attorney_csrf_token, sign_in_as, sign_in_attorney
from tests.factories import PERSON, add_person
from tests.pages import text_of

ADD = "/attorney/clients/add"
REFUSED = "We could not add this client"
LIMITED = "Too many tries"
BORN = {"day": "15", "month": "3", "year": "1990"}


def enter(client, code: str, a_number: str = "A-201-555-001", **birth):
    return client.post(ADD, data={"code": code, "a_number": a_number, **(birth or BORN),
                                  "csrf_token": attorney_csrf_token(client)})


def new_code(db, person_id) -> str:
    code = create_share_code(db, person_id, now=utcnow())
    db.commit()
    return code


def links(db, person_id) -> list[Representation]:
    db.expire_all()
    return list(db.scalars(select(Representation).where(Representation.person_id == person_id)))


def without_typed_values(page: str) -> str:
    return re.sub(r'value="[^"]*"', 'value=""', page)


def test_the_page_asks_for_the_code_the_a_number_and_the_date_of_birth(client, db):
    sign_in_attorney(client, db)

    page = text_of(client.get(ADD))

    assert all(f'name="{name}"' in page for name in ("code", "a_number", "day", "month", "year"))
    assert '<label for="code">' in page and '<label for="a_number">' in page


def test_the_right_code_and_details_link_the_client_and_open_their_page(client, db):
    attorney = sign_in_attorney(client, db)
    person_id = add_person(db)
    code = new_code(db, person_id)

    response = enter(client, code.lower().replace("-", " "))

    assert (response.status_code, response.headers["Location"]) == (303, f"/attorney/clients/{person_id}")
    [representation] = links(db, person_id)
    assert (representation.attorney_id, representation.method) == (attorney.id, RepresentationMethod.SHARE_CODE)
    assert PERSON.last_name in text_of(client.get(HOME))


@pytest.mark.parametrize("wrong", ["code", "a_number", "birth_date", "used", "not_in_the_list"])
def test_anything_wrong_gets_the_same_answer_and_links_no_one(app, client, db, wrong):
    sign_in_attorney(client, db)
    person_id = add_person(db)
    code = new_code(db, person_id)
    if wrong == "used":
        other = app.test_client()
        attorney, secret = add_attorney(db)
        sign_in_as(other, attorney, secret)
        assert enter(other, code).status_code == 303
    baseline = enter(client, "ZZZZZ-ZZZZZ")  # a wrong code: the answer everything else must match

    response = {
        "code": lambda: enter(client, "ZZZZZ-ZZZZZ"),
        "a_number": lambda: enter(client, code, a_number="A-201-555-002"),
        "birth_date": lambda: enter(client, code, day="16", month="3", year="1990"),
        "used": lambda: enter(client, code),
        "not_in_the_list": lambda: enter(client, code, a_number="A-999-999-999"),
    }[wrong]()

    assert response.status_code == baseline.status_code == 200
    assert REFUSED in text_of(response)
    assert without_typed_values(text_of(response)) == without_typed_values(text_of(baseline))
    assert [link.method for link in links(db, person_id)] == ([RepresentationMethod.SHARE_CODE] if wrong == "used"
                                                               else [])
    assert PERSON.last_name not in text_of(response)


def test_a_malformed_a_number_or_date_is_explained_on_the_form_and_nothing_is_tried(client, db):
    sign_in_attorney(client, db)

    response = enter(client, "ZZZZZ-ZZZZZ", a_number="12", day="31", month="2", year="1990")

    page = text_of(response)
    assert "Enter an A-number with 8 or 9 digits" in page and "date of birth" in page
    assert REFUSED not in page


def test_failed_tries_are_limited_per_attorney_and_a_right_code_then_waits(client, db):
    sign_in_attorney(client, db)
    person_id = add_person(db)
    code = new_code(db, person_id)
    for n in range(10):
        enter(client, "ZZZZZ-ZZZZZ", a_number=f"A-301-555-{n:03d}")

    response = enter(client, code)

    assert response.status_code == 200 and LIMITED in text_of(response)
    assert links(db, person_id) == []


def test_failed_tries_are_limited_per_a_number_across_attorneys(app, client, db):
    person_id = add_person(db)
    code = new_code(db, person_id)
    for _ in range(5):
        for _ in range(2):
            lawyer = app.test_client()
            attorney, secret = add_attorney(db)
            sign_in_as(lawyer, attorney, secret)
            enter(lawyer, "ZZZZZ-ZZZZZ")
    sign_in_attorney(client, db)

    response = enter(client, code)

    assert LIMITED in text_of(response)
    assert links(db, person_id) == []


def test_a_pending_attorney_cannot_use_the_page(client, db):
    sign_in_attorney(client, db, verified=False)

    assert client.get(ADD).headers["Location"] == "/attorney/account"
    assert enter(client, "ZZZZZ-ZZZZZ").headers["Location"] == "/attorney/account"
