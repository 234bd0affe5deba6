"""Pages that read the same for every visitor in one language, rendered once in a while.

The start page is the busiest page after a mass notice, and rendering it (some forty
translated strings and the language switcher) costs far more than everything else in the
request. It shows nothing that depends on who asks, so it is rendered once per language and
path and the copy served for `SHARED_PAGE_SECONDS` (60 by default: a new incident shows on it
within a minute). Serving it writes no session and sets no cookie.

A shared page must never hold anything of one visitor's: rendering one that asks for a CSRF
token (a form) raises, so such a change fails its tests instead of handing one visitor's
token to everyone.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

from flask import Flask, current_app, render_template, request

from portal.web.templating import current_locale_code

_EXTENSION = "shared_pages"


@dataclass(frozen=True)
class _Copy:
    html: str
    fresh_until: float


def _no_token_on_a_shared_page() -> NoReturn:
    raise RuntimeError("A page served to everyone cannot hold a form: its CSRF token is one visitor's.")


class SharedPages:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._copies: dict[tuple[str, str, str], _Copy] = {}

    def render(self, template: str, context: Callable[[], dict[str, Any]]) -> str:
        """The template as `render_template(template, **context())` renders it, from a copy
        at most `seconds` old for this language and path; `context` is called only when a new
        copy is made."""
        key = (template, current_locale_code(), request.path)
        copy = self._copies.get(key)
        now = time.monotonic()
        if copy is None or copy.fresh_until <= now:
            html = render_template(template, csrf_token=_no_token_on_a_shared_page, **context())
            copy = self._copies[key] = _Copy(html, now + self.seconds)
        return copy.html

    def forget(self) -> None:
        self._copies.clear()


def shared_pages(app: Flask | None = None) -> SharedPages:
    return (app or current_app).extensions[_EXTENSION]


def init_app(app: Flask) -> None:
    app.extensions[_EXTENSION] = SharedPages(app.config["SHARED_PAGE_SECONDS"])
