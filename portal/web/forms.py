"""The base of every form: WTForms' own built-in messages, replaced by our words, which are
in our catalogues and so reach every language the portal speaks."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

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
