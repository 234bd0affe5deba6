"""How fast SMS go out: at most N messages a second across every worker.

The count lives where the rate limits do (`REDIS_URL`, or memory for one process), in the
`limits` library's fixed one-second windows, so workers on several machines share it."""

from __future__ import annotations

import time

from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

SMALLEST_WAIT = 0.002  # seconds


class SharedPace:
    def __init__(self, per_second: int, storage_uri: str, key_prefix: str = "") -> None:
        self._limiter = FixedWindowRateLimiter(storage_from_string(storage_uri))
        self._rate = RateLimitItemPerSecond(per_second)
        self._key = f"{key_prefix}sms-dispatch"

    def wait_for_turn(self) -> None:
        """Return when this worker may send one message."""
        while not self._limiter.hit(self._rate, self._key):
            reset_at = self._limiter.get_window_stats(self._rate, self._key).reset_time
            time.sleep(max(reset_at - time.time(), SMALLEST_WAIT))


class Unpaced:
    """No limit: for the outbox, and for measuring a worker's own throughput."""

    def wait_for_turn(self) -> None:
        return None
