"""Help in another language: pick a spoken language, leave a number, an interpreter calls.

Open to anyone, signed in or not, and the same for everyone: nothing here looks at the file.
The number travels only in the POST body and is stored encrypted; the language code in the
URL names a language, never a person."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from wtforms import TelField
from wtforms.validators import DataRequired

from portal.db import session as db_session
from portal.models import utcnow
from portal.security.rate_limits import limiter
from portal.services import interpreters
from portal.web.forms import PortalForm, valid_phone_number
from portal.web.public import blueprint
from portal.web.public.contact_forms import PHONE_LENGTH


class CallBackForm(PortalForm):
    phone = TelField(
        _l("What phone number should the interpreter call?"),
        description=_l("If the number is not in the United States, start with + and the country code, "
                       "like +502 for Guatemala."),
        validators=[DataRequired(message=_l("Enter a phone number")), PHONE_LENGTH,
                    valid_phone_number(mobile_only=False)],
    )


@blueprint.get("/help-in-your-language")
def interpreter_languages():
    return render_template("public/interpreter/languages.html", languages=interpreters.SPOKEN_LANGUAGES)


@blueprint.route("/help-in-your-language/<language_code>", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def interpreter_call_back(language_code: str):
    language = _language_or_404(language_code)
    form = CallBackForm()
    if form.validate_on_submit():
        db = db_session()
        interpreters.request_call_back(db, phone_e164=form.phone.e164, language_code=language.code, now=utcnow())
        db.commit()
        return redirect(url_for("public.interpreter_requested", language_code=language.code), code=303)
    return render_template("public/interpreter/phone.html", form=form, language=language)


@blueprint.get("/help-in-your-language/<language_code>/requested")
def interpreter_requested(language_code: str):
    return render_template("public/interpreter/requested.html", language=_language_or_404(language_code))


def _language_or_404(code: str) -> interpreters.SpokenLanguage:
    try:
        return interpreters.spoken_language(code)
    except interpreters.UnknownLanguage:
        abort(404)
