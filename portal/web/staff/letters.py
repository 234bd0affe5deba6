"""The letter batch pages: see who is waiting for a letter and create a batch, approve or
reject it (someone else), download the print-ready PDF, and mark it posted.

The rules live in `portal.services.letter_batches`; these views parse forms, call it and
show its answers. Every step is audited by the service."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from flask import Response, abort, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from portal.db import session as db_session
from portal.models import LetterBatch, LetterBatchState, utcnow
from portal.security.rate_limits import limiter
from portal.services import letter_batches
from portal.services.queues import staff_names
from portal.web.staff import blueprint, staff_may
from portal.web.staff.auth import signed_in_staff, staff_required
from portal.web.staff.campaign_forms import ApprovalForm, language_name
from portal.web.staff.forms import ButtonForm
from portal.web.staff.words import LETTER_BATCH_STATE_WORDS, SKIP_REASON_WORDS

FORM_LIMIT = "30 per 10 minutes"
PDF_FILENAME = "notice-letters.pdf"


class LetterDecisionForm(ApprovalForm):
    choices = (SelectChoice("approve", _l("Approve: print and post these letters")),
               SelectChoice("reject", _l("Reject: do not send them")))
    reason_missing = _l("Say why you reject the letter batch")


@blueprint.get("/letters")
@staff_required("view_people")
def letters():
    batches = db_session().scalars(select(LetterBatch).order_by(LetterBatch.created_at.desc())).all()
    return render_template("staff/letters/list.html", batches=batches, state_words=LETTER_BATCH_STATE_WORDS,
                           may_send=staff_may("send_letters"))


@blueprint.route("/letters/new", methods=["GET", "POST"])
@limiter.limit(FORM_LIMIT, methods=["POST"])
@staff_required("send_letters")
def new_letter_batch():
    form = ButtonForm()
    db = db_session()
    if form.validate_on_submit():
        try:
            batch = letter_batches.create_batch(db, signed_in_staff(), now=utcnow())
        except letter_batches.LetterBatchRefused:
            db.rollback()  # nobody to write to: the page below says so
        else:
            db.commit()
            return redirect(url_for("staff.letter_batch", batch_id=batch.id))
    selection = letter_batches.select_recipients(db)
    return render_template("staff/letters/new.html", selection=selection, languages=_by_language(
        selection.languages()), skip_words=SKIP_REASON_WORDS, limit=letter_batches.BATCH_LIMIT)


@blueprint.get("/letters/<uuid:batch_id>")
@staff_required("view_people")
def letter_batch(batch_id: uuid.UUID):
    return _batch_page(_batch_or_404(batch_id))


@blueprint.post("/letters/<uuid:batch_id>/decision")
@limiter.limit(FORM_LIMIT)
@staff_required("approve_campaigns")
def decide_letter_batch(batch_id: uuid.UUID):
    batch = _batch_or_404(batch_id)
    form = LetterDecisionForm()
    if not form.validate_on_submit():
        return _batch_page(batch, decision_form=form)
    db = db_session()
    try:
        form.apply(letter_batches.approve_batch, letter_batches.reject_batch, db, batch, signed_in_staff(),
                   now=utcnow())
    except letter_batches.LetterBatchRefused as refusal:
        db.rollback()
        form.decision.errors = [str(refusal)]
        return _batch_page(batch, decision_form=form)
    db.commit()
    return redirect(url_for("staff.letter_batch", batch_id=batch.id))


@blueprint.post("/letters/<uuid:batch_id>/download")
@limiter.limit(FORM_LIMIT)
@staff_required("send_letters")
def download_letter_batch(batch_id: uuid.UUID):
    """A POST, not a GET: every download prints new notice codes and revokes the last ones."""
    batch = _batch_or_404(batch_id)
    form = ButtonForm()
    if not form.validate_on_submit():
        return _batch_page(batch)
    db = db_session()
    try:
        pdf = letter_batches.print_batch(db, batch, signed_in_staff(), now=utcnow())
    except letter_batches.LetterBatchRefused as refusal:
        db.rollback()
        return _batch_page(batch, refusal=str(refusal))
    db.commit()
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{PDF_FILENAME}"', "Cache-Control": "no-store",
    })


@blueprint.post("/letters/<uuid:batch_id>/posted")
@limiter.limit(FORM_LIMIT)
@staff_required("send_letters")
def post_letter_batch(batch_id: uuid.UUID):
    batch = _batch_or_404(batch_id)
    if not ButtonForm().validate_on_submit():
        return _batch_page(batch)
    db = db_session()
    try:
        letter_batches.mark_posted(db, batch, signed_in_staff(), now=utcnow())
    except letter_batches.LetterBatchRefused as refusal:
        db.rollback()
        return _batch_page(batch, refusal=str(refusal))
    db.commit()
    return redirect(url_for("staff.letter_batch", batch_id=batch.id))


def _batch_or_404(batch_id: uuid.UUID) -> LetterBatch:
    found = db_session().get(LetterBatch, batch_id)
    if found is None:
        abort(404)
    return found


def _batch_page(batch: LetterBatch, *, decision_form: LetterDecisionForm | None = None, refusal: str | None = None):
    db = db_session()
    user = signed_in_staff()
    # `form` (the one with errors, if any) puts "Error:" in the title and the summary on top.
    with_errors = {"form": decision_form} if decision_form else {}
    return render_template(
        "staff/letters/batch.html", batch=batch, state_words=LETTER_BATCH_STATE_WORDS, refusal=refusal,
        languages=_by_language(letter_batches.batch_languages(db, batch)),
        requests=letter_batches.batch_requests(db, batch),
        names=staff_names(db, {batch.created_by_id, batch.decided_by_id, batch.posted_by_id}),
        decision_form=decision_form or LetterDecisionForm(formdata=None),
        may_decide=staff_may("approve_campaigns") and batch.state is LetterBatchState.SUBMITTED,
        created_it=user is not None and user.id == batch.created_by_id,
        may_send=staff_may("send_letters"), **with_errors,
    )


def _by_language(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    """(language name, letters), by name."""
    return sorted((language_name(code), count) for code, count in counts.items())
