"""Page weight: HTML and CSS bytes of every page people and attorneys can open without a
staff account, in every language the portal speaks.

    .venv/bin/python -m bench.page_weight [--all-languages]

Pages are listed from the URL map (every GET route outside the staff console, the webhooks
and the static files), with an example value for each part of the address. Each page is
opened by the first of three visitors it answers with HTML: a stranger, someone half way
through identification (A-number and birth date typed), and a person signed in with their
notice code. Redirects, PDFs and refusals are listed but not weighed. The CSS is every
stylesheet the page links, counted in full for every page (a first visit downloads it).

Target: under 30 KB (30,720 bytes) of HTML and CSS for each page, uncompressed.
tests/test_page_weight.py checks the same in every language.
"""

from __future__ import annotations

import argparse
import gzip
import re
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from portal.i18n import CHOICE_COOKIE, SUPPORTED_LOCALES

TARGET_BYTES = 30 * 1024
SKIPPED_PREFIXES = ("staff.", "webhooks.")
NOT_FOUND_PAGE = "/no-such-page"
_STYLESHEET = re.compile(r'<link rel="stylesheet" href="([^"]+)"')
_SCRIPT = re.compile(r'<script src="([^"]+)"')
EXAMPLE_VALUES = {"code": "release_review", "language_code": "mam", "change": "phone"}


@dataclass(frozen=True)
class PageWeight:
    endpoint: str
    url: str
    locale: str
    visitor: str  # who could open it: stranger, identifying or signed in; or why it was not weighed
    html: int = 0
    css: int = 0
    script: int = 0
    compressed: int = 0  # HTML and CSS, gzip level 6, as a server would send them

    @property
    def weighed(self) -> bool:
        return self.html > 0

    @property
    def html_and_css(self) -> int:
        return self.html + self.css


def page_urls(app: Flask) -> Iterator[tuple[str, str]]:
    """(endpoint, example URL) for every GET page outside the console, webhooks and static."""
    rules = sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule)
    for rule in rules:
        if "GET" in rule.methods and rule.endpoint != "static" and not rule.endpoint.startswith(SKIPPED_PREFIXES):
            yield rule.endpoint, _example_url(rule)
    yield "(not found)", NOT_FOUND_PAGE


def _example_url(rule: Rule) -> str:
    values = {name: EXAMPLE_VALUES.get(name, uuid.uuid4()) for name in rule.arguments}
    return rule.build(values)[1]


def weigh_pages(visitors: dict[str, FlaskClient], app: Flask, locales: tuple[str, ...] = ("en",)) -> list[PageWeight]:
    """Every page in every locale of `locales`. The first locale finds the visitor a page
    answers with HTML; the other locales ask that visitor only."""
    weights = []
    static_sizes: dict[str, bytes] = {}
    for endpoint, url in page_urls(app):
        first = _weigh(visitors, endpoint, url, locales[0], static_sizes)
        weights.append(first)
        if first.weighed:
            chosen = {first.visitor: visitors[first.visitor]}
            weights += [_weigh(chosen, endpoint, url, locale, static_sizes) for locale in locales[1:]]
    return weights


def _weigh(visitors: dict[str, FlaskClient], endpoint: str, url: str, locale: str,
           static_files: dict[str, bytes]) -> PageWeight:
    answers = []
    for name, client in visitors.items():
        client.set_cookie(CHOICE_COOKIE, locale)
        response = client.get(url)
        expected = 404 if url == NOT_FOUND_PAGE else 200
        if response.status_code == expected and response.mimetype == "text/html":
            html = response.get_data()
            page = html.decode()
            for href in {*_STYLESHEET.findall(page), *_SCRIPT.findall(page)} - set(static_files):
                with client.get(href) as static_response:  # a file response: close it
                    static_files[href] = static_response.get_data()
            stylesheets = b"".join(static_files[href] for href in _STYLESHEET.findall(page))
            script = sum(len(static_files[src]) for src in _SCRIPT.findall(page))
            compressed = len(gzip.compress(html, 6)) + len(gzip.compress(stylesheets, 6))
            return PageWeight(endpoint, url, locale, name, len(html), len(stylesheets), script, compressed)
        answers.append(f"{response.status_code} {response.mimetype}")
    return PageWeight(endpoint, url, locale, "not weighed: " + ", ".join(sorted(set(answers))))


def print_table(weights: list[PageWeight]) -> None:
    print(f"{'page':<42} {'locale':<7} {'visitor':<11} {'HTML':>7} {'CSS':>6} {'HTML+CSS':>9} {'gzip':>6} {'JS':>6}")
    for weight in weights:
        if not weight.weighed:
            print(f"{weight.endpoint:<42} {weight.locale:<7} {weight.visitor}")
            continue
        flag = "" if weight.html_and_css < TARGET_BYTES else "  OVER TARGET"
        print(f"{weight.endpoint:<42} {weight.locale:<7} {weight.visitor:<11} {weight.html:>7,} {weight.css:>6,} "
              f"{weight.html_and_css:>9,} {weight.compressed:>6,} {weight.script:>6,}{flag}")
    weighed = [weight for weight in weights if weight.weighed]
    heaviest = max(weighed, key=lambda weight: weight.html_and_css)
    over = [weight for weight in weighed if weight.html_and_css >= TARGET_BYTES]
    print(f"\n{len(weighed)} pages weighed; heaviest {heaviest.endpoint} ({heaviest.locale}): "
          f"{heaviest.html_and_css:,} bytes of HTML and CSS; {len(over)} over the {TARGET_BYTES:,}-byte target.")


def demo_visitors(app: Flask, person: dict) -> dict[str, FlaskClient]:
    """A stranger, someone half way through identification, and `person` signed in with
    their notice code (`a_number`, `born` as a date, `notice_code`)."""
    from tests.pages import submit

    born = {"day": str(person["born"].day), "month": str(person["born"].month), "year": str(person["born"].year)}
    stranger, identifying, signed_in = app.test_client(), app.test_client(), app.test_client()
    for client in (identifying, signed_in):
        submit(client, "/check/a-number", {"a_number": person["a_number"]})
        submit(client, "/check/date-of-birth", born)
    submit(signed_in, "/check/code", {"has_code": "yes"})
    answer = submit(signed_in, "/check/notice-code", {"code": person["notice_code"]})
    if answer.headers.get("Location") != "/you":
        raise RuntimeError("the demo person could not sign in")
    return {"stranger": stranger, "identifying": identifying, "signed in": signed_in}


def _add_demo_person(app: Flask) -> dict:
    from portal.db import session
    from portal.services.notice_codes import issue_notice_code
    from tests.factories import PERSON, add_person

    with app.app_context():
        db = session()
        code = issue_notice_code(db, add_person(db))
        db.commit()
    return {"a_number": PERSON.a_number, "born": PERSON.date_of_birth, "notice_code": code}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--all-languages", action="store_true", help="every page in every supported language")
    arguments = parser.parse_args()
    from portal import create_app, schema
    from tests.conftest import TEST_SETTINGS

    with tempfile.TemporaryDirectory() as scratch:
        database_url = f"sqlite:///{Path(scratch) / 'weight.sqlite3'}"
        app = create_app({**TEST_SETTINGS, "DATABASE_URL": database_url})
        with app.app_context():
            schema.upgrade()
        locales = SUPPORTED_LOCALES if arguments.all_languages else ("en",)
        print_table(weigh_pages(demo_visitors(app, _add_demo_person(app)), app, locales))


if __name__ == "__main__":
    main()
