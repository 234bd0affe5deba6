"""The base of every form: WTForms' own built-in messages, replaced by our words, which are
in our catalogues and so reach every language the portal speaks."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.validators import ValidationError

from portal.security.a_numbers import InvalidANumber, normalise_a_number
from portal.services.contact import InvalidPhoneNumber, LandlineNumber, normalise_phone_number

_BUILT_IN_MESSAGES = {
    "Not a valid choice.": _l("Choose one of the options shown"),
    "This field is required.": _l("Answer this question"),
}
_FALLBACK = _l("Check this answer and try again")
_TOO_LONG = _l("This answer is too long")


class _PortalMessages:
    """The translations object WTForms asks for its built-in messages."""

    def gettext(self, message: str) -> str:
        return str(_BUILT_IN_MESSAGES.get(message, _FALLBACK))

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return str(_TOO_LONG if "longer than" in singular else _FALLBACK)


class PortalForm(FlaskForm):
    class Meta(FlaskForm.Meta):
        def get_translations(self, form: FlaskForm) -> _PortalMessages:
            return _PortalMessages()


def valid_a_number(_form: FlaskForm, field: Field) -> None:
    """Validator: an A-number in any accepted spelling."""
    try:
        normalise_a_number(field.data or "")
    except InvalidANumber:
        raise ValidationError(_l("Enter an A-number with 8 or 9 digits, like A-123-456-789")) from None


def valid_phone_number(*, mobile_only: bool) -> Callable[[FlaskForm, Field], None]:
    """Validator: a phone number anywhere (a mobile one for texts), kept in E.164 form on
    `field.e164` for the view."""

    def validate(_form: FlaskForm, field: Field) -> None:
        try:
            field.e164 = normalise_phone_number(field.data or "", mobile_only=mobile_only)
        except LandlineNumber:
            raise ValidationError(_l("This number cannot get text messages. Enter a mobile phone number")) from None
        except InvalidPhoneNumber:
            raise ValidationError(_l("Enter a real phone number. If it is not in the United States, "
                                     "start with + and the country code")) from None

    return validate
