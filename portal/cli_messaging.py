"""Commands that send messages queued by the web processes."""

from __future__ import annotations

import time

import click
from flask import Flask

from portal.db import session
from portal.messaging.sms import sms_sender
from portal.models import utcnow
from portal.services.code_delivery import deliver_pending_codes


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


def register(app: Flask) -> None:
    app.cli.add_command(deliver_codes_command)
