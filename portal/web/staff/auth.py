"""Who may open which staff page, and the pages that sign staff in and out.

Every view of the `staff` blueprint declares its access with one decorator:
`@staff_required("capability")` (or `@staff_required()` for any signed-in staff),
`@code_step_required` (the code page, after the password), or `@before_sign_in` (the
sign-in pages themselves). A view without one is refused (see `portal.web.staff`), and a
test reads the declaration of every route. Put the decorator under `@limiter.limit`, so that
refused POSTs are counted too."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import abort, g, redirect, render_template, request, url_for
from werkzeug import Response

from portal.db import session as db_session
from portal.models import StaffRole, StaffUser, utcnow
from portal.models.staff import StaffSession
from portal.security.rate_limits import limiter
from portal.services.staff import CAPABILITIES, UnknownCapability, can
from portal.services.staff_sessions import begin_sign_in, end_staff_session, finish_sign_in, resume_staff_session
from portal.web.sign_in_steps import SIGN_IN_LIMIT, SIGN_OUT_LIMIT, SignInSteps
from portal.web.staff import blueprint
from portal.web.staff.forms import ButtonForm, SignInCodeForm, SignInForm

STEPS = SignInSteps("staff", begin=begin_sign_in, finish=finish_sign_in, end=end_staff_session)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StaffAccess:
    """What a staff view asks of its visitor: `open` (the sign-in pages), `code_step` (the
    password step done, the code not yet) or `signed_in` (both), with a capability or not."""

    kind: str
    capability: str | None = None

    def allows(self, role: StaffRole) -> bool:
        """Whether signed-in staff with this role may open the view."""
        return self.kind == "signed_in" and (self.capability is None or can(role, self.capability))


View = Callable[..., Any]


def staff_access_of(view: View | None) -> StaffAccess | None:
    """The access a view declared, looking through the decorators wrapped around it."""
    while view is not None:
        access = getattr(view, "staff_access", None)
        if isinstance(access, StaffAccess):
            return access
        view = getattr(view, "__wrapped__", None)
    return None


def _declare(view: View, access: StaffAccess, guard: Callable[[], Response | tuple[str, int] | None]) -> View:
    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        refusal = guard()
        return refusal if refusal is not None else view(*args, **kwargs)

    guarded.staff_access = access  # type: ignore[attr-defined]
    return guarded


def staff_required(capability: str | None = None, *, passive: bool = False) -> Callable[[View], View]:
    """Only for signed-in staff (both factors) whose role has `capability` (any role when
    None). Without a session: the sign-in page (or "signed out" when it expired); after the
    password step only: the code page; without the capability: a 403 page.

    `passive` is for what a page's script fetches by itself (a progress page refreshing its
    numbers): such a request is checked like any other but is not activity, so a screen
    left open still reaches the idle timeout."""
    if capability is not None and capability not in CAPABILITIES:
        raise UnknownCapability(capability)  # a typo in a view fails at import, not quietly

    def guard() -> Response | tuple[str, int] | None:
        live = _live_session(passive=passive)
        if live is None:
            return STEPS.to_sign_in()
        if live.second_factor_at is None:
            return redirect(url_for("staff.sign_in_code"))
        user = current_staff()
        if capability is not None and (user is None or not can(user.role, capability)):
            log.info("staff page refused: the role lacks %s", capability)
            return render_template("staff/home.html", refused=True), 403
        return None

    return lambda view: _declare(view, StaffAccess("signed_in", capability), guard)


def code_step_required(view: View) -> View:
    """Only for a session past the password step and waiting for its code."""

    def guard() -> Response | None:
        live = _live_session()
        if live is None:
            return STEPS.to_sign_in()
        if live.second_factor_at is not None:
            return redirect(url_for("staff.home"))
        return None

    return _declare(view, StaffAccess("code_step"), guard)


def before_sign_in(view: View) -> View:
    """Open to anyone: the sign-in pages, signing out and the "signed out" page."""
    return _declare(view, StaffAccess("open"), lambda: None)


def current_staff() -> StaffUser | None:
    """The staff member signed in (both factors) in this request, or None."""
    live = _live_session()
    if live is None or live.second_factor_at is None:
        return None
    return db_session().get(StaffUser, live.staff_user_id)


def signed_in_staff() -> StaffUser:
    """The staff member of a view behind `@staff_required`: there is always one."""
    user = current_staff()
    if user is None:  # only reachable from a view that forgot its decorator
        abort(403)
    return user


def _live_session(*, passive: bool = False) -> StaffSession | None:
    """This request's staff session (either step), looked up once, and marked seen unless
    the request is `passive` (see `staff_required`)."""
    if "staff_session" not in g:
        db = db_session()
        g.staff_session = resume_staff_session(db, STEPS.token(), now=utcnow(), passive=passive)
        db.commit()
    return g.staff_session


@blueprint.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(SIGN_IN_LIMIT, methods=["POST"])
@before_sign_in
def sign_in():
    if request.method == "GET" and current_staff() is not None:
        return redirect(url_for("staff.home"))
    return STEPS.password_page(SignInForm(), "staff/sign_in.html")


@blueprint.route("/sign-in/code", methods=["GET", "POST"])
@limiter.limit(SIGN_IN_LIMIT, methods=["POST"])
@code_step_required
def sign_in_code():
    return STEPS.code_page(SignInCodeForm(), "staff/sign_in_code.html")


@blueprint.post("/sign-out")
@limiter.limit(SIGN_OUT_LIMIT)
@before_sign_in
def sign_out():
    return STEPS.sign_out(ButtonForm())


@blueprint.get("/signed-out")
@before_sign_in
def signed_out():
    return render_template("staff/signed_out.html")
