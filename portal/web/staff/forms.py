"""Forms for the staff sign-in pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from portal.web.forms import PortalForm

EMAIL_LIMIT = 254
PASSWORD_LIMIT = 1024  # Argon2id reads all of it: a megabyte "password" would cost real work
CODE_LIMIT = 64


class SignInForm(PortalForm):
    # The built-in messages ("Answer this question", "This answer is too long") say enough
    # here; what is wrong with the email or password itself is never said, see the views.
    email = EmailField(_l("Email address"), validators=[DataRequired(), Length(max=EMAIL_LIMIT)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=PASSWORD_LIMIT)])


class SignInCodeForm(PortalForm):
    code = StringField(
        _l("Enter the 6-digit code from your authenticator app"),
        description=_l("A new code appears every 30 seconds. If the code is not right, you sign in again "
                       "from the start."),
        validators=[DataRequired(message=_l("Enter the 6-digit code")),
                    Length(max=CODE_LIMIT, message=_l("The code is too long"))],
    )


class ButtonForm(PortalForm):
    """A form with nothing but its CSRF token, for one-button actions such as signing out."""
