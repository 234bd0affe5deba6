"""Pages that read the same for every visitor in one language, rendered once in a while.

The start page is the busiest page after a mass notice, and rendering it (some forty
translated strings and the language switcher) costs far more than everything else in the
request. Its only part that differs between visitors is the language switcher's CSRF token:
the page is rendered with a marker there, kept per language for `SHARED_PAGE_SECONDS`, and
the visitor's own token is put in at each request. A page kept this way must show nothing
that depends on who asks, apart from that token.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, render_template, request
from flask_wtf.csrf import generate_csrf

from portal.web.templating import current_locale_code

_EXTENSION = "shared_pages"


@dataclass(frozen=True)
class _Copy:
    html: str
    fresh_until: float


class SharedPages:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        # Random, so that no text on a page can ever be taken for the marker.
        self._token_marker = secrets.token_hex(16)
        self._copies: dict[tuple[str, str, str], _Copy] = {}

    def render(self, template: str, context: Callable[[], dict[str, Any]]) -> str:
        """The template as `render_template(template, **context())` renders it, from a copy
        at most `seconds` old for this language and path; `context` is called only when a new
        copy is made."""
        key = (template, current_locale_code(), request.path)
        copy = self._copies.get(key)
        now = time.monotonic()
        if copy is None or copy.fresh_until <= now:
            html = render_template(template, csrf_token=lambda: self._token_marker, **context())
            copy = self._copies[key] = _Copy(html, now + self.seconds)
        return copy.html.replace(self._token_marker, generate_csrf())

    def forget(self) -> None:
        self._copies.clear()


def shared_pages(app: Flask | None = None) -> SharedPages:
    return (app or current_app).extensions[_EXTENSION]


def init_app(app: Flask) -> None:
    app.extensions[_EXTENSION] = SharedPages(app.config["SHARED_PAGE_SECONDS"])
