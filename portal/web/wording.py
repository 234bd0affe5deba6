"""Plain-language wording of domain facts, in the reader's language.

Incidents and categories are data; the sentences about them live here, in the translation
catalogues, so every word a person reads can be translated."""

from __future__ import annotations

from flask import Flask
from flask_babel import format_date, get_locale, gettext, ngettext
from flask_babel import lazy_gettext as _l

from portal.models import DataCategory, Incident, IncidentKind

CATEGORY_WORDS = {
    DataCategory.NAME: _l("your name"),
    DataCategory.DATE_OF_BIRTH: _l("your date of birth"),
    DataCategory.NATIONALITY: _l("the country you come from"),
    DataCategory.A_NUMBER: _l("your A-number"),
    DataCategory.FACILITY: _l("where you were held"),
    DataCategory.FEAR_INTERVIEW: _l("the result of your fear interview"),
    DataCategory.PROTECTION_CLAIM: _l("that you asked for protection"),
}


def country_name(code: str) -> str:
    """The country's name in the reader's language (ISO 3166 code in, name out)."""
    return get_locale().territories.get(code, code)


def describe_incident(incident: Incident) -> str:
    """One plain sentence saying what happened and who could be affected."""
    when = format_date(incident.occurred_on, format="long")
    if incident.kind is IncidentKind.FOREIGN_GOVERNMENT_DISCLOSURE:
        return gettext(
            "On %(date)s, an official told the government of %(country)s that some people "
            "on a deportation flight were in the file.",
            date=when, country=country_name(incident.disclosed_to_country or ""),
        )
    hours = incident.exposure_hours or 0
    sentence = ngettext(
        "On %(date)s, the agency put a file on its website by mistake. It could be seen for about %(num)d hour.",
        "On %(date)s, the agency put a file on its website by mistake. It could be seen for about %(num)d hours.",
        hours, date=when,
    )
    if incident.in_custody_on:
        sentence += " " + gettext(
            "It named people who were held by the agency on %(date)s.",
            date=format_date(incident.in_custody_on, format="long"),
        )
    return sentence


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(describe_incident=describe_incident, current_locale=get_locale)
