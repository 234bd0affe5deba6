"""Forms of the campaign pages: writing a notice, submitting it, and deciding on it.

The notice texts are checked by `campaigns.check_text`, the one place that knows what a
notice may say: its problems refuse the form, its warnings are shown and allowed."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    Field,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.i18n import DEFAULT_LOCALE, SUPPORTED_LOCALES
from portal.models import CustodyStatus
from portal.services import campaigns
from portal.web.forms import PortalForm

NAME_LIMIT = 200  # Campaign.name
TEXT_LIMIT = 1000  # about 15 UCS-2 segments: longer is a letter, not a text message
REASON_LIMIT = 500  # Campaign.decision_reason
DEFAULT_TIMEZONE = "America/New_York"
OTHER_LOCALES = tuple(code for code in SUPPORTED_LOCALES if code != DEFAULT_LOCALE)
# Invisible characters no notice or reason needs (NUL cannot even be stored in PostgreSQL).
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CUSTODY_WORDS = {
    CustodyStatus.IN_CUSTODY: _l("In custody"),
    CustodyStatus.RELEASED: _l("Released"),
    CustodyStatus.REMOVED: _l("Removed from the country"),
}


def language_name(code: str) -> str:
    """The language's name in the language of the page ("Spanish" on an English page)."""
    return Locale.parse(code).get_display_name(str(get_locale())) or code


def text_field_name(locale: str) -> str:
    return f"text_{locale}"


def _no_control_characters(_form: PortalForm, field: Field) -> None:
    if _CONTROL_CHARACTERS.search(field.data or ""):
        raise ValidationError(_l("Remove the invisible characters from this answer"))


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CampaignForm(PortalForm):
    """A new campaign. The per-language text fields are added below the class, one for
    each portal language; choices of the audience filters are set by the view."""

    name = StringField(_l("Name of the campaign"),
                       description=_l("Only staff see this name. Do not put personal details in it."),
                       validators=[DataRequired(), Length(max=NAME_LIMIT), _no_control_characters])
    incident = SelectField(_l("Incident"), validators=[Optional()])
    custody_status = CheckboxesField(
        _l("Custody status"), validators=[Optional()],
        choices=[SelectChoice(status.value, words) for status, words in CUSTODY_WORDS.items()])
    languages = CheckboxesField(_l("Languages"), validators=[Optional()])
    remedy = SelectField(_l("Remedy the person can ask for"), validators=[Optional()])
    send_after = DateTimeLocalField(_l("Send from (optional)"), validators=[Optional()],
                                    description=_l("Leave empty to send as soon as the campaign is approved."))
    quiet_start = TimeField(_l("No messages from (optional)"), validators=[Optional()])
    quiet_end = TimeField(_l("No messages until (optional)"), validators=[Optional()])
    timezone = StringField(_l("Time zone"), default=DEFAULT_TIMEZONE,
                           description=_l("For the send time and the quiet hours, like America/New_York."),
                           validators=[DataRequired(), Length(max=64)])

    def text_fields(self) -> list[Field]:
        return [self[text_field_name(code)] for code in SUPPORTED_LOCALES]

    def templates(self) -> dict[str, str]:
        """locale → text, for the languages that have one."""
        return {code: self[text_field_name(code)].data.strip() for code in SUPPORTED_LOCALES
                if (self[text_field_name(code)].data or "").strip()}

    def audience(self) -> dict[str, object]:
        """The audience filters chosen, in the shape `portal.services.audiences` reads."""
        chosen = {"incident": self.incident.data, "custody_status": self.custody_status.data,
                  "languages": self.languages.data, "remedy": self.remedy.data, "channel": "sms"}
        return {key: value for key, value in chosen.items() if value}

    def send_after_utc(self) -> datetime | None:
        if self.send_after.data is None:
            return None
        return self.send_after.data.replace(tzinfo=ZoneInfo(self.timezone.data)).astimezone(UTC)

    def validate_timezone(self, field: Field) -> None:
        if field.data not in _known_timezones():
            raise ValidationError(_l("Enter a time zone like America/New_York"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Here, not in a field's validator: Optional() skips those of an empty field.
        start, end = self.quiet_start.data, self.quiet_end.data
        if (start is None) != (end is None) and not (self.quiet_start.errors or self.quiet_end.errors):
            self.quiet_end.errors.append(gettext("Give both times of the quiet hours, or neither"))
            return False
        if start is not None and start == end:
            self.quiet_end.errors.append(gettext("The quiet hours must end at another time than they start"))
            return False
        return valid

    def validate_send_after(self, field: Field) -> None:
        if field.data is not None and self.timezone.data in _known_timezones() \
                and self.send_after_utc() <= datetime.now(UTC):
            raise ValidationError(_l("Choose a time in the future"))

    def text_warnings(self) -> dict[str, list[str]]:
        """locale → what is risky in its text (shown, allowed)."""
        return {code: warnings for code, text in self.templates().items()
                if (warnings := campaigns.check_text(text).warnings)}


def _check_notice_text(_form: PortalForm, field: Field) -> None:
    """Refuse a text the campaign rules refuse, with the first problem found."""
    if (field.data or "").strip():
        problems = campaigns.check_text(field.data.strip()).problems
        if problems:
            raise ValidationError(problems[0])


@cache
def _known_timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def _text_label(code: str) -> LazyString:
    if code == DEFAULT_LOCALE:
        return LazyString(lambda: gettext("Text in %(language)s (required)", language=language_name(code)))
    return LazyString(lambda: gettext("Text in %(language)s (optional)", language=language_name(code)))


def _add_text_fields() -> None:
    hint = _l("Use ((notice_code)) for the person's code and ((portal_url)) for the portal's address.")
    for code in SUPPORTED_LOCALES:
        required = [DataRequired(message=_l("Write the English text"))] if code == DEFAULT_LOCALE else [Optional()]
        checks = [*required, Length(max=TEXT_LIMIT), _no_control_characters, _check_notice_text]
        # The placeholders are explained once, on the text every campaign must have.
        field = TextAreaField(_text_label(code), description=hint if code == DEFAULT_LOCALE else None,
                              validators=checks)
        setattr(CampaignForm, text_field_name(code), field)


_add_text_fields()


class SubmitForm(PortalForm):
    confirm_repeat = BooleanField(_l("Yes, send the same text to the same people again"))


class DecisionForm(PortalForm):
    decision = RadioField(_l("Your decision"), validators=[InputRequired()],
                          choices=[SelectChoice("approve", _l("Approve: send it")),
                                   SelectChoice("reject", _l("Reject: do not send it"))])
    reason = TextAreaField(_l("Reason"), description=_l("Needed when you reject. The author sees it."),
                           validators=[Length(max=REASON_LIMIT), _no_control_characters])

    def validate_reason(self, field: Field) -> None:
        if self.decision.data == "reject" and not (field.data or "").strip():
            raise ValidationError(_l("Say why you reject the campaign"))
