"""Logging: one line per request, with a request id, in JSON (production) or plain text.

`LOG_FORMAT` picks the form: `json` (the production default: one JSON object a line, for a
log collector) or `text` (the default elsewhere). Every line written inside a request carries
that request's id; the request line itself adds the method, the endpoint's name, the status
and the duration.

What a line never holds: the URL (paths and query strings can carry references and tokens;
the endpoint's name says which page without them), the client's address, headers, form
values, or an exception's message (those often quote the value that failed). An error's
line keeps the exception's class and the stack's file and line numbers, which are enough to
find the bug. The personal data rule of the rest of the code still applies to every message.

The request id is the incoming `X-Request-ID` when a proxy set one in a strict form (hex
digits and hyphens, 16 to 64 of them: a UUID or a trace id, nothing that could spell a name),
otherwise a new random one; the response returns it in `X-Request-ID`.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import traceback
import uuid
from datetime import UTC, datetime
from typing import IO, Any

from flask import Flask, Response, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
ACCEPTED_REQUEST_ID = re.compile(r"[0-9A-Fa-f-]{16,64}")
REQUEST_LOGGER = "portal.requests"
# Any other word a client sends as its method is logged as OTHER.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Set on the root handler this module installs, so a second app in one process reuses it.
_HANDLER_NAME = "portal"

log = logging.getLogger(REQUEST_LOGGER)


def request_id_from(header: str | None) -> str:
    """The proxy's request id when it has the accepted form, else a fresh one."""
    if header and ACCEPTED_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request id, request fields."""

    REQUEST_FIELDS = ("method", "endpoint", "status", "duration_ms")

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id:
            entry["request_id"] = request_id
        entry.update({name: getattr(record, name) for name in self.REQUEST_FIELDS if hasattr(record, name)})
        if record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = record.exc_info[0].__name__
            entry["stack"] = _stack_without_message(record.exc_info[2])
        return json.dumps(entry, ensure_ascii=False, separators=(",", ":"))


class TextFormatter(logging.Formatter):
    """Time, level, logger, [request id], message; errors as JSON mode gives them."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(request_part)s%(message)s")

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None) or current_request_id()
        record.request_part = f"[{request_id}] " if request_id else ""
        exc_info, record.exc_info, record.exc_text = record.exc_info, None, None
        try:
            line = super().format(record)
        finally:
            record.exc_info = exc_info
        if exc_info and exc_info[0] is not None:
            line += f"\n{exc_info[0].__name__} (message withheld)\n" + "\n".join(_stack_without_message(exc_info[2]))
        return line


def _stack_without_message(trace: Any) -> list[str]:
    return [f"{frame.filename}:{frame.lineno} in {frame.name}" for frame in traceback.extract_tb(trace)]


def formatter_for(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else TextFormatter()


def log_handler(log_format: str, stream: IO[str] | None = None) -> logging.Handler:
    """A handler writing `log_format` lines to `stream` (standard error by default)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter_for(log_format))
    return handler


def _install_root_handler(log_format: str) -> None:
    """Send INFO and above from every logger to standard error, where gunicorn, systemd and
    container runtimes collect them. Once per process; a later app only sets the format."""
    root = logging.getLogger()
    installed = next((handler for handler in root.handlers if handler.get_name() == _HANDLER_NAME), None)
    if installed is None:
        installed = log_handler(log_format)
        installed.set_name(_HANDLER_NAME)
        root.addHandler(installed)
    installed.setFormatter(formatter_for(log_format))
    root.setLevel(logging.INFO)


def _start_request() -> None:
    g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
    g.request_started = time.perf_counter()


def _log_request(response: Response) -> Response:
    request_id = g.get("request_id") or request_id_from(None)
    response.headers[REQUEST_ID_HEADER] = request_id
    duration_ms = round((time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000, 1)
    endpoint = request.endpoint or "-"  # no endpoint: the address matched no route
    method = request.method if request.method in KNOWN_METHODS else "OTHER"
    log.info(
        "%s %s %s %.1fms", method, endpoint, response.status_code, duration_ms,
        extra={"request_id": request_id, "method": method, "endpoint": endpoint,
               "status": response.status_code, "duration_ms": duration_ms},
    )
    return response


def init_app(app: Flask) -> None:
    # Tests collect log records themselves (tests/conftest.py) and choose their own handlers.
    if not app.testing:
        _install_root_handler(app.config["LOG_FORMAT"])
    app.before_request(_start_request)
    app.after_request(_log_request)
