"""A live server, Debian's chromium, and `Walk`: one visitor whose every page is checked.

The browser tests run the portal under a real HTTP server on 127.0.0.1 (on a port the system
picks) with a SQLite database of their own, so they use none of the `backend`-parametrised
fixtures of the other tests and run once, whatever TEST_DATABASE_URL says. Every page a walk
shows is photographed into test-artifacts/screenshots/<viewport>-<js>/, measured (no sideways
scrolling, buttons tall enough to tap) and checked by axe-core against WCAG 2.1 A and AA; every
request the browser makes is recorded, and any to another host fails the test."""

from __future__ import annotations

import itertools
import re
import shutil
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Response, sync_playwright
from sqlalchemy import select
from werkzeug.serving import make_server

from portal import schema
from portal.db import database, session
from portal.messaging.sms import OutboxSmsSender
from portal.models import OutboxMessage, utcnow
from portal.security.rate_limits import limiter
from portal.services.code_delivery import deliver_pending_codes
from portal.services.notice_codes import issue_notice_code
from tests.conftest import build_app
from tests.factories import PERSON, add_person
from tests.staff_pages import STAFF_PASSWORD, add_staff_user

ROOT = Path(__file__).resolve().parents[2]
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PAGE_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL | re.IGNORECASE)
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORTS = {
    "phone": {"width": 360, "height": 740},
    "desktop": {"width": 1280, "height": 800},
    "narrow": {"width": 320, "height": 640},
}
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
MIN_TAP_HEIGHT = 44
TEST_HOST = "127.0.0.1"

RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return results.violations.map(rule => ({
    id: rule.id, impact: rule.impact, help: rule.help,
    nodes: rule.nodes.map(node => ({target: node.target.join(" "), html: node.html, summary: node.failureSummary})),
  }));
}"""
MEASURE = """(minimum) => {
  const buttons = document.querySelectorAll(
    "main button, main input[type=submit], main a.button, main [role=button]");
  const short = [...buttons].filter(element => element.getClientRects().length)
    .map(element => [element.outerHTML.slice(0, 100), element.getBoundingClientRect().height])
    .filter(([, height]) => height < minimum);
  return {scrollWidth: document.documentElement.scrollWidth, short};
}"""


@dataclass(frozen=True)
class BrowserStaff:
    email: str
    password: str
    totp_secret: str


@dataclass(frozen=True)
class BrowserPerson:
    a_number: str
    born: date
    notice_code: str
    phone: str


class LiveServer:
    """The portal served over HTTP on 127.0.0.1, and the test's way into its database."""

    def __init__(self, app, port: int):
        self.app = app
        self.url = f"http://{TEST_HOST}:{port}"
        self._numbers = itertools.count()

    def add_person(self) -> BrowserPerson:
        """A new person in the file (in custody, so two remedies apply), with a notice code."""
        number = next(self._numbers)
        digits, phone = f"2015560{number:02d}", f"+1619555{100 + number:04d}"
        with self.app.app_context():
            db = session()
            person_id = add_person(db, a_number=digits, phone=phone)
            code = issue_notice_code(db, person_id)
            db.commit()
        return BrowserPerson(f"A-{digits[:3]}-{digits[3:6]}-{digits[6:]}", PERSON.date_of_birth, code, phone)

    def add_people_with_phones(self, languages: tuple[str, ...] = ("en", "es")) -> int:
        """One person who chose text messages per language given; returns how many."""
        with self.app.app_context():
            db = session()
            for language in languages:
                number = next(self._numbers)
                add_person(db, a_number=f"2015560{number:02d}", phone=f"+1619555{100 + number:04d}",
                           preferred_language=language)
            db.commit()
        return len(languages)

    def add_staff(self, role: str) -> BrowserStaff:
        """A new staff account of `role` (a fresh email): its email, password and TOTP secret."""
        with self.app.app_context():
            email = f"browser-{role}-{uuid.uuid4().hex[:10]}@agency.example"
            user, secret = add_staff_user(session(), role, email=email, full_name=f"Browser {role.title()}")
            return BrowserStaff(user.email, STAFF_PASSWORD, secret)

    def text_code_sent_to(self, person: BrowserPerson) -> str:
        """Send the queued one-time codes as the worker would, and read this person's SMS."""
        with self.app.app_context():
            db = session()
            deliver_pending_codes(db, OutboxSmsSender(db), now=utcnow())
            db.commit()
            messages = db.scalars(select(OutboxMessage).order_by(OutboxMessage.created_at.desc())).all()
            body = next(message.body for message in messages if message.recipient == person.phone)
        found = re.search(r"(?<!\d)\d{6}(?!\d)", body)
        assert found, "the SMS holds no 6-digit code"
        return found.group()


