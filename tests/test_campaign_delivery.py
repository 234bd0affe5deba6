"""Campaigns delivered end to end: the real `twilio` client against the stand-in, signed
status callbacks into the app over HTTP, workers in threads and in killed subprocesses.

These run on one database only (PostgreSQL when TEST_DATABASE_URL is set, else SQLite): they
commit for real and take minutes, and the other dispatch tests cover both backends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher, Type
from sqlalchemy import select, text, update
from werkzeug.serving import make_server

from portal import schema
from portal.db import database, session
from portal.messaging.pace import Unpaced
from portal.messaging.twilio_sms import TwilioSmsSender
from portal.models import (
    AffectedPerson,
    Campaign,
    CampaignState,
    CustodyStatus,
    EarlyDeliveryReport,
    Incident,
    NoticeCode,
    Notification,
    Remedy,
    utcnow,
)
from portal.security import hashing
from portal.security.a_numbers import normalise_a_number
from portal.security.codes import normalise_notice_code
from portal.security.hashing import verify_secret
from portal.services import dispatch
from portal.services.affected_row import AffectedRecord
from portal.services.affected_store import with_index, write_batch
from portal.services.campaigns import progress
from portal.services.verification import IdentityClaim, verify_notice_code
from portal.services.worker import Worker
from tests.campaigns import add_approved_campaign
from tests.conftest import BACKENDS, TEST_SETTINGS, build_app, fresh_database
from tests.factories import add_incidents
from tests.twilio_standin import ACCOUNT_SID, AUTH_TOKEN, TwilioStandIn

REPOSITORY = Path(__file__).resolve().parent.parent
BACKEND = BACKENDS[-1]
SERVICE_SID = "MG" + "1" * 32
BORN = date(1990, 3, 15)


@dataclass
class Rig:
    app: object
    twilio: TwilioStandIn
    database_url: str
    public_url: str


@contextmanager
def live(app) -> Iterator[str]:
    """The app over HTTP on 127.0.0.1, for the stand-in's status callbacks. Closing it waits
    for requests still in flight: one finishing later would return its database connection
    to a pool already disposed, and the connection would be garbage-collected open."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    server.daemon_threads = False  # so that server_close() joins every request thread
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


@pytest.fixture(autouse=True)
def quick_hashing(monkeypatch):
    """Argon2id at its smallest cost for the thousands of notice codes hashed and checked
    here: these tests are about delivery, and the production cost is tested in
    test_codes.py. (The killed-worker test's subprocess hashes at the real cost.)"""
    monkeypatch.setattr(hashing, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1,
                                                           hash_len=32, salt_len=16, type=Type.ID))


@pytest.fixture
def rig(tmp_path) -> Iterator[Rig]:
    with fresh_database(BACKEND, tmp_path) as url, TwilioStandIn(timeout_delay=1.0, callback_delay=0.001) as twilio:
        app = build_app(url, SMS_BACKEND="twilio", TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=AUTH_TOKEN,
                        TWILIO_MESSAGING_SERVICE_SID=SERVICE_SID, TWILIO_API_BASE_URL=twilio.base_url)
        with app.app_context():
            schema.upgrade()
        with live(app) as public_url:
            app.config["PUBLIC_BASE_URL"] = public_url
            yield Rig(app, twilio, url, public_url)
            twilio.stop()  # no status callback may start while the app closes
        with app.app_context():
            database().engine.dispose()


def phone_of(number: int) -> str:
    return f"+1617{number:07d}"


def a_number_of(number: int) -> str:
    return f"{300_000_000 + number:09d}"


def add_people(app, count: int) -> None:
    records = [AffectedRecord(row_number=n, a_number=a_number_of(n), last_name="Test", first_name="Person",
                              date_of_birth=BORN, nationality="HN", custody_status=CustodyStatus.RELEASED,
                              phone=phone_of(n), preferred_language=("es", "en", "ar")[n % 3],
                              incident_codes=("2022-11-posting",)) for n in range(count)]
    with app.app_context():
        db = session()
        add_incidents(db)
        incidents = {incident.code: incident for incident in db.scalars(select(Incident))}
        remedies = list(db.scalars(select(Remedy)))
        for start in range(0, count, 1000):
            write_batch(db, with_index(records[start:start + 1000]), incidents, remedies)
        db.commit()


