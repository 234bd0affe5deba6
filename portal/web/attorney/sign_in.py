"""The pages that sign attorneys in and out: the password, then the authenticator code.

The same pages as the staff console's sign-in (see portal.web.sign_in_steps), except that
an account still to confirm its authenticator app is sent to the set-up page for its code."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from portal.db import session as db_session
from portal.models import Attorney
from portal.security.rate_limits import limiter
from portal.web.attorney import blueprint
from portal.web.attorney.auth import STEPS, before_sign_in, code_step_required, current_attorney, live_session
from portal.web.attorney.forms import ButtonForm, SignInCodeForm, SignInForm
from portal.web.sign_in_steps import SIGN_IN_LIMIT, SIGN_OUT_LIMIT


@blueprint.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(SIGN_IN_LIMIT, methods=["POST"])
@before_sign_in
def sign_in():
    if request.method == "GET" and current_attorney() is not None:
        return redirect(url_for("attorney.home"))
    return STEPS.password_page(SignInForm(), "attorney/sign_in.html")


@blueprint.route("/sign-in/code", methods=["GET", "POST"])
@limiter.limit(SIGN_IN_LIMIT, methods=["POST"])
@code_step_required
def sign_in_code():
    if _setting_up():
        return redirect(url_for("attorney.set_up"))
    return STEPS.code_page(SignInCodeForm(), "attorney/sign_in_code.html")


@blueprint.post("/sign-out")
@limiter.limit(SIGN_OUT_LIMIT)
@before_sign_in
def sign_out():
    return STEPS.sign_out(ButtonForm())


@blueprint.get("/signed-out")
@before_sign_in
def signed_out():
    return render_template("attorney/signed_out.html")


def _setting_up() -> bool:
    """Whether this half session's account has not confirmed its authenticator app yet."""
    live = live_session()
    attorney = db_session().get(Attorney, live.attorney_id) if live else None
    return attorney is not None and attorney.totp_confirmed_at is None
