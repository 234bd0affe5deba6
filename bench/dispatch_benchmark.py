"""Dispatch benchmark: how fast one worker sends, and how exactly it keeps a set pace.

    .venv/bin/python -m bench.dispatch_benchmark [--messages 3000] [--paced 100] [--rate 10]
        [--threads 1] [--database-url postgresql://...] [--redis-url redis://127.0.0.1:6379/0]

1. Throughput: an approved campaign's outbox of --messages notifications is written first
   (Argon2id hashing is not timed), then one worker process (this one, with --threads sending
   loops, as `flask worker --threads`) sends them all through the real `twilio` client to the
   local Twilio stand-in, with no pace. Target: at least 500 messages a second. The worker's
   CPU time a message is printed too: it moves less than the rate when the machine is busy.
2. Pace accuracy: --paced messages at --rate messages a second (SharedPace, in Redis when
   --redis-url is given), on a SQLite database of its own. Target: the achieved rate within
   10% of the set one.

The stand-in runs in a process of its own, answers at once and sends no callbacks, so this
measures our side: claiming, decrypting, the HTTP round trip and the commits.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from portal import schema
from portal.cli_messaging import run_in_threads
from portal.db import session
from portal.messaging.pace import SharedPace, Unpaced
from portal.messaging.twilio_sms import TwilioSmsSender
from portal.models import Notification, NotificationState, utcnow
from portal.services import dispatch
from portal.services.worker import Worker
from tests.campaigns import add_approved_campaign
from tests.conftest import build_app
from tests.test_campaign_delivery import add_people
from tests.twilio_standin import ACCOUNT_SID, AUTH_TOKEN

SERVICE_SID = "MG" + "2" * 32


def prepared_campaign(app, messages: int):
    add_people(app, messages)
    with app.app_context():
        db = session()
        campaign = add_approved_campaign(db)
        settings = dispatch.Settings(portal_url="https://help.example")
        while dispatch.write_notifications(db, campaign, settings, now=utcnow(), batch=500):
            pass
    return campaign


@dataclass(frozen=True)
class Run:
    sent: int
    seconds: float  # from the start to the last message sent
    cpu_seconds: float  # the worker process's, all threads

    @property
    def per_second(self) -> float:
        return self.sent / self.seconds


def send_all(app, base_url: str, pace, threads: int) -> Run:
    """Send every pending notification with `threads` sending loops sharing one Twilio client,
    as `flask worker --threads` does."""
    settings = dispatch.Settings(portal_url="https://help.example", stale_claim=timedelta(minutes=5))
    senders = sender_for(base_url)
    workers = [Worker(f"bench-{number}", senders, pace, settings, batch=100, writes_outboxes=number == 0)
               for number in range(threads)]
    started, cpu_started = utcnow(), time.process_time()
    run_in_threads(app, workers, stop=lambda: all_sent(app))
    cpu_seconds = time.process_time() - cpu_started
    with app.app_context():
        db = session()
        sent = db.scalar(select(func.count()).where(Notification.state == NotificationState.SENT))
        last = db.scalar(select(func.max(Notification.sent_at)))
    return Run(sent, (last - started).total_seconds(), cpu_seconds)


def sender_for(base_url: str):
    sender = TwilioSmsSender(ACCOUNT_SID, AUTH_TOKEN, messaging_service_sid=SERVICE_SID,
                             api_base_url=base_url, timeout=5)
    return lambda _db: sender


@contextmanager
def stand_in() -> Iterator[str]:
    """The Twilio stand-in in a process of its own, as Twilio is on other machines: the
    worker measured shares its interpreter (and its lock) with nobody. Yields its base URL."""
    with subprocess.Popen([sys.executable, "-m", "tests.twilio_standin"], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True) as server:
        try:
            yield server.stdout.readline().strip()
        finally:
            server.stdin.close()


def all_sent(app) -> bool:
    with app.app_context():
        return not session().scalar(select(func.count()).where(
            Notification.state.in_([NotificationState.PENDING, NotificationState.SENDING])))


def fresh_app(database_url: str):
    app = build_app(database_url)
    with app.app_context():
        schema.upgrade()
    return app


def run(database_url: str, paced_database_url: str, messages: int, paced: int, rate: int,
        redis_url: str | None, threads: int) -> None:
    with stand_in() as base_url:
        app = fresh_app(database_url)
        prepared_campaign(app, messages)
        run = send_all(app, base_url, Unpaced(), threads)
        print(f"throughput: {run.sent} messages in {run.seconds:.2f} s with {threads} sending loop(s) = "
              f"{run.per_second:.0f} messages/s (target >= 500); worker CPU "
              f"{run.cpu_seconds / run.sent * 1000:.2f} ms a message")
        app = fresh_app(paced_database_url)
        prepared_campaign(app, paced)
        pace = SharedPace(rate, redis_url or "memory://", key_prefix=f"bench-{time.time_ns()}-")
        run = send_all(app, base_url, pace, threads)
        print(f"pace: {run.sent} messages at a set {rate}/s took {run.seconds:.2f} s = {run.per_second:.2f}/s "
              f"({(run.per_second - rate) / rate:+.1%}; target within 10%)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--paced", type=int, default=100)
    parser.add_argument("--rate", type=int, default=10)
    parser.add_argument("--database-url", help="an empty database for the throughput run (default: SQLite)")
    parser.add_argument("--redis-url")
    parser.add_argument("--threads", type=int, default=1, help="sending loops in the worker (flask worker --threads)")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = arguments.database_url or f"sqlite:///{directory}/bench.sqlite3"
        run(url, f"sqlite:///{directory}/paced.sqlite3", arguments.messages, arguments.paced, arguments.rate,
            arguments.redis_url, arguments.threads)


if __name__ == "__main__":
    main()
