"""Helpers every template can use."""

from __future__ import annotations

from flask import Flask
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms import RadioField

from portal.i18n import language_tag, switcher_languages, text_direction


def form_problems(form: FlaskForm) -> list[tuple[str, str]]:
    """(field id to link to, message) for the error summary, in the form's field order."""
    problems = []
    for field in form:
        anchor = f"{field.id}-0" if isinstance(field, RadioField) else field.id
        problems += [(anchor, str(message)) for message in field.errors]
    return problems


def current_locale_code() -> str:
    return str(get_locale())


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        form_problems=form_problems, switcher_languages=switcher_languages, current_locale_code=current_locale_code,
        language_tag=language_tag, text_direction=text_direction,
    )
