"""Attorneys' pages, at /attorney: registration, sign-in, and acting for their clients.

Every view declares its access with a decorator from `portal.web.attorney.auth`
(`@attorney_required`, `@attorney_required(verified=False)`, `@code_step_required` or
`@before_sign_in`); a view without one is refused, and a test reads the declaration of every
route. Every view a signed-in attorney opens is written to the audit log.

Adding a page to the navigation of verified attorneys is one entry in SECTIONS; it shows
once its endpoint exists."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, request
from flask_babel import lazy_gettext as _l

from portal.security.a_numbers import masked_a_number

blueprint = Blueprint("attorney", __name__, url_prefix="/attorney")

SECTIONS = [
    ("attorney.home", _l("Your clients")),
    ("attorney.share_code", _l("Add a client with a code")),
    ("attorney.documents", _l("Forms and client lists")),
]


def _refuse_views_without_declared_access() -> None:
    """Deny by default: an attorney view that forgot its access decorator opens for no one."""
    if auth.attorney_access_of(current_app.view_functions.get(request.endpoint or "")) is None:
        abort(403)


def _attorney_context() -> dict[str, object]:
    # Only an account the request already looked up: rendering must never write.
    attorney = auth.current_attorney() if "attorney_session" in g else None
    sections = [(endpoint, title) for endpoint, title in SECTIONS if endpoint in current_app.view_functions]
    return {"attorney_user": attorney, "attorney_sections": sections, "masked_a_number": masked_a_number}


from portal.web.attorney import auth, clients, documents, home, linking, registration, sign_in  # noqa: E402,F401  (register the routes)

blueprint.before_request(_refuse_views_without_declared_access)
blueprint.context_processor(_attorney_context)
