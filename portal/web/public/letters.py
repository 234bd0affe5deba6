"""Confirmation letters: download your own, and the public check of a letter's reference.

Getting a letter is a POST that issues a new one (a new reference each time), then a redirect
to the download of the newest letter, which works as a plain GET on any phone's browser.

The check page answers only "genuine, issued on this date" or "no letter matches", the latter
the same whether the A-number is unknown, someone else's, or the reference is wrong."""

from __future__ import annotations

import logging

from flask import Response, redirect, render_template, url_for
from flask_babel import get_locale

from portal.db import session as db_session
from portal.messaging.letters import render_letter
from portal.models import utcnow
from portal.security.a_numbers import normalise_a_number
from portal.security.context import blind_index
from portal.security.rate_limits import AttemptCounter, limiter
from portal.services import confirmation_letters
from portal.web.public import blueprint
from portal.web.public.forms import ConfirmForm
from portal.web.public.letter_forms import CheckLetterForm
from portal.web.public.signed_in import person_required, signed_in_person

PDF_FILENAME = "confirmation-letter.pdf"
log = logging.getLogger(__name__)


@blueprint.get("/you/letter")
@person_required
def letter():
    return render_template("public/letters/letter.html", form=ConfirmForm())


@blueprint.post("/you/letter")
@limiter.limit("10 per 10 minutes")
@person_required
def issue_letter():
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("public.letter"))
    db = db_session()
    confirmation_letters.issue_letter(db, signed_in_person().id, now=utcnow())
    db.commit()
    return redirect(url_for("public.download_letter"), code=303)


@blueprint.get("/you/letter/download")
@limiter.limit("30 per 10 minutes")
@person_required
def download_letter():
    db = db_session()
    newest = confirmation_letters.newest_letter(db, signed_in_person().id)
    if newest is None:
        return redirect(url_for("public.letter"))
    pdf = render_letter(confirmation_letters.letter_contents(db, newest, now=utcnow()), locale=str(get_locale()))
    confirmation_letters.record_download(db, newest)
    db.commit()
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{PDF_FILENAME}"', "Cache-Control": "no-store",
    })


@blueprint.route("/letters/check", methods=["GET", "POST"])
@limiter.limit("20 per 10 minutes", methods=["POST"])
def check_letter():
    form = CheckLetterForm()
    if not form.validate_on_submit():
        return render_template("public/letters/check.html", form=form,
                               reference_example=confirmation_letters.REFERENCE_EXAMPLE)
    db = db_session()
    attempts = AttemptCounter(blind_index().a_number(form.a_number.data), scope="letter-check")
    if attempts.exhausted():
        confirmation_letters.check_letter(db, form.reference.data, form.a_number.data)  # the same work
        log.info("letter check refused: too many failed attempts")
        return render_template("public/letters/check_result.html", issued_at=None, limited=True)
    issued_at = confirmation_letters.check_letter(db, form.reference.data, form.a_number.data)
    if issued_at is None:
        attempts.record_failure()
        log.info("letter check: no letter matches")
        return render_template("public/letters/check_result.html", issued_at=None, limited=False)
    log.info("letter check: genuine")
    return render_template(
        "public/letters/check_result.html", issued_at=issued_at, limited=False,
        reference=confirmation_letters.normalise_reference(form.reference.data),
        a_number=confirmation_letters.display_a_number(normalise_a_number(form.a_number.data)),
    )
