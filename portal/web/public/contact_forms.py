"""Forms for "How we contact you": one question each."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from wtforms import RadioField, SelectField, StringField, TelField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from portal.i18n import folded, language_choices
from portal.services.contact import (
    US_STATES,
    InvalidZipCode,
    international_countries,
    normalise_zip_code,
)
from portal.web.forms import PortalForm, valid_phone_number

FIELD_LIMIT = 64
LINE_LIMIT = 100
NOT_A_CHOICE = _l("Choose one of the options")
PHONE_LENGTH = Length(max=FIELD_LIMIT, message=_l("The phone number is too long"))


class ChannelForm(PortalForm):
    channel = RadioField(
        _l("How do you want us to contact you?"),
        choices=[
            SelectChoice("sms", _l("By text message")),
            SelectChoice("letter", _l("By letter")),
            SelectChoice("attorney", _l("Through my lawyer")),
        ],
        validators=[InputRequired(message=_l("Choose how you want us to contact you"))],
        invalid_choice_message=NOT_A_CHOICE,
    )


class PhoneNumberForm(PortalForm):
    phone = TelField(
        _l("What mobile phone number should we send text messages to?"),
        description=_l("If the number is not in the United States, start with + and the country code, "
                       "like +52 for Mexico. We will send a code to this number."),
        validators=[DataRequired(message=_l("Enter a mobile phone number")), PHONE_LENGTH,
                    valid_phone_number(mobile_only=True)],
    )


class PhoneCodeForm(PortalForm):
    code = StringField(
        _l("Enter the 6-digit code"),
        validators=[DataRequired(message=_l("Enter the 6-digit code")),
                    Length(max=FIELD_LIMIT, message=_l("The code is too long"))],
    )


class LetterPlaceForm(PortalForm):
    place = RadioField(
        _l("Where do you want letters sent?"),
        choices=[SelectChoice("us", _l("In the United States")), SelectChoice("abroad", _l("In another country"))],
        validators=[InputRequired(message=_l("Choose where you want letters sent"))],
        invalid_choice_message=NOT_A_CHOICE,
    )


def _line(label: LazyString, message: LazyString | None = None, *, optional: bool = False) -> StringField:
    """One line of an address, required unless `optional`."""
    required = Optional() if optional else DataRequired(message=message)
    return StringField(label, validators=[required, Length(max=LINE_LIMIT, message=_l("This line is too long"))])


class UsAddressForm(PortalForm):
    line1 = _line(_l("Address line 1"), _l("Enter the first line of the address"))
    line2 = _line(_l("Address line 2 (optional)"), optional=True)
    city = _line(_l("City"), _l("Enter the city"))
    state = SelectField(
        _l("State"),
        choices=lambda: [SelectChoice("", _l("Choose a state")), *_by_name(US_STATES)],
        validators=[DataRequired(message=_l("Choose the state"))],
        invalid_choice_message=_l("Choose the state"),
    )
    zip_code = StringField(
        _l("ZIP code"), description=_l("5 or 9 digits, like 92154 or 92154-1234"),
        validators=[DataRequired(message=_l("Enter the ZIP code")), Length(max=FIELD_LIMIT)],
    )

    def validate_zip_code(self, field: StringField) -> None:
        try:
            normalise_zip_code(field.data)
        except InvalidZipCode:
            raise ValidationError(_l("Enter a ZIP code with 5 or 9 digits, like 92154")) from None


class InternationalAddressForm(PortalForm):
    line1 = _line(_l("Address line 1"), _l("Enter the first line of the address"))
    line2 = _line(_l("Address line 2 (optional)"), optional=True)
    line3 = _line(_l("Address line 3 (optional)"), optional=True)
    city = _line(_l("City or town"), _l("Enter the city or town"))
    region = _line(_l("State, province or region (optional)"), optional=True)
    postal_code = StringField(_l("Postal code (optional)"), validators=[Optional(), Length(max=FIELD_LIMIT)])
    country = SelectField(
        _l("Country"),
        choices=lambda: [SelectChoice("", _l("Choose a country")),
                         *_by_name(international_countries(str(get_locale())))],
        validators=[DataRequired(message=_l("Choose the country"))],
        invalid_choice_message=_l("Choose the country"),
    )


class LanguageForm(PortalForm):
    language = RadioField(
        _l("Which language should our messages and letters be in?"),
        choices=lambda: [SelectChoice(code, name) for code, name in language_choices()],
        validators=[InputRequired(message=_l("Choose a language"))],
        invalid_choice_message=NOT_A_CHOICE,
    )


def _by_name(names: Mapping[str, object]) -> list[SelectChoice]:
    """Options sorted by name as people read it: accents and case do not change the order."""
    choices = [SelectChoice(code, str(name)) for code, name in names.items()]
    return sorted(choices, key=lambda choice: folded(choice.label))