def start_campaign(app) -> Campaign:
    with app.app_context():
        db = session()
        campaign = add_approved_campaign(db, templates={
            "en": "News about your case: ((portal_url)) code ((notice_code))",
            "es": "Noticias sobre su caso: ((portal_url)) código ((notice_code))",
            "ar": "أخبار عن قضيتك: ((portal_url)) الرمز ((notice_code))",
        })
        return campaign


def sender_for(rig: Rig) -> TwilioSmsSender:
    return TwilioSmsSender(ACCOUNT_SID, AUTH_TOKEN, messaging_service_sid=SERVICE_SID,
                           api_base_url=rig.twilio.base_url, timeout=0.5,
                           status_callback=rig.public_url + "/webhooks/twilio/status")


def run_workers(rig: Rig, campaign: Campaign, *, count: int = 2, deadline: float = 600) -> None:
    """Worker threads until the campaign is complete, or nothing is left for them or the
    stand-in to do (every message sent and every callback made), or the deadline."""
    settings = dispatch.Settings(portal_url=rig.public_url, stale_claim=timedelta(seconds=5),
                                 first_retry=timedelta(milliseconds=50))
    sender = sender_for(rig)
    finished = threading.Event()
    errors: list[BaseException] = []

    def work(name: str) -> None:
        worker = Worker(name, lambda _db: sender, Unpaced(), settings, batch=100)
        with rig.app.app_context():
            try:
                worker.run(database().sessions, stop=finished.is_set, idle_seconds=0.05)
            except BaseException as error:
                errors.append(error)
                finished.set()

    threads = [threading.Thread(target=work, args=(f"worker-{n}",)) for n in range(count)]
    for thread in threads:
        thread.start()
    try:
        ends = time.monotonic() + deadline
        quiet_checks = 0
        while time.monotonic() < ends and not finished.is_set():
            drained = rig.twilio.wait_for_callbacks(timeout=1)
            if campaign_state(rig.app, campaign) is CampaignState.COMPLETED:
                break
            # Twice in a row, so that a pass of the workers applies held reports in between.
            quiet_checks = quiet_checks + 1 if drained and not work_left(rig.app, campaign) else 0
            if quiet_checks == 2:
                break
            time.sleep(0.2)
    finally:
        finished.set()
        for thread in threads:
            thread.join()
    assert not errors, errors


def campaign_state(app, campaign) -> CampaignState:
    with app.app_context():
        db = session()
        return db.scalar(select(Campaign.state).where(Campaign.id == campaign.id))


def work_left(app, campaign) -> bool:
    """An outbox still being written (the campaign still `approved`), rows not yet handed to
    Twilio, or delivery reports held for ids not yet recorded."""
    if campaign_state(app, campaign) is CampaignState.APPROVED:
        return True
    with app.app_context():
        db = session()
        unsent = select(Notification.id).where(Notification.campaign_id == campaign.id,
                                               Notification.state.in_(["pending", "sending"]))
        return db.scalar(select(unsent.exists())) or db.scalar(select(select(EarlyDeliveryReport).exists()))


def states(app, campaign) -> dict[str, int]:
    with app.app_context():
        return dict(progress(session(), campaign.id))


def codes_in_messages(twilio: TwilioStandIn) -> dict[str, str]:
    return {message["to"]: message["body"].rsplit(" ", 1)[-1] for message in twilio.messages}


def test_a_6252_recipient_campaign_is_delivered_once_to_everyone_and_every_code_signs_in(rig):
    people = 6252
    add_people(rig.app, people)
    campaign = start_campaign(rig.app)

    run_workers(rig, campaign)

    accepted = rig.twilio.accepted_per_recipient()
    assert len(accepted) == people and set(accepted.values()) == {1}
    assert states(rig.app, campaign) == {"delivered": people}
    assert campaign_state(rig.app, campaign) is CampaignState.COMPLETED
    codes = codes_in_messages(rig.twilio)
    with rig.app.app_context():
        db = session()
        hashes = dict(db.execute(select(Notification.person_id, NoticeCode.code_hash)
                                 .join(NoticeCode, NoticeCode.id == Notification.notice_code_id)).all())
        by_phone = {phone_of(n): n for n in range(people)}
        person_by_number = {person.phone: person.id for person in db.scalars(select(AffectedPerson))}
        pairs = [(hashes[person_by_number[phone]], normalise_notice_code(code)) for phone, code in codes.items()]
        with ThreadPoolExecutor(4) as pool:
            assert all(pool.map(lambda pair: verify_secret(*pair), pairs))
        for phone in list(codes)[:5]:  # and the public sign-in itself, for a few of them
            claim = IdentityClaim(normalise_a_number(a_number_of(by_phone[phone])), BORN)
            assert verify_notice_code(db, claim, codes[phone], now=utcnow()) == person_by_number[phone]


