"""Queues: the requests waiting for staff. Anyone who may see people may look; caseworkers
act (take an item, set its status and note, decide a remedy request, mark a call made,
verify an attorney). The services record every change in the audit log."""

from __future__ import annotations

import uuid

from flask import abort, flash, get_flashed_messages, redirect, render_template, url_for
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l

from portal.db import session as db_session
from portal.models import QueueKind, QueueStatus, RemedyStatus, utcnow
from portal.security.rate_limits import limiter
from portal.services import queues, staff_people
from portal.services.interpreters import UnknownLanguage, spoken_language
from portal.services.staff_people import NewsText
from portal.web.staff import blueprint, staff_may
from portal.web.staff.auth import signed_in_staff, staff_required
from portal.web.staff.forms import ButtonForm
from portal.web.staff.people import HELPERS
from portal.web.staff.people_forms import DECISION_WORDS, QUEUE_STATUS_WORDS, QueueItemForm, RemedyDecisionForm
from portal.web.staff.queue_forms import AttorneyRejectionForm

ACTION_LIMIT = "60 per 10 minutes"
QUEUE = "<queue>"  # a QueueKind value; any other is not found
QUEUE_NAMES = {
    QueueKind.REMEDIES: _l("Remedy requests"),
    QueueKind.INTERPRETERS: _l("Interpreter call-backs"),
    QueueKind.LETTERS: _l("Requests for a new notice by post"),
    QueueKind.ATTORNEYS: _l("Attorneys to verify"),
}
EVENT_WORDS = {
    "queue.assigned": _l("Taken"),
    "queue.status_changed": _l("Status changed"),
    "queue.note_changed": _l("Note changed"),
    "remedy.decided": _l("Decided"),
    "interpreter.requested": _l("Requested"),
    "interpreter.called": _l("Marked as called"),
    "attorney.verified": _l("Verified"),
    "attorney.rejected": _l("Rejected"),
    # What an attorney's own account did while it waited (the item's subject is the account).
    "attorney.registered": _l("Registered"),
    "attorney.second_factor_set_up": _l("Authenticator app set up"),
    "attorney.signed_in": _l("Signed in"),
    "attorney.signed_out": _l("Signed out"),
    "attorney.sign_in_failed": _l("Sign-in refused"),
    "attorney.locked": _l("Locked after failed sign-ins"),
}
ACTOR_WORDS = {
    "attorney": _l("The attorney"),
    "person": _l("The person"),
    "public": _l("Someone not signed in"),
    "system": _l("The system"),
}
NEWS_TEXT_WORDS = {
    NewsText.SENT: _l("Decision saved. A text saying there is news is on its way."),
    NewsText.NOT_BY_TEXT: _l("Decision saved. No text was sent: the person does not get texts."),
    NewsText.FAILED: _l("Decision saved, but the text could not be sent. Tell the person another way."),
}


@blueprint.get("/queues")
@staff_required("view_people")
def queues_home():
    db = db_session()
    sizes = {kind: queues.queue_size(db, kind) for kind in QueueKind}
    return render_template("staff/queues/index.html", sizes=sizes, queue_names=QUEUE_NAMES)


@blueprint.get(f"/queues/{QUEUE}")
@staff_required("view_people")
def queue_list(queue: str):
    db = db_session()
    kind = _kind_or_404(queue)
    entries = queues.queue_entries(db, kind)
    return render_template(
        "staff/queues/list.html", kind=kind, entries=entries, total=queues.queue_size(db, kind),
        queue_names=QUEUE_NAMES, status_words=QUEUE_STATUS_WORDS, language_name=_language_name,
        staff_names=queues.staff_names(db, {entry.assigned_to for entry in entries}), **HELPERS,
    )


@blueprint.get(f"/queues/{QUEUE}/<uuid:subject_id>")
@staff_required("view_people")
def queue_item(queue: str, subject_id: uuid.UUID):
    entry = _entry_or_404(queue, subject_id)
    return _item_page(entry, _status_form(entry), RemedyDecisionForm(formdata=None))


@blueprint.post(f"/queues/{QUEUE}/<uuid:subject_id>/assign")
@limiter.limit(ACTION_LIMIT)
@staff_required("work_requests")
def queue_assign(queue: str, subject_id: uuid.UUID):
    entry = _entry_or_404(queue, subject_id)
    if ButtonForm().validate_on_submit():
        _commit_after(queues.assign_to_me, entry)
    return _back_to(entry)


@blueprint.post(f"/queues/{QUEUE}/<uuid:subject_id>/update")
@limiter.limit(ACTION_LIMIT)
@staff_required("work_requests")
def queue_update(queue: str, subject_id: uuid.UUID):
    entry = _entry_or_404(queue, subject_id)
    form = QueueItemForm()
    if not form.validate_on_submit():
        return _item_page(entry, form, RemedyDecisionForm(formdata=None))
    _commit_after(queues.update_item, entry, status=QueueStatus(form.status.data), note=form.note.data)
    return _back_to(entry)


