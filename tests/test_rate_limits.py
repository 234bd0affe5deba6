"""Rate limits: every form POST is refused past its limit, with the translated "Too many
tries" page; limits are counted per client; and processes share their counts through Redis.

Flask-Limiter's `limiter` is one object per Python process, and every app built points it at
that app's storage: two apps in one test process always share whatever storage was set up
last, memory or not. So the "two processes" below are two real processes, each building its
own app (`tests.conftest.build_app`) on one SQLite file and reporting what it saw as JSON.
The Redis cases run only when TEST_REDIS_URL is set (CI sets redis://127.0.0.1:6379/0);
each uses a key prefix, client address and A-number index of its own, and deletes the keys
it made, and no other, when it ends."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from limits import parse

from portal.security.rate_limits import FORM_POSTS_PER_CLIENT
from tests.pages import csrf_token, text_of
from tests.test_public_contact import catalogue_messages
from tests.test_public_identify import person, sign_in_with_notice_code  # noqa: F401

REPOSITORY = Path(__file__).resolve().parent.parent
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
STORAGES = ["memory"] + (["redis"] if TEST_REDIS_URL else [])  # Redis cases are not collected without Redis
MOST_POSTS = parse(FORM_POSTS_PER_CLIENT).amount  # no form takes more POSTs than this from one client
SOME_ID = "00000000-0000-0000-0000-000000000001"
URL_ARGUMENTS = {  # a real value for each route argument
    "code": "release_review", "language_code": "mam", "queue": "remedies", "subject_id": SOME_ID,
    "campaign_id": SOME_ID, "batch_id": SOME_ID, "representation_id": SOME_ID, "person_id": SOME_ID,
    "form_id": SOME_ID, "list_id": SOME_ID,
}
ENDS_THE_SESSION = {"public.sign_out", "staff.sign_out"}  # posted last, so that the other forms are posted signed in
SHARED_FORMS = {"public.a_number", "public.contact_channel"}  # one for anyone, one for a signed-in person
CATALOGUE = catalogue_messages()


def form_posts(app) -> list[tuple[str, str]]:
    """(endpoint, URL) of every route that accepts POST: a route added later is in the list."""
    rules = sorted((rule for rule in app.url_map.iter_rules() if "POST" in rule.methods),
                   key=lambda rule: (rule.endpoint in ENDS_THE_SESSION, rule.endpoint))
    return [(rule.endpoint, rule.build({name: URL_ARGUMENTS[name] for name in rule.arguments})[1]) for rule in rules]


def posts_until_refused(client, url: str) -> tuple[int | None, object]:
    """POST a form, empty but for its CSRF token, until refused: how many went through first
    (None if never refused within MOST_POSTS + 1), and the last response."""
    token = csrf_token(text_of(client.get("/check/a-number")))
    response = None
    for count in range(MOST_POSTS + 1):
        response = client.post(url, data={"csrf_token": token})
        if response.status_code == 400:  # the POST before signed out, which ended the session and its token
            token = csrf_token(text_of(client.get("/check/a-number")))
            response = client.post(url, data={"csrf_token": token})
        if response.status_code == 429:
            return count, response
    return None, response


def client_at(app, address: str):
    """A test client whose requests come from `address`."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def assert_too_many_tries_page(response) -> None:
    page = text_of(response)
    assert response.status_code == 429
    assert "<h1>Too many tries</h1>" in page
    for message in ("Too many tries", "For your safety, please wait 10 minutes before you try again."):
        assert message in page and message in CATALOGUE
    assert response.headers["Cache-Control"] == "no-store"


def test_every_form_post_is_refused_past_its_limit_with_the_too_many_tries_page(app, client, person):  # noqa: F811
    sign_in_with_notice_code(client, person)

    results = {endpoint: posts_until_refused(client, url) for endpoint, url in form_posts(app)}

    unlimited = sorted(endpoint for endpoint, (count, _) in results.items() if count is None)
    assert unlimited == [], f"POST routes without a limit of at most {FORM_POSTS_PER_CLIENT} per client"
    for endpoint, (count, refused) in results.items():
        assert count >= 1, f"{endpoint} refused its first POST"
        assert_too_many_tries_page(refused)


def test_every_form_post_is_refused_past_its_limit_for_visitors_not_signed_in_too(app, client):
    """A limit must hold before anything else is checked: a signed-out visitor (or a script)
    posting to a personal page costs a session lookup each time."""
    results = {endpoint: posts_until_refused(client, url) for endpoint, url in form_posts(app)}

    unlimited = sorted(endpoint for endpoint, (count, _) in results.items() if count is None)
    assert unlimited == [], "POST routes that do not count a visitor's POSTs before checking the session"
    for _, refused in results.values():
        assert_too_many_tries_page(refused)


def test_a_post_route_added_without_a_limit_is_caught(tmp_path):
    from tests.conftest import build_app

    # Building an app points the shared limiter at a new memory storage: the same as before.
    app = build_app(f"sqlite:///{tmp_path / 'unused.sqlite3'}")
    app.add_url_rule("/unlimited", "unlimited", lambda: "", methods=["POST"])

    assert ("unlimited", "/unlimited") in form_posts(app)
    assert posts_until_refused(app.test_client(), "/unlimited")[0] is None


