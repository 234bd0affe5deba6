"""Hostile input at every public form. Random and malicious strings (very long, control
characters and NUL, right-to-left overrides and mixed scripts, SQL, template code, HTML and
script, malformed dates and phone numbers, bytes that are not UTF-8, huge bodies) never cause
an error page, never change a stored row when the answer is refused, always get a message
translators can translate, and are never rendered as markup or as template code.

The examples of one test share its fixtures (one person, signed in where the form needs it,
in a transaction rolled back at the end), so each example resets the rate limits and the
one-time codes' tries, then compares every table's row count and the person's contact and
remedy rows before and after its request."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import quote, urlencode, urljoin, urlsplit

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from portal.i18n import SUPPORTED_LOCALES
from portal.models import Base, ContactPreference, OneTimeCode, PersonRemedy
from portal.security.rate_limits import limiter
from tests.pages import csrf_token, submit, text_of
from tests.staff_pages import STAFF_PASSWORD, staff_password_step
from tests.test_public_contact import catalogue_messages
from tests.test_public_identify import identify, person, sign_in_with_notice_code  # noqa: F401
from tests.test_staff_people import sign_in_staff_step

FORM = "application/x-www-form-urlencoded"
MARK = "ZQX"  # in every injected payload, so that a payload showing up as markup can be recognised
CATALOGUE = catalogue_messages()
# No shrinking: an example costs a request and two database snapshots, and shrinking a
# 10,000-character answer takes minutes. The example-based tests below pin each bug found.
HOSTILE = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
                   phases=[Phase.explicit, Phase.reuse, Phase.generate])

INJECTIONS = [
    "'; DROP TABLE affected_person; --", "' OR '1'='1", "1 OR 1=1", "1'; SELECT pg_sleep(5); --",
    '" OR ""="', "%' UNION SELECT password_hash FROM staff_user --", "\\'; DELETE FROM audit_event; --",
    f"<script>alert('{MARK}')</script>", f'"><script>alert("{MARK}")</script>',
    f"'><img src=x onerror=alert('{MARK}')>", f"</textarea></title><svg onload=alert('{MARK}')>",
    f"javascript:alert('{MARK}')", f"<a href=\"javascript:{MARK}\">",
    f"{MARK}{{{{7*7}}}}{MARK}", "{{7*7}}", "{{ config }}", "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{% print('INJ' ~ 'ECTED') %}", "{{ 'INJ' ~ 'ECTED' }}", "${7*7}", "#{7*7}", "%(password)s", "{0.__class__}",
    "%s%s%n",
    "\x00", "A-123-456-789\x00", "\x00\x01\x02\x07\x08\x1b[31m\x7f", "\r\n", "\r\nSet-Cookie: x=1", "\t", " ", "",
    "\u202e987-654-321-A", "\u2066\u202b\u200f\u061c", "\ufeff\u200b\u200d", "A\u0336\u0336-١٢٣-४५६-７８９",
    "٢٠١٥٥٥٠٠١", "२०१५५५००१", "２０１５５５００１", "²³¹", "𝟏𝟐𝟑", "Ⅻ", "Lucía محمد 李 Ωμέγα ✓ 😀", "𒐫" * 3,
    "../../etc/passwd", "%00", "%2e%2e%2f", "\\\\host\\share", "-1", "0", "99999999999999999999", "1e9", "NaN", "0x1F",
]
RANDOM_TEXT = st.text(max_size=80)
CONTROL_AND_FORMAT = st.text(st.characters(categories=["Cc", "Cf", "Zl", "Zp", "Zs", "Mn"]), min_size=1, max_size=20)
HUGE = st.builds(lambda part, extra: part * (10_000 // max(len(part), 1) + 1) + extra,
                 st.sampled_from([*INJECTIONS[:12], "9", "A-", "\u202e"]), st.text(max_size=5))
MIXED = st.lists(st.sampled_from(INJECTIONS) | st.text(max_size=6), min_size=2, max_size=4).map("".join)
NOT_UTF8 = st.binary(min_size=1, max_size=40)  # sent as raw bytes: browsers and scripts can send anything
HOSTILE_TEXT = st.one_of(st.sampled_from(INJECTIONS), RANDOM_TEXT, CONTROL_AND_FORMAT, HUGE, MIXED, NOT_UTF8)


def either(*values: str) -> st.SearchStrategy:
    """A field that is sometimes right (so later checks run too), otherwise hostile."""
    return st.one_of(st.sampled_from(values), HOSTILE_TEXT)


A_NUMBERS = either("A-201-555-001", "A123456789", "12345678", "1234567", "1234567890", "A-000-000-000", "AA123456789",
                   "A-123-456-78٩", "A 123 456 789 ", "A—123—456—789", "A-123-456-789-")
DATE_PART = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.sampled_from(["31", "30", "29", "0", "00", "-1", "2", "02", "1990", "0000", "9999", "31.0", "1e3", "+5", "٣١",
                     "３１", "²", "𝟑𝟏", "1 0"]),
    HOSTILE_TEXT,
)
MALFORMED_DATES = [
    ("31", "2", "1990"), ("29", "2", "1991"), ("31", "4", "1990"), ("0", "1", "1990"), ("1", "13", "1990"),
    ("1", "0", "1990"), ("-1", "1", "1990"), ("1", "-1", "1990"), ("1", "1", "-199"), ("1", "1", "1899"),
    ("1", "1", "2999"), ("1", "99999999999", "1990"), ("99999999999999999999", "1", "1990"), ("1", "1", "99999"),
    ("٣١", "١٢", "١٩٩٠"), ("３１", "１２", "１９９０"), ("²", "1", "1990"), ("15", "3", "1990\x00"),
    ("15", "3", "１９９０"),
]
DATES = st.one_of(
    st.fixed_dictionaries({"day": DATE_PART, "month": DATE_PART, "year": DATE_PART}),
    st.sampled_from(MALFORMED_DATES).map(lambda parts: dict(zip(("day", "month", "year"), parts, strict=True))),
)
CODES = either("K7QM4-TX2PB", "k7qm4tx2pb", "AAAAA-AAAAA", "123456", "000000", "12345", "1234567", "١٢٣٤٥٦", "12 34 56")
PHONES = either(
    "+52 55 1234 5678", "+1 619 555 0142", "+", "++1", "+1", "00", "(619) 555-0142)", "+1 619 555 0142 ext. 99",
    "+999 1234", "0000000000", "+1" + "9" * 60, "+52 55 1234 5678\x00", "٦١٩٥٥٥٠١٤٢", "+٥٢ ٥٥ ١٢٣٤ ٥٦٧٨",
    "+44 20 7946 0018", "tel:+16195550142", "+1-800-FLOWERS", "00 52 55 1234 5678", "+1 (619) 555-01４２", "+0 000",
)
ADDRESS_LINE = either("1450 Wilshire Blvd", "Apt 4", "Calle 23 No. 1055", "Los Angeles", "La Habana", "")
ZIP_CODES = either("90017", "90017-1234", "90017 1234", "9001", "900171234", "٩٠٠١٧", "９００１７", "ABCDE")
REFERENCES = either("CL-7K3M-Q9TX-2PB4", "cl7k3mq9tx2pb4", "CL-OOOO-IIII-LLLL", "CL", "CL-7K3M-Q9TX-2PB")
EMAILS = either("someone@agency.example", "SOMEONE@Agency.Example ", "someone", "@agency.example", "a@b", "")
PASSWORDS = either(STAFF_PASSWORD, "", " ", "x" * 2000)
NEXT_PATHS = either(
    "/", "/check/a-number", "//evil.example", "/\\evil.example", "https://evil.example/", "/\t/evil.example",
    "/\n/evil.example", "/\r\n/evil.example", " //evil.example", "\t//evil.example", "javascript:alert(1)",
    "/%2F/evil.example", "/\x00", "http:evil.example", "///evil.example", "/.//evil.example", "/\u3002evil.example",
)


@dataclass(frozen=True, repr=False)
class Form:
    """A public form, the journey that leads to it, and what may be typed into it."""

    endpoint: str
    url: str
    journey: str
    fields: st.SearchStrategy
    other_pages: tuple[str, ...] = ()  # headings of pages, not the form, that a refused answer may get
    follow: bool = True  # look at the page an accepted answer redirects to

    def __repr__(self) -> str:
        return self.endpoint


FORMS = [
    Form("public.a_number", "/check/a-number", "start", st.fixed_dictionaries({"a_number": A_NUMBERS})),
    Form("public.date_of_birth", "/check/date-of-birth", "a-number", DATES),
    Form("public.has_code", "/check/code", "claim", st.fixed_dictionaries({"has_code": either("yes", "no", "Yes")})),
    Form("public.notice_code", "/check/notice-code", "claim", st.fixed_dictionaries({"code": CODES}),
         other_pages=("We could not confirm these details",)),
    Form("public.text_code", "/check/text-code", "text-code", st.fixed_dictionaries({"code": CODES}),
         other_pages=("We could not confirm these details",)),
    Form("public.interpreter_call_back", "/help-in-your-language/mam", "start",
         st.fixed_dictionaries({"phone": PHONES})),
    Form("public.check_letter", "/letters/check", "start",
         st.fixed_dictionaries({"reference": REFERENCES, "a_number": A_NUMBERS}),
         other_pages=("We could not find this letter", "We cannot check this letter now")),
    Form("public.contact_channel", "/you/contact/how", "signed-in",
         st.fixed_dictionaries({"channel": either("sms", "letter", "attorney", "none", "SMS")})),
    Form("public.contact_phone", "/you/contact/phone", "signed-in", st.fixed_dictionaries({"phone": PHONES})),
    Form("public.contact_phone_code", "/you/contact/phone/code", "phone-code",
         st.fixed_dictionaries({"code": CODES})),
    Form("public.contact_letter", "/you/contact/letter", "signed-in",
         st.fixed_dictionaries({"place": either("us", "abroad", "US", "moon")})),
    Form("public.contact_us_address", "/you/contact/letter/united-states", "signed-in", st.fixed_dictionaries({
        "line1": ADDRESS_LINE, "line2": ADDRESS_LINE, "city": ADDRESS_LINE,
        "state": either("CA", "PR", "XX", "ca", ""), "zip_code": ZIP_CODES})),
    Form("public.contact_international_address", "/you/contact/letter/other-country", "signed-in",
         st.fixed_dictionaries({
             "line1": ADDRESS_LINE, "line2": ADDRESS_LINE, "line3": ADDRESS_LINE, "city": ADDRESS_LINE,
             "region": ADDRESS_LINE, "postal_code": either("10400", "", "SW1A 1AA"),
             "country": either("CU", "MX", "US", "PR", "XX", "cu", "")})),
    Form("public.contact_language", "/you/contact/language", "signed-in",
         st.fixed_dictionaries({"language": either("en", "es", "xx", "EN", "")})),
    Form("staff.sign_in", "/staff/sign-in", "start", st.fixed_dictionaries({"email": EMAILS, "password": PASSWORDS})),
    Form("staff.sign_in_code", "/staff/sign-in/code", "staff-code", st.fixed_dictionaries({"code": CODES})),
    Form("staff.people", "/staff/people", "staff-signed-in", st.fixed_dictionaries({"a_number": A_NUMBERS})),
]
# Forms with nothing but the CSRF token: the hostile token and fields test covers them.
ONE_BUTTON_FORMS = {"public.request_letter", "public.sign_out", "public.issue_letter", "public.contact_lawyer",
                    "public.contact_stop_texts", "public.lawyer_code", "public.lawyer_stop", "staff.sign_out"}
SOME_ID = "00000000-0000-0000-0000-000000000001"
URL_ARGUMENTS = {  # a real value for each route argument
    "code": "release_review", "language_code": "mam", "queue": "remedies", "subject_id": SOME_ID,
    "campaign_id": SOME_ID, "batch_id": SOME_ID, "representation_id": SOME_ID, "person_id": SOME_ID,
    "form_id": SOME_ID, "list_id": SOME_ID,
}
NEW_PHONE_SHOWN = "+52 55 1234 5678"


# The journey to each form, step by step.
def _typed_a_number(client, person):  # noqa: F811
    submit(client, "/check/a-number", {"a_number": person["a_number"]})


def _identified(client, person):  # noqa: F811
    identify(client, person["a_number"], person["born"])


def _asked_for_a_text(client, person):  # noqa: F811
    submit(client, "/check/code", {"has_code": "no"})


def _signed_in(client, person):  # noqa: F811
    sign_in_with_notice_code(client, person)


def _asked_to_confirm_a_phone(client, person):  # noqa: F811
    assert submit(client, "/you/contact/phone", {"phone": NEW_PHONE_SHOWN}).status_code == 302


JOURNEYS: dict[str, list[Callable]] = {
    "start": [],
    "a-number": [_typed_a_number],
    "claim": [_identified],
    "text-code": [_identified, _asked_for_a_text],
    "signed-in": [_signed_in],
    "phone-code": [_signed_in, _asked_to_confirm_a_phone],
    "staff-code": [staff_password_step],
    "staff-signed-in": [sign_in_staff_step],
}


def walk(client, person, journey: str) -> str:  # noqa: F811
    """Go through the journey's pages in English (chosen on the device, so a language the
    attack saves as the person's does not change the page); return the session's CSRF token."""
    client.set_cookie("locale", "en")
    for step in JOURNEYS[journey]:
        step(client, person)
    return csrf_token(text_of(client.get("/check/a-number")))


def stored_state(db, person_id):
    """Every table's row count, and the person's contact preference and remedies, column by column."""
    db.expire_all()
    counts = db.execute(select(*(
        select(func.count()).select_from(table).scalar_subquery().label(table.name)
        for table in Base.metadata.sorted_tables
    ))).one()._asdict()
    preference = db.execute(select(ContactPreference.__table__).where(ContactPreference.person_id == person_id)).all()
    remedies = db.execute(
        select(PersonRemedy.__table__).where(PersonRemedy.person_id == person_id).order_by(PersonRemedy.id)
    ).all()
    return counts, preference, remedies


def fresh_limits(db) -> None:
    """Each example starts with the rate limits and the one-time codes' tries unused."""
    limiter.storage.reset()  # not limiter.reset(), which logs a line each time
    db.execute(update(OneTimeCode).values(failed_attempts=0))
    db.commit()


