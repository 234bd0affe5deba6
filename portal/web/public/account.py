"""A verified person's own pages: what was exposed, the remedies, asking for one, signing out."""

from __future__ import annotations

from flask import abort, redirect, render_template, session, url_for

from portal.db import session as db_session
from portal.models import utcnow
from portal.security.rate_limits import limiter
from portal.services.exposure import exposure_of
from portal.services.person_sessions import end_session
from portal.services.remedies import RemedyNotAvailable, remedies_of, remedy_of, request_remedy
from portal.web.public import blueprint
from portal.web.public.forms import ConfirmForm
from portal.web.public.signed_in import PERSON_TOKEN, person_required, signed_in_person


@blueprint.get("/you")
@person_required
def overview():
    person = signed_in_person()
    db = db_session()
    return render_template(
        "public/account/overview.html", exposures=exposure_of(db, person.id), remedies=remedies_of(db, person.id),
    )


@blueprint.get("/you/exposure")
@person_required
def exposure():
    return render_template("public/account/exposure.html", exposures=exposure_of(db_session(), signed_in_person().id))


@blueprint.get("/you/remedies")
@person_required
def remedies():
    return render_template("public/account/remedies.html", remedies=remedies_of(db_session(), signed_in_person().id))


@blueprint.route("/you/remedies/<code>", methods=["GET", "POST"])
@limiter.limit("30 per 10 minutes", methods=["POST"])
@person_required
def remedy(code: str):
    person = signed_in_person()
    db = db_session()
    standing = remedy_of(db, person.id, code)
    if standing is None:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            request_remedy(db, person.id, code, actor_type="person", actor_id=str(person.id), now=utcnow())
        except RemedyNotAvailable:
            db.rollback()
            return redirect(url_for("public.remedy", code=code))
        db.commit()
        return redirect(url_for("public.remedy_requested", code=code))
    return render_template("public/account/remedy.html", standing=standing, form=form)


@blueprint.get("/you/remedies/<code>/requested")
@person_required
def remedy_requested(code: str):
    standing = remedy_of(db_session(), signed_in_person().id, code)
    if standing is None or not standing.applies:
        abort(404)
    return render_template("public/account/remedy_requested.html", standing=standing)


@blueprint.post("/sign-out")
@limiter.limit("30 per 10 minutes")
def sign_out():
    if ConfirmForm().validate_on_submit():
        db = db_session()
        end_session(db, session.get(PERSON_TOKEN), now=utcnow())
        db.commit()
        session.clear()
    return redirect(url_for("public.signed_out"))


@blueprint.get("/signed-out")
def signed_out():
    return render_template("public/account/signed_out.html")
