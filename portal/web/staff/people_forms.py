"""Forms for the People and Queues sections of the staff console."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from portal.models import RemedyStatus
from portal.web.forms import PortalForm, valid_a_number
from portal.web.staff.words import QUEUE_STATUS_WORDS

A_NUMBER_LIMIT = 64
NOTE_LIMIT = 2000
# What a caseworker may decide: the statuses a request moves to (see REMEDY_STATUS_WORDS).
DECISION_WORDS = {
    RemedyStatus.GRANTED: _l("Approve"),
    RemedyStatus.DENIED: _l("Do not approve"),
    RemedyStatus.COMPLETED: _l("Done: the remedy has been given"),
}


def _choices(words: dict) -> list[SelectChoice]:
    return [SelectChoice(status.value, label) for status, label in words.items()]


class PersonSearchForm(PortalForm):
    # Only these existing messages: a search never says more than "not an A-number".
    a_number = StringField(
        _l("A-number"),
        description=_l("The whole number. Only an exact match is found."),
        validators=[DataRequired(), Length(max=A_NUMBER_LIMIT), valid_a_number],
    )


class QueueItemForm(PortalForm):
    status = RadioField(_l("Status"), choices=_choices(QUEUE_STATUS_WORDS), validators=[DataRequired()])
    note = TextAreaField(
        _l("Note"),
        description=_l("For staff only. Keep it short; write only what the work needs."),
        validators=[Length(max=NOTE_LIMIT, message=_l("The note is too long"))],
    )


class RemedyDecisionForm(PortalForm):
    decision = RadioField(_l("Decision"), choices=_choices(DECISION_WORDS), validators=[DataRequired()])
    decision_note = TextAreaField(
        _l("Note for the record"),
        description=_l("Kept in the remedy's history. The person does not see it."),
        validators=[Length(max=NOTE_LIMIT, message=_l("The note is too long"))],
    )
    notify = BooleanField(_l("Send the person a text saying there is news in the portal"))
