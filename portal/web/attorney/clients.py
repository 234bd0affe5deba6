"""One client's pages: what the client sees about themselves, and acting for them.

Every route takes the person's id and first calls `client_or_404`: for anyone who is not a
live client of the signed-in attorney the answer is "not found", before anything is read.
The work is done by the client's own services (exposure, remedies, contact, letters), so the
attorney sees what the client sees; each action is recorded with the attorney as the actor."""

from __future__ import annotations

import uuid

from babel import Locale, UnknownLocaleError
from flask import Response, abort, redirect, render_template, url_for
from flask_babel import get_locale

from portal.db import session as db_session
from portal.i18n import is_supported
from portal.messaging.letters import render_letter
from portal.models import AffectedPerson, utcnow
from portal.security.rate_limits import limiter
from portal.services import attorney_clients, confirmation_letters
from portal.services.contact import NoAttorneyLinked, contact_summary, phone_for_display
from portal.services.exposure import exposure_of
from portal.services.remedies import RemedyNotAvailable, remedies_of, remedy_of
from portal.web.attorney import blueprint
from portal.web.attorney.auth import attorney_required, client_or_404, signed_in_attorney
from portal.web.attorney.forms import ButtonForm, ClientLanguageForm
from portal.web.attorney.words import HELPERS

CLIENT = "/clients/<uuid:person_id>"
ACTION_LIMIT = "30 per 10 minutes"
LETTER_LIMIT = "10 per 10 minutes"
PDF_FILENAME = "confirmation-letter.pdf"


@blueprint.get(CLIENT)
@attorney_required
def client(person_id: uuid.UUID):
    person = client_or_404(person_id)
    db = db_session()
    return _page("attorney/client/overview.html", person, exposures=exposure_of(db, person.id),
                 remedies=remedies_of(db, person.id), newest_letter=confirmation_letters.newest_letter(db, person.id))


@blueprint.route(f"{CLIENT}/remedies/<code>", methods=["GET", "POST"])
@limiter.limit(ACTION_LIMIT, methods=["POST"])
@attorney_required
def client_remedy(person_id: uuid.UUID, code: str):
    person = client_or_404(person_id)
    db = db_session()
    standing = remedy_of(db, person.id, code)
    if standing is None:
        abort(404)
    form = ButtonForm()
    if form.validate_on_submit():
        try:
            attorney_clients.request_remedy_for(db, signed_in_attorney(), person.id, code, now=utcnow())
        except RemedyNotAvailable:
            db.rollback()  # asked for already, or it does not apply: the page shows where it stands
        else:
            db.commit()
        return redirect(url_for("attorney.client_remedy", person_id=person.id, code=code), code=303)
    return _page("attorney/client/remedy.html", person, standing=standing, form=form)


@blueprint.get(f"{CLIENT}/contact")
@attorney_required
def client_contact(person_id: uuid.UUID):
    person = client_or_404(person_id)
    summary = contact_summary(db_session(), person.id)
    return _page("attorney/client/contact.html", person, summary=summary, form=ButtonForm(),
                 phone=phone_for_display(summary.phone) if summary.phone else None,
                 language_name=_language_name(summary.language))


@blueprint.post(f"{CLIENT}/contact/through-me")
@limiter.limit(ACTION_LIMIT)
@attorney_required
def client_contact_through_me(person_id: uuid.UUID):
    person = client_or_404(person_id)
    if ButtonForm().validate_on_submit():
        db = db_session()
        try:
            attorney_clients.contact_through_attorney(db, signed_in_attorney(), person.id, now=utcnow())
        except NoAttorneyLinked:  # cannot happen while the link is live; kept so nothing half-done is saved
            db.rollback()
        else:
            db.commit()
    return redirect(url_for("attorney.client_contact", person_id=person.id), code=303)


@blueprint.post(f"{CLIENT}/contact/stop-texts")
@limiter.limit(ACTION_LIMIT)
@attorney_required
def client_stop_texts(person_id: uuid.UUID):
    person = client_or_404(person_id)
    if ButtonForm().validate_on_submit():
        db = db_session()
        attorney_clients.stop_texts_for(db, signed_in_attorney(), person.id, now=utcnow())
        db.commit()
    return redirect(url_for("attorney.client_contact", person_id=person.id), code=303)


@blueprint.route(f"{CLIENT}/contact/language", methods=["GET", "POST"])
@limiter.limit(ACTION_LIMIT, methods=["POST"])
@attorney_required
def client_language(person_id: uuid.UUID):
    person = client_or_404(person_id)
    db = db_session()
    current = contact_summary(db, person.id).language
    form = ClientLanguageForm(data={"language": current if is_supported(current) else None})
    if form.validate_on_submit():
        attorney_clients.choose_language_for(db, signed_in_attorney(), person.id, form.language.data, now=utcnow())
        db.commit()
        return redirect(url_for("attorney.client_contact", person_id=person.id), code=303)
    return _page("attorney/client/language.html", person, form=form)


@blueprint.get(f"{CLIENT}/letter")
@attorney_required
def client_letter(person_id: uuid.UUID):
    person = client_or_404(person_id)
    return _page("attorney/client/letter.html", person, form=ButtonForm(),
                 newest_letter=confirmation_letters.newest_letter(db_session(), person.id))


@blueprint.post(f"{CLIENT}/letter")
@limiter.limit(LETTER_LIMIT)
@attorney_required
def client_issue_letter(person_id: uuid.UUID):
    person = client_or_404(person_id)
    if not ButtonForm().validate_on_submit():
        return redirect(url_for("attorney.client_letter", person_id=person.id), code=303)
    db = db_session()
    attorney_clients.issue_letter_for(db, signed_in_attorney(), person.id, now=utcnow())
    db.commit()
    return redirect(url_for("attorney.client_download_letter", person_id=person.id), code=303)


@blueprint.get(f"{CLIENT}/letter/download")
@limiter.limit("30 per 10 minutes")
@attorney_required
def client_download_letter(person_id: uuid.UUID):
    person = client_or_404(person_id)
    db = db_session()
    newest = confirmation_letters.newest_letter(db, person.id)
    if newest is None:
        return redirect(url_for("attorney.client_letter", person_id=person.id))
    pdf = render_letter(confirmation_letters.letter_contents(db, newest, now=utcnow()), locale=str(get_locale()))
    confirmation_letters.record_download(db, newest, actor_type="attorney", actor_id=str(signed_in_attorney().id))
    db.commit()
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{PDF_FILENAME}"', "Cache-Control": "no-store",
    })


def _page(template: str, person: AffectedPerson, **context: object) -> str:
    return render_template(template, person=person, **HELPERS, **context)


def _language_name(code: str) -> str:
    """A language's name in the language of the page, as in "Spanish" on an English page."""
    try:
        return Locale.parse(code).get_display_name(str(get_locale())) or code
    except (UnknownLocaleError, ValueError):
        return code
