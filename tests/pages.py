"""Driving the pages like a browser without JavaScript: read the form, post it back."""

from __future__ import annotations

import re

_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token(page: str) -> str:
    match = _CSRF.search(page)
    assert match, "the page has no CSRF token"
    return match.group(1) or match.group(2)


def submit(client, url: str, data: dict[str, str], follow_redirects: bool = False):
    """GET the page, then POST its form with `data` and its CSRF token."""
    page = client.get(url).get_data(as_text=True)
    return client.post(url, data={**data, "csrf_token": csrf_token(page)}, follow_redirects=follow_redirects)


def text_of(response) -> str:
    return response.get_data(as_text=True)