class AxeChecker:
    """axe-core in a page of the test server's origin, loaded once and given a copy of each
    page to check: the same DOM, address, stylesheet and window size as the visitor's."""

    def __init__(self, browser: Browser, origin: str):
        self._browser, self._origin = browser, origin
        self._page: Page | None = None
        self.requests: list[str] = []

    def violations(self, shown: Page) -> list[str]:
        """The WCAG 2.1 A and AA violations on the page `shown`, one text per rule."""
        copy = self._page or self._open()
        copy.set_viewport_size(shown.viewport_size)
        # document.open keeps the window, and with it axe. The page's own scripts are left
        # out: the copy has no session, so they would act on it (a progress poll reloads).
        copy.set_content(PAGE_SCRIPT.sub("", shown.content()))
        copy.evaluate("address => history.replaceState(null, '', address)", shown.url)
        return [f"axe {rule['id']} ({rule['impact']}): {rule['help']}" + "".join(
            f"\n      at {node['target']}: {node['html']}\n      {node['summary']}" for node in rule["nodes"]
        ) for rule in copy.evaluate(RUN_AXE, WCAG_21_AA)]

    def _open(self) -> Page:
        if not AXE_SCRIPT.is_file():
            pytest.fail(f"axe-core is missing: {AXE_SCRIPT} not found. Run `npm ci` in {ROOT} (bin/test does); "
                        "the accessibility checks cannot run without it.", pytrace=False)
        # bypass_csp is set here ONLY to inject axe-core, which the portal's CSP (script-src
        # 'self', no inline code) rightly refuses. This context shows nothing but copies of
        # pages, for axe: the visitors' contexts (`Walk`) keep the CSP in force.
        context = self._browser.new_context(bypass_csp=True, locale="en-US")
        context.on("request", lambda request: self.requests.append(request.url))
        self._page = context.new_page()
        blank = f"{self._origin}/axe-core-page"
        self._page.route(blank, lambda route: route.fulfill(body="<!doctype html><title>axe</title>",
                                                             content_type="text/html"))
        self._page.goto(blank)
        self._page.add_script_tag(path=AXE_SCRIPT)
        return self._page

    def close(self) -> None:
        if self._page is not None:
            self._page.context.close()


