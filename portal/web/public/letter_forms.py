"""The form of the public "check a confirmation letter" page.

Two questions on one page, unlike the pages for affected people: it is a lookup for courts
and lawyers, who have the letter in front of them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, Length, ValidationError

from portal.services.confirmation_letters import normalise_reference
from portal.web.forms import PortalForm, valid_a_number
from portal.web.public.forms import FIELD_LIMIT


class CheckLetterForm(PortalForm):
    reference = StringField(
        _l("Reference number"),
        description=_l("It is near the top of the letter and at the bottom of every page. For example:"),
        validators=[DataRequired(message=_l("Enter the reference number from the letter")),
                    Length(max=FIELD_LIMIT, message=_l("The reference number is too long"))],
    )
    a_number = StringField(
        _l("A-number"),
        description=_l("The A-number printed on the letter, under the person's name. For example:"),
        validators=[DataRequired(message=_l("Enter the A-number from the letter")), Length(max=FIELD_LIMIT),
                    valid_a_number],
    )

    def validate_reference(self, field: StringField) -> None:
        if normalise_reference(field.data) is None:
            raise ValidationError(_l("Enter the reference number as it is printed on the letter: CL and "
                                     "12 letters and numbers"))

