"""Commands that set up people to work with: `flask demo-data` and `flask create-staff`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app

from portal.cli_data import ensure_schema_or_exit
from portal.db import session
from portal.models import StaffRole
from portal.services.accounts import AccountError
from portal.services.audit import record_event
from portal.services.demo_data import DemoRefused, DemoSummary, build_demo
from portal.services.demo_people import MIN_PEOPLE
from portal.services.staff import create_staff_user, totp_provisioning_uri


@click.command("demo-data")
@click.option("--people", default=6252, show_default=True, type=click.IntRange(min=MIN_PEOPLE),
              help="How many invented people to list.")
@click.option("--seed", default=2022, show_default=True, help="The same seed gives the same invented people.")
def demo_data_command(people: int, seed: int) -> None:
    """Load invented people, notice codes and demo sign-ins into a new database."""
    if current_app.config["PORTAL_ENV"] == "production":
        raise click.ClickException("Demo data is never loaded in production.")
    ensure_schema_or_exit()
    db = session()
    try:
        summary = build_demo(db, Path(current_app.instance_path), people=people, seed=seed)
    except DemoRefused as refused:
        db.rollback()
        raise click.ClickException(str(refused)) from None
    db.commit()
    _print_demo(summary)


def _print_demo(summary: DemoSummary) -> None:
    if summary.already_loaded:
        click.echo("The demo data is already loaded; nothing was changed.")
        where = summary.people_file if summary.people_file.exists() else "(missing: load into a new database)"
        click.echo(f"The demo people and sign-ins were written to {where}")
        return
    for line in summary.lines:
        click.echo(line)
    click.echo("")
    click.echo(f"This list was also written to {summary.people_file} (readable only by you).")


@click.command("create-staff")
@click.option("--email", required=True, help="Sign-in email address.")
@click.option("--name", "full_name", required=True, help="Full name, shown in the audit trail.")
@click.option("--role", required=True, type=click.Choice([role.value for role in StaffRole]))
def create_staff_command(email: str, full_name: str, role: str) -> None:
    """Create a staff account and show its two-factor secret once."""
    ensure_schema_or_exit()
    # Prompted, never an option, so the password stays out of shell history and `ps`.
    password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    db = session()
    try:
        user, totp_secret = create_staff_user(
            db, email=email, full_name=full_name, role=StaffRole(role), password=password
        )
    except AccountError as problem:
        db.rollback()
        raise click.ClickException(str(problem)) from None
    record_event(db, actor_type="system", actor_id=None, action="staff.created", subject_type="staff_user",
                 subject_id=str(user.id), details={"role": role})
    db.commit()
    click.echo(f"Staff account {user.email} created ({role}).")
    click.echo("Add it to an authenticator app now; the secret is not shown again.")
    click.echo(f"TOTP secret: {totp_secret}")
    click.echo(f"Provisioning URI: {totp_provisioning_uri(user.email, totp_secret)}")


def register(app: Flask) -> None:
    app.cli.add_command(demo_data_command)
    app.cli.add_command(create_staff_command)