@blueprint.post("/queues/remedies/<uuid:subject_id>/decide")
@limiter.limit(ACTION_LIMIT)
@staff_required("work_requests")
def remedy_decide(subject_id: uuid.UUID):
    entry = _entry_or_404(QueueKind.REMEDIES, subject_id)
    form = RemedyDecisionForm()
    if not form.validate_on_submit():
        return _item_page(entry, _status_form(entry), form)
    try:
        text = _commit_after(queues.decide_remedy, entry, decision=RemedyStatus(form.decision.data),
                             note=form.decision_note.data, notify=form.notify.data)
    except queues.NotDecidable:
        form.decision.errors = [gettext("This request cannot be decided that way now")]
        return _item_page(entry, _status_form(entry), form)
    if not form.notify.data:
        flash(gettext("Decision saved."))
        return _back_to(entry)
    # Only now that the decision is committed: nobody is told of news that was rolled back.
    texted = staff_people.deliver_news_text(db_session(), text) if text else NewsText.NOT_BY_TEXT
    db_session().commit()  # the outbox backend keeps the message in the database
    flash(str(NEWS_TEXT_WORDS[texted]))
    return _back_to(entry)


@blueprint.post("/queues/interpreters/<uuid:subject_id>/called")
@limiter.limit(ACTION_LIMIT)
@staff_required("work_requests")
def interpreter_called(subject_id: uuid.UUID):
    return _one_step(QueueKind.INTERPRETERS, subject_id, queues.mark_called)


@blueprint.post("/queues/attorneys/<uuid:subject_id>/verify")
@limiter.limit(ACTION_LIMIT)
@staff_required("work_requests")
def attorney_verify(subject_id: uuid.UUID):
    entry = _entry_or_404(QueueKind.ATTORNEYS, subject_id)
    if ButtonForm().validate_on_submit():
        try:
            linked = _commit_after(queues.verify_pending_attorney, entry)
        except queues.NotWaiting:
            db_session().rollback()  # done already, by someone else or by a second click
        else:
            flash(ngettext("Verified. %(num)d person in the list is now linked to this attorney.",
                           "Verified. %(num)d people in the list are now linked to this attorney.", linked))
    return _back_to(entry)


@blueprint.post("/queues/attorneys/<uuid:subject_id>/reject")
@limiter.limit(ACTION_LIMIT)
@staff_required("work_requests")
def attorney_reject(subject_id: uuid.UUID):
    entry = _entry_or_404(QueueKind.ATTORNEYS, subject_id)
    form = AttorneyRejectionForm()
    if not form.validate_on_submit():
        return _item_page(entry, _status_form(entry), RemedyDecisionForm(formdata=None), rejection_form=form)
    try:
        _commit_after(queues.reject_pending_attorney, entry, reason=form.reason.data)
    except queues.NotWaiting:
        db_session().rollback()
    else:
        flash(gettext("Rejected. The attorney will see your reason when they sign in."))
    return _back_to(entry)


def _one_step(kind: QueueKind, subject_id: uuid.UUID, action):
    entry = _entry_or_404(kind, subject_id)
    if ButtonForm().validate_on_submit():
        try:
            _commit_after(action, entry)
        except queues.NotWaiting:
            db_session().rollback()  # done already, by someone else or by a second click
    return _back_to(entry)


def _commit_after(action, entry: queues.QueueEntry, **values):
    """Run a queue service for the signed-in staff member, and commit."""
    db = db_session()
    result = action(db, entry, signed_in_staff(), now=utcnow(), **values)
    db.commit()
    return result


def _item_page(entry: queues.QueueEntry, form: QueueItemForm, decision_form: RemedyDecisionForm,
               rejection_form: AttorneyRejectionForm | None = None):
    db = db_session()
    events = queues.history(db, entry)
    letter_match = queues.person_of_letter_request(db, entry.subject) if entry.kind is QueueKind.LETTERS else None
    attorney_matches = queues.attorney_matches(db, entry.subject) if entry.kind is QueueKind.ATTORNEYS else None
    return render_template(
        "staff/queues/item.html", entry=entry, form=form, decision_form=decision_form,
        events=events, letter_match=letter_match, attorney_matches=attorney_matches,
        rejection_form=rejection_form or AttorneyRejectionForm(formdata=None),
        may_work=staff_may("work_requests"),
        staff_names=queues.staff_names(db, {entry.assigned_to, *(event.actor_id for event in events)}),
        queue_names=QUEUE_NAMES, status_words=QUEUE_STATUS_WORDS, event_words=EVENT_WORDS, actor_words=ACTOR_WORDS,
        decision_words=DECISION_WORDS, language_name=_language_name, messages=get_flashed_messages(), **HELPERS,
    )


def _status_form(entry: queues.QueueEntry) -> QueueItemForm:
    return QueueItemForm(formdata=None, status=entry.status.value, note=entry.note)


def _entry_or_404(queue: str, subject_id: uuid.UUID) -> queues.QueueEntry:
    entry = queues.queue_entry(db_session(), _kind_or_404(queue), subject_id)
    if entry is None:
        abort(404)
    return entry


def _kind_or_404(queue: str) -> QueueKind:
    try:
        return QueueKind(queue)
    except ValueError:
        abort(404)


def _back_to(entry: queues.QueueEntry):
    return redirect(url_for("staff.queue_item", queue=entry.kind.value, subject_id=entry.subject_id), code=303)


def _language_name(code: str) -> str:
    try:
        return spoken_language(code).english_name
    except UnknownLanguage:
        return code
