"""Security commands: `flask audit verify`, `flask rotate-keys [--check]` and
`flask deactivate-staff EMAIL`.

The first two report what the services in portal/services/audit.py and key_rotation.py
find, and exit with status 1 when something needs the operator's attention, so they can run
in cron or CI. The last locks a staff member out at once (a lost laptop, someone leaving)."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.orm import Session

from portal.cli_data import ensure_schema_or_exit
from portal.db import session
from portal.models import utcnow
from portal.security.context import field_cipher
from portal.services.audit import record_event, verify_chain
from portal.services.key_rotation import RotationReport, count_values_under_old_keys, rotate_keys
from portal.services.staff import deactivate_staff_user
from portal.services.staff_sessions import staff_account

audit_group = AppGroup("audit", help="Check the hash-chained audit log.")


@audit_group.command("verify")
def audit_verify() -> None:
    """Check every audit event against its hash and the one before it."""
    result = verify_chain(session())
    if result.ok:
        click.echo(f"OK: {result.events_checked} audit events checked, the chain is intact.")
        # The chain cannot show that its newest events were cut off; an earlier count can.
        click.echo("Keep this count: a later check with fewer events means events were removed from the end.")
        return
    click.echo(f"BROKEN at event {result.broken_event_id}: {result.problem}.", err=True)
    click.echo(f"The {result.events_checked} events before it are intact.", err=True)
    raise SystemExit(1)


@click.command("rotate-keys")
@click.option("--check", "check_only", is_flag=True, help="Only count values still under older keys (exit 1 if any).")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(min=1), help="Rows per commit.")
@with_appcontext
def rotate_keys_command(check_only: bool, batch_size: int) -> None:
    """Re-encrypt every stored personal value under the newest key in DATA_KEYS.

    Safe to stop and run again: each batch is committed, and values already under the
    newest key are skipped. Give every running process the new DATA_KEYS first."""
    db = session()
    if not check_only:
        report = _rotate_with_progress(db, batch_size)
        _record_rotation(db, report)
        _print_rotation_summary(report)
    _report_values_left(db)


class _TableProgress:
    """One click progress bar per table, fed by `rotate_keys`' on_progress callback."""

    def __init__(self) -> None:
        self._bars = ExitStack()
        self._bar: Any = None
        self._table: str | None = None
        self._done = 0

    def __call__(self, table: str, done: int, total: int) -> None:
        if table != self._table:
            self.close()
            self._table, self._done = table, 0
            self._bar = self._bars.enter_context(click.progressbar(length=total, label=f"{table:<20}", show_pos=True))
        self._bar.update(done - self._done)
        self._done = done

    def close(self) -> None:
        self._bars.close()


def _rotate_with_progress(db: Session, batch_size: int) -> RotationReport:
    click.echo(f"Re-encrypting under key {field_cipher().current_key_id}, committing every {batch_size} rows.")
    progress = _TableProgress()
    try:
        return rotate_keys(db, batch_size=batch_size, on_progress=progress)
    finally:
        progress.close()


def _record_rotation(db: Session, report: RotationReport) -> None:
    details = {
        "key_id": field_cipher().current_key_id,
        "values_rewritten": report.values_rewritten,
        "values_unreadable": report.values_unreadable,
        "rows_checked": sum(report.rows_checked.values()),
    }
    record_event(db, actor_type="system", actor_id=None, action="data_keys.rotated", details=details)
    db.commit()


def _print_rotation_summary(report: RotationReport) -> None:
    for table, rows in report.rows_checked.items():
        click.echo(f"  {table:<20} {rows} rows checked")
    click.echo(f"Rewrote {report.values_rewritten} values under key {field_cipher().current_key_id}.")
    if report.values_unreadable:
        click.echo(
            f"{report.values_unreadable} values could not be read with any configured key and were left as "
            "they are; the log names their tables and row ids.",
            err=True,
        )


def _report_values_left(db: Session) -> None:
    left = count_values_under_old_keys(db)
    current = field_cipher().current_key_id
    total = sum(left.values())
    if total == 0:
        click.echo(f"0 values left under older keys: every key except {current} can now be removed from DATA_KEYS.")
        return
    for table, count in left.items():
        if count:
            click.echo(f"  {table:<20} {count} values under older keys")
    click.echo(
        f"{total} values are still under older keys: keep those keys in DATA_KEYS and run "
        "`flask rotate-keys` (again) until none is left.",
        err=True,
    )
    raise SystemExit(1)


@click.command("deactivate-staff")
@click.argument("email")
def deactivate_staff_command(email: str) -> None:
    """Stop the staff account with EMAIL from signing in, and end its open sessions now.

    Recorded in the audit log (by the account's id). Running it again changes nothing."""
    ensure_schema_or_exit()
    db = session()
    user = staff_account(db, email)
    if user is None:
        raise click.ClickException("No staff account has this email address.")
    if not user.active:
        click.echo(f"Staff account {user.email} is already deactivated; nothing was changed.")
        return
    deactivate_staff_user(db, user, actor_type="system", actor_id=None, now=utcnow())
    db.commit()
    click.echo(f"Staff account {user.email} deactivated: it can no longer sign in, and its sessions have ended.")


def register(app: Flask) -> None:
    """Add the security commands to the app's `flask` command line."""
    app.cli.add_command(audit_group)
    app.cli.add_command(rotate_keys_command)
    app.cli.add_command(deactivate_staff_command)
