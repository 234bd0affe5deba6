"""Checks on the source itself, so that `pytest` alone enforces them: no page or module
reaches another host, every script and stylesheet is this site's own file (the Content
Security Policy forbids inline code and styles), and bandit and ruff find nothing."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parent.parent
TEMPLATES = sorted((REPOSITORY / "templates").rglob("*.html"))
PYTHON = sorted([*(REPOSITORY / "portal").rglob("*.py"), REPOSITORY / "app.py"])
STATIC = sorted(path for path in (REPOSITORY / "static").rglob("*") if path.suffix in (".css", ".js"))
ANOTHER_HOST = re.compile(r"https?://[^\s\"'<>)]*", re.IGNORECASE)

# The only other addresses the Python may name: defaults that configuration replaces.
ALLOWED_ADDRESSES = {
    ("portal/config.py", "http://127.0.0.1:5000"): "PUBLIC_BASE_URL default: the local demo's own address",
    ("portal/config.py", "https://www.wikipedia.org/"): "QUICK_EXIT_URL default: a neutral site to leave to",
}

TAG = re.compile(r"<(?P<name>[a-zA-Z][a-zA-Z0-9-]*)\b(?P<attributes>(?:[^>\"']|\"[^\"]*\"|'[^']*')*)>", re.S)
ATTRIBUTE = re.compile(r"(?P<name>[a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=\s*(?:\"(?P<double>[^\"]*)\"|'(?P<single>[^']*)')")
STATIC_URL = re.compile(r"^\{\{\s*url_for\(\s*['\"]static['\"]\s*,\s*filename\s*=\s*['\"][^'\"]+['\"]\s*\)\s*\}\}$")
LOADS = {"script": "src", "link": "href", "img": "src", "source": "src", "iframe": "src", "embed": "src",
         "object": "data", "video": "src", "audio": "src"}


def relative(path: Path) -> str:
    return path.relative_to(REPOSITORY).as_posix()


def tags(template: Path):
    """(tag name, {attribute: value}) for every start tag in a template, Jinja left as written."""
    for match in TAG.finditer(template.read_text()):
        attributes = {found["name"].lower(): found["double"] if found["double"] is not None else found["single"]
                      for found in ATTRIBUTE.finditer(match["attributes"])}
        yield match["name"].lower(), attributes


def test_no_template_names_another_host():
    found = [(relative(path), url) for path in TEMPLATES for url in ANOTHER_HOST.findall(path.read_text())]

    assert found == [], "link to other sites through configuration (like config.QUICK_EXIT_URL), never in a template"


def test_no_stylesheet_or_script_names_another_host():
    found = [(relative(path), url) for path in STATIC for url in ANOTHER_HOST.findall(path.read_text())]

    assert found == [], "fonts, images and scripts are served from static/, never from another host"


def test_python_names_another_host_only_in_listed_configuration_defaults():
    found = {(relative(path), url): line.strip() for path in PYTHON
             for line in path.read_text().splitlines() for url in ANOTHER_HOST.findall(line)}

    unlisted = sorted(set(found) - set(ALLOWED_ADDRESSES))
    assert unlisted == [], "another host in the Python: make it a setting, or list it in ALLOWED_ADDRESSES with why"
    not_defaults = [place for place in found if "environ.get(" not in found[place]]
    assert not_defaults == [], "a listed address must be the default of an environment setting"


@pytest.mark.parametrize("template", TEMPLATES, ids=relative)
def test_every_script_stylesheet_and_image_is_a_static_file_of_this_site(template):
    loaded = [(name, attributes.get(LOADS[name], "")) for name, attributes in tags(template) if name in LOADS]

    assert [(name, url) for name, url in loaded if not STATIC_URL.match(url)] == []


@pytest.mark.parametrize("template", TEMPLATES, ids=relative)
def test_no_template_has_inline_script_style_or_handlers(template):
    source = template.read_text()
    written = list(tags(template))

    assert re.findall(r"<script\b[^>]*>\s*[^<\s]", source) == [], "inline script: put it in static/portal.js"
    assert [name for name, _ in written if name == "style"] == [], "a <style> block: put it in static/portal.css"
    assert [name for name, attributes in written if "style" in attributes] == [], "a style= attribute"
    assert [(name, attribute) for name, attributes in written for attribute in attributes
            if attribute.startswith("on")] == [], "an inline event handler"
    assert [(name, value) for name, attributes in written for value in attributes.values()
            if value.strip().lower().startswith(("javascript:", "//"))] == [], "a javascript: or protocol-relative URL"


def test_the_checks_see_every_tag_in_the_templates():
    """The tag reader would pass anything if it read nothing: it finds the base page's assets."""
    base = dict(tags(REPOSITORY / "templates" / "base.html"))

    assert STATIC_URL.match(base["script"]["src"]) and STATIC_URL.match(base["link"]["href"])
    assert len(TEMPLATES) > 20 and len(PYTHON) > 20


def _tool(name: str) -> str:
    """The tool installed beside the Python running the tests (the project's .venv)."""
    path = Path(sys.executable).parent / name
    assert path.exists(), f"{name} is not installed next to {sys.executable}: run bin/setup-venv requirements-dev.txt"
    return str(path)


def test_bandit_finds_no_medium_or_high_severity_issue():
    command = [_tool("bandit"), "--quiet", "--configfile", "pyproject.toml", "--severity-level", "medium",
               "--recursive", "portal", "app.py"]

    result = subprocess.run(command, cwd=REPOSITORY, capture_output=True, text=True, timeout=300, check=False)

    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_finds_nothing():
    result = subprocess.run([_tool("ruff"), "check", "."], cwd=REPOSITORY, capture_output=True, text=True,
                            timeout=300, check=False)

    assert result.returncode == 0, result.stdout + result.stderr
