"""Commands that load data: incidents and the affected list."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click
from flask import Flask

from portal import schema
from portal.db import session
from portal.models import DataCategory, IncidentKind
from portal.services.affected_list import UnreadableFile
from portal.services.importer import ImportReport, import_affected_file
from portal.services.incidents import add_incident, list_incidents


def ensure_schema_or_exit() -> None:
    """Create the schema on a new database; stop with the reason when it is outdated."""
    try:
        if schema.ensure_schema():
            click.echo("New database: schema created.")
    except schema.SchemaOutdated as outdated:
        raise click.ClickException(str(outdated)) from None


@click.command("import-affected")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--skip-invalid", is_flag=True, help="Import the good rows even if some rows are bad.")
@click.option("--incident", "incidents", multiple=True, help="Incident code for rows with no Incidents column.")
def import_affected_command(path: Path, skip_invalid: bool, incidents: tuple[str, ...]) -> None:
    """Import the affected list from a .csv or .xlsx file in the agency's layout."""
    ensure_schema_or_exit()
    db = session()
    with click.progressbar(length=0, label="Importing", file=sys.stderr) as bar:
        try:
            report = import_affected_file(
                db, path, skip_invalid=skip_invalid, default_incidents=incidents,
                on_start=lambda total: setattr(bar, "length", max(total, 1)), on_progress=bar.update,
            )
        except UnreadableFile as unreadable:
            raise click.ClickException(str(unreadable)) from None
    _print_report(report)
    if report.has_problems and not skip_invalid:
        db.rollback()
        raise click.ClickException("Nothing was imported. Fix the rows above, or use --skip-invalid.")
    db.commit()


def _print_report(report: ImportReport) -> None:
    for problem in report.problems:
        click.echo(f"Row {problem.row_number}, {problem.column}: {problem.reason}", err=True)
    if report.ignored_columns:
        click.echo("Ignored columns: " + ", ".join(report.ignored_columns))
    click.echo(
        f"Rows read: {report.rows_read}. Created: {report.created}. Updated: {report.updated}. "
        f"Unchanged: {report.unchanged}. Bad rows: {len({p.row_number for p in report.problems})}."
    )


@click.group("incidents", help="Record and list disclosure incidents.")
def incidents_group() -> None:
    pass


@incidents_group.command("list")
def incidents_list() -> None:
    """List the recorded incidents and their codes."""
    ensure_schema_or_exit()
    for incident in list_incidents(session()):
        click.echo(f"{incident.code}\t{incident.kind}\t{incident.occurred_on}\t{','.join(incident.data_categories)}")


@incidents_group.command("add")
@click.option("--code", required=True, help="Short unique code, used in the list's Incidents column.")
@click.option("--kind", type=click.Choice([kind.value for kind in IncidentKind]), required=True)
@click.option("--occurred-on", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--category", "categories", multiple=True, required=True,
              type=click.Choice([category.value for category in DataCategory]))
@click.option("--exposure-hours", type=click.IntRange(min=0))
@click.option("--in-custody-on", type=click.DateTime(["%Y-%m-%d"]))
@click.option("--country", help="ISO 3166 code of the government told, for a foreign-government disclosure.")
def incidents_add(code: str, kind: str, occurred_on, categories, exposure_hours, in_custody_on, country) -> None:
    """Record an incident (or update the one with this code)."""
    ensure_schema_or_exit()
    db = session()
    add_incident(
        db, code=code, kind=IncidentKind(kind), occurred_on=occurred_on.date(),
        data_categories=[DataCategory(category) for category in categories], exposure_hours=exposure_hours,
        in_custody_on=_as_date(in_custody_on), disclosed_to_country=country.upper() if country else None,
    )
    db.commit()
    click.echo(f"Incident {code} recorded.")


def _as_date(value) -> date | None:
    return value.date() if value else None


def register(app: Flask) -> None:
    app.cli.add_command(import_affected_command)
    app.cli.add_command(incidents_group)
