"""The attorney's first pages: the account's status while staff check it, and the dashboard."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from portal.db import session as db_session
from portal.models import AttorneyStatus
from portal.services.attorney_clients import client_page
from portal.web.attorney import blueprint
from portal.web.attorney.auth import attorney_required, signed_in_attorney
from portal.web.attorney.forms import ClientFilterForm
from portal.web.attorney.words import HELPERS

FILTER_NAMES = ("remedy_status", "requested", "custody")


@blueprint.get("/account")
@attorney_required(verified=False)
def account_status():
    """Pending: waiting for staff. Rejected: why. Verified: on to the clients."""
    attorney = signed_in_attorney()
    if attorney.status is AttorneyStatus.VERIFIED:
        return redirect(url_for("attorney.home"))
    return render_template("attorney/account_status.html", attorney=attorney)


@blueprint.get("")
@attorney_required
def home():
    """The dashboard: the attorney's live clients, filtered by a GET form, a page at a time."""
    form = ClientFilterForm(request.args)
    page = request.args.get("page", default=1, type=int) or 1
    result = client_page(db_session(), signed_in_attorney(), form.filters(), page=page)
    return render_template("attorney/home.html", form=form, result=result, page_url=_page_url, **HELPERS)


def _page_url(page: int) -> str:
    """This list's address on another page, keeping the filters."""
    arguments = {key: value for key, value in request.args.items() if key in FILTER_NAMES and value}
    return url_for("attorney.home", **arguments, page=page)
