"""Identification: A-number, birth date, then a code only the person holds.

Every page here answers the same for anyone, in the file or not: the A-number and birth-date
steps look nothing up, and the code steps call services that do the same work either way."""

from __future__ import annotations

import logging

from flask import redirect, render_template, session, url_for
from flask_babel import get_locale

from portal.db import session as db_session
from portal.models import utcnow
from portal.security.rate_limits import AttemptCounter, limiter
from portal.services import verification
from portal.services.person_sessions import start_session
from portal.web.code_delivery import deliver_after_response
from portal.web.public import blueprint, journey
from portal.web.public.forms import (
    ANumberForm,
    ConfirmForm,
    DateOfBirthForm,
    HasCodeForm,
    NoticeCodeForm,
    OneTimeCodeForm,
)
from portal.web.public.signed_in import PERSON_TOKEN

FORM_LIMIT = "30 per 10 minutes"
log = logging.getLogger(__name__)


@blueprint.route("/check/a-number", methods=["GET", "POST"])
@limiter.limit(FORM_LIMIT, methods=["POST"])
def a_number():
    form = ANumberForm(data={"a_number": journey.answers().get("a_number")})
    if form.validate_on_submit():
        journey.remember(a_number=form.a_number.data)
        return redirect(url_for("public.date_of_birth"))
    return render_template("public/identify/a_number.html", form=form)


@blueprint.route("/check/date-of-birth", methods=["GET", "POST"])
@limiter.limit(FORM_LIMIT, methods=["POST"])
def date_of_birth():
    if "a_number" not in journey.answers():
        return redirect(url_for("public.a_number"))
    form = DateOfBirthForm()
    if form.validate_on_submit():
        journey.remember(date_of_birth=form.date_of_birth.isoformat())
        return redirect(url_for("public.has_code"))
    return render_template("public/identify/date_of_birth.html", form=form)


@blueprint.route("/check/code", methods=["GET", "POST"])
@limiter.limit(FORM_LIMIT, methods=["POST"])
def has_code():
    claim = journey.claim()
    if claim is None:
        return redirect(url_for("public.a_number"))
    form = HasCodeForm()
    if form.validate_on_submit():
        if form.has_code.data == "yes":
            return redirect(url_for("public.notice_code"))
        db = db_session()
        verification.request_identity_code(db, claim, locale=str(get_locale()), now=utcnow())
        db.commit()
        deliver_after_response()
        return redirect(url_for("public.text_code"))
    return render_template("public/identify/has_code.html", form=form)


@blueprint.route("/check/notice-code", methods=["GET", "POST"])
@limiter.limit(FORM_LIMIT, methods=["POST"])
def notice_code():
    claim = journey.claim()
    if claim is None:
        return redirect(url_for("public.a_number"))
    form = NoticeCodeForm()
    if not form.validate_on_submit():
        return render_template("public/identify/notice_code.html", form=form)
    return _finish(claim, lambda db, now: verification.verify_notice_code(db, claim, form.code.data, now=now))


@blueprint.route("/check/text-code", methods=["GET", "POST"])
@limiter.limit(FORM_LIMIT, methods=["POST"])
def text_code():
    claim = journey.claim()
    if claim is None:
        return redirect(url_for("public.a_number"))
    form = OneTimeCodeForm()
    if not form.validate_on_submit():
        return render_template("public/identify/text_code.html", form=form)
    return _finish(claim, lambda db, now: verification.verify_identity_code(db, claim, form.code.data, now=now))


def _finish(claim, verify):
    """Verify, or show the same "could not confirm" page whatever went wrong."""
    db = db_session()
    now = utcnow()
    attempts = AttemptCounter(claim.a_number_index)
    if attempts.exhausted():
        verify(db, now)  # the same work as an allowed attempt, so timing tells nothing either
        db.rollback()
        log.info("identity check refused: too many failed attempts")
        return render_template("public/identify/not_confirmed.html", limited=True)
    person_id = verify(db, now)
    if person_id is None:
        db.commit()
        attempts.record_failure()
        log.info("identity check not confirmed")
        return render_template("public/identify/not_confirmed.html", limited=False)
    token = start_session(db, person_id, now=now)
    db.commit()
    session.clear()
    session.permanent = True
    session[PERSON_TOKEN] = token
    log.info("identity confirmed; session started")
    return redirect(url_for("public.overview"))


@blueprint.get("/check/no-code")
def no_code():
    return render_template("public/identify/no_code.html", form=ConfirmForm(), has_claim=journey.claim() is not None)


@blueprint.post("/check/letter")
@limiter.limit(FORM_LIMIT)
def request_letter():
    claim = journey.claim()
    if claim is None:
        return redirect(url_for("public.a_number"))
    if ConfirmForm().validate_on_submit():
        db = db_session()
        verification.request_letter(db, claim)
        db.commit()
    return redirect(url_for("public.letter_requested"))


@blueprint.get("/check/letter-requested")
def letter_requested():
    return render_template("public/identify/letter_requested.html")
