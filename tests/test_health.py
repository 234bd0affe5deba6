"""`/healthz` and `/readyz`: a word and a status code, no cookie, no rate limit, nothing revealed."""

from __future__ import annotations

import os

import pytest

from portal.security.rate_limits import limiter
from tests.conftest import LOG_COLLECTOR, build_app

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
# Nothing listens on the discard port here: connections are refused at once.
UNREACHABLE_POSTGRESQL = "postgresql://portal:secret-db-password@127.0.0.1:9/portal"
UNREACHABLE_REDIS = "redis://:secret-redis-password@127.0.0.1:9/0"
SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy")


def assert_plain_answer(response, status: int, body: bytes) -> None:
    assert response.status_code == status
    assert response.data == body
    assert response.mimetype == "text/plain"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    assert all(name in response.headers for name in SECURITY_HEADERS)
    # Nothing about the software or the request: no server, version or request id.
    assert not {"Server", "X-Powered-By", "X-Request-ID"} & set(response.headers.keys())


def test_healthz_says_ok_and_sets_no_cookie_even_for_a_signed_in_browser(app, client):
    # A permanent session, as after signing in: every page refreshes its cookie, a probe does not.
    cookie = app.session_interface.get_signing_serializer(app).dumps({"_permanent": True, "lang": "es"})
    client.set_cookie("session", cookie)
    assert "Set-Cookie" in client.get("/").headers

    assert_plain_answer(client.get("/healthz"), 200, b"ok")
    assert_plain_answer(client.get("/readyz"), 200, b"ok")
    head = client.head("/healthz")
    assert head.status_code == 200 and head.data == b""


def test_readyz_says_ok_when_the_database_answers(client):
    assert_plain_answer(client.get("/readyz"), 200, b"ok")


def test_health_checks_are_not_rate_limited(client):
    limiter.reset()
    answers = {client.get(path).status_code for path in ("/healthz", "/readyz") for _ in range(150)}
    assert answers == {200}


def test_health_checks_answer_only_get_and_head(client):
    response = client.post("/healthz")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD"


@pytest.mark.parametrize("database_url", [
    "sqlite:////nonexistent-directory/portal.sqlite3",
    UNREACHABLE_POSTGRESQL,
])
def test_readyz_is_503_when_the_database_is_unreachable_and_says_nothing_more(database_url):
    app = build_app(database_url)
    first_line = len(LOG_COLLECTOR.lines)

    client = app.test_client()
    assert_plain_answer(client.get("/readyz"), 503, b"unavailable")
    assert_plain_answer(client.get("/healthz"), 200, b"ok")  # the process itself is up

    logged = "\n".join(LOG_COLLECTOR.lines[first_line:])
    assert "readiness check: the database is unreachable (OperationalError)" in logged
    assert "secret-db-password" not in logged and "nonexistent-directory" not in logged


def test_readyz_is_503_when_redis_is_configured_but_unreachable(tmp_path):
    app = build_app(f"sqlite:///{tmp_path / 'ready.sqlite3'}", REDIS_URL=UNREACHABLE_REDIS,
                    RATELIMIT_STORAGE_URI="memory://")
    first_line = len(LOG_COLLECTOR.lines)

    assert_plain_answer(app.test_client().get("/readyz"), 503, b"unavailable")

    logged = "\n".join(LOG_COLLECTOR.lines[first_line:])
    assert "readiness check: Redis is unreachable (ConnectionError)" in logged
    assert "secret-redis-password" not in logged


@pytest.mark.skipif(not TEST_REDIS_URL, reason="needs TEST_REDIS_URL")
def test_readyz_is_ok_when_the_database_and_redis_answer(tmp_path):
    app = build_app(f"sqlite:///{tmp_path / 'ready.sqlite3'}", REDIS_URL=TEST_REDIS_URL)
    assert_plain_answer(app.test_client().get("/readyz"), 200, b"ok")
