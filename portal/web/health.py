"""Health checks for load balancers and orchestrators: `/healthz` says the process answers,
`/readyz` that it can also reach its database and, when `REDIS_URL` is set, Redis.

Both are answered in front of the Flask application, as WSGI middleware, so by construction
no session is opened or saved (no cookie is ever set), no rate limit counts them, no request
hook runs, and they stay out of the request log (a probe every few seconds would drown it).
The answer is one word and a status code: never a version, a host name or an error's text,
which could name the database server or its user. A failed check logs the error's class only.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

import redis
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portal.db import READ_ONLY_OPTION, database
from portal.web.responses import CONTENT_SECURITY_POLICY

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

LIVENESS_PATH = "/healthz"
READINESS_PATH = "/readyz"
# A probe must get an answer before its own timeout (the Dockerfile's HEALTHCHECK allows 5 s).
REDIS_TIMEOUT_SECONDS = 2.0
HEADERS = [
    ("Content-Type", "text/plain; charset=utf-8"),
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
]

log = logging.getLogger(__name__)


class HealthChecks:
    """WSGI middleware answering the two health paths and passing every other request on."""

    def __init__(self, app: Flask, wrapped: WSGIApplication):
        self._app = app
        self._wrapped = wrapped
        url = app.config.get("REDIS_URL")
        self._redis = redis.Redis.from_url(
            url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS
        ) if url else None

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path not in (LIVENESS_PATH, READINESS_PATH):
            return self._wrapped(environ, start_response)
        method = environ.get("REQUEST_METHOD")
        if method not in ("GET", "HEAD"):
            return _answer(start_response, "405 METHOD NOT ALLOWED", b"", [("Allow", "GET, HEAD")])
        if path == LIVENESS_PATH or self.ready():
            status, body = "200 OK", b"ok"
        else:
            status, body = "503 SERVICE UNAVAILABLE", b"unavailable"
        return _answer(start_response, status, body, head_only=method == "HEAD")

    def ready(self) -> bool:
        return self._database_reachable() and self._redis_reachable()

    def _database_reachable(self) -> bool:
        try:
            # Read-only: on SQLite it takes no write lock, so a long write never delays the probe.
            with self._app.app_context(), database().engine.connect().execution_options(
                    **{READ_ONLY_OPTION: True}) as connection:
                connection.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError) as error:
            log.warning("readiness check: the database is unreachable (%s)", type(error).__name__)
            return False
        return True

    def _redis_reachable(self) -> bool:
        if self._redis is None:
            return True
        try:
            self._redis.ping()
        except (redis.RedisError, OSError) as error:
            log.warning("readiness check: Redis is unreachable (%s)", type(error).__name__)
            return False
        return True


def _answer(start_response: StartResponse, status: str, body: bytes,
            extra_headers: list[tuple[str, str]] | None = None, *, head_only: bool = False) -> list[bytes]:
    start_response(status, [*HEADERS, *(extra_headers or []), ("Content-Length", str(len(body)))])
    return [b""] if head_only else [body]


def init_app(app: Flask) -> None:
    app.wsgi_app = HealthChecks(app, app.wsgi_app)  # type: ignore[method-assign]
