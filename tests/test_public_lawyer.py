"""Your lawyer: a verified person sees which lawyers can act for them, stops one's access,
and makes a code to give their lawyer, shown once."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from urllib.parse import unquote

import pytest
from sqlalchemy import func, select

from portal.i18n import long_date
from portal.models import ContactChannel, Representation, RepresentationMethod, ShareCode, utcnow
from portal.services import contact, share_codes
from tests.factories import add_person
from tests.pages import csrf_token, submit, text_of
from tests.test_languages import choose_language
from tests.test_public_identify import person, sign_in_with_notice_code  # noqa: F401
from tests.test_public_pages import PAGE_WEIGHT_LIMIT, parts, stylesheet_size
from tests.test_share_codes import A_NUMBER, BORN, add_attorney

SHOWN_CODE = re.compile(r'<p class="share-code" dir="ltr" translate="no"><bdi>([0-9A-Z]{5}-[0-9A-Z]{5})</bdi></p>')


@pytest.fixture
def signed_in(client, person):  # noqa: F811
    sign_in_with_notice_code(client, person)
    return person


def link(db, person_id, *, method=RepresentationMethod.SHARE_CODE, email="lawyer@example.org", firm="Legal Aid Society",
         revoked=False):
    attorney = add_attorney(db, email=email, firm=firm)
    representation = Representation(attorney_id=attorney.id, person_id=person_id, method=method,
                                    revoked_at=utcnow() if revoked else None)
    db.add(representation)
    db.commit()
    return representation


def shown_code(response) -> str:
    match = SHOWN_CODE.search(text_of(response))
    assert match, "the page shows no code"
    return match.group(1)


def test_the_summary_links_to_your_lawyer(client, signed_in):
    assert 'href="/you/lawyer"' in text_of(client.get("/you"))


def test_a_person_makes_a_code_that_their_lawyer_can_use(client, db, signed_in):
    page = text_of(client.get("/you/lawyer/code"))
    assert "The code works for 7 days, and only once." in page
    assert "Give the code only to your lawyer." in page

    response = submit(client, "/you/lawyer/code", {})

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    code = shown_code(response)
    expires = long_date(utcnow() + timedelta(days=7))
    assert f"It works until {expires}, and only once." in text_of(response)
    assert "We will not show it again." in text_of(response)
    assert f"You made a code that works until {expires}." in text_of(client.get("/you/lawyer"))
    representation = share_codes.redeem_share_code(db, add_attorney(db), code=code, a_number=A_NUMBER,
                                                   birth_date=BORN, now=utcnow())
    assert representation is not None and representation.person_id == signed_in["id"]


def test_the_code_is_never_shown_again_nor_kept_in_the_session(client, signed_in):
    code = shown_code(submit(client, "/you/lawyer/code", {}))

    for url in ("/you/lawyer", "/you/lawyer/code", "/you"):
        assert code not in text_of(client.get(url))
    with client.session_transaction() as cookie_session:
        assert code not in repr(dict(cookie_session))


def test_making_a_new_code_stops_the_old_one(client, db, signed_in):
    old = shown_code(submit(client, "/you/lawyer/code", {}))
    assert "You already made a code. If you make a new one, the old code stops working." in text_of(
        client.get("/you/lawyer/code"))

    new = shown_code(submit(client, "/you/lawyer/code", {}))

    assert new != old
    assert db.scalar(select(func.count()).select_from(ShareCode)) == 1
    lawyer = add_attorney(db)
    assert share_codes.redeem_share_code(db, lawyer, code=old, a_number=A_NUMBER, birth_date=BORN, now=utcnow()) is None


def test_your_lawyer_shows_each_linked_lawyer_with_their_organisation_and_how_and_when(client, db, signed_in):
    link(db, signed_in["id"], method=RepresentationMethod.FORM_G28)
    link(db, signed_in["id"], email="old@example.org", firm="Ended Firm", revoked=True)
    someone_else = add_person(db, a_number="201555002")
    link(db, someone_else, email="other@example.org", firm="Other Firm")

    page = text_of(client.get("/you/lawyer"))

    assert "<h2><bdi>Ana Abogada</bdi></h2>" in page
    assert "<p><bdi>Legal Aid Society</bdi></p>" in page
    assert "They sent us a G-28 form that you signed." in page
    assert f"Linked on {long_date(utcnow())}." in page
    assert "This lawyer can see your information" in page
    assert "Ended Firm" not in page and "Other Firm" not in page


def test_your_lawyer_says_when_no_lawyer_is_linked(client, signed_in):
    assert "No lawyer can see your information on this website." in text_of(client.get("/you/lawyer"))


def test_a_person_stops_a_lawyers_access_after_confirming(client, db, signed_in):
    representation = link(db, signed_in["id"])
    stop_url = f"/you/lawyer/{representation.id}/stop"
    assert f'href="{stop_url}"' in text_of(client.get("/you/lawyer"))
    question = text_of(client.get(stop_url))
    assert "Stop access for <bdi>Ana Abogada</bdi>?" in question
    db.expire_all()
    assert db.get(Representation, representation.id).revoked_at is None  # asking is not doing

    response = submit(client, stop_url, {})

    assert response.headers["Location"] == f"/you/lawyer/{representation.id}/stopped"
    done = text_of(client.get(response.headers["Location"]))
    assert "Access stopped" in done
    assert "<bdi>Ana Abogada</bdi> cannot see your information" in done
    db.expire_all()
    revoked = db.get(Representation, representation.id)
    assert revoked.revoked_at is not None and revoked.revoked_by == "client"
    assert "Ana Abogada" not in text_of(client.get("/you/lawyer"))
    assert client.get(stop_url).headers["Location"] == f"/you/lawyer/{representation.id}/stopped"


def test_stopping_the_lawyer_who_received_the_messages_says_once_how_they_come_now(client, db, signed_in):
    representation = link(db, signed_in["id"])
    contact.choose_attorney(db, signed_in["id"], now=utcnow())
    db.commit()

    submit(client, f"/you/lawyer/{representation.id}/stop", {})

    done = text_of(client.get(f"/you/lawyer/{representation.id}/stopped"))
    assert "From now on we will send them to you by text message." in done
    assert 'href="/you/contact/how"' in done
    assert contact.contact_summary(db, signed_in["id"]).channel is ContactChannel.SMS
    again = text_of(client.get(f"/you/lawyer/{representation.id}/stopped"))
    assert "From now on" not in again and "Access stopped" in again


def test_stopping_a_lawyer_who_did_not_receive_the_messages_says_nothing_about_them(client, db, signed_in):
    representation = link(db, signed_in["id"])
    db.commit()

    submit(client, f"/you/lawyer/{representation.id}/stop", {})

    done = text_of(client.get(f"/you/lawyer/{representation.id}/stopped"))
    assert "We were sending your messages to your lawyer" not in done
    assert contact.contact_summary(db, signed_in["id"]).channel is not ContactChannel.ATTORNEY


def test_another_persons_lawyer_cannot_be_seen_or_stopped(client, db, signed_in):
    someone_else = add_person(db, a_number="201555002")
    theirs = link(db, someone_else)

    for url in (f"/you/lawyer/{theirs.id}/stop", f"/you/lawyer/{theirs.id}/stopped", f"/you/lawyer/{uuid.uuid4()}/stop",
                "/you/lawyer/not-an-id/stop"):
        assert client.get(url).status_code == 404, url
    token = csrf_token(text_of(client.get("/you/lawyer/code")))
    assert client.post(f"/you/lawyer/{theirs.id}/stop", data={"csrf_token": token}).status_code == 404
    db.expire_all()
    assert db.get(Representation, theirs.id).revoked_at is None


def test_a_live_link_has_no_stopped_page(client, db, signed_in):
    representation = link(db, signed_in["id"])

    assert client.get(f"/you/lawyer/{representation.id}/stopped").status_code == 404


def test_posts_without_the_forms_token_change_nothing(client, db, signed_in):
    representation = link(db, signed_in["id"])

    assert client.post("/you/lawyer/code", data={}).status_code == 400
    assert client.post(f"/you/lawyer/{representation.id}/stop", data={}).status_code == 400
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(ShareCode)) == 0
    assert db.get(Representation, representation.id).revoked_at is None


@pytest.fixture
def lawyer_urls(db, person):  # noqa: F811
    representation = link(db, person["id"])
    return ["/you/lawyer", "/you/lawyer/code", f"/you/lawyer/{representation.id}/stop",
            f"/you/lawyer/{representation.id}/stopped"]


def test_the_pages_send_a_visitor_without_a_session_to_signed_out(client, db, lawyer_urls):
    token = csrf_token(text_of(client.get("/check/a-number")))
    for url in lawyer_urls:
        assert client.get(url).headers["Location"] == "/signed-out", url
    for url in lawyer_urls[1:3]:
        assert client.post(url, data={"csrf_token": token}).headers["Location"] == "/signed-out", url
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(ShareCode)) == 0
    assert db.scalars(select(Representation.revoked_at)).all() == [None]


def test_after_signing_out_none_of_the_pages_open(client, person, lawyer_urls):  # noqa: F811
    sign_in_with_notice_code(client, person)
    assert client.get(lawyer_urls[0]).status_code == 200

    client.post("/sign-out", data={"csrf_token": csrf_token(text_of(client.get("/you")))})

    for url in lawyer_urls:
        assert client.get(url).headers["Location"] == "/signed-out", url


def test_making_codes_is_rate_limited(client, signed_in):
    token = csrf_token(text_of(client.get("/you/lawyer/code")))
    answers = [client.post("/you/lawyer/code", data={"csrf_token": token}).status_code for _ in range(31)]

    assert answers[:30] == [200] * 30 and answers[30] == 429


def all_pages(client, db, person_id):
    pages = {url: text_of(client.get(url)) for url in ("/you/lawyer", "/you/lawyer/code")}
    pages["code made"] = text_of(submit(client, "/you/lawyer/code", {}))
    representation = link(db, person_id)
    pages["/you/lawyer with a lawyer"] = text_of(client.get("/you/lawyer"))
    stop_url = f"/you/lawyer/{representation.id}/stop"
    pages[stop_url] = text_of(client.get(stop_url))
    pages["stopped"] = text_of(client.get(submit(client, stop_url, {}).headers["Location"]))
    return pages


def test_every_page_is_small_labelled_and_has_a_quick_exit(client, db, signed_in):
    for url, html in all_pages(client, db, signed_in["id"]).items():
        page = parts(html)
        assert len(html.encode()) + sum(stylesheet_size(client, href) for href in page.stylesheets) < PAGE_WEIGHT_LIMIT
        assert [field for field in page.inputs if field.get("id") not in page.label_targets] == [], url
        assert page.html_attributes == {"lang": "en", "dir": "ltr"}, url
        assert "quick-exit" in page.links, url
        assert html.count("<h1") == 1, url


@pytest.mark.parametrize(("code", "direction"), [("es", "ltr"), ("ar", "rtl")])
def test_the_pages_render_in_the_persons_language_with_the_code_left_to_right(client, db, signed_in, code,
                                                                               direction):
    choose_language(client, code, page="/you")

    pages = all_pages(client, db, signed_in["id"])

    for url, html in pages.items():
        page = parts(html)
        assert page.html_attributes == {"lang": code, "dir": direction}, url
        assert "<title>" in html and html.count("<h1") == 1, url
    assert SHOWN_CODE.search(pages["code made"])


def test_no_code_or_personal_detail_reaches_a_redirect(client, db, signed_in):
    representation = link(db, signed_in["id"])
    code = shown_code(submit(client, "/you/lawyer/code", {}))

    location = unquote(submit(client, f"/you/lawyer/{representation.id}/stop", {}).headers["Location"])

    assert location == f"/you/lawyer/{representation.id}/stopped"
    assert code not in location and "201555001" not in location

