"""Failed identity checks are limited per A-number and per client, and past a limit the
answer is the same "could not confirm" page whether or not the A-number is in the file."""

from datetime import date

import pytest

from portal.security.rate_limits import FAILURES_PER_A_NUMBER, FAILURES_PER_CLIENT
from tests.pages import submit, text_of
from tests.test_no_oracle import normalised
from tests.test_public_identify import identify, person  # noqa: F401

WAIT_MESSAGE = "please wait one hour before you try again"


def wrong_notice_code(client, a_number, born=date(1990, 3, 15)):
    identify(client, a_number, born)
    submit(client, "/check/code", {"has_code": "yes"})
    return submit(client, "/check/notice-code", {"code": "AAAAA-BBBBB"})


def client_at(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


@pytest.mark.parametrize("a_number", ["A-201-555-001", "A-987-654-321"], ids=["member", "stranger"])
def test_an_a_number_is_locked_after_too_many_failures_from_many_clients(app, person, a_number):  # noqa: F811
    for attempt in range(FAILURES_PER_A_NUMBER.amount):
        assert WAIT_MESSAGE not in text_of(wrong_notice_code(client_at(app, f"10.0.0.{attempt}"), a_number))

    locked = wrong_notice_code(client_at(app, "10.0.1.1"), a_number)

    assert WAIT_MESSAGE in text_of(locked)


def test_even_the_right_code_is_refused_while_an_a_number_is_locked(app, person):  # noqa: F811
    for attempt in range(FAILURES_PER_A_NUMBER.amount):
        wrong_notice_code(client_at(app, f"10.0.0.{attempt}"), person["a_number"])
    client = client_at(app, "10.0.1.1")
    identify(client, person["a_number"], person["born"])
    submit(client, "/check/code", {"has_code": "yes"})

    response = submit(client, "/check/notice-code", {"code": person["notice_code"]})

    assert WAIT_MESSAGE in text_of(response)
    assert client.get("/you").headers["Location"] == "/signed-out"


def test_a_client_is_locked_after_too_many_failures_across_a_numbers(app, person):  # noqa: F811
    client = client_at(app, "10.9.9.9")
    for attempt in range(FAILURES_PER_CLIENT.amount):
        wrong_notice_code(client, f"A-300-000-{attempt:03d}")

    assert WAIT_MESSAGE in text_of(wrong_notice_code(client, "A-300-000-999"))


def test_the_locked_page_is_the_same_for_members_and_strangers(app, person):  # noqa: F811
    pages = []
    for a_number in (person["a_number"], "A-987-654-321"):
        for attempt in range(FAILURES_PER_A_NUMBER.amount):
            wrong_notice_code(client_at(app, f"10.1.{len(pages)}.{attempt}"), a_number)
        pages.append(normalised(wrong_notice_code(client_at(app, f"10.2.{len(pages)}.1"), a_number)))

    assert pages[0] == pages[1]
