"""Dispatch benchmark: how fast one worker sends, and how exactly it keeps a set pace.

    .venv/bin/python -m bench.dispatch_benchmark [--messages 3000] [--paced 100] [--rate 10]
        [--database-url postgresql://...] [--redis-url redis://127.0.0.1:6379/0]

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

from portal import schema
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


def send_all(app, twilio: TwilioStandIn, pace) -> tuple[int, float]:
    sender = TwilioSmsSender(ACCOUNT_SID, AUTH_TOKEN, messaging_service_sid=SERVICE_SID,
                             api_base_url=twilio.base_url, timeout=5)
    worker = Worker("bench", lambda _db: sender, pace, dispatch.Settings(portal_url="https://help.example",
                                                                        stale_claim=timedelta(minutes=5)), batch=200)
    with app.app_context():
        db = session()
        started = time.perf_counter()
        while worker.work_once(db):
            pass
        elapsed = time.perf_counter() - started
        sent = db.query(Notification).filter(Notification.state == NotificationState.SENT).count()
    return sent, elapsed


def fresh_app(database_url: str):
    app = build_app(database_url)
    with app.app_context():
        schema.upgrade()
    return app


def run(database_url: str, paced_database_url: str, messages: int, paced: int, rate: int,
        redis_url: str | None) -> None:
    with TwilioStandIn() as twilio:
        app = fresh_app(database_url)
        prepared_campaign(app, messages)
        sent, elapsed = send_all(app, twilio, Unpaced())
        print(f"throughput: {sent} messages in {elapsed:.2f} s = {sent / elapsed:.0f} messages/s "
              f"(target >= 500)")
    with TwilioStandIn() as twilio:
        app = fresh_app(paced_database_url)
        prepared_campaign(app, paced)
        pace = SharedPace(rate, redis_url or "memory://", key_prefix=f"bench-{time.time_ns()}-")
        sent, elapsed = send_all(app, twilio, pace)
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
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = arguments.database_url or f"sqlite:///{directory}/bench.sqlite3"
        run(url, f"sqlite:///{directory}/paced.sqlite3", arguments.messages, arguments.paced, arguments.rate,
            arguments.redis_url)


if __name__ == "__main__":
    main()
