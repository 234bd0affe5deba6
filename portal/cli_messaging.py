"""Commands that send messages queued by the web processes."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable

import click
from flask import Flask, current_app

from portal.db import database, session
from portal.messaging.pace import SharedPace, Unpaced
from portal.messaging.sms import sms_sender, sms_senders
from portal.models import utcnow
from portal.services.code_delivery import deliver_pending_codes
from portal.services.dispatch import Settings
from portal.services.worker import SEND_BATCH, Worker


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
@click.option("--batch", type=click.IntRange(min=1), default=SEND_BATCH, show_default=True)
@click.option("--threads", type=click.IntRange(min=1, max=64), default=1, show_default=True,
              help="Sending loops in this process, each claiming its own rows (waiting on the provider "
                   "dominates a send, so threads multiply throughput).")
def worker_command(once: bool, per_second: int | None, batch: int, threads: int) -> None:
    """Send approved campaigns: write each outbox, send, recover after crashes, sweep."""
    config = current_app.config
    rate = config["SMS_PER_SECOND"] if per_second is None else per_second
    storage, prefix = config["RATELIMIT_STORAGE_URI"], config.get("RATELIMIT_KEY_PREFIX", "")
    pace = SharedPace(rate, storage, prefix) if rate else Unpaced()
    settings = Settings.from_config(config)
    name = f"{socket.gethostname()}-{os.getpid()}"
    senders = sms_senders()
    if once:
        worker = Worker(name, senders, pace, settings, batch=batch)
        click.echo(f"Worked on {worker.work_once(session())} items.")
        return
    workers = [Worker(f"{name}-{number}", senders, pace, settings, batch=batch, writes_outboxes=number == 0)
               for number in range(threads)]
    click.echo(f"Worker {name} started with {threads} sending loop(s); stop it with Ctrl-C.")
    run_in_threads(current_app._get_current_object(), workers)


def run_in_threads(app: Flask, workers: list[Worker], stop: Callable[[], bool] = lambda: False) -> None:
    """Each worker in a thread of its own, with its own sessions, until `stop()`."""

    def run(worker: Worker) -> None:
        with app.app_context():
            worker.run(database().sessions, stop=stop)

    threads = [threading.Thread(target=run, args=(worker,), name=worker.name, daemon=True) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def register(app: Flask) -> None:
    app.cli.add_command(deliver_codes_command)
    app.cli.add_command(worker_command)
