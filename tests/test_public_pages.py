"""Every public page: small, mobile-ready, labelled, and with the same frame."""

from html.parser import HTMLParser

import pytest

from tests.pages import text_of
from tests.test_public_identify import identify, person, sign_in_with_notice_code  # noqa: F401

PUBLIC_PAGES = ["/", "/check/a-number", "/check/no-code", "/check/letter-requested", "/signed-out", "/letters/check"]
PAGE_WEIGHT_LIMIT = 50 * 1024


class PageParts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[dict[str, str]] = []
        self.label_targets: set[str] = set()
        self.stylesheets: list[str] = []
        self.html_attributes: dict[str, str] = {}
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "html":
            self.html_attributes = attributes
        if tag in ("input", "select", "textarea") and attributes.get("type") not in ("hidden", "submit"):
            self.inputs.append(attributes)
        if tag == "label" and "for" in attributes:
            self.label_targets.add(attributes["for"])
        if tag == "link" and attributes.get("rel") == "stylesheet":
            self.stylesheets.append(attributes["href"])
        if tag == "a":
            self.links.append(attributes.get("class", ""))


def parts(html: str) -> PageParts:
    parser = PageParts()
    parser.feed(html)
    return parser


def visited_pages(client, person):  # noqa: F811
    pages = {url: text_of(client.get(url)) for url in PUBLIC_PAGES}
    identify(client, person["a_number"], person["born"])
    for url in ("/check/date-of-birth", "/check/code", "/check/notice-code", "/check/text-code"):
        pages[url] = text_of(client.get(url))
    sign_in_with_notice_code(client, person)
    for url in ("/you", "/you/exposure", "/you/remedies", "/you/remedies/release_review"):
        pages[url] = text_of(client.get(url))
    return pages


def stylesheet_size(client, href: str) -> int:
    with client.get(href) as response:
        return len(response.data)


def test_every_page_is_under_50_kb_with_its_stylesheets(client, person):  # noqa: F811
    for url, html in visited_pages(client, person).items():
        styles = sum(stylesheet_size(client, href) for href in parts(html).stylesheets)
        assert len(html.encode()) + styles < PAGE_WEIGHT_LIMIT, url


def test_every_field_has_a_label(client, person):  # noqa: F811
    for url, html in visited_pages(client, person).items():
        page = parts(html)
        unlabelled = [field.get("id") for field in page.inputs if field.get("id") not in page.label_targets]
        assert unlabelled == [], url


def test_every_page_has_language_and_direction_and_a_quick_exit(client, person):  # noqa: F811
    for url, html in visited_pages(client, person).items():
        page = parts(html)
        assert page.html_attributes == {"lang": "en", "dir": "ltr"}, url
        assert "quick-exit" in page.links, url


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_pages_answer_without_a_session(client, url):
    assert client.get(url).status_code == 200