class Walk:
    """One visitor: a browser context at one window size, JavaScript on or off, with the
    portal's Content-Security-Policy in force. Call `check(name)` on every page shown."""

    def __init__(self, browser: Browser, server: LiveServer, axe: AxeChecker, viewport: str, javascript: bool,
                 numbers: Iterator[int]):
        self.label = f"{viewport}-{'js' if javascript else 'nojs'}"
        self.width = VIEWPORTS[viewport]["width"]
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.problems: list[str] = []
        self.context = browser.new_context(
            viewport=VIEWPORTS[viewport], java_script_enabled=javascript, base_url=server.url, locale="en-US",
        )
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.context.on("console", self._console)
        self.context.on("response", self._response)
        self.page = self.context.new_page()
        self._axe = axe
        self._numbers = numbers

    def _console(self, message: ConsoleMessage) -> None:
        # A failed load is reported by `_response`, with its address; anything else (a CSP
        # refusal, a script error) is a problem.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(message.text)

    def _response(self, response: Response) -> None:
        if response.status >= 400:
            self.errors.append(f"{response.status} for {response.url}")

    @property
    def path(self) -> str:
        return urlsplit(self.page.url).path

    def goto(self, path: str, name: str) -> Response | None:
        response = self.page.goto(path)
        self.check(name)
        return response

    def follow(self, selector: str, name: str) -> None:
        """Click a link or button that loads another page, and check that page."""
        with self.page.expect_navigation():
            self.page.click(selector)
        self.check(name)

    def submit(self, name: str) -> None:
        """Press the button of the form in the page's main content."""
        self.follow("main form[method=post] button[type=submit]", name)

    def press(self, key: str, name: str) -> None:
        """Press a key that loads another page, and check that page."""
        with self.page.expect_navigation():
            self.page.keyboard.press(key)
        self.check(name)

    def check(self, name: str) -> None:
        """Photograph, measure and run axe-core on the page shown now."""
        directory = SCREENSHOTS / self.label
        directory.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=directory / f"{next(self._numbers):02d}-{name}.png", full_page=True)
        where = f"[{self.label}] {name} ({self.path})"
        found = self.layout_problems() + self._axe.violations(self.page)
        self.problems += [f"{where}: {problem}" for problem in found]

    def layout_problems(self) -> list[str]:
        measured = self.page.evaluate(MEASURE, MIN_TAP_HEIGHT)
        problems = [f"{html} is {height:.0f}px tall (under {MIN_TAP_HEIGHT}px)" for html, height in measured["short"]]
        if measured["scrollWidth"] > self.width:
            problems.append(f"scrolls sideways: {measured['scrollWidth']}px wide in a {self.width}px window")
        return problems

    def tab_to(self, selector: str, most: int = 40) -> None:
        """Press Tab until the element matching `selector` has the focus; the focus must show."""
        for _ in range(most):
            self.page.keyboard.press("Tab")
            if self.page.evaluate("s => document.activeElement.matches(s)", selector):
                style = self.page.evaluate("""() => { const style = getComputedStyle(document.activeElement);
                    return style.outlineStyle + " " + style.boxShadow; }""")
                assert style != "none none", f"{selector} has the focus but shows no focus indicator"
                return
        raise AssertionError(f"{most} presses of Tab never reached {selector} on {self.path}")

    def finish(self) -> None:
        """Fail on anything found on the way: a request to another host, a browser error, a
        page that failed a check."""
        elsewhere = [url for url in self.requests + self._axe.requests if urlsplit(url).hostname != TEST_HOST]
        assert not elsewhere, f"the browser made requests to other hosts: {elsewhere}"
        assert not self.errors, f"the browser reported errors: {self.errors}"
        if self.problems:
            pytest.fail(f"{len(self.problems)} problems:\n  " + "\n  ".join(self.problems), pytrace=False)

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="package")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    database_url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'portal.sqlite3'}"
    # Codes are sent by the test (as the worker would), not after the response.
    app = build_app(database_url, DELIVER_CODES_IN_PROCESS=False)
    with app.app_context():
        schema.upgrade()
    server = make_server(TEST_HOST, 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="browser-test-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app, server.server_port)
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
        with app.app_context():
            database().engine.dispose()


@pytest.fixture(scope="package")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="package")
def screenshot_numbers() -> defaultdict[str, Iterator[int]]:
    """Numbers per screenshot folder, so the pages of each folder sort in the order shown."""
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    return defaultdict(lambda: itertools.count(1))


@pytest.fixture(scope="package")
def axe(chromium: Browser, live_server: LiveServer) -> Iterator[AxeChecker]:
    checker = AxeChecker(chromium, live_server.url)
    yield checker
    checker.close()


@pytest.fixture
def open_walk(chromium: Browser, live_server: LiveServer, axe: AxeChecker,
              screenshot_numbers: defaultdict[str, Iterator[int]]) -> Iterator[Callable[..., Walk]]:
    """Opens walks (`open_walk("phone", javascript=False)`); closes them after the test."""
    with live_server.app.app_context():
        limiter.reset()  # every test starts with no form posts or failures counted
    walks: list[Walk] = []

    def open_(viewport: str, javascript: bool = True) -> Walk:
        label = f"{viewport}-{'js' if javascript else 'nojs'}"
        walks.append(Walk(chromium, live_server, axe, viewport, javascript, screenshot_numbers[label]))
        return walks[-1]

    yield open_
    for walk in walks:
        walk.close()


@pytest.fixture
def person(live_server: LiveServer) -> BrowserPerson:
    return live_server.add_person()
