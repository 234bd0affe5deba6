"""Nobody may learn from the portal whether someone is in the file. For a stranger, a member
with a wrong birth date, and a member with a wrong code, every identification step must
answer with the same status, headers and words (CSRF tokens and nonces aside)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from portal.services.notice_codes import issue_notice_code
from tests.factories import add_person
from tests.pages import csrf_token

MEMBER_A_NUMBER = "A-201-555-001"
MEMBER_BORN = date(1990, 3, 15)
VOLATILE = [
    (re.compile(r'(name="csrf_token"[^>]*value=")[^"]+'), r"\1…"),
    (re.compile(r'(nonce=")[^"]+'), r"\1…"),
]
VOLATILE_HEADERS = {"Set-Cookie", "Date", "X-Request-ID"}  # the request id is random for everyone


@pytest.fixture
def member(db):
    person_id = add_person(db)
    issue_notice_code(db, person_id)
    db.commit()


def normalised(response) -> tuple[int, dict[str, str], str]:
    body = response.get_data(as_text=True)
    for pattern, replacement in VOLATILE:
        body = pattern.sub(replacement, body)
    headers = {name: value for name, value in response.headers.items() if name not in VOLATILE_HEADERS}
    headers.pop("Content-Length", None)
    return response.status_code, headers, body


def walk(client, a_number: str, born: date, code_choice: str, code: str) -> list[tuple]:
    """Every step of identification, as a visitor without JavaScript would take them."""
    steps = []

    def post(url: str, data: dict[str, str]):
        page = client.get(url)
        steps.append(normalised(page))
        answer = client.post(url, data={**data, "csrf_token": csrf_token(page.get_data(as_text=True))})
        steps.append(normalised(answer))

    post("/check/a-number", {"a_number": a_number})
    post("/check/date-of-birth", {"day": str(born.day), "month": str(born.month), "year": str(born.year)})
    post("/check/code", {"has_code": code_choice})
    post("/check/notice-code" if code_choice == "yes" else "/check/text-code", {"code": code})
    return steps


@pytest.mark.parametrize(("code_choice", "code"), [("yes", "AAAAA-BBBBB"), ("no", "123456")])
def test_strangers_and_members_with_wrong_details_see_exactly_the_same_pages(app, member, code_choice, code):
    visitors = {
        "not in the file": ("A-987-654-321", MEMBER_BORN),
        "member, wrong birth date": (MEMBER_A_NUMBER, date(1990, 3, 16)),
        "member, wrong code": (MEMBER_A_NUMBER, MEMBER_BORN),
    }
    walks = {name: walk(app.test_client(), *details, code_choice, code) for name, details in visitors.items()}

    reference = walks["not in the file"]
    for name, steps in walks.items():
        assert len(steps) == len(reference)
        for number, (step, expected) in enumerate(zip(steps, reference, strict=True)):
            assert step == expected, f"{name}: step {number} differs from a stranger's"
    assert "We could not confirm these details" in reference[-1][2]
