"""Linking clients by document: a signed G-28 or EOIR-28, or a client list, for staff to review.

The form upload asks one question a page (which form, the client's A-number, their date of
birth, then the file). The answers wait in the session cookie, encrypted, as on the public
pages: the cookie is only signed by Flask. An attorney sees only their own uploads; any
other id is "not found". What the attorney learns of a list is counts, never which rows
failed or why (see portal.services.attorney_documents)."""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

from flask import abort, current_app, flash, get_flashed_messages, redirect, render_template, session, url_for
from flask_babel import format_date, format_decimal, gettext, ngettext
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage

from portal.db import session as db_session
from portal.models import (
    ClientListState,
    Representation,
    RepresentationFormType,
    ReviewState,
)
from portal.security.a_numbers import InvalidANumber, normalise_a_number
from portal.security.context import field_cipher
from portal.security.encryption import DecryptionError
from portal.security.rate_limits import limiter
from portal.services import attorney_documents
from portal.services.attorney_documents import UploadProblem, UploadRefused
from portal.services.confirmation_letters import display_a_number
from portal.web.attorney import blueprint
from portal.web.attorney.auth import attorney_required, signed_in_attorney
from portal.web.attorney.document_forms import (
    FORM_TYPE_NAMES,
    ClientANumberForm,
    ClientDateOfBirthForm,
    ClientListForm,
    FormFileForm,
    FormTypeForm,
)
from portal.web.staff.people import staff_time

UPLOAD_LIMIT = "20 per 10 minutes"
SHOWN_ROW_PROBLEMS = 100
_ANSWERS = "attorney_form_upload"
_ANSWERS_CONTEXT = b"attorney-form-upload"
FORM_STATE_WORDS = {
    ReviewState.SUBMITTED: _l("Waiting for staff to check it"),
    ReviewState.ACCEPTED: _l("Accepted: your client is linked to you"),
    ReviewState.REJECTED: _l("Not accepted"),
}
LIST_STATE_WORDS = {
    ClientListState.SUBMITTED: _l("Waiting for staff to match it"),
    ClientListState.MATCHED: _l("Matched"),
    ClientListState.REJECTED: _l("Not accepted"),
}
WORDS = {"form_type_names": FORM_TYPE_NAMES, "form_state_words": FORM_STATE_WORDS,
         "list_state_words": LIST_STATE_WORDS, "staff_time": staff_time, "display_a_number": display_a_number,
         "format_date": format_date}


@blueprint.get("/documents")
@attorney_required
def documents():
    db = db_session()
    attorney = signed_in_attorney()
    return render_template("attorney/documents/index.html", forms=attorney_documents.forms_of(db, attorney),
                           lists=attorney_documents.lists_of(db, attorney), **WORDS)


# A signed form, one question a page


@blueprint.route("/documents/form", methods=["GET", "POST"])
@limiter.limit(UPLOAD_LIMIT, methods=["POST"])
@attorney_required
def form_type():
    form = FormTypeForm(data={"form_type": _answers().get("form_type")})
    if form.validate_on_submit():
        _remember(form_type=form.form_type.data)
        return redirect(url_for("attorney.form_a_number"))
    return render_template("attorney/documents/form_type.html", form=form)


@blueprint.route("/documents/form/a-number", methods=["GET", "POST"])
@limiter.limit(UPLOAD_LIMIT, methods=["POST"])
@attorney_required
def form_a_number():
    if "form_type" not in _answers():
        return redirect(url_for("attorney.form_type"))
    form = ClientANumberForm(data={"a_number": _answers().get("a_number")})
    if form.validate_on_submit():
        _remember(a_number=normalise_a_number(form.a_number.data))
        return redirect(url_for("attorney.form_date_of_birth"))
    return render_template("attorney/documents/form_a_number.html", form=form)


@blueprint.route("/documents/form/date-of-birth", methods=["GET", "POST"])
@limiter.limit(UPLOAD_LIMIT, methods=["POST"])
@attorney_required
def form_date_of_birth():
    if "a_number" not in _answers():
        return redirect(url_for("attorney.form_a_number"))
    form = ClientDateOfBirthForm(data=_typed_birth_date())
    if form.validate_on_submit():
        _remember(date_of_birth=form.date_of_birth.isoformat())
        return redirect(url_for("attorney.form_file"))
    return render_template("attorney/documents/form_date_of_birth.html", form=form)


@blueprint.route("/documents/form/file", methods=["GET", "POST"])
@limiter.limit(UPLOAD_LIMIT, methods=["POST"])
@attorney_required
def form_file():
    claim = _claim()
    if claim is None:
        return redirect(url_for("attorney.form_type"))
    form = FormFileForm()
    if not form.validate_on_submit():
        return _file_page(form, claim)
    db = db_session()
    try:
        record = attorney_documents.submit_representation_form(
            db, signed_in_attorney(), form_type=claim["form_type"], a_number=claim["a_number"],
            date_of_birth=claim["date_of_birth"], content=_read(form.document.data, _max_bytes()),
            max_bytes=_max_bytes(),
        )
    except UploadRefused as refused:
        db.rollback()
        form.document.errors = [_document_problem(refused.problem)]
        return _file_page(form, claim)
    db.commit()
    session.pop(_ANSWERS, None)
    flash(gettext("The form is uploaded. Staff will check it, and link your client to you if it is in order."))
    return redirect(url_for("attorney.uploaded_form", form_id=record.id), code=303)


