"""The checks the browser tests rely on do work: axe-core is the pinned version and finds a
missing label, the visitor's browser enforces the portal's CSP, and requests are recorded."""

import json

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.browser.conftest import AXE_SCRIPT, ROOT

AXE_CORE_VERSION = "4.14.1"


def test_axe_core_is_the_exact_version_pinned_in_package_json_and_its_lock_file():
    package = json.loads((ROOT / "package.json").read_text())
    lock = json.loads((ROOT / "package-lock.json").read_text())
    installed = AXE_SCRIPT.parent / "package.json"

    assert package["devDependencies"]["axe-core"] == AXE_CORE_VERSION
    assert lock["packages"]["node_modules/axe-core"]["version"] == AXE_CORE_VERSION
    if not installed.is_file():
        pytest.fail(f"axe-core is missing from {installed.parent}: run `npm ci` in {ROOT}", pytrace=False)
    assert json.loads(installed.read_text())["version"] == AXE_CORE_VERSION


def test_the_accessibility_check_fails_a_field_without_a_label(open_walk, axe):
    walk = open_walk("phone")
    walk.page.goto("/check/a-number")

    walk.page.evaluate("document.querySelector('label[for=a_number]').remove()")

    assert [problem for problem in axe.violations(walk.page) if problem.startswith("axe label ")]


def test_the_visitors_browser_keeps_the_content_security_policy_and_records_every_request(open_walk):
    walk = open_walk("phone")
    walk.page.goto("/")

    with pytest.raises(PlaywrightError, match="Content Security Policy"):
        walk.page.add_script_tag(content="document.documentElement.dataset.injected = 'yes'")

    assert walk.page.evaluate("document.documentElement.dataset.injected") is None
    assert any("Content Security Policy" in error for error in walk.errors)
    assert sorted(url.removeprefix(walk.page.url.rstrip("/")) for url in walk.requests) == [
        "/", "/static/favicon.svg", "/static/portal.css", "/static/portal.js",
    ]