def test_a_client_past_the_limit_leaves_other_clients_untouched(app):
    first, second = client_at(app, "198.51.100.7"), client_at(app, "198.51.100.8")
    assert posts_until_refused(first, "/check/a-number")[0] is not None

    token = csrf_token(text_of(second.get("/check/a-number")))
    response = second.post("/check/a-number", data={"csrf_token": token, "a_number": "A-123-456-789"})

    assert response.status_code == 302


def shared_forms(app) -> list[tuple[str, str]]:
    """The forms posted by both processes. Which route does not matter to the storage, and
    every route's own limit is checked above."""
    return [(endpoint, url) for endpoint, url in form_posts(app) if endpoint in SHARED_FORMS]


# What each process does: the first builds the database, then uses up the limits of the
# shared forms and of failed identity checks for one A-number; the second (with a session
# cookie of the first: the same browser, reaching another worker) tries each once.
def act_as_another_process(arguments_json: str) -> None:
    from tests.conftest import build_app

    arguments = json.loads(arguments_json)
    storage = {"REDIS_URL": arguments["redis_url"]} if arguments["redis_url"] else {}
    app = build_app(arguments["database_url"], RATELIMIT_KEY_PREFIX=arguments["prefix"], **storage)
    client = client_at(app, arguments["address"])
    act = _use_up_the_limits if arguments["role"] == "first" else _try_each_once
    print(json.dumps(act(app, client, arguments)))


def _use_up_the_limits(app, client, arguments) -> dict:
    from portal import schema
    from portal.db import session
    from portal.security.rate_limits import AttemptCounter, client_key
    from portal.services.notice_codes import issue_notice_code
    from tests.factories import PERSON, add_person

    with app.app_context():
        schema.upgrade()
        db = session()
        someone = {"id": add_person(db), "a_number": PERSON.a_number, "born": PERSON.date_of_birth}
        someone["notice_code"] = issue_notice_code(db, someone["id"])
        db.commit()
    sign_in_with_notice_code(client, someone)
    other_tab = client_at(app, arguments["address"])  # a second session, still signed in for the second process
    sign_in_with_notice_code(other_tab, someone)
    refused_after = {}
    for endpoint, url in shared_forms(app):
        refused_after[endpoint], refused = posts_until_refused(client, url)
        assert_too_many_tries_page(refused)
    with app.test_request_context(environ_base={"REMOTE_ADDR": arguments["address"]}):
        failures = AttemptCounter(bytes.fromhex(arguments["a_number_index"]))
        while not failures.exhausted():
            failures.record_failure()
        key = client_key()
    return {"refused_after": refused_after, "client_key": key, "cookie": other_tab.get_cookie("session").value}


def _try_each_once(app, client, arguments) -> dict:
    from portal.security.rate_limits import AttemptCounter

    client.set_cookie("session", arguments["cookie"])
    token = csrf_token(text_of(client.get("/check/a-number")))
    refused = {endpoint: client.post(url, data={"csrf_token": token}).status_code == 429
               for endpoint, url in shared_forms(app)}
    with app.test_request_context(environ_base={"REMOTE_ADDR": arguments["address"]}):
        identity_checks_refused = AttemptCounter(bytes.fromhex(arguments["a_number_index"])).exhausted()
    return {"refused": refused, "identity_checks_refused": identity_checks_refused}


def run_process(**arguments) -> dict:
    program = "import sys; from tests.test_rate_limits import act_as_another_process as act; act(sys.argv[1])"
    command = [sys.executable, "-W", "error", "-c", program, json.dumps(arguments)]
    result = subprocess.run(command, cwd=REPOSITORY, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def delete_redis_keys(marks: list[str]) -> list[str]:
    """Delete, and return, the Redis keys containing any of `marks` (this test's own keys)."""
    import redis

    connection = redis.Redis.from_url(TEST_REDIS_URL, decode_responses=True)
    try:
        found = sorted({key for mark in marks for key in connection.scan_iter(match=f"*{mark}*", count=1000)})
        if found:
            connection.delete(*found)
        return found
    finally:
        connection.close()


@pytest.mark.parametrize("storage", STORAGES)
def test_processes_share_their_counts_only_through_redis(storage, tmp_path):
    shared = storage == "redis"
    arguments = {
        "database_url": f"sqlite:///{tmp_path / 'shared.sqlite3'}", "redis_url": TEST_REDIS_URL if shared else "",
        "prefix": f"portal-test-{uuid.uuid4().hex}", "address": f"2001:db8::{uuid.uuid4().hex[:4]}",
        "a_number_index": uuid.uuid4().hex * 2,
    }
    marks = [arguments["prefix"], arguments["a_number_index"]]  # and the client's key; all expire within the hour
    try:
        first = run_process(role="first", **arguments)
        marks.append(first["client_key"])
        second = run_process(role="second", cookie=first["cookie"], **arguments)
    finally:
        left_in_redis = delete_redis_keys(marks) if shared else []

    assert first["refused_after"].keys() == second["refused"].keys() == SHARED_FORMS
    assert second["refused"] == dict.fromkeys(SHARED_FORMS, shared)
    assert second["identity_checks_refused"] is shared
    assert bool(left_in_redis) is shared
    assert [key for key in left_in_redis if arguments["address"] in key] == [], "a client address in Redis"


def test_the_language_link_is_limited_like_a_form(client):
    responses = [client.get("/language?locale=es&next=/") for _ in range(MOST_POSTS + 1)]

    assert {response.status_code for response in responses[:MOST_POSTS]} == {302}
    assert responses[-1].status_code == 429
