"""Forms for attorneys' registration and sign-in pages."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, Field, PasswordField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from portal.i18n import language_choices
from portal.models import CustodyStatus, RemedyStatus
from portal.services.accounts import MIN_PASSWORD_LENGTH
from portal.services.attorney_clients import ClientFilters
from portal.web.attorney.words import CUSTODY_WORDS, REMEDY_STATUS_WORDS
from portal.web.forms import PortalForm, valid_a_number
from portal.web.public.forms import DateOfBirthForm
from portal.web.staff.forms import CODE_LIMIT, EMAIL_LIMIT, PASSWORD_LIMIT, ButtonForm, SignInCodeForm, SignInForm

__all__ = [
    "ButtonForm",
    "ClientFilterForm",
    "ClientLanguageForm",
    "RegistrationForm",
    "SetUpCodeForm",
    "ShareCodeForm",
    "SignInCodeForm",
    "SignInForm",
]

# What the agency's list accepts as an attorney identifier (see affected_row), so that what an
# attorney registers can match what the list names.
_IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9 \-]{0,29}")
_NO_IDENTIFIER = _l("Enter your EOIR ID, or your bar number and the state that admitted you")


def _typed(field: Field) -> str:
    return (field.data or "").strip()


def _identifier(_form: PortalForm, field: Field) -> None:
    if field.data and not _IDENTIFIER.fullmatch(field.data.strip()):
        raise ValidationError(_l("Use only letters, digits, spaces and hyphens"))


class RegistrationForm(PortalForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email address"), description=_l("You sign in with this address."),
                       validators=[DataRequired(), Length(max=EMAIL_LIMIT)])
    firm = StringField(_l("Firm or organisation"), description=_l("Leave this empty if you practise on your own."),
                       validators=[Optional(), Length(max=200)])
    eoir_id = StringField(_l("EOIR ID"), description=_l("The ID the immigration courts gave you, if you have one."),
                          validators=[Optional(), Length(max=20), _identifier])
    bar_number = StringField(_l("Bar number"), validators=[Optional(), Length(max=40), _identifier])
    bar_jurisdiction = StringField(_l("State or territory of the bar"),
                                   description=_l("For example: California, or New York."),
                                   validators=[Optional(), Length(max=80)])
    password = PasswordField(
        _l("Password"),
        description=_l("At least %(count)s characters. A few unrelated words are easy to remember and hard to guess.",
                       count=MIN_PASSWORD_LENGTH),
        validators=[InputRequired(), Length(min=MIN_PASSWORD_LENGTH, max=PASSWORD_LIMIT,
                                            message=_l("Use at least %(count)s characters",
                                                       count=MIN_PASSWORD_LENGTH))],
    )

    def validate(self, extra_validators: Any = None) -> bool:
        """Each field's own checks, then the ones across fields: an EOIR ID, or a bar number
        with its state (the fields are optional one by one, so their own checks stop early)."""
        valid = super().validate(extra_validators)
        eoir_id, number, state = (_typed(field) for field in (self.eoir_id, self.bar_number, self.bar_jurisdiction))
        if not eoir_id and not number and not self.eoir_id.errors:
            self.eoir_id.errors = [*self.eoir_id.errors, _NO_IDENTIFIER]
        elif number and not state:
            self.bar_jurisdiction.errors = [_l("Enter the state or territory whose bar gave you this number")]
        elif state and not number and not self.bar_number.errors:
            self.bar_number.errors = [_l("Enter your bar number, or leave the state empty")]
        else:
            return valid
        return False


class SetUpCodeForm(PortalForm):
    code = StringField(
        _l("Enter the 6-digit code your authenticator app shows now"),
        validators=[DataRequired(message=_l("Enter the 6-digit code")),
                    Length(max=CODE_LIMIT, message=_l("The code is too long"))],
    )


class ClientFilterForm(PortalForm):
    """The dashboard's filters: a GET form (no CSRF token: it changes nothing), so a
    filtered list is a link that works without JavaScript. Unknown values are ignored."""

    class Meta(PortalForm.Meta):
        csrf = False

    remedy_status = SelectField(_l("Remedy status"), validators=[Optional()], choices=[
        SelectChoice("", _l("Any")),
        *(SelectChoice(status.value, REMEDY_STATUS_WORDS[status]) for status in RemedyStatus),
    ])
    requested = SelectField(_l("Asked for a remedy"), validators=[Optional()], choices=[
        SelectChoice("", _l("Any")), SelectChoice("yes", _l("Asked")), SelectChoice("no", _l("Not asked")),
    ])
    custody = SelectField(_l("Custody"), validators=[Optional()], choices=[
        SelectChoice("", _l("Any")),
        *(SelectChoice(status.value, CUSTODY_WORDS[status]) for status in CustodyStatus),
    ])

    def filters(self) -> ClientFilters:
        """What the valid answers ask for; an invalid one counts as "any"."""
        self.validate()
        return ClientFilters(
            remedy_status=RemedyStatus(self.remedy_status.data) if _valid(self.remedy_status) else None,
            has_requested={"yes": True, "no": False}.get(self.requested.data) if _valid(self.requested) else None,
            custody=CustodyStatus(self.custody.data) if _valid(self.custody) else None,
        )


def _valid(field: Field) -> bool:
    return bool(field.data) and not field.errors


class ClientLanguageForm(PortalForm):
    language = RadioField(
        _l("Which language should messages and letters to your client be in?"),
        choices=lambda: [SelectChoice(code, name) for code, name in language_choices()],
        validators=[InputRequired(message=_l("Choose a language"))],
        invalid_choice_message=_l("Choose one of the options"),
    )


class ShareCodeForm(DateOfBirthForm):
    """The client's code, A-number and date of birth (day, month, year, from DateOfBirthForm)."""

    code = StringField(
        _l("Your client's code"),
        description=_l("Your client makes it on their own page. It has 10 letters and numbers, like K7QM4-TX2PB."),
        validators=[DataRequired(message=_l("Enter the code your client gave you")),
                    Length(max=CODE_LIMIT, message=_l("The code is too long"))],
    )
    a_number = StringField(
        _l("Your client's A-number"),
        description=_l("8 or 9 digits, like A-123-456-789."),
        validators=[DataRequired(message=_l("Enter your client's A-number")), Length(max=CODE_LIMIT),
                    valid_a_number],
    )

    def validate_day(self, field: StringField) -> None:
        try:
            super().validate_day(field)
        except ValidationError:
            raise ValidationError(_l("Enter your client's date of birth: day, month and year, in numbers")) from None