class Markup(HTMLParser):
    """The tags and attribute names of a page, as a browser would read them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))


def assert_nothing_injected(page: str, sent: dict) -> None:
    """No payload became markup, script or template output."""
    parser = Markup()
    parser.feed(page)
    for tag, attributes in parser.tags:
        assert tag not in ("img", "svg", "iframe", "object", "embed", "style"), tag
        assert tag != "script" or attributes.get("src", "").startswith("/static/"), attributes
        assert not [name for name in attributes if name.startswith("on") or MARK.lower() in name], attributes
        links = [attributes.get(name, "") for name in ("href", "src", "action", "formaction")]
        assert not any(link.lower().lstrip().startswith("javascript:") for link in links), attributes
    assert f"{MARK}49{MARK}" not in page and "INJECTED" not in page
    assert "test-secret-key" not in page
    for value in sent.values():
        if isinstance(value, str) and MARK in value and html.escape(value) != value:
            assert value not in page


def heading(page: str) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip() if match else ""


def error_messages(page: str) -> list[str]:
    summary = re.search(r'<div class="error-summary".*?</ul>', page, re.S)
    return [html.unescape(message) for message in re.findall(r'<li><a href="#[^"]*">(.*?)</a></li>',
                                                               summary.group(0), re.S)] if summary else []


def post_form(client, url: str, data: dict, token: str):
    """POST the fields as a browser would, raw bytes included."""
    return client.post(url, data=urlencode({**data, "csrf_token": token}), content_type=FORM)


def assert_same_site(location: str) -> None:
    """Where a browser would go: urljoin drops tabs and newlines, as browsers do."""
    assert urlsplit(urljoin("http://localhost/here", location)).netloc == "localhost", location


@pytest.fixture
def signed_in(client, person):  # noqa: F811
    """The CSRF token of a signed-in session."""
    return walk(client, person, "signed-in")


@pytest.fixture
def attack(client, db, person):  # noqa: F811
    """Post hostile answers to a form and check everything this module promises."""
    tokens: dict[str, str] = {}

    def post(form: Form, data: dict):
        if "token" not in tokens:
            tokens["token"] = walk(client, person, form.journey)
        token = tokens["token"]
        fresh_limits(db)
        before = stored_state(db, person["id"])
        response = post_form(client, form.url, data, token)
        page = text_of(response)
        assert response.status_code in (200, 302, 303), (response.status_code, heading(page))
        assert_nothing_injected(page, data)
        if response.status_code == 200:
            assert stored_state(db, person["id"]) == before, "a refused answer changed a stored row"
            messages = error_messages(page)
            assert messages or heading(page) in form.other_pages, f"refused without a message: {heading(page)!r}"
            untranslatable = [message for message in messages if message not in CATALOGUE]
            assert untranslatable == [], "error messages missing from translations/messages.pot"
        else:
            assert_same_site(response.headers["Location"])
            if form.follow:
                assert_nothing_injected(text_of(client.get(response.headers["Location"])), data)
        return response

    return post


@pytest.mark.parametrize("form", FORMS, ids=[form.endpoint.removeprefix("public.") for form in FORMS])
@HOSTILE
@given(data=st.data())
def test_hostile_answers_never_break_a_form_change_a_row_or_become_markup(attack, form, data):
    attack(form, data.draw(form.fields, label="fields"))


@pytest.mark.parametrize("fields", [
    {"day": "1", "month": "99999999999", "year": "1990"},
    {"day": "99999999999999999999", "month": "1", "year": "1990"},
])
def test_a_date_too_big_for_the_calendar_is_refused_with_a_message(client, db, person, fields):  # noqa: F811
    _typed_a_number(client, person)
    before = stored_state(db, person["id"])

    response = submit(client, "/check/date-of-birth", fields)

    assert response.status_code == 200
    assert error_messages(text_of(response)) == ["Date of birth must be a real date"]
    assert stored_state(db, person["id"]) == before


@pytest.mark.parametrize(("url", "journey", "fields"), [
    ("/check/a-number", "start", {"a_number": "1" * 65}),
    ("/check/date-of-birth", "a-number", {"day": "1" * 65, "month": "3", "year": "1990"}),
    ("/check/code", "claim", {"has_code": "maybe"}),
    ("/letters/check", "start", {"reference": "CL-7K3M-Q9TX-2PB4", "a_number": "1" * 65}),
    ("/you/contact/letter/united-states", "signed-in",
     {"line1": "1450 Wilshire Blvd", "city": "Los Angeles", "state": "CA", "zip_code": "9" * 65}),
    ("/you/contact/letter/other-country", "signed-in",
     {"line1": "Calle 23", "city": "La Habana", "country": "CU", "postal_code": "1" * 65}),
])
def test_every_refusal_is_explained_in_words_translators_have(client, person, url, journey, fields):  # noqa: F811
    token = walk(client, person, journey)

    messages = error_messages(text_of(post_form(client, url, fields, token)))

    assert messages
    assert [message for message in messages if message not in CATALOGUE] == []


@HOSTILE
@given(locale=either("en", "es", "ar", "EN", "en_US", "xx") | HOSTILE_TEXT, target=NEXT_PATHS | HOSTILE_TEXT)
@example(locale="en", target="/\t/evil.example").via("a tab browsers drop")
@example(locale="en", target="/ /evil.example").via("a space")
def test_a_hostile_language_link_stays_on_the_site_and_changes_no_row(client, db, person, locale, target):  # noqa: F811
    fresh_limits(db)
    before = stored_state(db, person["id"])

    response = client.get("/language?" + urlencode({"locale": locale, "next": target}))

    assert response.status_code == 302
    assert_same_site(response.headers["Location"])
    assert stored_state(db, person["id"]) == before
    chosen = client.get_cookie("locale")
    assert chosen is None or chosen.value in SUPPORTED_LOCALES


def post_rules(app):
    """Every form POST route. Webhooks are left out: they take no CSRF token but Twilio's
    signature, tested in test_webhooks.py."""
    return sorted((rule for rule in app.url_map.iter_rules()
                   if "POST" in rule.methods and not rule.endpoint.startswith("webhooks.")), key=lambda rule: rule.rule)


def url_of(rule) -> str:
    return rule.build({name: URL_ARGUMENTS[name] for name in rule.arguments}, append_unknown=False)[1]


def test_every_public_form_is_attacked(app):
    posted = {rule.endpoint for rule in post_rules(app) if rule.endpoint.startswith("public.")}

    attacked = {form.endpoint for form in FORMS} | ONE_BUTTON_FORMS | {"public.remedy"}

    assert posted - attacked == set(), "add the new form to FORMS (or ONE_BUTTON_FORMS) in this module"


@HOSTILE
@given(pick=st.integers(min_value=0), token=HOSTILE_TEXT, extra=st.dictionaries(HOSTILE_TEXT, HOSTILE_TEXT, max_size=3))
def test_a_hostile_csrf_token_gets_the_expired_page_and_changes_nothing(
    app, client, db, person, signed_in, pick, token, extra,  # noqa: F811
):
    rules = post_rules(app)
    rule = rules[pick % len(rules)]
    fresh_limits(db)
    before = stored_state(db, person["id"])

    response = client.post(url_of(rule), data=urlencode({**extra, "csrf_token": token}), content_type=FORM)

    page = text_of(response)
    assert response.status_code == 400, rule.rule
    assert heading(page) == "This page has expired" and heading(page) in CATALOGUE
    assert_nothing_injected(page, extra)
    assert stored_state(db, person["id"]) == before


@HOSTILE
@given(code=st.one_of(HOSTILE_TEXT.filter(lambda code: isinstance(code, str) and code),
                     st.sampled_from(["release_review ", "RELEASE_REVIEW", "release_review/requested/x"])))
@example(code="\x00")
@example(code="release_review\x00")
@example(code="x" * 10_000)
@example(code="/release_review")
def test_a_hostile_remedy_in_the_address_is_not_found(client, db, person, signed_in, code):  # noqa: F811
    fresh_limits(db)
    before = stored_state(db, person["id"])
    url = "/you/remedies/" + quote(code, safe="")

    responses = [client.get(url), client.post(url, data={"csrf_token": signed_in})]

    for response in responses:
        assert response.status_code in (404, 308), code  # 308: Werkzeug merges the slashes of an encoded "/"
        if response.status_code == 308:
            assert_same_site(response.headers["Location"])
        assert_nothing_injected(text_of(response), {"code": code})
    assert stored_state(db, person["id"]) == before


@pytest.mark.parametrize(("url", "journey"), [("/check/a-number", "start"),
                                               ("/you/contact/letter/other-country", "signed-in")])
def test_a_body_over_the_size_limit_gets_the_too_large_page(app, client, db, person, url, journey):  # noqa: F811
    token = walk(client, person, journey)
    before = stored_state(db, person["id"])
    body = urlencode({"csrf_token": token}) + "&line1=" + "A" * app.config["MAX_CONTENT_LENGTH"]

    response = client.post(url, data=body, content_type=FORM)

    assert response.status_code == 413
    assert heading(text_of(response)) in CATALOGUE
    assert stored_state(db, person["id"]) == before


def test_a_megabyte_in_one_field_is_refused_with_a_message_and_changes_nothing(
    client, db, person, signed_in,  # noqa: F811
):
    before = stored_state(db, person["id"])
    fields = {"line1": "A" * 1_000_000, "city": "La Habana", "country": "CU"}

    response = post_form(client, "/you/contact/letter/other-country", fields, signed_in)

    assert response.status_code == 200
    assert error_messages(text_of(response)) == ["This line is too long"]
    assert stored_state(db, person["id"]) == before
