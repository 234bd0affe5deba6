"""Dispatch scaling: 1, 2 and 4 worker processes sending one campaign on PostgreSQL.

    .venv/bin/python -m bench.dispatch_scaling [--postgresql postgresql://postgres@127.0.0.1:5432/test]
        [--redis-url redis://127.0.0.1:6379/0] [--messages 3000] [--workers 1 2 4] [--threads 4]
        [--batch 25] [--latency 0.1] [--rate 100]

Each run starts that many real `flask worker --threads T --batch B` processes on one PostgreSQL database
(made for the benchmark and dropped after it) and one Redis, against the Twilio stand-in in a
process of its own. Once every worker has started, a campaign's whole outbox (written and
held back beforehand, so hashing codes is not timed) becomes due at once; the run ends when
every message has been accepted. Throughput is the messages over the time from that moment
to the last acceptance. A sending loop claims --batch messages at a time, so a run needs many
more messages than loops × batch, or the last claims leave most loops idle.

The stand-in holds each answer back --latency seconds, the round trip to Twilio's API: a
sending loop spends most of a message waiting on it, which is what more workers multiply.
Every worker count runs twice: without a pace, then at --rate messages a second shared by all
workers through Redis (SMS_PER_SECOND, the provider's limit). Target: near-linear scaling
until that limit, and the limit held.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher, Type
from sqlalchemy import func, select, update

from bench.databases import postgresql_database
from portal import schema
from portal.db import session
from portal.models import Campaign, Notification, utcnow
from portal.security import hashing
from portal.services import dispatch
from tests.campaigns import add_approved_campaign
from tests.conftest import TEST_SETTINGS, build_app
from tests.test_campaign_delivery import add_people
from tests.twilio_standin import ACCOUNT_SID, AUTH_TOKEN

REPOSITORY = Path(__file__).resolve().parent.parent
SERVICE_SID = "MG" + "3" * 32
HELD_BACK = timedelta(days=1)
RUN_LIMIT_SECONDS = 900


@dataclass(frozen=True)
class Run:
    workers: int
    rate: int  # messages a second for all workers together; 0: no pace
    sent: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.sent / self.seconds


def held_campaigns(app, messages: int, count: int) -> list[Campaign]:
    """`count` campaigns to the same `messages` people, every outbox written and held back.
    Notice codes are hashed at Argon2id's lowest cost: they are thrown away, and hashing is
    not what this measures."""
    hashing._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, hash_len=32, salt_len=16,
                                     type=Type.ID)
    add_people(app, messages)
    settings = dispatch.Settings(portal_url="https://help.example")
    campaigns = []
    with app.app_context():
        db = session()
        for _ in range(count):
            campaign = add_approved_campaign(db)
            while dispatch.write_notifications(db, campaign, settings, now=utcnow()):
                pass
            campaigns.append(campaign)
        db.execute(update(Notification).values(next_attempt_at=utcnow() + HELD_BACK))
        db.commit()
    return campaigns


@contextmanager
def stand_in(latency: float) -> Iterator[str]:
    with subprocess.Popen([sys.executable, "-m", "tests.twilio_standin", str(latency)], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True) as server:
        try:
            yield server.stdout.readline().strip()
        finally:
            server.stdin.close()


@contextmanager
def worker_processes(count: int, *, database_url: str, redis_url: str, twilio_url: str, threads: int,
                     batch: int, rate: int) -> Iterator[None]:
    """`count` worker processes, each returned once it has said it started; stopped after."""
    environment = {
        **os.environ, **{key: str(value) for key, value in TEST_SETTINGS.items()},
        "DATABASE_URL": database_url, "REDIS_URL": redis_url, "RATELIMIT_KEY_PREFIX": f"bench-{uuid.uuid4().hex}-",
        "SMS_BACKEND": "twilio", "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_MESSAGING_SERVICE_SID": SERVICE_SID, "TWILIO_API_BASE_URL": twilio_url,
        "TWILIO_TIMEOUT_SECONDS": "10",
    }
    command = [sys.executable, "-m", "flask", "--app", "app", "worker", "--threads", str(threads),
               "--batch", str(batch), "--per-second", str(rate)]
    with ExitStack() as stack:
        workers = [stack.enter_context(subprocess.Popen(command, cwd=REPOSITORY, env=environment, text=True,
                                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL))
                   for _ in range(count)]
        try:
            for worker in workers:
                if "started" not in worker.stdout.readline():
                    raise RuntimeError("A worker process did not start.")
            yield
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            for worker in workers:
                try:
                    worker.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    worker.kill()


def release(app, campaign: Campaign) -> datetime:
    with app.app_context():
        db = session()
        released = utcnow()
        db.execute(update(Notification).where(Notification.campaign_id == campaign.id)
                   .values(next_attempt_at=released))
        db.commit()
    return released


def accepted(app, campaign: Campaign) -> tuple[int, datetime | None]:
    """Messages of the campaign the provider has accepted, and when the last one was."""
    with app.app_context():
        db = session()
        mine = Notification.campaign_id == campaign.id
        return (db.scalar(select(func.count()).where(mine, Notification.provider_message_id.is_not(None))),
                db.scalar(select(func.max(Notification.sent_at)).where(mine)))


def measure(app, campaign: Campaign, messages: int, *, workers: int, rate: int, **worker_options) -> Run:
    with worker_processes(workers, rate=rate, **worker_options):
        released = release(app, campaign)
        gives_up = time.monotonic() + RUN_LIMIT_SECONDS
        while (done := accepted(app, campaign))[0] < messages:
            if time.monotonic() > gives_up:
                raise RuntimeError(f"Only {done[0]} of {messages} messages sent in {RUN_LIMIT_SECONDS} s.")
            time.sleep(0.2)
    sent, last = done
    return Run(workers, rate, sent, (last - released).total_seconds())


def run(arguments: argparse.Namespace) -> list[Run]:
    with stand_in(arguments.latency) as twilio_url, \
            postgresql_database(arguments.postgresql, "bench_dispatch_scaling") as database_url:
        app = build_app(database_url)
        with app.app_context():
            schema.upgrade()
        rates = [0, arguments.rate]
        campaigns = iter(held_campaigns(app, arguments.messages, len(arguments.workers) * len(rates)))
        options = {"database_url": database_url, "redis_url": arguments.redis_url, "twilio_url": twilio_url,
                   "threads": arguments.threads, "batch": arguments.batch}
        runs = []
        for rate in rates:
            for workers in arguments.workers:
                runs.append(measure(app, next(campaigns), arguments.messages, workers=workers, rate=rate,
                                    **options))
                print_run(runs[-1], runs[0])
        return runs


def print_run(run: Run, single_unpaced: Run) -> None:
    limit = f"{run.rate}/s" if run.rate else "none"
    share = f"{run.per_second / run.rate:.0%} of the limit" if run.rate else \
        f"{run.per_second / single_unpaced.per_second:.2f}x one worker"
    print(f"{run.workers:>7} | {limit:>10} | {run.sent:>8} | {run.seconds:>7.1f} | {run.per_second:>10.1f} | "
          f"{share}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgresql", default="postgresql://postgres@127.0.0.1:5432/test",
                        help="a PostgreSQL server URL whose user may create databases")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--messages", type=int, default=3000, help="messages a run")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--threads", type=int, default=4, help="sending loops a worker (flask worker --threads)")
    parser.add_argument("--batch", type=int, default=25, help="messages a sending loop claims at a time")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds the stand-in takes to answer")
    parser.add_argument("--rate", type=int, default=100, help="the shared pace of the second round (SMS_PER_SECOND)")
    arguments = parser.parse_args()
    print(f"{arguments.messages} messages a run, {arguments.threads} sending loops a worker claiming "
          f"{arguments.batch} at a time, "
          f"{arguments.latency * 1000:.0f} ms answer latency, PostgreSQL, pace in Redis")
    print(f"{'workers':>7} | {'rate limit':>10} | {'messages':>8} | {'seconds':>7} | {'messages/s':>10} | scaling")
    run(arguments)


if __name__ == "__main__":
    main()
