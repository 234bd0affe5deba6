"""Attorneys' uploads for staff to review: signed G-28 and EOIR-28 forms (open the document,
see whether the details typed match a person, accept or reject with a reason) and client
lists (match in bulk, see each row's result). Caseworkers and administrators only; every
opening of a form, its document or a list's results is in the audit log."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from typing import TypeVar

from flask import Response, abort, flash, get_flashed_messages, redirect, render_template, url_for
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from portal.db import session as db_session
from portal.models import (
    ClientList,
    ClientListOutcome,
    ClientListState,
    RepresentationForm,
    ReviewState,
    StaffUser,
    utcnow,
)
from portal.security.rate_limits import limiter
from portal.services import attorney_documents as documents
from portal.services.confirmation_letters import display_a_number
from portal.services.queues import staff_names
from portal.services.staff import can
from portal.web.attorney.document_forms import FORM_TYPE_NAMES
from portal.web.forms import PortalForm
from portal.web.staff import blueprint
from portal.web.staff.auth import signed_in_staff, staff_required
from portal.web.staff.forms import ButtonForm
from portal.web.staff.people import staff_time

Upload = TypeVar("Upload", RepresentationForm, ClientList)
CAPABILITY = "work_requests"
ACTION_LIMIT = "60 per 10 minutes"
FORM_STATE_WORDS = {
    ReviewState.SUBMITTED: _l("Waiting for review"),
    ReviewState.ACCEPTED: _l("Accepted"),
    ReviewState.REJECTED: _l("Rejected"),
}
LIST_STATE_WORDS = {
    ClientListState.SUBMITTED: _l("Waiting for review"),
    ClientListState.MATCHED: _l("Matched"),
    ClientListState.REJECTED: _l("Rejected"),
}
OUTCOME_WORDS = {
    ClientListOutcome.LINKED: _l("Linked"),
    ClientListOutcome.LINK_ENDED: _l("Not linked: the link to this attorney had been ended"),
    ClientListOutcome.BIRTH_DATE_DIFFERS: _l("Not linked: the date of birth does not match"),
    ClientListOutcome.NOT_IN_LIST: _l("Not linked: the A-number is not in the list"),
}
WORDS = {"form_type_names": FORM_TYPE_NAMES, "form_state_words": FORM_STATE_WORDS,
         "list_state_words": LIST_STATE_WORDS, "outcome_words": OUTCOME_WORDS,
         "staff_time": staff_time, "display_a_number": display_a_number}


class RejectionForm(PortalForm):
    reason = TextAreaField(
        _l("Reason"),
        description=_l("The attorney reads this. Say what is wrong with the upload; do not say whether the person "
                       "is in the list."),
        validators=[DataRequired(message=_l("Write the reason the attorney will read")),
                    Length(max=documents.REASON_LIMIT, message=_l("The reason is too long"))],
    )


def _document_queues(user: StaffUser | None) -> list[dict[str, object]]:
    """The two queues, with how many wait, for the queues page; none for roles that may not
    open them (the page never offers a link that would refuse)."""
    if user is None or not can(user.role, CAPABILITY):
        return []
    forms, lists = documents.waiting_counts(db_session())
    return [{"url": url_for("staff.attorney_forms"), "title": gettext("Signed G-28 and EOIR-28 forms"),
             "size": forms},
            {"url": url_for("staff.client_lists"), "title": gettext("Attorneys' client lists"), "size": lists}]


blueprint.context_processor(lambda: {"attorney_document_queues": _document_queues})


# Signed forms


@blueprint.get("/attorney-forms")
@staff_required(CAPABILITY)
def attorney_forms():
    return render_template("staff/attorney_documents/forms.html", forms=documents.waiting_forms(db_session()),
                           **WORDS)


@blueprint.get("/attorney-forms/<uuid:form_id>")
@staff_required(CAPABILITY)
def attorney_form(form_id: uuid.UUID):
    record = _or_404(RepresentationForm, form_id)
    db = db_session()
    documents.record_form_viewed(db, record, signed_in_staff())
    db.commit()
    return _form_page(record, RejectionForm(formdata=None))


@blueprint.get("/attorney-forms/<uuid:form_id>/document")
@staff_required(CAPABILITY)
def attorney_form_document(form_id: uuid.UUID):
    record = _or_404(RepresentationForm, form_id)
    db = db_session()
    content, content_type = documents.form_document(db, record, signed_in_staff())
    db.commit()
    extension = documents.DOCUMENT_EXTENSIONS[content_type]
    # Always a download, never shown inline: the file came from outside. The name says
    # nothing about the person.
    return Response(content, mimetype=content_type, headers={
        "Content-Disposition": f'attachment; filename="{record.form_type.value}-{str(record.id)[:8]}.{extension}"',
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store, private",
    })


@blueprint.post("/attorney-forms/<uuid:form_id>/accept")
@limiter.limit(ACTION_LIMIT)
@staff_required(CAPABILITY)
def attorney_form_accept(form_id: uuid.UUID):
    record = _or_404(RepresentationForm, form_id)
    if not ButtonForm().validate_on_submit():
        return _back_to_form(record)
    db = db_session()
    try:
        documents.accept_form(db, record, signed_in_staff(), now=utcnow())
    except documents.NoMatchingPerson:
        db.rollback()
        flash(gettext("This form cannot be accepted: the A-number and date of birth typed do not both match a "
                      "person in the list."))
        return _back_to_form(record)
    except documents.NotWaiting:
        db.rollback()
        return _back_to_form(record)
    db.commit()
    flash(gettext("Accepted. The attorney now represents this person."))
    return _back_to_form(record)


@blueprint.post("/attorney-forms/<uuid:form_id>/reject")
@limiter.limit(ACTION_LIMIT)
@staff_required(CAPABILITY)
def attorney_form_reject(form_id: uuid.UUID):
    record = _or_404(RepresentationForm, form_id)
    return _reject(record, documents.reject_form, _form_page, _back_to_form(record))


def _form_page(record: RepresentationForm, rejection_form: RejectionForm):
    db = db_session()
    return render_template(
        "staff/attorney_documents/form.html", record=record, match=documents.form_match(db, record),
        rejection_form=rejection_form, reviewer=staff_names(db, {record.reviewed_by_id}),
        messages=get_flashed_messages(), **WORDS,
    )


def _back_to_form(record: RepresentationForm):
    return redirect(url_for("staff.attorney_form", form_id=record.id), code=303)


# Client lists


@blueprint.get("/client-lists")
@staff_required(CAPABILITY)
def client_lists():
    return render_template("staff/attorney_documents/lists.html", lists=documents.waiting_lists(db_session()),
                           **WORDS)


@blueprint.get("/client-lists/<uuid:list_id>")
@staff_required(CAPABILITY)
def client_list(list_id: uuid.UUID):
    record = _or_404(ClientList, list_id)
    db = db_session()
    documents.record_list_viewed(db, record, signed_in_staff())
    db.commit()
    return _list_page(record, RejectionForm(formdata=None))


@blueprint.post("/client-lists/<uuid:list_id>/match")
@limiter.limit(ACTION_LIMIT)
@staff_required(CAPABILITY)
def client_list_match(list_id: uuid.UUID):
    record = _or_404(ClientList, list_id)
    if not ButtonForm().validate_on_submit():
        return _back_to_list(record)
    db = db_session()
    try:
        result = documents.match_client_list(db, record, signed_in_staff(), now=utcnow())
    except documents.NotWaiting:
        db.rollback()
        return _back_to_list(record)
    db.commit()
    flash(ngettext("Matched: %(num)d row linked.", "Matched: %(num)d rows linked.", result.linked))
    return _back_to_list(record)


@blueprint.post("/client-lists/<uuid:list_id>/reject")
@limiter.limit(ACTION_LIMIT)
@staff_required(CAPABILITY)
def client_list_reject(list_id: uuid.UUID):
    record = _or_404(ClientList, list_id)
    return _reject(record, documents.reject_client_list, _list_page, _back_to_list(record))


def _list_page(record: ClientList, rejection_form: RejectionForm):
    db = db_session()
    rows = documents.list_rows(db, record) if record.state is ClientListState.MATCHED else []
    counts = Counter(row.outcome for row in rows)
    return render_template(
        "staff/attorney_documents/list.html", record=record, rows=rows, counts=counts,
        rejection_form=rejection_form, reviewer=staff_names(db, {record.reviewed_by_id}),
        messages=get_flashed_messages(), **WORDS,
    )


def _back_to_list(record: ClientList):
    return redirect(url_for("staff.client_list", list_id=record.id), code=303)


def _reject(record: Upload, reject: Callable[..., None], page: Callable[[Upload, RejectionForm], str],
            back: Response) -> Response | str:
    """A form or client list rejected with the reason typed; the page again when the reason is
    missing. Nothing is saved when it no longer waits (another caseworker decided first)."""
    form = RejectionForm()
    if not form.validate_on_submit():
        return page(record, form)
    db = db_session()
    try:
        reject(db, record, signed_in_staff(), reason=form.reason.data, now=utcnow())
    except documents.NotWaiting:
        db.rollback()
        return back
    db.commit()
    flash(gettext("Rejected. The attorney sees the reason."))
    return back


def _or_404(model: type[Upload], record_id: uuid.UUID) -> Upload:
    record = db_session().get(model, record_id)
    if record is None:
        abort(404)
    return record

