"""Plain-language wording of domain facts, in the reader's language.

Incidents and categories are data; the sentences about them live here, in the translation
catalogues, so every word a person reads can be translated."""

from __future__ import annotations

from flask import Flask
from flask_babel import get_locale, gettext, ngettext
from flask_babel import lazy_gettext as _l

from portal.i18n import long_date
from portal.models import DataCategory, Incident, IncidentKind, RemedyStatus

CATEGORY_WORDS = {
    DataCategory.NAME: _l("your name"),
    DataCategory.DATE_OF_BIRTH: _l("your date of birth"),
    DataCategory.NATIONALITY: _l("the country you come from"),
    DataCategory.A_NUMBER: _l("your A-number"),
    DataCategory.FACILITY: _l("where you were held"),
    DataCategory.FEAR_INTERVIEW: _l("the result of your fear interview"),
    DataCategory.PROTECTION_CLAIM: _l("that you asked for protection"),
}


REMEDY_WORDS = {
    "release_review": {
        "title": _l("Review of your detention"),
        "meaning": _l("If you are still held by the agency, an officer will look again at whether you "
                      "can be released while your case goes on."),
        "next": _l("An officer will review your case within 30 days. We will tell you the decision "
                   "in the way you chose to be contacted."),
    },
    "reopening_non_opposition": {
        "title": _l("Reopening your case"),
        "meaning": _l("If a judge already decided your case, you can ask the court to open it again "
                      "because of this mistake. The agency has promised not to oppose your request."),
        "next": _l("We will send you a letter that says the agency will not oppose your request. "
                   "You or your lawyer can give it to the court."),
    },
    "return_assistance": {
        "title": _l("Help to come back"),
        "meaning": _l("If you were sent out of the United States after the mistake, the agency will "
                      "help you come back to ask for protection, if you want to."),
        "next": _l("A caseworker will contact you within 30 days to talk about the next steps."),
    },
}

STATUS_WORDS = {
    RemedyStatus.ELIGIBLE: _l("You can ask for this"),
    RemedyStatus.REQUESTED: _l("You asked for this"),
    RemedyStatus.IN_REVIEW: _l("We are looking at your request"),
    RemedyStatus.GRANTED: _l("Approved"),
    RemedyStatus.DENIED: _l("Not approved"),
    RemedyStatus.COMPLETED: _l("Done"),
}


def remedy_words(code: str, part: str) -> str:
    """Title, meaning or next steps of a remedy, in the reader's language."""
    return str(REMEDY_WORDS[code][part]) if code in REMEDY_WORDS else code


def country_name(code: str) -> str:
    """The country's name in the reader's language (ISO 3166 code in, name out)."""
    return get_locale().territories.get(code, code)


def describe_incident(incident: Incident) -> str:
    """One plain sentence saying what happened and who could be affected."""
    when = long_date(incident.occurred_on)
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
            date=long_date(incident.in_custody_on),
        )
    return sentence


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        describe_incident=describe_incident, remedy_words=remedy_words,
        status_words=STATUS_WORDS, category_words=CATEGORY_WORDS, long_date=long_date,
    )
