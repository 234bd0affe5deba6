"""`flask purge`: delete contact details, texts and replies whose purpose ended long enough ago."""

from __future__ import annotations

import click
from flask import Flask, current_app

from portal.db import session
from portal.models import utcnow
from portal.services.retention import PurgeReport, purge

DESCRIPTIONS = {
    "campaign_texts": "numbers and texts of completed campaigns' notifications",
    "replies": "replies staff handled",
    "interpreter_numbers": "numbers of interpreter call-backs made",
    "stopped_numbers": "confirmed numbers whose texts were stopped",
    "expired_one_time_codes": "expired one-time codes",
    "letter_request_birth_dates": "birth dates on resolved letter requests",
    "outbox_messages": "messages in the local SMS outbox",
}


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Only count what would be deleted.")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="Keep data this many days after its purpose ended (default: RETENTION_DAYS).")
def purge_command(dry_run: bool, days: int | None) -> None:
    """Delete personal data kept only to reach people, RETENTION_DAYS (default 90) days after
    its purpose ended: the numbers and texts of a completed campaign's notifications, replies
    staff handled, numbers of interpreter call-backs made, numbers confirmed for texts that
    were then stopped, expired one-time codes, birth dates typed on resolved letter requests,
    and the local SMS outbox. People, exposures, remedies and their history, notification
    states, opt-outs, addresses and the audit log are kept: the remedies and the audit need
    them (README, "Data retention"). Safe to run again: a second run deletes nothing more.
    A run that deletes anything adds one audit event with the counts, never a value."""
    retention_days = days or current_app.config["RETENTION_DAYS"]
    db = session()
    report = purge(db, retention_days=retention_days, now=utcnow(), dry_run=dry_run)
    if dry_run:
        db.rollback()
    else:
        db.commit()
    _print_report(report, dry_run)


def _print_report(report: PurgeReport, dry_run: bool) -> None:
    click.echo(f"Retention {report.retention_days} days: data whose purpose ended before "
               f"{report.cutoff:%Y-%m-%d %H:%M} UTC.")
    for name, count in report.counts.items():
        click.echo(f"  {DESCRIPTIONS[name]:<58} {count:>10,}")
    if dry_run:
        click.echo(f"Dry run: {report.total:,} would be deleted; nothing was changed.")
    elif report.total:
        click.echo(f"Deleted {report.total:,}; the counts are in the audit log.")
    else:
        click.echo("Nothing to delete.")
    if report.unhandled_old_replies:
        click.echo(f"Kept: {report.unhandled_old_replies:,} replies older than that which no one has handled yet.")


def register(app: Flask) -> None:
    app.cli.add_command(purge_command)
