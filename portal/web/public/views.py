"""The start page and the language choice."""

from __future__ import annotations

from flask import redirect, request, session, url_for
from werkzeug import Response

from portal.db import session as db_session
from portal.i18n import CHOICE_COOKIE, is_supported
from portal.security.rate_limits import limiter
from portal.services.incidents import list_incidents
from portal.web.public import blueprint
from portal.web.shared_pages import shared_pages

ONE_YEAR = 365 * 24 * 3600


@blueprint.get("/")
def start():
    return shared_pages().render("public/start.html", lambda: {"incidents": list_incidents(db_session())})


@blueprint.get("/language")
@limiter.limit("60 per 10 minutes")
def choose_language() -> Response:
    """Remember the language chosen on this device, then show the same page in it.

    A link rather than a form: every page links to itself in each language with no token, so
    the start page is the same for everyone who reads it in one language and is served from
    a copy (portal/web/shared_pages.py) without writing a session. A link from another site
    can do no more than switch the language, which one tap switches back."""
    chosen = request.args.get("locale", "")
    response = redirect(_same_site_path(request.args.get("next", "")) or url_for("public.start"))
    if is_supported(chosen):
        session[CHOICE_COOKIE] = chosen
        response.set_cookie(CHOICE_COOKIE, chosen, max_age=ONE_YEAR, secure=request.is_secure, httponly=True,
                            samesite="Lax")
    return response


def _same_site_path(target: str) -> str | None:
    """Only a path on this site: never another host, so the form cannot redirect away.
    Browsers drop tabs and line breaks from addresses ("/\t/evil" becomes "//evil"), and
    read a backslash as a slash, so any of those refuses the target."""
    if any(char.isspace() or ord(char) < 32 or char == "\\" for char in target):
        return None
    if target.startswith("/") and not target.startswith("//"):
        return target
    return None
