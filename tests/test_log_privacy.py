"""No personal data in the application log. conftest.py collects every log line of the whole
run and fails the run if any test person's data is in it; this test walks the flows that log
and checks the collection on the spot."""

import io
import json
import logging
import re

import pytest

from portal.logging_setup import REQUEST_LOGGER, log_handler
from tests.conftest import LOG_COLLECTOR
from tests.pages import submit
from tests.personal_data import personal_values
from tests.test_public_identify import deliver_codes, identify, person, sign_in_with_notice_code  # noqa: F401


def test_the_identification_flows_log_what_happened_and_nothing_personal(client, db, person):  # noqa: F811
    first_line = len(LOG_COLLECTOR.lines)
    sign_in_with_notice_code(client, person, code="WRONG-CODE0")
    sign_in_with_notice_code(client, person)
    identify(client, person["a_number"], person["born"])
    submit(client, "/check/code", {"has_code": "no"})
    deliver_codes(db)
    logging.getLogger("portal").warning("a line that only proves the collector hears the portal")

    lines = "\n".join(LOG_COLLECTOR.lines[first_line:])

    assert "identity check not confirmed" in lines
    assert "identity confirmed; session started" in lines
    assert "one-time codes: 1 sent, 0 discarded" in lines
    assert [value for value in personal_values() if value in lines] == []


@pytest.fixture
def json_log():
    """Every log line of the test as the production (JSON) handler writes it."""
    stream = io.StringIO()
    handler = log_handler("json", stream)
    logging.getLogger().addHandler(handler)
    try:
        yield stream
    finally:
        logging.getLogger().removeHandler(handler)


def json_lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_logs_hold_one_line_per_request_with_its_id_and_nothing_personal(client, db, person, json_log):  # noqa: F811
    sign_in_with_notice_code(client, person, code="WRONG-CODE0")
    sign_in_with_notice_code(client, person)
    identify(client, person["a_number"], person["born"])
    submit(client, "/check/code", {"has_code": "no"})
    deliver_codes(db)
    client.get("/letters/check?reference=ABC-123&a_number=201555001")

    text = json_log.getvalue()
    lines = json_lines(json_log)
    requests = [line for line in lines if line["logger"] == REQUEST_LOGGER]

    assert [value for value in personal_values() if value in text] == []
    assert "/check/" not in text and "reference" not in text  # endpoint names, never addresses or queries
    assert {"public.a_number", "public.notice_code", "public.check_letter"} <= {line["endpoint"] for line in requests}
    for line in requests:
        assert set(line) == {"time", "level", "logger", "message", "request_id", "method", "endpoint", "status",
                             "duration_ms"}
        assert line["method"] in ("GET", "POST") and isinstance(line["status"], int) and line["duration_ms"] >= 0
    assert len({line["request_id"] for line in requests}) == len(requests)
    # A line the flow itself wrote during a request carries that request's id.
    refused = next(line for line in lines if line["message"] == "identity check not confirmed")
    code_requests = {line["request_id"] for line in requests if line["endpoint"] == "public.notice_code"}
    assert refused["request_id"] in code_requests


def test_the_request_id_is_returned_and_taken_from_a_proxy_only_in_a_strict_form(client, json_log):
    generated = client.get("/").headers["X-Request-ID"]
    proxied = client.get("/", headers={"X-Request-ID": "3f2b8c1e-9d4a-4e5b-8c7d-112233445566"})
    hostile = client.get("/", headers={"X-Request-ID": "Gutierrez-Lucia\", \"level\": \"ERROR"})
    too_short = client.get("/", headers={"X-Request-ID": "abc123"})

    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert proxied.headers["X-Request-ID"] == "3f2b8c1e-9d4a-4e5b-8c7d-112233445566"
    assert re.fullmatch(r"[0-9a-f]{32}", hostile.headers["X-Request-ID"])
    assert re.fullmatch(r"[0-9a-f]{32}", too_short.headers["X-Request-ID"])
    logged_ids = [line["request_id"] for line in json_lines(json_log) if line["logger"] == REQUEST_LOGGER]
    assert logged_ids == [generated, proxied.headers["X-Request-ID"], hostile.headers["X-Request-ID"],
                          too_short.headers["X-Request-ID"]]
    assert "Gutierrez" not in json_log.getvalue()


def test_an_error_is_logged_with_its_class_and_stack_but_not_its_message(json_log):
    try:
        raise ValueError("could not parse value-that-must-not-be-logged")
    except ValueError:
        logging.getLogger("portal").exception("import row refused")

    line = json_lines(json_log)[-1]
    assert line["message"] == "import row refused" and line["level"] == "ERROR"
    assert line["exception"] == "ValueError"
    assert any("test_log_privacy.py" in frame for frame in line["stack"])
    assert "value-that-must-not-be-logged" not in json_log.getvalue()


def test_text_logs_also_withhold_error_messages():
    stream = io.StringIO()
    handler = log_handler("text", stream)
    logging.getLogger().addHandler(handler)
    try:
        try:
            raise ValueError("value-that-must-not-be-logged")
        except ValueError:
            logging.getLogger("portal").exception("import row refused")
    finally:
        logging.getLogger().removeHandler(handler)

    assert "import row refused" in stream.getvalue() and "ValueError (message withheld)" in stream.getvalue()
    assert "value-that-must-not-be-logged" not in stream.getvalue()
