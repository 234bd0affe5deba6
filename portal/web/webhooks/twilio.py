"""Twilio's webhooks: delivery reports (`/webhooks/twilio/status`) and texts people send us
(`/webhooks/twilio/inbound`). Thin: check the signature, hand plain values to a service.

The signature (`X-Twilio-Signature`) covers the URL Twilio called and every posted field. We
check it against the URL the public calls, `PUBLIC_BASE_URL` + path + query, never the URL
Flask sees behind a proxy (DESIGN.md §7). Without a configured auth token nothing is accepted.

Requests without a valid signature count against the usual per-client form limit, so a
stranger probing is cut off soon. Signed delivery reports are not limited at all: they are
authenticated, and a large campaign brings thousands a minute from a few Twilio addresses.
Signed inbound texts count against a generous limit of their own."""

from __future__ import annotations

import logging

from flask import Response, current_app, g, request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from portal.db import session as db_session
from portal.models import utcnow
from portal.security.rate_limits import FORM_POSTS_PER_CLIENT, limiter
from portal.services import delivery_status, replies
from portal.web.webhooks import blueprint

log = logging.getLogger(__name__)

# Texts people send us; far more than one phone number receives in a minute.
WEBHOOK_POSTS_PER_CLIENT = "600 per minute"
SIGNATURE_HEADER = "X-Twilio-Signature"


def public_url() -> str:
    """The URL Twilio called, as the public sees it: what Twilio signed."""
    query = request.query_string.decode("utf-8", "replace")
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + request.path + (f"?{query}" if query else "")


def signed_by_twilio() -> bool:
    """Whether the request carries Twilio's valid signature (checked once per request)."""
    if "twilio_signed" not in g:
        token = current_app.config.get("TWILIO_AUTH_TOKEN")
        signature = request.headers.get(SIGNATURE_HEADER, "")
        g.twilio_signed = bool(token and signature) and RequestValidator(token).validate(
            public_url(), request.form, signature)
    return g.twilio_signed


def _not_signed_by_twilio() -> bool:
    return not signed_by_twilio()


def _refused() -> Response:
    log.warning("Refused a Twilio webhook without a valid signature")
    return Response(status=403)


def _twiml(text: str | None) -> Response:
    answer = MessagingResponse()
    if text:
        answer.message(text)
    return Response(str(answer), mimetype="application/xml")


@blueprint.post("/twilio/status")
@limiter.limit(FORM_POSTS_PER_CLIENT, exempt_when=signed_by_twilio)
def twilio_status() -> Response:
    if not signed_by_twilio():
        return _refused()
    form = request.form
    status = form.get("MessageStatus") or form.get("SmsStatus") or ""
    db = db_session()
    delivery_status.record_delivery_status(db, form.get("MessageSid", ""), status, form.get("ErrorCode"),
                                           now=utcnow())
    db.commit()
    return Response(status=204)


@blueprint.post("/twilio/inbound")
@limiter.limit(WEBHOOK_POSTS_PER_CLIENT, exempt_when=_not_signed_by_twilio)
@limiter.limit(FORM_POSTS_PER_CLIENT, exempt_when=signed_by_twilio)
def twilio_inbound() -> Response:
    if not signed_by_twilio():
        return _refused()
    form = request.form
    message = replies.InboundSms(form.get("MessageSid", ""), form.get("From", ""), form.get("Body", ""))
    db = db_session()
    answer = replies.handle_inbound_sms(db, message, help_phone=current_app.config["HELP_PHONE"],
                                        website=current_app.config["PUBLIC_BASE_URL"], now=utcnow())
    db.commit()
    return _twiml(answer)
