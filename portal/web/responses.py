"""What every response carries, and the pages for errors. Error pages are the same for
everyone and never show anything from the request."""

from __future__ import annotations

from flask import Flask, Response, current_app, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

# Only this site's own files; no inline code, no other host, no framing.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
    "accelerometer=(), gyroscope=(), magnetometer=(), fullscreen=()"
)
STATIC_TYPES = {"text/css", "text/javascript", "application/javascript", "image/png", "image/svg+xml"}


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    headers["Referrer-Policy"] = "no-referrer"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Permissions-Policy"] = PERMISSIONS_POLICY
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if current_app.config["PORTAL_ENV"] == "production":
        headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    # Pages may show personal data, and phones are shared: nothing may be kept in a cache.
    if response.mimetype not in STATIC_TYPES:
        headers["Cache-Control"] = "no-store"
    return response


def _csrf_failed(_error: CSRFError) -> tuple[str, int]:
    return render_template("errors/session_expired.html"), 400


def _http_error(error: HTTPException) -> tuple[str, int]:
    code = error.code or 500
    template = {404: "errors/not_found.html", 429: "errors/too_many_requests.html"}.get(code, "errors/generic.html")
    return render_template(template, status=code), code


def _unexpected_error(_error: Exception) -> tuple[str, int]:
    # The log formatters keep the exception's class and stack but withhold its message,
    # which may quote personal data (a failed INSERT's values).
    current_app.logger.exception("Unexpected error")
    return render_template("errors/generic.html", status=500), 500


def init_app(app: Flask) -> None:
    app.after_request(_security_headers)
    app.register_error_handler(CSRFError, _csrf_failed)
    app.register_error_handler(HTTPException, _http_error)
    if not app.testing:
        app.register_error_handler(Exception, _unexpected_error)
