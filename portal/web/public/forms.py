"""Forms for the identification pages: one question each."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from portal.web.forms import PortalForm, valid_a_number

FIELD_LIMIT = 64


class ANumberForm(PortalForm):
    a_number = StringField(
        _l("What is your A-number?"),
        description=_l("It has 8 or 9 digits and is on letters from the immigration court or agency. "
                       "For example, A-123-456-789."),
        validators=[DataRequired(message=_l("Enter your A-number")), Length(max=FIELD_LIMIT), valid_a_number],
    )



class DateOfBirthForm(PortalForm):
    day = StringField(_l("Day"), validators=[Length(max=FIELD_LIMIT)])
    month = StringField(_l("Month"), validators=[Length(max=FIELD_LIMIT)])
    year = StringField(_l("Year"), validators=[Length(max=FIELD_LIMIT)])

    def validate_day(self, _field: StringField) -> None:
        parts = [(part.data or "").strip() for part in (self.day, self.month, self.year)]
        if not all(parts):
            raise ValidationError(_l("Enter your date of birth: day, month and year"))
        if not all(part.isdecimal() for part in parts) or len(parts[2]) != 4:
            raise ValidationError(_l("Enter your date of birth in numbers, like 27 3 1990"))
        try:
            born = date(int(parts[2]), int(parts[1]), int(parts[0]))
        except (ValueError, OverflowError):
            raise ValidationError(_l("Date of birth must be a real date")) from None
        if not date(1900, 1, 1) <= born <= datetime.now(UTC).date():
            raise ValidationError(_l("Date of birth must be in the past"))

    @property
    def date_of_birth(self) -> date:
        return date(int(self.year.data), int(self.month.data), int(self.day.data))


class HasCodeForm(PortalForm):
    has_code = RadioField(
        _l("Do you have a code from a letter or text message we sent you?"),
        choices=[SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))],
        validators=[InputRequired(message=_l("Select yes if you have a code from us"))],
    )


class NoticeCodeForm(PortalForm):
    code = StringField(
        _l("Enter the code from your letter or text message"),
        description=_l("It has 10 letters and numbers, like K7QM4-TX2PB."),
        validators=[DataRequired(message=_l("Enter the code from your letter or text message")),
                    Length(max=FIELD_LIMIT, message=_l("The code is too long"))],
    )


class OneTimeCodeForm(PortalForm):
    code = StringField(
        _l("Enter the 6-digit code"),
        validators=[DataRequired(message=_l("Enter the 6-digit code")),
                    Length(max=FIELD_LIMIT, message=_l("The code is too long"))],
    )


class ConfirmForm(PortalForm):
    """A form with nothing but its CSRF token, for one-button actions."""
