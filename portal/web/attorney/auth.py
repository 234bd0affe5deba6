"""Who may open which attorney page, and the pages that sign attorneys in and out.

Every view of the `attorney` blueprint declares its access with one decorator:
- `@attorney_required`: signed in with both factors, account verified by staff (an account
  pending or rejected is sent to its status page: it sees no client);
- `@attorney_required(verified=False)`: signed in with both factors, any status;
- `@code_step_required`: the password step done, the code not yet;
- `@before_sign_in`: open to anyone (registration, sign-in and sign-out pages).
Put the decorator under `@limiter.limit`, so that refused POSTs are counted too.

Pages about one client take the person's id and call `client_or_404(person_id)` first: a
person who is not a live client of the signed-in attorney is "not found", whether they
exist, belong to another attorney or revoked the link. Each view a signed-in attorney opens
(or is refused with a 404) goes to the audit log, with the person as subject when the URL
names one."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, overload

from flask import abort, g, redirect, request, url_for
from werkzeug import Response
from werkzeug.exceptions import NotFound

from portal.db import session as db_session
from portal.models import AffectedPerson, Attorney, AttorneyStatus, utcnow
from portal.models.attorney import AttorneySession
from portal.services.attorney_clients import live_client
from portal.services.attorney_sessions import (
    begin_sign_in,
    end_attorney_session,
    finish_sign_in,
    resume_attorney_session,
)
from portal.services.audit import record_event
from portal.web.sign_in_steps import SignInSteps

STEPS = SignInSteps("attorney", begin=begin_sign_in, finish=finish_sign_in, end=end_attorney_session)
View = Callable[..., Any]


@dataclass(frozen=True)
class AttorneyAccess:
    """What an attorney view asks of its visitor: `open`, `code_step` (password done, code
    not yet) or `signed_in` (both factors); signed-in views may also ask for verification."""

    kind: str
    verified: bool = False


def attorney_access_of(view: View | None) -> AttorneyAccess | None:
    """The access a view declared, looking through the decorators wrapped around it."""
    while view is not None:
        access = getattr(view, "attorney_access", None)
        if isinstance(access, AttorneyAccess):
            return access
        view = getattr(view, "__wrapped__", None)
    return None


def _declare(view: View, access: AttorneyAccess, guard: Callable[[], Response | None], *, audited: bool) -> View:
    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        refusal = guard()
        if refusal is not None:
            return refusal
        if not audited:
            return view(*args, **kwargs)
        try:
            response = view(*args, **kwargs)
        except NotFound:
            _record_view("not_found")
            raise
        _record_view("shown")
        return response

    guarded.attorney_access = access  # type: ignore[attr-defined]
    return guarded


@overload
def attorney_required(view: View, /) -> View: ...
@overload
def attorney_required(*, verified: bool = True) -> Callable[[View], View]: ...


def attorney_required(view: View | None = None, /, *, verified: bool = True) -> Any:
    """Only for a signed-in attorney (password and code). With `verified` (the default) the
    account must also be verified by staff; others go to the account status page. Use as
    `@attorney_required`, `@attorney_required()` or `@attorney_required(verified=False)`."""

    def guard() -> Response | None:
        live = live_session()
        if live is None:
            return STEPS.to_sign_in()
        if live.second_factor_at is None:
            return redirect(url_for("attorney.sign_in_code"))
        attorney = current_attorney()
        if attorney is None:
            return STEPS.to_sign_in()
        if verified and attorney.status != AttorneyStatus.VERIFIED:
            return redirect(url_for("attorney.account_status"))
        return None

    def decorate(target: View) -> View:
        return _declare(target, AttorneyAccess("signed_in", verified=verified), guard, audited=True)

    return decorate(view) if view is not None else decorate


def code_step_required(view: View) -> View:
    """Only for a session past the password step and waiting for its code."""

    def guard() -> Response | None:
        live = live_session()
        if live is None:
            return STEPS.to_sign_in()
        if live.second_factor_at is not None:
            return redirect(url_for("attorney.home"))
        return None

    return _declare(view, AttorneyAccess("code_step"), guard, audited=False)


def before_sign_in(view: View) -> View:
    """Open to anyone: registration, the sign-in pages, signing out and "signed out"."""
    return _declare(view, AttorneyAccess("open"), lambda: None, audited=False)


def current_attorney() -> Attorney | None:
    """The attorney signed in (both factors) in this request, or None."""
    live = live_session()
    if live is None or live.second_factor_at is None:
        return None
    return db_session().get(Attorney, live.attorney_id)


def signed_in_attorney() -> Attorney:
    """The attorney of a view behind `@attorney_required`: there is always one."""
    attorney = current_attorney()
    if attorney is None:  # only reachable from a view that forgot its decorator
        abort(403)
    return attorney


def client_or_404(person_id: Any) -> AffectedPerson:
    """The person, if they are a live client of the signed-in, verified attorney; otherwise
    a 404, the same for a person who does not exist, another attorney's client, a revoked
    link or an unverified account."""
    person = live_client(db_session(), signed_in_attorney(), person_id)
    if person is None:
        abort(404)
    return person


def live_session() -> AttorneySession | None:
    """This request's attorney session (either step), looked up and marked seen once."""
    if "attorney_session" not in g:
        db = db_session()
        g.attorney_session = resume_attorney_session(db, STEPS.token(), now=utcnow())
        db.commit()
    return g.attorney_session


def _record_view(outcome: str) -> None:
    """One audit event per attorney view: who, which page, which person (by id), the result."""
    attorney = current_attorney()
    if attorney is None:
        return
    # Routes take the person's id through the `uuid` converter: nothing typed reaches the log.
    person_id = (request.view_args or {}).get("person_id")
    about = person_id if isinstance(person_id, uuid.UUID) else None
    db = db_session()
    record_event(db, actor_type="attorney", actor_id=str(attorney.id), action="attorney.page_viewed",
                 subject_type="person" if about else None, subject_id=str(about) if about else None,
                 details={"endpoint": request.endpoint, "method": request.method, "outcome": outcome})
    db.commit()