@blueprint.get("/documents/forms/<uuid:form_id>")
@attorney_required
def uploaded_form(form_id: uuid.UUID):
    db = db_session()
    record = attorney_documents.form_of(db, signed_in_attorney(), form_id)
    if record is None:
        abort(404)
    link = db.get(Representation, record.representation_id) if record.state is ReviewState.ACCEPTED else None
    return render_template("attorney/documents/form.html", record=record, link=link,
                           messages=get_flashed_messages(), **WORDS)


def _file_page(form: FormFileForm, claim: dict[str, Any]):
    return render_template("attorney/documents/form_file.html", form=form, claim=claim,
                           max_size=_megabytes(_max_bytes()), **WORDS)


# A client list


@blueprint.route("/documents/client-list", methods=["GET", "POST"])
@limiter.limit(UPLOAD_LIMIT, methods=["POST"])
@attorney_required
def client_list_upload():
    form = ClientListForm()
    if not form.validate_on_submit():
        return _list_page(form, [])
    try:
        rows = attorney_documents.read_client_list(_read(form.client_list.data, _max_bytes()), max_bytes=_max_bytes(),
                                          max_rows=_max_rows())
    except UploadRefused as refused:
        form.client_list.errors = [_list_problem(refused)]
        return _list_page(form, refused.row_problems)
    db = db_session()
    record = attorney_documents.submit_client_list(db, signed_in_attorney(), rows)
    db.commit()
    flash(gettext("The list is uploaded. Staff will match it against the list of people affected."))
    return redirect(url_for("attorney.uploaded_client_list", list_id=record.id), code=303)


@blueprint.get("/documents/client-lists/<uuid:list_id>")
@attorney_required
def uploaded_client_list(list_id: uuid.UUID):
    record = attorney_documents.list_of(db_session(), signed_in_attorney(), list_id)
    if record is None:
        abort(404)
    return render_template("attorney/documents/client_list.html", record=record, messages=get_flashed_messages(),
                           **WORDS)


def _list_page(form: ClientListForm, row_problems: list):
    return render_template("attorney/documents/client_list_upload.html", form=form,
                           row_problems=row_problems[:SHOWN_ROW_PROBLEMS], more_problems=max(
                               0, len(row_problems) - SHOWN_ROW_PROBLEMS),
                           max_size=_megabytes(_max_bytes()), max_rows=_max_rows())


# Files and limits


def _read(upload: FileStorage, max_bytes: int) -> bytes:
    """At most one byte more than allowed: enough to tell the file is too large, without
    holding all of a huge one. The file name and the browser's content type are ignored."""
    return upload.stream.read(max_bytes + 1)


def _max_bytes() -> int:
    return current_app.config["ATTORNEY_UPLOAD_MAX_BYTES"]


def _max_rows() -> int:
    return current_app.config["CLIENT_LIST_MAX_ROWS"]


def _megabytes(size: int) -> str:
    return format_decimal(round(size / (1024 * 1024), 1))


def _document_problem(problem: UploadProblem) -> str:
    if problem is UploadProblem.EMPTY:
        return gettext("The file is empty. Choose the file of the signed form")
    if problem is UploadProblem.TOO_LARGE:
        return gettext("The file is larger than %(size)s MB. Scan the form again at a lower resolution, or save "
                       "it as a PDF", size=_megabytes(_max_bytes()))
    return gettext("The file must be a PDF, PNG or JPEG. Save or scan the signed form as one of these")


def _list_problem(refused: UploadRefused) -> str:
    problem = refused.problem
    if problem is UploadProblem.EMPTY:
        return gettext("The file is empty. Choose the file of your client list")
    if problem is UploadProblem.TOO_LARGE:
        return gettext("The file is larger than %(size)s MB. Split the list into smaller files",
                       size=_megabytes(_max_bytes()))
    if problem is UploadProblem.TOO_MANY_ROWS:
        return gettext("The list has more than %(rows)s rows. Split it into smaller lists", rows=_max_rows())
    if problem is UploadProblem.NO_ROWS:
        return gettext("The list has no clients under its heading row")
    if problem is UploadProblem.ROW_PROBLEMS:
        rows = len({each.row_number for each in refused.row_problems})
        return ngettext("%(num)d row has a problem. Correct the file and upload it again",
                        "%(num)d rows have a problem. Correct the file and upload it again", rows)
    return gettext("We could not read this file. It must be a .csv file (UTF-8) or an .xlsx file, with a heading "
                   "row naming the A-number and date of birth columns")


# The answers between the form's pages


def _answers() -> dict[str, Any]:
    blob = session.get(_ANSWERS)
    if not blob:
        return {}
    try:
        return json.loads(field_cipher().decrypt(blob, _ANSWERS_CONTEXT))
    except (DecryptionError, ValueError):
        return {}


def _remember(**values: str) -> None:
    session[_ANSWERS] = field_cipher().encrypt(json.dumps({**_answers(), **values}), _ANSWERS_CONTEXT)


def _claim() -> dict[str, Any] | None:
    """The form type, A-number and birth date typed so far, or None if a step is missing."""
    typed = _answers()
    try:
        return {"form_type": RepresentationFormType(typed["form_type"]),
                "a_number": normalise_a_number(typed["a_number"]),
                "date_of_birth": date.fromisoformat(typed["date_of_birth"])}
    except (KeyError, ValueError, InvalidANumber):
        return None


def _typed_birth_date() -> dict[str, str]:
    typed = _answers().get("date_of_birth")
    if not typed:
        return {}
    born = date.fromisoformat(typed)
    return {"day": str(born.day), "month": str(born.month), "year": str(born.year)}