def test_with_faults_everyone_ends_in_one_final_state_and_nobody_gets_two(rig):
    people = 400
    add_people(rig.app, people)
    rig.twilio.inject(error_500=0.10, error_429=0.05, timeout=0.02, duplicate_callbacks=0.2,
                      out_of_order_callbacks=0.2, late_callbacks=0.1, lost_callbacks=0.03, seed=11)
    rig.twilio.set_outcome(phone_of(7), "undelivered", error_code=30003)
    rig.twilio.reject_number(phone_of(8), code=21211)
    campaign = start_campaign(rig.app)

    run_workers(rig, campaign, deadline=300)

    accepted = rig.twilio.accepted_per_recipient()
    assert max(accepted.values()) == 1
    assert len(accepted) == people - 1
    before = states(rig.app, campaign)
    # Lost callbacks (3% injected, and now and then one whose POST failed in the storm) leave
    # messages "sent": Twilio does not post a report again. The worker asks Twilio about
    # messages whose report is overdue: here at once, as if the grace period had passed.
    with rig.app.app_context():
        db = session()
        asked = dispatch.check_overdue_statuses(db, sender_for(rig), now=utcnow() + dispatch.STATUS_CHECK_AFTER,
                                                limit=people)
        dispatch.complete_finished_campaigns(db, now=utcnow())
    final = states(rig.app, campaign)
    assert asked == before.get("sent", 0) > 0, (before, asked)
    assert final == {"delivered": people - 2, "failed": 1, "undeliverable": 1}, final
    assert campaign_state(rig.app, campaign) is CampaignState.COMPLETED
    with rig.app.app_context():
        rows = session().scalars(select(Notification)).all()
        assert all(row.body_encrypted is None for row in rows)
        assert all(row.final_at is not None for row in rows)


def worker_process(rig: Rig, *, per_second: int, batch: int = 20, stale_claim_seconds: int = 1,
                   stdout=subprocess.DEVNULL) -> subprocess.Popen:
    environment = {
        **os.environ, **{key: str(value) for key, value in TEST_SETTINGS.items()},
        "PORTAL_ENV": "testing", "DATABASE_URL": rig.database_url, "SMS_BACKEND": "twilio",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_MESSAGING_SERVICE_SID": SERVICE_SID, "TWILIO_API_BASE_URL": rig.twilio.base_url,
        "TWILIO_TIMEOUT_SECONDS": "10", "PUBLIC_BASE_URL": rig.public_url,
        "STALE_CLAIM_SECONDS": str(stale_claim_seconds),
    }
    command = [sys.executable, "-m", "flask", "--app", "app", "worker", "--per-second", str(per_second),
               "--batch", str(batch)]
    return subprocess.Popen(
        command, cwd=REPOSITORY, env=environment, stdout=stdout, stderr=subprocess.DEVNULL, text=True)


def wait_until(condition, *, seconds: float, message: str) -> None:
    ends = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < ends, message
        time.sleep(0.05)


def test_a_worker_killed_mid_send_and_started_again_doubles_nobody_and_loses_nobody(rig):
    people = 300
    add_people(rig.app, people)
    campaign = start_campaign(rig.app)
    first = worker_process(rig, per_second=100)
    try:
        wait_until(lambda: len(rig.twilio.messages) >= 100, seconds=120, message="the first worker sent nothing")
        # The next message is accepted but its answer held back: the worker is killed while it
        # waits, so the provider has a message the database does not know about.
        rig.twilio.timeout_next(1)
        held = len(rig.twilio.messages) + 1
        wait_until(lambda: len(rig.twilio.messages) >= held, seconds=30, message="no held message")
        time.sleep(0.2)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    sent_before_restart = len(rig.twilio.messages)
    assert sent_before_restart < people, "the worker finished before it was killed"
    second = worker_process(rig, per_second=100)
    try:
        wait_until(lambda: campaign_state(rig.app, campaign) is CampaignState.COMPLETED or (
            len(rig.twilio.messages) >= people and states(rig.app, campaign).get("delivered") == people),
            seconds=180, message=f"not finished: {states(rig.app, campaign)}")
    finally:
        second.send_signal(signal.SIGTERM)
        try:
            second.wait(timeout=10)
        except subprocess.TimeoutExpired:
            second.kill()
            second.wait()
    accepted = rig.twilio.accepted_per_recipient()
    assert len(accepted) == people, "someone was lost"
    assert set(accepted.values()) == {1}, "someone got two messages"
    assert states(rig.app, campaign) == {"delivered": people}


