"""Forms for uploading a signed G-28 or EOIR-28, one question a page, and a client list."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from portal.models import RepresentationFormType
from portal.web.forms import PortalForm, valid_a_number
from portal.web.public.forms import FIELD_LIMIT, DateOfBirthForm

FORM_TYPE_NAMES = {
    RepresentationFormType.G28: _l("Form G-28 (for USCIS)"),
    RepresentationFormType.EOIR28: _l("Form EOIR-28 (for the immigration court)"),
}


class FormTypeForm(PortalForm):
    form_type = RadioField(
        _l("Which form did your client sign?"),
        choices=[SelectChoice(kind.value, name) for kind, name in FORM_TYPE_NAMES.items()],
        validators=[InputRequired(message=_l("Choose the form your client signed"))],
        invalid_choice_message=_l("Choose the form your client signed"),
    )


class ClientANumberForm(PortalForm):
    a_number = StringField(
        _l("What is your client's A-number?"),
        description=_l("As it is on the signed form. 8 or 9 digits, like A-123-456-789."),
        validators=[DataRequired(message=_l("Enter your client's A-number")), Length(max=FIELD_LIMIT),
                    valid_a_number],
    )


class ClientDateOfBirthForm(DateOfBirthForm):
    """Day, month and year, checked as on the public pages, with words about the client."""

    def validate_day(self, field: StringField) -> None:
        try:
            super().validate_day(field)
        except ValidationError:
            raise ValidationError(_l("Enter your client's date of birth: day, month and year, in numbers")) from None


class FormFileForm(PortalForm):
    # The hint names the configured size limit, so the page writes it.
    document = FileField(
        _l("Upload the signed form"),
        validators=[FileRequired(message=_l("Choose the file of the signed form"))],
    )


class ClientListForm(PortalForm):
    client_list = FileField(
        _l("Upload your client list"),
        validators=[FileRequired(message=_l("Choose the file of your client list"))],
    )
    represents_all = BooleanField(
        _l("I represent every person on this list, and can show staff a signed form for each if asked"),
        validators=[DataRequired(message=_l("Confirm that you represent every person on the list"))],
    )

