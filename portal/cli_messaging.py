"""Commands that send messages queued by the web processes."""

from __future__ import annotations

import os
import socket
import time
from datetime import timedelta

import click
from flask import Flask, current_app

from portal.db import database, session
from portal.messaging.pace import SharedPace, Unpaced
from portal.messaging.sms import sms_sender
from portal.models import utcnow
from portal.services.code_delivery import deliver_pending_codes
from portal.services.dispatch import Settings
from portal.services.worker import Worker


@click.command("deliver-codes")
@click.option("--watch", is_flag=True, help="Keep running, checking the queue every --interval seconds.")
@click.option("--interval", default=2.0, show_default=True, type=click.FloatRange(min=0.1))
def deliver_codes_command(watch: bool, interval: float) -> None:
    """Send (or discard) the one-time codes people have asked for."""
    while True:
        db = session()
        sent = deliver_pending_codes(db, sms_sender(db), now=utcnow())
        db.commit()
        if not watch:
            click.echo(f"One-time codes sent: {sent}.")
            return
        time.sleep(interval)


@click.command("worker")
@click.option("--once", is_flag=True, help="One pass, then exit (for cron or tests).")
@click.option("--per-second", type=click.IntRange(min=0), default=None,
              help="Messages a second across all workers (default: SMS_PER_SECOND; 0: no limit).")
@click.option("--batch", type=click.IntRange(min=1), default=50, show_default=True)
def worker_command(once: bool, per_second: int | None, batch: int) -> None:
    """Send approved campaigns: write each outbox, send, recover after crashes, sweep."""
    config = current_app.config
    rate = config["SMS_PER_SECOND"] if per_second is None else per_second
    storage, prefix = config["RATELIMIT_STORAGE_URI"], config.get("RATELIMIT_KEY_PREFIX", "")
    pace = SharedPace(rate, storage, prefix) if rate else Unpaced()
    settings = Settings(portal_url=config["PUBLIC_BASE_URL"],
                        final_status_timeout=timedelta(hours=config["FINAL_STATUS_TIMEOUT_HOURS"]),
                        stale_claim=timedelta(seconds=config["STALE_CLAIM_SECONDS"]))
    worker = Worker(f"{socket.gethostname()}-{os.getpid()}", sms_sender, pace, settings, batch=batch)
    if once:
        click.echo(f"Worked on {worker.work_once(session())} items.")
        return
    click.echo(f"Worker {worker.name} started; stop it with Ctrl-C.")
    worker.run(database().sessions, stop=lambda: False)


def register(app: Flask) -> None:
    app.cli.add_command(deliver_codes_command)
    app.cli.add_command(worker_command)
