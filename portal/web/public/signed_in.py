"""The verified person's session: who is signed in, and the guard on personal pages."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import g, redirect, session, url_for
from sqlalchemy import select

from portal.db import session as db_session
from portal.i18n import device_language
from portal.models import AffectedPerson, ContactPreference, utcnow
from portal.services.person_sessions import resume_session

PERSON_TOKEN = "person_token"  # noqa: S105 (the name of a session key, not a secret)


def signed_in_person() -> AffectedPerson | None:
    """The person of this request's live session, loaded once per request."""
    if "person" not in g:
        db = db_session()
        person_id = resume_session(db, session.get(PERSON_TOKEN), now=utcnow())
        db.commit()
        g.person = db.get(AffectedPerson, person_id) if person_id else None
        if g.person is not None:
            # Their language on record is used when they have not chosen one on this device.
            g.person_locale = db.scalar(
                select(ContactPreference.language).where(ContactPreference.person_id == person_id)
            )
    return g.person


def person_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Personal pages: without a live session, go to the "signed out" page. It is the same
    page for an expired session and for someone who never signed in."""

    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if signed_in_person() is None:
            session.pop(PERSON_TOKEN, None)
            return redirect(url_for("public.signed_out"))
        return view(*args, **kwargs)

    return guarded


def load_person_language() -> None:
    """Before every public page: a signed-in person's pages are in their language on record
    unless they chose another on this device, the start page included. A language chosen on
    this device wins anyway, so then nothing is looked up."""
    if session.get(PERSON_TOKEN) and not device_language():
        signed_in_person()
