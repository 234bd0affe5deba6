"""End-to-end tests in a real browser (Debian's chromium, driven by Playwright), against the
portal served by a real HTTP server on 127.0.0.1, with axe-core checking every page."""
