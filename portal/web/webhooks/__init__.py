"""Callbacks from outside services (Twilio). No person visits these, so no CSRF token: each
request is authenticated by the provider's signature instead."""

from flask import Blueprint

from portal.extensions import csrf

blueprint = Blueprint("webhooks", __name__, url_prefix="/webhooks")
csrf.exempt(blueprint)

from portal.web.webhooks import twilio  # noqa: E402,F401  (register the routes)
