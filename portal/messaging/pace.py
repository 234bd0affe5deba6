"""How fast SMS go out: at most N messages a second across every worker, evenly spaced.

Time is cut into turns of 1/N second, numbered from the epoch, and a turn is taken by the
first worker to count it in the storage the rate limits use (`REDIS_URL`, or memory for one
process), so workers on several machines share the pace (their clocks agree through NTP far
closer than a turn). No second holds more than N turns, and the messages of a second are
spread over it instead of leaving in a burst when a one-second window opens; a turn nobody
was ready for is not made up later.
"""

from __future__ import annotations

import math
import time

from limits.storage import storage_from_string

TURN_KEPT_SECONDS = 2  # a turn's counter outlives the turn, so a late worker cannot retake it


class SharedPace:
    def __init__(self, per_second: int, storage_uri: str, key_prefix: str = "") -> None:
        self._storage = storage_from_string(storage_uri)
        self._per_second = per_second
        self._key = f"{key_prefix}sms-dispatch-turn"

    def wait_for_turn(self) -> None:
        """Return when this worker may send one message."""
        while True:
            turn = math.floor(time.time() * self._per_second)
            if self._storage.incr(f"{self._key}:{turn}", TURN_KEPT_SECONDS) == 1:
                return
            time.sleep(max((turn + 1) / self._per_second - time.time(), 0))


class Unpaced:
    """No limit: for the outbox, and for measuring a worker's own throughput."""

    def wait_for_turn(self) -> None:
        return None
