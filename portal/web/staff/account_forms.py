"""The form for the staff member's own mobile phone number (its code uses the public
OneTimeCodeForm: the same question and checks)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import TelField
from wtforms.validators import DataRequired, Length

from portal.web.forms import PortalForm, valid_phone_number

FIELD_LIMIT = 64


class StaffPhoneForm(PortalForm):
    phone = TelField(
        _l("What is your mobile phone number?"),
        description=_l("Campaign test messages go to this number. If it is not in the United States, start with "
                       "+ and the country code. We will text a code to it."),
        validators=[DataRequired(message=_l("Enter a mobile phone number")),
                    Length(max=FIELD_LIMIT, message=_l("The phone number is too long")),
                    valid_phone_number(mobile_only=True)],
    )

