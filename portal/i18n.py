"""Which language a page is shown in, and the languages the portal offers."""

from __future__ import annotations

from flask import Flask, has_request_context, request

from portal.extensions import babel

# Adding a language: its catalogue under translations/, and one entry here.
SUPPORTED_LOCALES = ("en",)


def select_locale() -> str:
    """Read-only choice for the current request; outside a request (CLI, workers) English,
    unless the caller wraps its work in `force_locale`."""
    if not has_request_context():
        return "en"
    return request.accept_languages.best_match(SUPPORTED_LOCALES) or "en"


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
