"""The Twilio stand-in behaves like Twilio for the real `twilio` client and `TwilioSmsSender`:
if it did not, tests built on it would prove nothing about production. No app, no database."""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import urllib3
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from portal.messaging.twilio_sms import HostRewritingHttpClient, SmsSendError, TwilioSmsSender
from tests.twilio_standin import TwilioStandIn, segment_count

ACCOUNT_SID = "AC" + "0" * 32
TOKEN = "test-token"
SERVICE_SID = "MG" + "1" * 32
SENDER = "+12025550100"
ALICE, BOB, CAROL = "+12025550101", "+12025550102", "+12025550103"  # 555-01xx: fictional numbers
SPEC = Path(__file__).resolve().parents[2] / "shared" / "twilio-oai" / "twilio_api_v2010.json"


@dataclass(frozen=True)
class ReceivedCallback:
    path: str
    params: dict[str, str]
    signature: str | None
    at: float


class CallbackRecorder:
    """The app's status-callback endpoint, reduced to a list of what arrived."""

    def __init__(self) -> None:
        self.received: list[ReceivedCallback] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                form = self.rfile.read(int(self.headers["Content-Length"])).decode()
                params = {name: values[0] for name, values in parse_qs(form).items()}
                recorder.received.append(ReceivedCallback(self.path, params, self.headers.get("X-Twilio-Signature"),
                                                          time.monotonic()))
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                """Silent: callbacks hold phone numbers."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})

    def url(self, path: str = "/sms/status") -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def statuses(self) -> list[str]:
        return [callback.params["MessageStatus"] for callback in self.received]

    def __enter__(self) -> CallbackRecorder:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


@pytest.fixture(autouse=True)
def quiet_twilio_client_log() -> Iterator[None]:
    """As the app does (DESIGN.md §7): the SDK logs URLs with phone numbers at INFO."""
    logger = logging.getLogger("twilio.http_client")
    level = logger.level
    logger.setLevel(logging.WARNING)
    yield
    logger.setLevel(level)


@pytest.fixture
def recorder() -> Iterator[CallbackRecorder]:
    with CallbackRecorder() as running:
        yield running


@pytest.fixture
def twilio(recorder: CallbackRecorder) -> Iterator[TwilioStandIn]:
    """Requests the recorder first, so the stand-in stops before the endpoint it calls."""
    with TwilioStandIn(account_sid=ACCOUNT_SID, auth_token=TOKEN, timeout_delay=0.6, late_delay=0.25,
                       callback_delay=0.01) as stand_in:
        yield stand_in
    assert stand_in.server_errors == []


@pytest.fixture
def client(twilio: TwilioStandIn) -> Client:
    return Client(ACCOUNT_SID, TOKEN, http_client=HostRewritingHttpClient(twilio.base_url, timeout=0.5))


@pytest.fixture
def sender(twilio: TwilioStandIn) -> TwilioSmsSender:
    return TwilioSmsSender(ACCOUNT_SID, TOKEN, from_number=SENDER, api_base_url=twilio.base_url, timeout=0.5)


def messages_url(twilio: TwilioStandIn, sid: str | None = None) -> str:
    tail = f"/{sid}.json" if sid else ".json"
    return f"{twilio.base_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages{tail}"


def raw_request(method: str, url: str, *, auth: tuple[str, str] | None = (ACCOUNT_SID, TOKEN),
                **options: Any) -> tuple[int, dict[str, Any], dict[str, str]]:
    """One plain HTTP exchange, for what the client hides (headers, exact JSON)."""
    with requests.request(method, url, auth=auth, timeout=2, **options) as response:
        return response.status_code, response.json(), dict(response.headers)


def refused_code(twilio: TwilioStandIn, sender: TwilioSmsSender, to: str = ALICE) -> SmsSendError:
    with pytest.raises(SmsSendError) as refused:
        sender.send(to, "Your code is 123456")
    return refused.value


# Creating, listing, fetching -------------------------------------------------------------------

def test_create_returns_a_queued_message_shaped_like_twilios(client: Client) -> None:
    message = client.messages.create(to=ALICE, from_=SENDER, body="Hello")

    assert re.fullmatch(r"SM[0-9a-f]{32}", message.sid)
    assert (message.status, message.direction, message.api_version) == ("queued", "outbound-api", "2010-04-01")
    assert (message.to, message.from_, message.body, message.num_segments) == (ALICE, SENDER, "Hello", "1")
    assert message.account_sid == ACCOUNT_SID and message.error_code is None
    assert abs(message.date_created - datetime.now(UTC)) < timedelta(seconds=5)
    assert message.uri == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{message.sid}.json"


def test_a_messaging_service_message_is_accepted_and_gets_its_sender_later(twilio: TwilioStandIn,
                                                                           client: Client) -> None:
    message = client.messages.create(to=ALICE, messaging_service_sid=SERVICE_SID, body="Hello")
    assert (message.status, message.messaging_service_sid, message.from_) == ("accepted", SERVICE_SID, None)

    assert twilio.wait_for_callbacks(timeout=1)
    fetched = client.messages(message.sid).fetch()
    assert fetched.status == "delivered" and fetched.from_


@pytest.mark.parametrize(("body", "segments"), [
    ("a" * 160, 1), ("a" * 161, 2), ("{" * 80, 1), ("{" * 81, 2),
    ("á" * 70, 1), ("á" * 71, 2), ("á" * 134, 2), ("á" * 135, 3),
])
def test_segments_are_counted_as_gsm_7_or_ucs_2(body: str, segments: int) -> None:
    assert segment_count(body) == segments


def test_list_by_to_is_newest_first_and_pages_with_limit(twilio: TwilioStandIn, client: Client) -> None:
    sids = [client.messages.create(to=ALICE, from_=SENDER, body=f"n{n}").sid for n in range(5)]
    client.messages.create(to=BOB, from_=SENDER, body="other")

    assert [m.sid for m in client.messages.list(to=ALICE)] == sids[::-1]
    before = twilio.requests_count
    assert [m.sid for m in client.messages.list(to=ALICE, limit=3, page_size=2)] == sids[:1:-1]
    assert twilio.requests_count - before == 2
    assert [m.sid for m in client.messages.list(to=ALICE, page_size=2)] == sids[::-1]


def test_a_list_page_has_twilios_keys_and_links(twilio: TwilioStandIn, client: Client) -> None:
    sids = [client.messages.create(to=ALICE, from_=SENDER, body="x").sid for _ in range(3)]

    status, first, _ = raw_request("GET", messages_url(twilio), params={"To": ALICE, "PageSize": 2})
    assert status == 200
    assert (first["page"], first["page_size"], first["start"], first["end"]) == (0, 2, 0, 1)
    assert first["previous_page_uri"] is None and "To=%2B12025550101" in first["uri"]
    _, last, _ = raw_request("GET", twilio.base_url + first["next_page_uri"])
    assert [m["sid"] for m in first["messages"] + last["messages"]] == sids[::-1]
    assert (last["page"], last["start"], last["end"], last["next_page_uri"]) == (1, 2, 2, None)
    _, back, _ = raw_request("GET", twilio.base_url + last["previous_page_uri"])
    assert [m["sid"] for m in back["messages"]] == [m["sid"] for m in first["messages"]]


def test_list_filters_by_sender_and_date_sent(client: Client) -> None:
    sid = client.messages.create(to=ALICE, from_=SENDER, body="x").sid
    client.messages.create(to=ALICE, from_="+12025550199", body="y")
    now = datetime.now(UTC)

    def found(**filters: Any) -> list[str]:
        return [m.sid for m in client.messages.list(to=ALICE, from_=SENDER, **filters)]

    assert found() == [sid]
    assert found(date_sent_after=now - timedelta(minutes=1)) == [sid]
    assert found(date_sent_before=now - timedelta(days=1)) == []
    assert found(date_sent_after=now + timedelta(minutes=1)) == []


def test_fetch_shows_the_status_the_callbacks_reached(twilio: TwilioStandIn, client: Client) -> None:
    sid = client.messages.create(to=ALICE, from_=SENDER, body="x").sid
    assert twilio.wait_for_callbacks(timeout=1)

    assert client.messages(sid).fetch().status == "delivered"
    assert [m.status for m in client.messages.list(to=ALICE)] == ["delivered"]
    with pytest.raises(TwilioRestException) as missing:
        client.messages("SM" + "f" * 32).fetch()
    assert (missing.value.status, missing.value.code) == (404, 20404)


def test_the_sender_fetches_a_final_status_with_its_error_code(twilio: TwilioStandIn, sender: TwilioSmsSender) -> None:
    twilio.set_outcome(BOB, "undelivered", error_code=30003)
    sid = sender.send(BOB, "x")
    assert twilio.wait_for_callbacks(timeout=1)

    fetched = sender.fetch(sid)

    assert (fetched.sid, fetched.status, fetched.error_code) == (sid, "undelivered", "30003")
    with pytest.raises(SmsSendError) as missing:
        sender.fetch("SM" + "f" * 32)
    assert (missing.value.code, missing.value.status, missing.value.retryable) == ("20404", 404, False)


# Connections -------------------------------------------------------------------------------------

def test_one_connection_carries_many_requests(twilio: TwilioStandIn) -> None:
    connection = http.client.HTTPConnection(urlsplit(twilio.base_url).netloc, timeout=2)
    headers = urllib3.make_headers(basic_auth=f"{ACCOUNT_SID}:{TOKEN}")
    sockets = set()
    for _ in range(3):
        connection.request("GET", urlsplit(messages_url(twilio)).path, headers=headers)
        with connection.getresponse() as response:
            assert response.status == 200 and json.loads(response.read())["messages"] == []
        sockets.add(connection.sock.getsockname())
    connection.close()

    assert len(sockets) == 1, "HTTP/1.1 keep-alive: the stand-in must not close after each answer"


def test_threads_sharing_one_sender_each_get_their_own_messages_id(twilio: TwilioStandIn,
                                                                  sender: TwilioSmsSender) -> None:
    recipients = [f"+1202555{number:04d}" for number in range(8)]
    returned: dict[str, list[str]] = {to: [] for to in recipients}

    def send_many(to: str) -> None:
        returned[to] = [sender.send(to, "x") for _ in range(25)]

    threads = [threading.Thread(target=send_many, args=(to,)) for to in recipients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    recipient_of = {message["sid"]: message["to"] for message in twilio.messages}
    assert all(recipient_of[sid] == to for to, sids in returned.items() for sid in sids)
    assert sum(len(sids) for sids in returned.values()) == len(recipient_of) == 200


# Refusals ----------------------------------------------------------------------------------------

def test_bad_credentials_get_twilios_20003(twilio: TwilioStandIn) -> None:
    wrong = Client(ACCOUNT_SID, "wrong", http_client=HostRewritingHttpClient(twilio.base_url, timeout=0.5))
    with pytest.raises(TwilioRestException) as refused:
        wrong.messages.create(to=ALICE, from_=SENDER, body="x")
    assert (refused.value.status, refused.value.code) == (401, 20003)

    wrong_sender = TwilioSmsSender(ACCOUNT_SID, "wrong", from_number=SENDER, api_base_url=twilio.base_url)
    failure = refused_code(twilio, wrong_sender)
    assert (failure.code, failure.status, failure.retryable) == ("20003", 401, False)

    assert raw_request("GET", messages_url(twilio), auth=None)[:2] == (401, {
        "code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003",
        "status": 401})
    assert twilio.messages == []


@pytest.mark.parametrize(("form", "code"), [
    ({"From": SENDER, "Body": "x"}, 21604),
    ({"To": ALICE, "From": SENDER}, 21602),
    ({"To": ALICE, "Body": "x"}, 21603),
])
def test_a_create_missing_a_field_is_refused_with_400(twilio: TwilioStandIn, form: dict[str, str],
                                                     code: int) -> None:
    status, body, _ = raw_request("POST", messages_url(twilio), data=form)

    assert (status, body["code"], body["status"]) == (400, code, 400)
    assert set(body) == {"code", "message", "more_info", "status"}
    assert twilio.messages == []


@pytest.mark.parametrize("code", [21211, 21610, 21614])
def test_rejected_numbers_fail_permanently(twilio: TwilioStandIn, sender: TwilioSmsSender, code: int) -> None:
    twilio.reject_number(BOB, code=code)

    failure = refused_code(twilio, sender, to=BOB)

    assert (failure.code, failure.status, failure.retryable) == (str(code), 400, False)
    assert twilio.accepted_per_recipient() == Counter()


def test_a_500_is_retryable_and_stores_nothing(twilio: TwilioStandIn, sender: TwilioSmsSender) -> None:
    twilio.fail_next(1, status=500)

    failure = refused_code(twilio, sender)

    assert (failure.code, failure.status, failure.retryable) == ("20500", 500, True)
    assert twilio.messages == []
    assert sender.send(ALICE, "again").startswith("SM")


def test_a_429_is_retryable_and_says_when_to_retry(twilio: TwilioStandIn, sender: TwilioSmsSender) -> None:
    twilio.fail_next(2, status=429)

    failure = refused_code(twilio, sender)
    status, body, headers = raw_request("POST", messages_url(twilio), data={"To": ALICE, "From": SENDER, "Body": "x"})

    assert (failure.code, failure.status, failure.retryable) == ("20429", 429, True)
    assert (status, body["code"], headers["Retry-After"]) == (429, 20429, "1")
    assert twilio.messages == []


def test_a_timeout_hides_a_message_twilio_accepted(twilio: TwilioStandIn) -> None:
    impatient = TwilioSmsSender(ACCOUNT_SID, TOKEN, from_number=SENDER, api_base_url=twilio.base_url, timeout=0.2)
    twilio.timeout_next(1)

    failure = refused_code(twilio, impatient)

    assert (failure.code, failure.status, failure.retryable) == ("timeout", None, True)
    assert [m.body for m in impatient.messages_to(ALICE)] == ["Your code is 123456"]


# Status callbacks --------------------------------------------------------------------------------

def test_callbacks_are_signed_and_come_sent_then_delivered(twilio: TwilioStandIn, client: Client,
                                                          recorder: CallbackRecorder) -> None:
    callback_url = recorder.url("/sms/status?batch=7")
    sid = client.messages.create(to=ALICE, from_=SENDER, body="secret text", status_callback=callback_url).sid

    assert twilio.wait_for_callbacks(timeout=1)

    assert recorder.statuses() == ["sent", "delivered"]
    for callback in recorder.received:
        assert RequestValidator(TOKEN).validate(callback_url, callback.params, callback.signature)
        assert callback.path == "/sms/status?batch=7"
        assert callback.params == {"MessageSid": sid, "SmsSid": sid, "MessageStatus": callback.params["SmsStatus"],
                                   "SmsStatus": callback.params["MessageStatus"], "AccountSid": ACCOUNT_SID,
                                   "To": ALICE, "From": SENDER, "ApiVersion": "2010-04-01"}
    assert [attempt.http_status for attempt in twilio.callback_attempts] == [204, 204]


def test_a_wrong_token_does_not_validate_a_callback(twilio: TwilioStandIn, client: Client,
                                                   recorder: CallbackRecorder) -> None:
    client.messages.create(to=ALICE, from_=SENDER, body="x", status_callback=recorder.url())
    assert twilio.wait_for_callbacks(timeout=1)

    callback = recorder.received[0]
    assert not RequestValidator("other-token").validate(recorder.url(), callback.params, callback.signature)


def test_without_a_status_callback_nothing_is_posted_but_the_status_advances(twilio: TwilioStandIn,
                                                                            client: Client) -> None:
    sid = client.messages.create(to=ALICE, from_=SENDER, body="x").sid

    assert twilio.wait_for_callbacks(timeout=1)

    assert twilio.callback_attempts == []
    assert client.messages(sid).fetch().status == "delivered"


@pytest.mark.parametrize(("outcome", "statuses"), [("undelivered", ["sent", "undelivered"]), ("failed", ["failed"])])
def test_a_recipient_outcome_ends_messages_that_way(twilio: TwilioStandIn, client: Client,
                                                    recorder: CallbackRecorder, outcome: str,
                                                    statuses: list[str]) -> None:
    twilio.set_outcome(BOB, outcome, error_code=30003)
    sid = client.messages.create(to=BOB, from_=SENDER, body="x", status_callback=recorder.url()).sid

    assert twilio.wait_for_callbacks(timeout=1)

    assert recorder.statuses() == statuses
    assert recorder.received[-1].params["ErrorCode"] == "30003"
    assert all("ErrorCode" not in callback.params for callback in recorder.received[:-1])
    fetched = client.messages(sid).fetch()
    assert (fetched.status, fetched.error_code) == (outcome, 30003)


@pytest.mark.parametrize(("fault", "statuses"), [
    ("duplicate_callbacks", ["sent", "delivered", "delivered"]),
    ("out_of_order_callbacks", ["delivered", "sent"]),
])
def test_injected_callback_faults_repeat_or_reorder(twilio: TwilioStandIn, client: Client,
                                                    recorder: CallbackRecorder, fault: str,
                                                    statuses: list[str]) -> None:
    twilio.inject(**{fault: 1.0}, seed=7)
    sid = client.messages.create(to=ALICE, from_=SENDER, body="x", status_callback=recorder.url()).sid

    assert twilio.wait_for_callbacks(timeout=1)

    assert recorder.statuses() == statuses
    assert client.messages(sid).fetch().status == "delivered"  # a late "sent" does not undo "delivered"


def test_lost_callbacks_are_never_posted_but_the_status_still_advances(twilio: TwilioStandIn, client: Client,
                                                                       recorder: CallbackRecorder) -> None:
    twilio.inject(lost_callbacks=1.0)
    sid = client.messages.create(to=ALICE, from_=SENDER, body="x", status_callback=recorder.url()).sid

    assert twilio.wait_for_callbacks(timeout=1)

    assert recorder.received == [] and twilio.callback_attempts == []
    assert client.messages(sid).fetch().status == "delivered"


def test_late_callbacks_wait_late_delay(twilio: TwilioStandIn, client: Client, recorder: CallbackRecorder) -> None:
    twilio.inject(late_callbacks=1.0)
    sent_at = time.monotonic()
    client.messages.create(to=ALICE, from_=SENDER, body="x", status_callback=recorder.url())

    assert not twilio.wait_for_callbacks(timeout=0.1)
    assert twilio.wait_for_callbacks(timeout=1)
    assert recorder.received[0].at - sent_at >= twilio.late_delay


def test_a_callback_that_cannot_be_delivered_is_recorded_not_raised(twilio: TwilioStandIn, client: Client) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    client.messages.create(to=ALICE, from_=SENDER, body="x", status_callback=f"http://127.0.0.1:{closed_port}/s")

    assert twilio.wait_for_callbacks(timeout=1)

    assert [(a.http_status, a.error) for a in twilio.callback_attempts] == [(None, "ConnectionError")] * 2


def test_callbacks_can_go_to_a_local_app_signed_for_the_public_url(recorder: CallbackRecorder) -> None:
    public_url = "https://portal.example.org/sms/status"
    with TwilioStandIn(ACCOUNT_SID, TOKEN, callback_delay=0.01, callback_base_url=recorder.url("")) as twilio:
        twilio.client().messages.create(to=ALICE, from_=SENDER, body="x", status_callback=public_url)
        assert twilio.wait_for_callbacks(timeout=1)

    assert [callback.path for callback in recorder.received] == ["/sms/status"] * 2
    assert all(RequestValidator(TOKEN).validate(public_url, c.params, c.signature) for c in recorder.received)


# Faults and bookkeeping --------------------------------------------------------------------------

def outcomes_of_a_seeded_run(seed: int) -> list[str]:
    """What 20 sends meet under random faults: "SM" or the refusing HTTP status."""
    with TwilioStandIn(ACCOUNT_SID, TOKEN, callback_delay=0.001) as twilio:
        twilio.inject(error_500=0.3, error_429=0.2, seed=seed)
        sender = TwilioSmsSender(ACCOUNT_SID, TOKEN, from_number=SENDER, api_base_url=twilio.base_url)
        outcomes = []
        for _ in range(20):
            try:
                outcomes.append(sender.send(ALICE, "x")[:2])
            except SmsSendError as failure:
                outcomes.append(str(failure.status))
        assert twilio.accepted_per_recipient() == Counter({ALICE: outcomes.count("SM")})
    return outcomes


def test_injected_faults_are_the_same_for_the_same_seed() -> None:
    first = outcomes_of_a_seeded_run(seed=7)

    assert first == outcomes_of_a_seeded_run(seed=7)
    assert {"SM", "500", "429"} <= set(first)


def test_accepted_per_recipient_counts_only_stored_messages(twilio: TwilioStandIn, sender: TwilioSmsSender) -> None:
    twilio.reject_number(CAROL, code=21610)
    twilio.fail_next(1)
    for to in (ALICE, ALICE, ALICE, BOB, CAROL):
        with contextlib.suppress(SmsSendError):
            sender.send(to, "x")

    assert twilio.accepted_per_recipient() == Counter({ALICE: 2, BOB: 1})
    assert [m["to"] for m in twilio.messages] == [ALICE, ALICE, BOB]
    assert twilio.requests_count == 5


def test_stopping_cuts_short_held_responses_and_pending_callbacks(recorder: CallbackRecorder) -> None:
    twilio = TwilioStandIn(ACCOUNT_SID, TOKEN, timeout_delay=30, late_delay=30).start()
    twilio.inject(late_callbacks=1.0)
    twilio.timeout_next(1)
    impatient = Client(ACCOUNT_SID, TOKEN, http_client=HostRewritingHttpClient(twilio.base_url, timeout=0.1))
    with pytest.raises(urllib3.exceptions.ReadTimeoutError):
        impatient.messages.create(to=ALICE, from_=SENDER, body="x", status_callback=recorder.url())

    started = time.monotonic()
    twilio.stop()

    assert time.monotonic() - started < 1
    assert twilio.wait_for_callbacks(timeout=0) and recorder.received == []


@pytest.mark.skipif(not SPEC.exists(), reason="Twilio's OpenAPI description is not checked out")
def test_responses_carry_every_field_twilios_api_description_declares(twilio: TwilioStandIn,
                                                                      client: Client) -> None:
    schemas = json.loads(SPEC.read_text())["components"]["schemas"]
    list_response = json.loads(SPEC.read_text())["paths"]["/2010-04-01/Accounts/{AccountSid}/Messages.json"][
        "get"]["responses"]["200"]["content"]["application/json"]["schema"]
    client.messages.create(to=ALICE, from_=SENDER, body="x")

    _, page, _ = raw_request("GET", messages_url(twilio))

    assert set(page) == set(list_response["properties"])
    assert set(page["messages"][0]) == set(schemas["api.v2010.account.message"]["properties"])
    assert page["messages"][0]["status"] in schemas["message_enum_status"]["enum"]
