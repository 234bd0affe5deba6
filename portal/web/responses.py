"""What every response carries, and the pages for errors. Error pages are the same for
everyone and never show anything from the request."""

from __future__ import annotations

from flask import Flask, Response, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


def _no_store(response: Response) -> Response:
    # Pages may show personal data, and phones are shared: nothing may be kept in a cache.
    if response.mimetype != "text/css" and response.mimetype != "text/javascript":
        response.headers["Cache-Control"] = "no-store"
    return response


def _csrf_failed(_error: CSRFError) -> tuple[str, int]:
    return render_template("errors/session_expired.html"), 400


def _http_error(error: HTTPException) -> tuple[str, int]:
    code = error.code or 500
    template = {404: "errors/not_found.html", 429: "errors/too_many_requests.html"}.get(code, "errors/generic.html")
    return render_template(template, status=code), code


def _unexpected_error(_error: Exception) -> tuple[str, int]:
    return render_template("errors/generic.html", status=500), 500


def init_app(app: Flask) -> None:
    app.after_request(_no_store)
    app.register_error_handler(CSRFError, _csrf_failed)
    app.register_error_handler(HTTPException, _http_error)
    if not app.testing:
        app.register_error_handler(Exception, _unexpected_error)
