"""Forms of the queue pages that are not about people: rejecting an attorney."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from portal.services.attorneys import REASON_LIMIT
from portal.web.forms import PortalForm


class AttorneyRejectionForm(PortalForm):
    reason = TextAreaField(
        _l("Why can the account not be verified?"),
        description=_l("The attorney reads this when they sign in. Say what is wrong or missing, for example "
                       "that the EOIR ID does not belong to this name. Write nothing about any client."),
        validators=[DataRequired(message=_l("Give a reason the attorney can read")),
                    Length(max=REASON_LIMIT, message=_l("The reason is too long"))],
    )
