"""Rate limits. Flask-Limiter guards every form POST per client; `AttemptCounter` counts
failed identity checks per A-number (by blind index) and per client, in the same storage:
memory for one process, Redis (`REDIS_URL`) when several processes must share counts.

Clients are keyed by a keyed hash of their address, so the limiter's storage holds no IP
addresses. Counts are kept for every A-number typed, in the file or not, so a limit reached
says nothing about membership."""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_limiter import Limiter
from limits import RateLimitItem, parse

from portal.security.context import blind_index

FORM_POSTS_PER_CLIENT = "60 per 10 minutes"
FAILURES_PER_A_NUMBER = parse("10 per hour")
FAILURES_PER_CLIENT = parse("20 per hour")


def client_key() -> str:
    return blind_index().digest("client-address", request.remote_addr or "unknown").hex()[:32]


limiter = Limiter(key_func=client_key, strategy="moving-window", headers_enabled=False)


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    limiter.init_app(app)


class AttemptCounter:
    """Failed checks per A-number index and per client, counted apart for each `scope`, so
    a lawyer mistyping letter checks does not use up the person's own sign-in tries."""

    def __init__(self, a_number_index: bytes, scope: str = "identity"):
        # Deployments sharing one Redis keep their counts apart, like Flask-Limiter's own keys.
        self._namespace = current_app.config.get("RATELIMIT_KEY_PREFIX", "") + f"{scope}-failures"
        self._keys: list[tuple[RateLimitItem, str]] = [
            (FAILURES_PER_A_NUMBER, "a-number:" + a_number_index.hex()),
            (FAILURES_PER_CLIENT, "client:" + client_key()),
        ]

    def exhausted(self) -> bool:
        return any(not limiter.limiter.test(item, self._namespace, key) for item, key in self._keys)

    def record_failure(self) -> None:
        for item, key in self._keys:
            limiter.limiter.hit(item, self._namespace, key)
