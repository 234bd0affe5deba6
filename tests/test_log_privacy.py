"""No personal data in the application log. conftest.py collects every log line of the whole
run and fails the run if any test person's data is in it; this test walks the flows that log
and checks the collection on the spot."""

import logging

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
