"""Your lawyer: which attorneys can act for the signed-in person, stopping one's access, and
making a code to give a lawyer so they can link their account to the person.

The code is shown once, in the answer to the POST that made it: it is never put in a URL, the
session cookie (signed, not encrypted) or the database (only its hash is kept there)."""

from __future__ import annotations

import uuid

from flask import abort, redirect, render_template, session, url_for
from flask_babel import lazy_gettext as _l

from portal.db import session as db_session
from portal.models import RepresentationMethod, utcnow
from portal.security.rate_limits import limiter
from portal.services import share_codes
from portal.web.public import blueprint
from portal.web.public.forms import ConfirmForm
from portal.web.public.signed_in import person_required, signed_in_person

FORM_LIMIT = "30 per 10 minutes"
MESSAGES_NOW_BY = "messages_now_by"  # session key, read once by the "access stopped" page
HOW_LINKED = {
    RepresentationMethod.ATTORNEY_OF_RECORD: _l("The immigration agency's records name them as your lawyer."),
    RepresentationMethod.SHARE_CODE: _l("They used a code that you made on this website."),
    RepresentationMethod.FORM_G28: _l("They sent us a G-28 form that you signed."),
    RepresentationMethod.FORM_EOIR28: _l("They sent us an EOIR-28 form."),
    RepresentationMethod.BULK_MATCH: _l("Their office sent us a list of the people they represent."),
}


@blueprint.get("/you/lawyer")
@person_required
def lawyer():
    db, person_id = db_session(), signed_in_person().id
    return render_template(
        "public/lawyer/overview.html", attorneys=share_codes.linked_attorneys(db, person_id),
        live_code=share_codes.live_share_code(db, person_id, now=utcnow()), how_linked=HOW_LINKED,
    )


@blueprint.route("/you/lawyer/code", methods=["GET", "POST"])
@limiter.limit(FORM_LIMIT, methods=["POST"])
@person_required
def lawyer_code():
    db, person_id = db_session(), signed_in_person().id
    form = ConfirmForm()
    if form.validate_on_submit():
        now = utcnow()
        code = share_codes.create_share_code(db, person_id, now=now)
        db.commit()
        return render_template("public/lawyer/code_made.html", code=code,
                               expires_at=now + share_codes.SHARE_CODE_LIFETIME)
    live_code = share_codes.live_share_code(db, person_id, now=utcnow())
    return render_template("public/lawyer/code.html", form=form, live_code=live_code,
                           lifetime_days=share_codes.SHARE_CODE_LIFETIME.days)


@blueprint.route("/you/lawyer/<uuid:representation_id>/stop", methods=["GET", "POST"])
@limiter.limit(FORM_LIMIT, methods=["POST"])
@person_required
def lawyer_stop(representation_id: uuid.UUID):
    db, person_id = db_session(), signed_in_person().id
    link = share_codes.linked_attorney(db, person_id, representation_id)
    if link is None:
        abort(404)
    stopped = redirect(url_for("public.lawyer_stopped", representation_id=representation_id))
    if link.revoked_at is not None:
        return stopped
    form = ConfirmForm()
    if form.validate_on_submit():
        revocation = share_codes.revoke_representation(db, person_id, representation_id, now=utcnow())
        db.commit()
        if revocation and revocation.messages_now_by:
            session[MESSAGES_NOW_BY] = revocation.messages_now_by.value
        return stopped
    return render_template("public/lawyer/stop.html", form=form, link=link)


@blueprint.get("/you/lawyer/<uuid:representation_id>/stopped")
@person_required
def lawyer_stopped(representation_id: uuid.UUID):
    db, person_id = db_session(), signed_in_person().id
    link = share_codes.linked_attorney(db, person_id, representation_id)
    if link is None or link.revoked_at is None:
        abort(404)
    # Said once, on the page right after stopping: where notices that went to this lawyer go now.
    messages_now_by = session.pop(MESSAGES_NOW_BY, None)
    return render_template("public/lawyer/stopped.html", link=link, messages_now_by=messages_now_by)