CLAIM_LOG = {
    "postgresql": [
        "CREATE TABLE claim_log (notification_id text, worker text, claimed_at timestamptz DEFAULT clock_timestamp())",
        "CREATE FUNCTION log_claim() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "INSERT INTO claim_log (notification_id, worker) VALUES (NEW.id::text, NEW.claimed_by); RETURN NEW; END $$",
        "CREATE TRIGGER log_claim AFTER UPDATE ON notification FOR EACH ROW "
        "WHEN (NEW.attempts > OLD.attempts) EXECUTE FUNCTION log_claim()",
    ],
    "sqlite": [
        "CREATE TABLE claim_log (notification_id TEXT, worker TEXT, claimed_at REAL)",
        "CREATE TRIGGER log_claim AFTER UPDATE OF attempts ON notification "
        "WHEN NEW.attempts > OLD.attempts BEGIN "
        "INSERT INTO claim_log VALUES (NEW.id, NEW.claimed_by, julianday('now')); END",
    ],
}


def log_every_claim(app) -> None:
    """The database itself records each claim (a claim counts an attempt): the proof does not
    rest on the code under test reporting its own claims."""
    with app.app_context():
        db = session()
        for statement in CLAIM_LOG[db.get_bind().dialect.name]:
            db.execute(text(statement))
        db.commit()


def write_outbox_held(app, campaign: Campaign) -> None:
    """The whole outbox written, then held back, so that no worker starts before the other."""
    settings = dispatch.Settings(portal_url="https://help.example")
    with app.app_context():
        db = session()
        db_campaign = db.get(Campaign, campaign.id)
        while dispatch.write_notifications(db, db_campaign, settings, now=utcnow()):
            pass
        db.execute(update(Notification).values(next_attempt_at=utcnow() + timedelta(days=1)))
        db.commit()


def release_outbox(app) -> None:
    with app.app_context():
        db = session()
        db.execute(update(Notification).values(next_attempt_at=utcnow()))
        db.commit()


def test_two_worker_processes_on_one_campaign_never_claim_one_notification_twice(rig):
    people = 1500
    add_people(rig.app, people)
    campaign = start_campaign(rig.app)
    write_outbox_held(rig.app, campaign)
    log_every_claim(rig.app)
    # Small batches: the workers claim often, so their claims meet often. A worker held up on a
    # busy machine must not have its claim taken over as stale: that is another test.
    workers = [worker_process(rig, per_second=0, batch=2, stale_claim_seconds=120, stdout=subprocess.PIPE)
               for _ in range(2)]
    try:
        for worker in workers:
            assert "started" in worker.stdout.readline(), "a worker did not start"
        release_outbox(rig.app)
        wait_until(lambda: campaign_state(rig.app, campaign) is CampaignState.COMPLETED,
                   seconds=240, message="the campaign was not completed")
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
            worker.stdout.close()

    with rig.app.app_context():
        claims = session().execute(text("SELECT notification_id, worker, claimed_at FROM claim_log")).all()
    claims_per_notification = Counter(notification_id for notification_id, _, _ in claims)
    assert len(claims_per_notification) == people and set(claims_per_notification.values()) == {1}
    times_per_process: dict[str, list] = {}
    for _, worker, claimed_at in claims:
        times_per_process.setdefault(worker.rsplit("-", 1)[0], []).append(claimed_at)
    assert len(times_per_process) == 2, "one worker process did all the work"
    first, second = times_per_process.values()
    assert min(first) < max(second) and min(second) < max(first), "the workers did not claim at the same time"
    accepted = rig.twilio.accepted_per_recipient()
    assert len(accepted) == people and set(accepted.values()) == {1}
    assert states(rig.app, campaign) == {"delivered": people}
