"""Every response, from every route, carries the security headers."""

import pytest
from werkzeug.routing import Rule

from portal.web.responses import CONTENT_SECURITY_POLICY

EXPECTED = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def example_url(rule: Rule) -> str:
    values = {argument: "example" for argument in rule.arguments}
    if rule.endpoint == "static":
        values = {"filename": "portal.css"}
    return rule.build(values)[1]


def routes(app):
    return [
        (rule, method) for rule in app.url_map.iter_rules() for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    ]


def test_the_policy_allows_nothing_inline_and_no_other_host():
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert "http" not in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert "default-src 'none'" in CONTENT_SECURITY_POLICY


def test_every_route_sends_the_security_headers(app, client):
    checked = 0
    for rule, method in routes(app):
        response = client.open(example_url(rule), method=method)
        for name, value in EXPECTED.items():
            assert response.headers.get(name) == value, f"{method} {rule.rule}: {name}"
        assert "Permissions-Policy" in response.headers, f"{method} {rule.rule}"
        response.close()
        checked += 1
    assert checked > 10


def test_pages_are_never_cached_but_static_files_may_be(client):
    assert client.get("/").headers["Cache-Control"] == "no-store"
    with client.get("/static/portal.css") as stylesheet:
        assert stylesheet.headers.get("Cache-Control") != "no-store"


def test_hsts_is_sent_in_production_only(app, client, monkeypatch):
    assert "Strict-Transport-Security" not in client.get("/").headers
    monkeypatch.setitem(app.config, "PORTAL_ENV", "production")

    assert client.get("/").headers["Strict-Transport-Security"].startswith("max-age=63072000")


@pytest.mark.parametrize("path", ["/no-such-page", "/you/remedies/none"])
def test_error_pages_carry_the_headers_too(client, path):
    response = client.get(path)
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
