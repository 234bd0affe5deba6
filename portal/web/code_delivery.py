"""Local use only: send queued one-time codes right after the response has gone out, so a
new user needs no worker process. The response is complete before this runs, so it adds
nothing to the time the visitor sees. Production runs the worker instead."""

from __future__ import annotations

from flask import Response, after_this_request, current_app

from portal.db import session
from portal.messaging.sms import sms_sender
from portal.models import utcnow
from portal.services.code_delivery import deliver_pending_codes


def deliver_after_response() -> None:
    if not current_app.config["DELIVER_CODES_IN_PROCESS"]:
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def deliver() -> None:
        with app.app_context():
            db = session()
            deliver_pending_codes(db, sms_sender(db), now=utcnow())
            db.commit()

    @after_this_request
    def schedule(response: Response) -> Response:
        response.call_on_close(deliver)
        return response
