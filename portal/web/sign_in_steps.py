"""The pages that sign staff and attorneys in and out (password, then authenticator code),
shared by both blueprints: each declares its own routes and access, and calls these.

One answer for every refusal (an unknown email, a wrong password or code, a locked or
deactivated account): a redirect to the empty sign-in form, which says once that "the
email or password is not right". Each step that succeeds starts a fresh cookie session."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from flask import redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug import Response

from portal.db import session as db_session
from portal.models import utcnow

SIGN_IN_LIMIT = "30 per 10 minutes"  # per client; each account also locks after 5 failures
SIGN_OUT_LIMIT = "30 per 10 minutes"
# The one answer to a wrong email, password or code, and to a locked or deactivated account.
REFUSED_MESSAGE = _l("The email or password is not right")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignInSteps:
    """The sign-in pages of one blueprint (`name`, also the prefix of its session keys),
    over its account kind's services (see portal.services.two_factor)."""

    name: str
    begin: Callable[..., str | None]  # begin_sign_in(db, *, email, password, now)
    finish: Callable[..., str | None]  # finish_sign_in(db, token, code, *, now)
    end: Callable[..., None]  # end_session(db, token, *, now, reason=...)

    @property
    def token_key(self) -> str:
        return f"{self.name}_token"

    def token(self) -> str | None:
        """The token of this browser's server-side session, if it has one."""
        return session.get(self.token_key)

    def start_cookie_session(self, token: str | None) -> None:
        """A step that succeeded starts a new cookie session with its token (fixation
        protection: nothing from before survives the change of privilege). A refused step
        only drops the token, and keeps the CSRF token so the form can be sent again."""
        if token is not None:
            session.clear()
            session.permanent = True
            session[self.token_key] = token
        else:
            session.pop(self.token_key, None)
            session[f"{self.name}_sign_in_refused"] = True

    def to_sign_in(self) -> Response:
        """The sign-in page, or the "signed out" page when this browser's session has ended."""
        ended = session.pop(self.token_key, None) is not None
        return redirect(url_for(f"{self.name}.signed_out" if ended else f"{self.name}.sign_in"))

    def password_page(self, form: FlaskForm, template: str) -> Response | str:
        """The password step. Refused or not, the answer to a POST is a redirect: the same
        status, headers and body for every reason, and the refusal is shown once by the GET."""
        if not form.validate_on_submit():
            if request.method == "GET" and session.pop(f"{self.name}_sign_in_refused", False):
                form.email.errors = [REFUSED_MESSAGE]
            return render_template(template, form=form)
        db = db_session()
        now = utcnow()
        self.end(db, self.token(), now=now, reason="replaced")
        token = self.begin(db, email=form.email.data, password=form.password.data, now=now)
        db.commit()
        self.start_cookie_session(token)
        return redirect(url_for(f"{self.name}.sign_in_code" if token else f"{self.name}.sign_in"))

    def code_page(self, form: FlaskForm, template: str) -> Response | str:
        """The code step: the home page, or the sign-in page again after a refusal."""
        if not form.validate_on_submit():
            return render_template(template, form=form)
        token = self.finish_step(form.code.data)
        if token is None:
            self.start_cookie_session(None)
        log.info("%s sign-in %s", self.name, "completed" if token else "refused at the code step")
        return redirect(url_for(f"{self.name}.home" if token else f"{self.name}.sign_in"))

    def finish_step(self, code: str) -> str | None:
        """Checks the code for this browser's half session: the signed-in token (in a new
        cookie session), or None (what to do then is the page's choice)."""
        db = db_session()
        token = self.finish(db, self.token(), code, now=utcnow())
        db.commit()
        if token is not None:
            self.start_cookie_session(token)
        return token

    def sign_out(self, form: FlaskForm) -> Response:
        """Ends the session (a POST with a valid CSRF token) and says so."""
        if form.validate_on_submit():
            db = db_session()
            self.end(db, self.token(), now=utcnow())
            db.commit()
            session.clear()
        return redirect(url_for(f"{self.name}.signed_out"))

