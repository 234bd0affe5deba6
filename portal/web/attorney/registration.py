"""Registering as an attorney: the account details, then the authenticator app.

The account is created from the first page (pending verification by staff), with a half
session that opens only the set-up page. That page shows the secret for the authenticator
app as text and as an otpauth:// address (no QR code: drawing one would need a third-party
library or request); the first code typed confirms the app and signs the attorney in. Until
then, signing in with the password leads back to the same page."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_babel import gettext

from portal.db import session as db_session
from portal.models import Attorney, utcnow
from portal.security.rate_limits import limiter
from portal.services.accounts import EmailTaken, InvalidAccountDetails
from portal.services.attorney_sessions import open_set_up_session
from portal.services.attorneys import authenticator_secret, authenticator_uri, create_attorney
from portal.services.audit import record_event
from portal.web.attorney import blueprint
from portal.web.attorney.auth import STEPS, before_sign_in, code_step_required, live_session
from portal.web.attorney.forms import RegistrationForm, SetUpCodeForm
from portal.web.sign_in_steps import SIGN_IN_LIMIT

REGISTRATION_LIMIT = "10 per hour"


@blueprint.route("/register", methods=["GET", "POST"])
@limiter.limit(REGISTRATION_LIMIT, methods=["POST"])
@before_sign_in
def register():
    form = RegistrationForm()
    if not form.validate_on_submit():
        return render_template("attorney/register.html", form=form)
    db = db_session()
    try:
        attorney = create_attorney(
            db, email=form.email.data, full_name=form.full_name.data, password=form.password.data,
            firm=form.firm.data, eoir_id=form.eoir_id.data, bar_jurisdiction=form.bar_jurisdiction.data,
            bar_number=form.bar_number.data,
        )
    except EmailTaken:
        db.rollback()
        form.email.errors = [gettext("An account with this email address exists already. Sign in instead.")]
        return render_template("attorney/register.html", form=form)
    except InvalidAccountDetails:  # the name was checked by the form: only the address is left
        db.rollback()
        form.email.errors = [gettext("Enter an email address, like name@example.com")]
        return render_template("attorney/register.html", form=form)
    record_event(db, actor_type="attorney", actor_id=str(attorney.id), action="attorney.registered",
                 subject_type="attorney", subject_id=str(attorney.id))
    token = open_set_up_session(db, attorney.id, now=utcnow())
    db.commit()
    STEPS.start_cookie_session(token)
    return redirect(url_for("attorney.set_up"))


@blueprint.route("/set-up", methods=["GET", "POST"])
@limiter.limit(SIGN_IN_LIMIT, methods=["POST"])
@code_step_required
def set_up():
    db = db_session()
    attorney = db.get(Attorney, live_session().attorney_id)
    if attorney.totp_confirmed_at is not None:
        return redirect(url_for("attorney.sign_in_code"))
    secret = authenticator_secret(db, attorney)
    db.commit()
    form = SetUpCodeForm()
    if form.validate_on_submit():
        if STEPS.finish_step(form.code.data) is not None:
            return redirect(url_for("attorney.home"))
        if live_session().ended_at is not None:  # locked out: start again from the password
            STEPS.start_cookie_session(None)
            return redirect(url_for("attorney.sign_in"))
        form.code.errors = [gettext("That code is not right. Check that the time on your phone is right, "
                                    "and type the code the app shows now.")]
    return render_template("attorney/set_up.html", form=form, secret=secret,
                           uri=authenticator_uri(attorney, secret))
