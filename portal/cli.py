"""Command-line interface: `flask --app app <command>`. Each command parses its options,
calls a service, and reports; the work itself lives in portal/services."""

from __future__ import annotations

import click
from flask import Flask

from portal import cli_data, cli_demo, cli_messaging, cli_retention, cli_security, cli_translations, schema


@click.group("db", help="Apply or inspect the database migrations.")
def db_group() -> None:
    pass


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    schema.upgrade(revision)
    click.echo(f"Database schema at {schema.current_revision()}.")


@db_group.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Undo migrations down to REVISION (`base` removes every table)."""
    schema.downgrade(revision)
    click.echo(f"Database schema at {schema.current_revision()}.")


@db_group.command("current")
def db_current() -> None:
    """Show the revision the database is at."""
    click.echo(schema.current_revision() or "empty database")


@db_group.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    schema.autogenerate_revision(message)


def init_app(app: Flask) -> None:
    app.cli.add_command(db_group)
    cli_security.register(app)
    cli_data.register(app)
    cli_messaging.register(app)
    cli_demo.register(app)
    cli_translations.register(app)
    cli_retention.register(app)
