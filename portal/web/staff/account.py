"""The staff member's own account: the mobile phone their campaign test messages go to.

Every role may set its own phone, so these pages need a signed-in staff member and no
capability. The number being confirmed is never in the session or a URL: the code page
reads it from the encrypted code row (`portal.services.staff_phones`)."""

from __future__ import annotations

from flask import flash, get_flashed_messages, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from portal.db import session as db_session
from portal.messaging.sms import sms_sender
from portal.models import utcnow
from portal.security.rate_limits import limiter
from portal.services import staff_phones
from portal.services.contact import phone_for_display
from portal.web.public.forms import OneTimeCodeForm
from portal.web.staff import blueprint
from portal.web.staff.account_forms import StaffPhoneForm
from portal.web.staff.auth import signed_in_staff, staff_required
from portal.web.templating import current_locale_code

FORM_LIMIT = "30 per 10 minutes"  # per client; codes are also limited per account
ACCOUNT_NEWS = "staff-account"  # the flash category these pages show
REQUEST_REFUSED = {
    staff_phones.CodeRequest.TOO_MANY: _l("You asked for too many codes. Wait one hour, then try again"),
    staff_phones.CodeRequest.NOT_SENT: _l("We could not send a text message to this number. Check it, or try "
                                          "another mobile phone number"),
}


@blueprint.get("/account/phone")
@staff_required()
def account_phone():
    user = signed_in_staff()
    phone = staff_phones.verified_phone(user)
    return render_template("staff/account/phone.html", phone=phone_for_display(phone) if phone else None,
                           confirmed_at=user.phone_verified_at,
                           messages=get_flashed_messages(category_filter=[ACCOUNT_NEWS]))


@blueprint.route("/account/phone/number", methods=["GET", "POST"])
@limiter.limit(FORM_LIMIT, methods=["POST"])
@staff_required()
def account_phone_number():
    form = StaffPhoneForm()
    if form.validate_on_submit():
        db = db_session()
        answer = staff_phones.request_phone_code(db, signed_in_staff(), form.phone.e164, sms_sender(db),
                                                 locale=current_locale_code(), now=utcnow())
        db.commit()  # a code the provider refused still counts against the hourly limit
        if answer is staff_phones.CodeRequest.SENT:
            return redirect(url_for("staff.account_phone_code"))
        form.phone.errors.append(str(REQUEST_REFUSED[answer]))
    return render_template("staff/account/phone_number.html", form=form)


@blueprint.route("/account/phone/code", methods=["GET", "POST"])
@limiter.limit(FORM_LIMIT, methods=["POST"])
@staff_required()
def account_phone_code():
    db = db_session()
    user = signed_in_staff()
    phone = staff_phones.phone_awaiting_confirmation(db, user, now=utcnow())
    if phone is None:
        return render_template("staff/account/phone_code_expired.html")
    form = OneTimeCodeForm()
    if form.validate_on_submit():
        confirmed = staff_phones.confirm_phone(db, user, form.code.data, now=utcnow())
        db.commit()  # a wrong code uses up one of the code's tries
        if confirmed:
            flash(gettext("Your mobile phone number is confirmed. Campaign test messages go to it."), ACCOUNT_NEWS)
            return redirect(url_for("staff.account_phone"))
        form.code.errors.append(
            gettext("The code is not right, or it is too old. Check the text message, or ask for a new code")
        )
    return render_template("staff/account/phone_code.html", form=form, phone=phone_for_display(phone))
