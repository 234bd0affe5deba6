"""People: find a person by their whole A-number, and read their record.

The A-number travels only in a POST body: a match redirects to the person's page, keyed by
their internal id, and no match to one "not found" page, the same for every number. Every
search that runs and every view of a person is written to the audit log."""

from __future__ import annotations

import uuid
from datetime import datetime

from flask import abort, redirect, render_template, url_for
from flask_babel import format_datetime

from portal.db import session as db_session
from portal.i18n import own_name
from portal.security.a_numbers import InvalidANumber
from portal.security.rate_limits import FORM_POSTS_PER_CLIENT, limiter
from portal.services import staff_people
from portal.services.confirmation_letters import display_a_number
from portal.web.staff import blueprint, staff_may, words
from portal.web.staff.auth import current_staff, staff_required
from portal.web.staff.people_forms import PersonSearchForm


def staff_time(value: datetime | None) -> str:
    """A date and time, short, in the reader's language; a dash for none."""
    return format_datetime(value, "short") if value else "–"


# What every People and Queues page may use.
HELPERS = {"category_names": words.CATEGORY_WORDS, "channel_names": words.CONTACT_CHANNEL_WORDS,
           "custody_names": words.CUSTODY_WORDS, "remedy_status_names": words.REMEDY_STATUS_WORDS,
           "notification_state_names": words.NOTIFICATION_STATE_WORDS,
           "notice_channel_names": words.NOTICE_CHANNEL_WORDS, "attorney_status_names": words.ATTORNEY_STATUS_WORDS,
           "staff_time": staff_time, "language_own_name": own_name}


@blueprint.route("/people", methods=["GET", "POST"])
@limiter.limit(FORM_POSTS_PER_CLIENT, methods=["POST"])
@staff_required("view_people")
def people():
    form = PersonSearchForm()
    if not form.validate_on_submit():
        return render_template("staff/people/search.html", form=form, not_found=False)
    db = db_session()
    try:
        person_id = staff_people.find_person(db, form.a_number.data, current_staff())
    except InvalidANumber:  # the form checked it already; kept so a change there cannot leak
        abort(400)
    db.commit()
    if person_id is None:
        return redirect(url_for("staff.person_not_found"), code=303)
    return redirect(url_for("staff.person", person_id=person_id), code=303)


@blueprint.get("/people/not-found")
@staff_required("view_people")
def person_not_found():
    return render_template("staff/people/search.html", form=PersonSearchForm(formdata=None), not_found=True)


@blueprint.get("/people/<uuid:person_id>")
@staff_required("view_people")
def person(person_id: uuid.UUID):
    db = db_session()
    record = staff_people.person_record(db, person_id)
    if record is None:
        abort(404)
    staff_people.record_person_viewed(db, person_id, current_staff())
    db.commit()
    return render_template(
        "staff/people/person.html", record=record, a_number=display_a_number(record.person.a_number or ""),
        phone=staff_people.masked_phone(record.contact_phone), opted_out=staff_people.is_opted_out(db, record),
        may_work=staff_may("work_requests"), **HELPERS,
    )
