"""How we contact you: SMS to a confirmed number, a letter, or through the attorney.

The number being confirmed is never kept in the session or put in a URL: it lives only in
the encrypted one-time code row, and the code page reads it from there."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError
from flask import abort, redirect, render_template, url_for
from flask_babel import get_locale, gettext

from portal.db import session as db_session
from portal.i18n import is_supported
from portal.models import utcnow
from portal.security.rate_limits import limiter
from portal.services import contact
from portal.web.code_delivery import deliver_after_response
from portal.web.public import blueprint
from portal.web.public.contact_forms import (
    ChannelForm,
    InternationalAddressForm,
    LanguageForm,
    LetterPlaceForm,
    PhoneCodeForm,
    PhoneNumberForm,
    UsAddressForm,
)
from portal.web.public.forms import ConfirmForm
from portal.web.public.signed_in import person_required, signed_in_person

FORM_LIMIT = "30 per 10 minutes"
CHANGES = ("phone", "letter", "lawyer", "language", "texts-stopped")
_NEXT_PAGE = {"sms": "public.contact_phone", "letter": "public.contact_letter", "attorney": "public.contact_lawyer"}


def _summary() -> contact.ContactSummary:
    return contact.contact_summary(db_session(), signed_in_person().id)


def _changed(change: str):
    return redirect(url_for("public.contact_changed", change=change))


def _shown(template: str, **context):
    """A page that shows the person's settings: the number formatted, the language named."""
    summary = _summary()
    return render_template(
        template, summary=summary, phone=contact.phone_for_display(summary.phone) if summary.phone else None,
        language_name=_language_name(summary.language), **context,
    )


def _language_name(code: str) -> str:
    """A language's name in the language of the page, as in "Spanish" on an English page."""
    try:
        return Locale.parse(code).get_display_name(str(get_locale())) or code
    except (UnknownLocaleError, ValueError):
        return code


@blueprint.get("/you/contact")
@person_required
def contact_overview():
    return _shown("public/contact/overview.html")


@blueprint.route("/you/contact/how", methods=["GET", "POST"])
@limiter.limit(FORM_LIMIT, methods=["POST"])
@person_required
def contact_channel():
    current = _summary().channel.value
    form = ChannelForm(data={"channel": current if current in _NEXT_PAGE else None})
    if form.validate_on_submit():
        return redirect(url_for(_NEXT_PAGE[form.channel.data]))
    return render_template("public/contact/channel.html", form=form)


@blueprint.route("/you/contact/phone", methods=["GET", "POST"])
@limiter.limit(FORM_LIMIT, methods=["POST"])
@person_required
def contact_phone():
    current = _summary().phone  # offered again, so confirming the number on record is one press
    form = PhoneNumberForm(data={"phone": contact.phone_for_display(current) if current else None})
    if form.validate_on_submit():
        db = db_session()
        if contact.request_phone_confirmation(db, signed_in_person().id, form.phone.e164, locale=str(get_locale()),
                                              now=utcnow()):
            db.commit()
            deliver_after_response()
            return redirect(url_for("public.contact_phone_code"))
        db.rollback()
        form.phone.errors.append(gettext("You asked for too many codes. Wait one hour, then try again"))
    return render_template("public/contact/phone.html", form=form)


@blueprint.route("/you/contact/phone/code", methods=["GET", "POST"])
@limiter.limit(FORM_LIMIT, methods=["POST"])
@person_required
def contact_phone_code():
    db = db_session()
    person_id = signed_in_person().id
    phone = contact.phone_awaiting_confirmation(db, person_id, now=utcnow())
    form = PhoneCodeForm()
    if phone is None:
        return render_template("public/contact/phone_code_expired.html")
    if form.validate_on_submit():
        confirmed = contact.confirm_phone(db, person_id, form.code.data, now=utcnow())
        db.commit()  # a wrong code counts against the code's tries
        if confirmed:
            return _changed("phone")
        form.code.errors.append(
            gettext("The code is not right, or it is too old. Check the text message, or ask for a new code")
        )
    return render_template("public/contact/phone_code.html", form=form, phone=contact.phone_for_display(phone))


@blueprint.route("/you/contact/letter", methods=["GET", "POST"])
@limiter.limit(FORM_LIMIT, methods=["POST"])
@person_required
def contact_letter():
    form = LetterPlaceForm()
    if form.validate_on_submit():
        target = "public.contact_us_address" if form.place.data == "us" else "public.contact_international_address"
        return redirect(url_for(target))
    return render_template("public/contact/letter_place.html", form=form)


@blueprint.route("/you/contact/letter/united-states", methods=["GET", "POST"])
@limiter.limit(FORM_LIMIT, methods=["POST"])
@person_required
def contact_us_address():
    form = UsAddressForm()
    if form.validate_on_submit():
        address = contact.us_address(line1=form.line1.data, line2=form.line2.data, city=form.city.data,
                                     state=form.state.data, zip_code=form.zip_code.data)
        return _save_letter(address)
    return render_template("public/contact/us_address.html", form=form)


@blueprint.route("/you/contact/letter/other-country", methods=["GET", "POST"])
@limiter.limit(FORM_LIMIT, methods=["POST"])
@person_required
def contact_international_address():
    form = InternationalAddressForm()
    if form.validate_on_submit():
        address = contact.international_address(
            lines=[form.line1.data, form.line2.data, form.line3.data], city=form.city.data,
            region=form.region.data, postal_code=form.postal_code.data, country=form.country.data,
        )
        return _save_letter(address)
    return render_template("public/contact/international_address.html", form=form)


def _save_letter(address: str):
    db = db_session()
    contact.choose_letter(db, signed_in_person().id, address, now=utcnow())
    db.commit()
    return _changed("letter")


@blueprint.route("/you/contact/lawyer", methods=["GET", "POST"])
@limiter.limit(FORM_LIMIT, methods=["POST"])
@person_required
def contact_lawyer():
    summary = _summary()
    form = ConfirmForm()
    if summary.has_attorney and form.validate_on_submit():
        db = db_session()
        contact.choose_attorney(db, signed_in_person().id, now=utcnow())
        db.commit()
        return _changed("lawyer")
    return render_template("public/contact/lawyer.html", form=form, summary=summary)


@blueprint.route("/you/contact/language", methods=["GET", "POST"])
@limiter.limit(FORM_LIMIT, methods=["POST"])
@person_required
def contact_language():
    current = _summary().language
    form = LanguageForm(data={"language": current if is_supported(current) else None})
    if form.validate_on_submit():
        db = db_session()
        contact.choose_language(db, signed_in_person().id, form.language.data, now=utcnow())
        db.commit()
        return _changed("language")
    return _shown("public/contact/language.html", form=form, current_offered=is_supported(current))


@blueprint.route("/you/contact/stop-texts", methods=["GET", "POST"])
@limiter.limit(FORM_LIMIT, methods=["POST"])
@person_required
def contact_stop_texts():
    form = ConfirmForm()
    if form.validate_on_submit():
        db = db_session()
        contact.stop_sms(db, signed_in_person().id, now=utcnow())
        db.commit()
        return _changed("texts-stopped")
    return render_template("public/contact/stop_texts.html", form=form, summary=_summary())


@blueprint.get("/you/contact/changed/<change>")
@person_required
def contact_changed(change: str):
    if change not in CHANGES:
        abort(404)
    return _shown("public/contact/changed.html", change=change)
