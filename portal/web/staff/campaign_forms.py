"""Forms of the campaign pages: writing a notice, choosing its audience (an uploaded list of
A-numbers included), submitting it, and deciding on it. The letter batch pages decide with
the same `ApprovalForm`.

The notice texts are checked by `campaigns.check_text`, the one place that knows what a
notice may say: its problems refuse the form, its warnings are shown and allowed. An
uploaded list is read by `audience_lists.read_list` while the form is validated, so a file
of the wrong kind or size is refused with the form's other errors."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale
from flask_babel import format_decimal, get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf.file import FileField, FileRequired
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
from portal.services import audience_lists, campaigns
from portal.web.forms import PortalForm
from portal.web.staff.words import CUSTODY_WORDS

NAME_LIMIT = 200  # Campaign.name
TEXT_LIMIT = 1000  # about 15 UCS-2 segments: longer is a letter, not a text message
REASON_LIMIT = 500  # Campaign.decision_reason and LetterBatch.decision_reason
DEFAULT_TIMEZONE = "America/New_York"
OTHER_LOCALES = tuple(code for code in SUPPORTED_LOCALES if code != DEFAULT_LOCALE)
# Invisible characters no notice or reason needs (NUL cannot even be stored in PostgreSQL).
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def language_name(code: str) -> str:
    """The language's name in the language of the page ("Spanish" on an English page)."""
    return Locale.parse(code).get_display_name(str(get_locale())) or code


def text_field_name(locale: str) -> str:
    return f"text_{locale}"


def no_control_characters(_form: PortalForm, field: Field) -> None:
    if _CONTROL_CHARACTERS.search(field.data or ""):
        raise ValidationError(_l("Remove the invisible characters from this answer"))


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ANumberListField(FileField):
    """An uploaded `.csv` or `.xlsx` list of A-numbers. What was read is on `uploaded` once
    the form is validated (None when no file was chosen)."""

    uploaded: audience_lists.UploadedList | None = None

    def pre_validate(self, form: PortalForm) -> None:
        if self.data is None:
            return
        try:
            self.uploaded = audience_lists.read_list(self.data.filename or "", self.data.stream)
        except audience_lists.UnreadableList as unreadable:
            raise ValidationError(unreadable.reason) from None


def _list_hint() -> str:
    return gettext("A .csv or .xlsx file of up to %(megabytes)s MB and %(rows)s rows. The A-numbers are read from "
                   "the column headed “A-Number” (or “Alien Number”, “A#”), otherwise from the first column. Only "
                   "the people on the list who also match the other choices get the message. You see a check of "
                   "every row before you go on.",
                   megabytes=audience_lists.MAX_MEGABYTES, rows=format_decimal(audience_lists.MAX_ROWS))


class CampaignForm(PortalForm):
    """A new campaign. The per-language text fields are added below the class, one for
    each portal language; choices of the audience filters are set by the view."""

    name = StringField(_l("Name of the campaign"),
                       description=_l("Only staff see this name. Do not put personal details in it."),
                       validators=[DataRequired(), Length(max=NAME_LIMIT), no_control_characters])
    incident = SelectField(_l("Incident"), validators=[Optional()])
    custody_status = CheckboxesField(
        _l("Custody status"), validators=[Optional()],
        choices=[SelectChoice(status.value, words) for status, words in CUSTODY_WORDS.items()])
    languages = CheckboxesField(_l("Languages"), validators=[Optional()])
    remedy = SelectField(_l("Remedy the person can ask for"), validators=[Optional()])
    a_number_list = ANumberListField(_l("List of A-numbers (optional)"), description=LazyString(_list_hint))
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
        valid = self._quiet_hours_make_sense() and valid
        if not valid and self.a_number_list.data is not None and not self.a_number_list.errors:
            # Browsers never fill a file input back in: unsaid, the corrected form would be
            # sent without the list and reach everyone the filters match.
            self.a_number_list.errors.append(gettext("Choose the list of A-numbers again: a file is not kept when "
                                                     "another answer needs correcting"))
        return valid

    def _quiet_hours_make_sense(self) -> bool:
        # Here, not in a field's validator: Optional() skips those of an empty field.
        start, end = self.quiet_start.data, self.quiet_end.data
        if (start is None) != (end is None) and not (self.quiet_start.errors or self.quiet_end.errors):
            self.quiet_end.errors.append(gettext("Give both times of the quiet hours, or neither"))
            return False
        if start is not None and start == end:
            self.quiet_end.errors.append(gettext("The quiet hours must end at another time than they start"))
            return False
        return True

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
        checks = [*required, Length(max=TEXT_LIMIT), no_control_characters, _check_notice_text]
        # The placeholders are explained once, on the text every campaign must have.
        field = TextAreaField(_text_label(code), description=hint if code == DEFAULT_LOCALE else None,
                              validators=checks)
        setattr(CampaignForm, text_field_name(code), field)


_add_text_fields()


class SubmitForm(PortalForm):
    confirm_repeat = BooleanField(_l("Yes, send the same text to the same people again"))


class AudienceListForm(PortalForm):
    """Another list of A-numbers for a draft, replacing the one it has."""

    a_number_list = ANumberListField(_l("List of A-numbers"), description=LazyString(_list_hint),
                                     validators=[FileRequired(message=_l("Choose a .csv or .xlsx file to upload"))])


class ListConfirmForm(PortalForm):
    leave_out_problems = BooleanField(_l("Yes, leave out the rows listed above and go on with the people accepted"))


class ApprovalForm(PortalForm):
    """Approve or reject what another staff member made; a rejection needs a reason, which
    its author reads. A subclass names the two choices and asks for the missing reason."""

    decision = RadioField(_l("Your decision"), validators=[InputRequired()])
    reason = TextAreaField(_l("Reason"), description=_l("Needed when you reject. The author sees it."),
                           validators=[Length(max=REASON_LIMIT), no_control_characters])
    choices: tuple[SelectChoice, SelectChoice]  # approve, reject
    reason_missing: LazyString

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.decision.choices = list(self.choices)

    @property
    def approved(self) -> bool:
        return self.decision.data == "approve"

    def validate_reason(self, field: Field) -> None:
        if not self.approved and not (field.data or "").strip():
            raise ValidationError(self.reason_missing)

    def apply(self, approve: Callable[..., None], reject: Callable[..., None], *args: Any, **kwargs: Any) -> None:
        """Call the service's `approve(*args, **kwargs)`, or its `reject` with the reason too."""
        if self.approved:
            approve(*args, **kwargs)
        else:
            reject(*args, reason=self.reason.data.strip(), **kwargs)


class DecisionForm(ApprovalForm):
    choices = (SelectChoice("approve", _l("Approve: send it")), SelectChoice("reject", _l("Reject: do not send it")))
    reason_missing = _l("Say why you reject the campaign")
