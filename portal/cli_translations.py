"""`flask translations status [--locale CODE] [--details]`: how complete each catalogue is.

Exits with status 1 when any language has a missing, fuzzy or broken message, so it can
gate a release. Messages are extracted and merged into every catalogue by bin/extract-messages."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from portal.catalogues import CatalogueReport, check_catalogue, translatable_locales

translations_group = AppGroup("translations", help="Check the translation catalogues.")


@translations_group.command("status")
@click.option("--locale", "locales", multiple=True, help="Only this language (repeatable).")
@click.option("--details", is_flag=True, help="List every message with a problem.")
def translations_status(locales: tuple[str, ...], details: bool) -> None:
    """One line per language: messages translated, and problems found."""
    reports = [check_catalogue(code) for code in locales or translatable_locales()]
    for report in reports:
        click.echo(_summary(report))
        if details:
            for problem, messages in report.problems.items():
                for message in messages:
                    click.echo(f"    {problem}: {message!r}")
    if not all(report.complete for report in reports):
        raise SystemExit(1)


def _summary(report: CatalogueReport) -> str:
    translated = report.total - len(report.untranslated)
    counts = ", ".join(f"{len(found)} {problem}" for problem, found in report.problems.items()
                       if found and problem != "untranslated")
    state = "complete" if report.complete else counts or "incomplete"
    return f"{report.locale:8} {translated:4}/{report.total} translated ({report.translated_share:6.1%})  {state}"


def register(app: Flask) -> None:
    app.cli.add_command(translations_group)
