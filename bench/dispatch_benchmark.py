"""Dispatch benchmark: how fast one worker sends, and how exactly it keeps a set pace.

    .venv/bin/python -m bench.dispatch_benchmark [--messages 3000] [--paced 100] [--rate 10]
        [--threads 1] [--database-url postgresql://...] [--redis-url redis://127.0.0.1:6379/0]

1. Throughput: an approved campaign's outbox of --messages notifications is written first
   (Argon2id hashing is not timed), then one worker sends them all through the real `twilio`
   client to the local Twilio stand-in, with no pace. Target: at least 500 messages a second.
2. Pace accuracy: --paced messages at --rate messages a second (SharedPace, in Redis when
   --redis-url is given), on a SQLite database of its own. Target: the achieved rate within
   10% of the set one.

The stand-in answers at once and sends no callbacks, so this measures our side: claiming,
encrypting, the HTTP round trip and the commits.
"""

from __future__ import annotations

import argparse
import tempfile
import time
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
from tests.twilio_standin import ACCOUNT_SID, AUTH_TOKEN, TwilioStandIn

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


def send_all(app, twilio: TwilioStandIn, pace, threads: int) -> tuple[int, float]:
    """Send every pending notification with `threads` sending loops; the time runs from the
    start to the last message sent."""
    settings = dispatch.Settings(portal_url="https://help.example", stale_claim=timedelta(minutes=5))
    workers = [Worker(f"bench-{number}", sender_for(twilio), pace, settings, batch=100) for number in range(threads)]
    started = utcnow()
    run_in_threads(app, workers, stop=lambda: all_sent(app))
    with app.app_context():
        db = session()
        sent = db.scalar(select(func.count()).where(Notification.state == NotificationState.SENT))
        last = db.scalar(select(func.max(Notification.sent_at)))
    return sent, (last - started).total_seconds()


def sender_for(twilio: TwilioStandIn):
    sender = TwilioSmsSender(ACCOUNT_SID, AUTH_TOKEN, messaging_service_sid=SERVICE_SID,
                             api_base_url=twilio.base_url, timeout=5)
    return lambda _db: sender


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
    with TwilioStandIn() as twilio:
        app = fresh_app(database_url)
        prepared_campaign(app, messages)
        sent, elapsed = send_all(app, twilio, Unpaced(), threads)
        print(f"throughput: {sent} messages in {elapsed:.2f} s with {threads} sending loop(s) = "
              f"{sent / elapsed:.0f} messages/s (target >= 500)")
    with TwilioStandIn() as twilio:
        app = fresh_app(paced_database_url)
        prepared_campaign(app, paced)
        pace = SharedPace(rate, redis_url or "memory://", key_prefix=f"bench-{time.time_ns()}-")
        sent, elapsed = send_all(app, twilio, pace, threads)
        achieved = sent / elapsed
        print(f"pace: {sent} messages at a set {rate}/s took {elapsed:.2f} s = {achieved:.2f}/s "
              f"({(achieved - rate) / rate:+.1%}; target within 10%)")


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
