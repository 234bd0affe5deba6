"""A local stand-in for Twilio's Messages API (2010-04-01), for tests.

The app talks to Twilio with the official `twilio` client (DESIGN.md §7). Tests need the same
client to meet what the real service does, without an account or the network: Twilio-shaped
JSON and errors, paging, signed status callbacks that come late, twice or out of order, and
the dangerous failures (a 500 or 429 that stored nothing, a timeout after the message was
stored). Everything random is drawn from a seeded generator so a failing test replays.

    with TwilioStandIn(account_sid="AC" + "0" * 32, auth_token="test-token") as twilio:
        client = twilio.client()          # or TwilioSmsSender(..., api_base_url=twilio.base_url)

The stand-in never logs: request lines and bodies hold phone numbers and message texts.
Run as a module (`python -m tests.twilio_standin`) it serves in a process of its own.
"""

from __future__ import annotations

import base64
import contextlib
import heapq
import hmac
import itertools
import json
import math
import random
import re
import secrets
import socket
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import requests
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from portal.messaging.twilio_sms import HostRewritingHttpClient

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-token"
API_VERSION = "2010-04-01"
SERVICE_NUMBER = "+15005550006"  # the "From" a Messaging Service picks from its pool here
MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<account>[^/]+)/Messages(?:/(?P<sid>[^/]+))?\.json$")
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 50, 1000

ERROR_MESSAGES = {
    20001: "Invalid DateSent filter",
    20003: "Authenticate",
    20004: "Method not allowed",
    20404: "The requested resource was not found",
    20429: "Too Many Requests",
    20500: "An internal server error has occurred",
    20503: "Service unavailable",
    21211: "The 'To' number {to} is not a valid phone number.",  # Twilio quotes the number
    21602: "Message body is required.",
    21603: "A 'From' phone number is required.",
    21604: "A 'To' phone number is required.",
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number {to} is not a valid mobile number",
}
DELIVERY_ERRORS = {
    30003: "Unreachable destination handset",
    30005: "Unknown destination handset",
    30006: "Landline or unreachable carrier",
    30007: "Message filtered",
    30008: "Unknown error",
}
STATUS_RANK = {"accepted": 0, "queued": 1, "sending": 2, "sent": 3, "delivered": 4, "undelivered": 4, "failed": 4}
STATUSES_BY_OUTCOME = {"delivered": ("sent", "delivered"), "undelivered": ("sent", "undelivered"),
                       "failed": ("failed",)}

GSM_BASIC = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
                "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM_EXTENDED = set("^{}\\[~]|€\f")

CallbackPoster = Callable[[str, dict[str, str], dict[str, str]], int]


def segment_count(body: str) -> int:
    """Parts Twilio bills for `body`: GSM-7 fits 160 characters (153 per part when split);
    anything else goes as UCS-2, 70 UTF-16 units (67 per part)."""
    if all(char in GSM_BASIC or char in GSM_EXTENDED for char in body):
        units, single, part = sum(2 if char in GSM_EXTENDED else 1 for char in body), 160, 153
    else:
        units, single, part = len(body.encode("utf-16-le")) // 2, 70, 67
    return 1 if units <= single else math.ceil(units / part)


def rfc2822(moment: datetime) -> str:
    """Twilio's date format: 'Fri, 24 May 2019 17:44:46 +0000'."""
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0))


@dataclass(frozen=True)
class CallbackAttempt:
    """One status callback the stand-in tried to POST; `error` names the exception if it failed."""

    url: str
    params: dict[str, str]
    http_status: int | None
    error: str | None


class ApiError(Exception):
    """An error response in Twilio's shape: {"code", "message", "more_info", "status"}."""

    def __init__(self, status: int, code: int, *, to: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(f"HTTP {status}, Twilio code {code}")
        self.status, self.code, self.to, self.headers = status, code, to, headers or {}

    def reply(self) -> Reply:
        message = ERROR_MESSAGES.get(self.code, "Request refused").format(to=self.to)
        body = {"code": self.code, "message": message,
                "more_info": f"https://www.twilio.com/docs/errors/{self.code}", "status": self.status}
        return Reply(self.status, body, self.headers)


@dataclass
class Reply:
    status: int
    payload: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to hold the response back (a timeout fault)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    authorization: str | None


@dataclass
class _Record:
    """A stored message: the resource as Twilio returns it, plus what only the service knows."""

    fields: dict[str, Any]
    created_at: datetime
    status_callback: str | None
    error_code: int | None


@dataclass(order=True)
class _Job:
    """A status change due at `due` (monotonic); `url` None means no callback is posted."""

    due: float
    seq: int
    sid: str = field(compare=False)
    status: str = field(compare=False)
    url: str | None = field(compare=False)


@dataclass(frozen=True)
class _Faults:
    error_500: float = 0.0
    error_429: float = 0.0
    timeout: float = 0.0
    duplicate_callbacks: float = 0.0
    out_of_order_callbacks: float = 0.0
    late_callbacks: float = 0.0
    lost_callbacks: float = 0.0


class TwilioStandIn:
    """Twilio's Messages API on 127.0.0.1, on a port the OS picks. See the module docstring."""

    def __init__(self, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN, *,
                 timeout_delay: float = 2.0, late_delay: float = 0.5, callback_delay: float = 0.02,
                 callback_timeout: float = 2.0, callback_base_url: str | None = None,
                 callback_poster: CallbackPoster | None = None, answer_delay: float = 0.0) -> None:
        """`answer_delay` holds every accepted message's answer back, as the round trip to
        Twilio's API does. `callback_delay` spaces the status changes of a message.
        `callback_base_url` sends callbacks to another scheme and host (a local app) while
        signing the StatusCallback URL as given, like Twilio calling a public URL behind a
        proxy. `callback_poster(url, params, headers) -> HTTP status` replaces the HTTP POST,
        e.g. with a Flask test client."""
        self.account_sid, self.auth_token = account_sid, auth_token
        self.timeout_delay, self.late_delay, self.callback_delay = timeout_delay, late_delay, callback_delay
        self.answer_delay = answer_delay
        self.callback_timeout, self.callback_base_url = callback_timeout, callback_base_url
        self._post_callback = callback_poster or self._post_form
        self._validator = RequestValidator(auth_token)
        self._state = threading.Condition()
        self._stopping = threading.Event()
        self._records: list[_Record] = []
        self._by_sid: dict[str, _Record] = {}
        self._outcomes: dict[str, tuple[str, int | None]] = {}
        self._rejections: dict[str, tuple[int, int]] = {}
        self._faults, self._random = _Faults(), random.Random(0)
        self._forced_faults: deque[tuple[str, int]] = deque()
        self._jobs: list[_Job] = []
        self._job_numbers = itertools.count()
        self._pending_jobs = 0
        self._attempts: list[CallbackAttempt] = []
        self._requests_count = 0
        self.server_errors: list[str] = []
        self._server: _Server | None = None
        self._threads: list[threading.Thread] = []

    # Life cycle -------------------------------------------------------------------------------

    def start(self) -> TwilioStandIn:
        self._stopping.clear()
        self._server = _Server(self)
        self._threads = [
            threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                             name="twilio-stand-in-http", daemon=True),
            threading.Thread(target=self._run_callbacks, name="twilio-stand-in-callbacks", daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        """Stops serving, cuts short held-back responses, drops callbacks not yet due."""
        if self._server is None:
            return
        self._stopping.set()
        with self._state:
            self._state.notify_all()
        self._server.shutdown()
        self._server.hang_up()
        self._server.server_close()  # joins the request threads
        for thread in self._threads:
            thread.join()
        with self._state:
            self._jobs.clear()
            self._pending_jobs = 0
            self._state.notify_all()
        self._server = None

    def __enter__(self) -> TwilioStandIn:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("The Twilio stand-in is not running.")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def client(self, *, timeout: float = 0.5) -> Client:
        """The real `twilio` client, pointed here the way the app points it."""
        return Client(self.account_sid, self.auth_token,
                      http_client=HostRewritingHttpClient(self.base_url, timeout=timeout))

    def stopped_within(self, seconds: float) -> bool:
        """Waits `seconds` unless the stand-in stops first (then True): a held-back response
        must not delay shutdown."""
        return self._stopping.wait(seconds)

    # Scenario controls ------------------------------------------------------------------------

    def set_outcome(self, to: str, status: str, *, error_code: int | None = 30003) -> None:
        """Messages to `to` end `status`: "delivered" (the default), "undelivered" or "failed"."""
        if status not in STATUSES_BY_OUTCOME:
            raise ValueError(f"unknown outcome {status!r}")
        with self._state:
            self._outcomes[to] = (status, None if status == "delivered" else error_code)

    def reject_number(self, to: str, *, code: int = 21211, status: int = 400) -> None:
        """Creating a message to `to` fails with Twilio error `code`; nothing is stored."""
        with self._state:
            self._rejections[to] = (status, code)

    def inject(self, *, error_500: float = 0.0, error_429: float = 0.0, timeout: float = 0.0,
               duplicate_callbacks: float = 0.0, out_of_order_callbacks: float = 0.0,
               late_callbacks: float = 0.0, lost_callbacks: float = 0.0, seed: int = 0) -> None:
        """Random faults, each a probability per created message; replaces earlier ones and
        reseeds, so the same calls in the same order get the same faults. A message whose
        callbacks are lost still changes status (fetch and list show it), but no callback for
        it is posted, as when the app's endpoint was down: Twilio does not post them again."""
        if error_500 + error_429 + timeout > 1:
            raise ValueError("error_500 + error_429 + timeout must not exceed 1")
        with self._state:
            self._faults = _Faults(error_500, error_429, timeout, duplicate_callbacks,
                                   out_of_order_callbacks, late_callbacks, lost_callbacks)
            self._random = random.Random(seed)

    def fail_next(self, count: int = 1, status: int = 500) -> None:
        """The next `count` creates fail with HTTP `status` (429 adds Retry-After) and store nothing."""
        with self._state:
            self._forced_faults.extend([("error", status)] * count)

    def timeout_next(self, count: int = 1) -> None:
        """The next `count` creates are stored, but answered only after `timeout_delay`."""
        with self._state:
            self._forced_faults.extend([("timeout", 0)] * count)

    # Bookkeeping ------------------------------------------------------------------------------

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Copies of every stored message, oldest first, as the API shows them."""
        with self._state:
            return [json.loads(json.dumps(record.fields)) for record in self._records]

    def accepted_per_recipient(self) -> Counter[str]:
        with self._state:
            return Counter(record.fields["to"] for record in self._records)

    @property
    def requests_count(self) -> int:
        with self._state:
            return self._requests_count

    @property
    def callback_attempts(self) -> list[CallbackAttempt]:
        with self._state:
            return list(self._attempts)

    def wait_for_callbacks(self, timeout: float = 5.0) -> bool:
        """True once every scheduled status change and callback has been attempted."""
        with self._state:
            return self._state.wait_for(lambda: self._pending_jobs == 0, timeout)

    # The API ----------------------------------------------------------------------------------

    def handle(self, request: Request) -> Reply:
        """Answers one API request; the HTTP layer only parses and writes."""
        with self._state:
            self._requests_count += 1
        try:
            self._authenticate(request.authorization)
            sid = self._route(request.path)
            if request.method == "POST" and sid is None:
                return self._create(request.form)
            if request.method == "GET":
                return self._list(request.path, request.query) if sid is None else self._fetch(sid)
            raise ApiError(405, 20004)
        except ApiError as error:
            return error.reply()

    def _authenticate(self, authorization: str | None) -> None:
        credentials = f"{self.account_sid}:{self.auth_token}".encode()
        expected = b"Basic " + base64.b64encode(credentials)
        if not hmac.compare_digest((authorization or "").encode(), expected):
            raise ApiError(401, 20003)

    def _route(self, path: str) -> str | None:
        match = MESSAGES_PATH.match(path)
        if not match or match["account"] != self.account_sid:
            raise ApiError(404, 20404)
        return match["sid"]

    def _create(self, form: dict[str, str]) -> Reply:
        kind, status = self._take_fault()
        if kind == "error":
            raise ApiError(status, {429: 20429, 503: 20503}.get(status, 20500),
                           headers={"Retry-After": "1"} if status == 429 else None)
        self._check_create(form)
        record = self._store(form)
        return Reply(201, dict(record.fields), delay=self.timeout_delay if kind == "timeout" else self.answer_delay)

    def _take_fault(self) -> tuple[str, int]:
        with self._state:
            if self._forced_faults:
                return self._forced_faults.popleft()
            roll, faults = self._random.random(), self._faults
        for kind, status, chance in (("error", 500, faults.error_500), ("error", 429, faults.error_429),
                                     ("timeout", 0, faults.timeout)):
            if roll < chance:
                return kind, status
            roll -= chance
        return "none", 0

    def _check_create(self, form: dict[str, str]) -> None:
        to = form.get("To")
        if not to:
            raise ApiError(400, 21604)
        if not (form.get("From") or form.get("MessagingServiceSid")):
            raise ApiError(400, 21603)
        if not (form.get("Body") or form.get("MediaUrl") or form.get("ContentSid")):
            raise ApiError(400, 21602)
        with self._state:
            rejection = self._rejections.get(to)
        if rejection:
            raise ApiError(rejection[0], rejection[1], to=to)

    def _store(self, form: dict[str, str]) -> _Record:
        now = datetime.now(UTC)
        sid = "SM" + secrets.token_hex(16)
        service = form.get("MessagingServiceSid")
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}"
        fields = {
            "account_sid": self.account_sid, "api_version": API_VERSION, "body": form.get("Body", ""),
            "date_created": rfc2822(now), "date_sent": rfc2822(now), "date_updated": rfc2822(now),
            "direction": "outbound-api", "error_code": None, "error_message": None,
            "from": form.get("From") or None, "messaging_service_sid": service or None, "num_media": "0",
            "num_segments": str(segment_count(form.get("Body", ""))), "price": None, "price_unit": "USD",
            "sid": sid, "status": "accepted" if service else "queued",
            "subresource_uris": {"media": f"{uri}/Media.json", "feedback": f"{uri}/Feedback.json"},
            "to": form["To"], "uri": f"{uri}.json",
        }
        with self._state:
            outcome, error_code = self._outcomes.get(form["To"], ("delivered", None))
            record = _Record(fields, now, form.get("StatusCallback") or None, error_code)
            self._records.append(record)
            self._by_sid[sid] = record
            self._schedule(record, STATUSES_BY_OUTCOME[outcome])
        return record

    def _schedule(self, record: _Record, statuses: tuple[str, ...]) -> None:
        """Queues the message's status changes (caller holds the lock). Faults reorder them,
        repeat the final one, delay them all, or post none of their callbacks."""
        faults, draw = self._faults, self._random.random
        duplicate, reorder, late = (draw() < faults.duplicate_callbacks, draw() < faults.out_of_order_callbacks,
                                    draw() < faults.late_callbacks)
        url = None if draw() < faults.lost_callbacks else record.status_callback
        order = list(statuses)
        if reorder and len(order) > 1:
            order[-2], order[-1] = order[-1], order[-2]
        if duplicate:
            order.insert(order.index(statuses[-1]) + 1, statuses[-1])
        start = time.monotonic() + (self.late_delay if late else 0.0)
        for step, status in enumerate(order, start=1):
            heapq.heappush(self._jobs, _Job(start + step * self.callback_delay, next(self._job_numbers),
                                            record.fields["sid"], status, url))
        self._pending_jobs += len(order)
        self._state.notify_all()

    def _list(self, path: str, query: dict[str, str]) -> Reply:
        page_size = min(max(_integer(query.get("PageSize"), DEFAULT_PAGE_SIZE), 1), MAX_PAGE_SIZE)
        page = max(_integer(query.get("Page"), 0), 0)
        date_filters = {op: _date_filter(query[f"DateSent{op}"]) for op in ("", "<", ">") if f"DateSent{op}" in query}
        with self._state:
            found = [dict(record.fields) for record in reversed(self._records)
                     if _matches(record, query, date_filters)]
        items, more = _page_slice(found, page, page_size, query.get("PageToken"))
        filters = {name: query[name] for name in ("To", "From", "DateSent", "DateSent<", "DateSent>") if name in query}

        def page_uri(number: int, token: str | None = None) -> str:
            extra = {"PageToken": token} if token else {}
            return f"{path}?{urlencode({**filters, 'PageSize': page_size, 'Page': number, **extra})}"

        start = page * page_size
        return Reply(200, {
            "messages": items,
            "first_page_uri": page_uri(0),
            "next_page_uri": page_uri(page + 1, "PA" + items[-1]["sid"]) if more else None,
            "previous_page_uri": page_uri(page - 1, "PB" + items[0]["sid"]) if page and items else None,
            "page": page, "page_size": page_size, "start": start, "end": start + max(len(items) - 1, 0),
            "uri": page_uri(page, query.get("PageToken")),
        })

    def _fetch(self, sid: str) -> Reply:
        with self._state:
            record = self._by_sid.get(sid)
            if record is None:
                raise ApiError(404, 20404)
            return Reply(200, dict(record.fields))

    # Status callbacks -------------------------------------------------------------------------

    def _run_callbacks(self) -> None:
        """One worker applies status changes in due order and posts their callbacks."""
        while (job := self._next_due_job()) is not None:
            try:
                self._run_job(job)
            finally:
                with self._state:
                    self._pending_jobs = max(self._pending_jobs - 1, 0)
                    self._state.notify_all()

    def _next_due_job(self) -> _Job | None:
        with self._state:
            while not self._stopping.is_set():
                if self._jobs and self._jobs[0].due <= time.monotonic():
                    return heapq.heappop(self._jobs)
                self._state.wait(self._jobs[0].due - time.monotonic() if self._jobs else None)
        return None

    def _run_job(self, job: _Job) -> None:
        with self._state:
            record = self._by_sid[job.sid]
            self._advance(record, job.status)
            if job.url is None:
                return
            params = self._callback_params(record, job.status)
        headers = {"X-Twilio-Signature": self._validator.compute_signature(job.url, params),
                   "User-Agent": "TwilioProxy/1.1"}
        try:
            http_status, error = self._post_callback(self._callback_target(job.url), params, headers), None
        except Exception as failure:  # a callback that fails is Twilio's problem, not the test's
            http_status, error = None, type(failure).__name__
        with self._state:
            self._attempts.append(CallbackAttempt(job.url, params, http_status, error))

    def _advance(self, record: _Record, status: str) -> None:
        """Moves the stored status forward only: a late "sent" never undoes "delivered"."""
        fields = record.fields
        if STATUS_RANK[status] <= STATUS_RANK[fields["status"]]:
            return
        fields.update(status=status, date_updated=rfc2822(datetime.now(UTC)))
        fields["from"] = fields["from"] or SERVICE_NUMBER
        if status in ("failed", "undelivered"):
            fields.update(error_code=record.error_code,
                          error_message=DELIVERY_ERRORS.get(record.error_code or 0, "Delivery failed"))

    def _callback_params(self, record: _Record, status: str) -> dict[str, str]:
        fields = record.fields
        params = {"MessageSid": fields["sid"], "SmsSid": fields["sid"], "MessageStatus": status,
                  "SmsStatus": status, "AccountSid": self.account_sid, "To": fields["to"],
                  "From": fields["from"] or SERVICE_NUMBER, "ApiVersion": API_VERSION}
        if fields["messaging_service_sid"]:
            params["MessagingServiceSid"] = fields["messaging_service_sid"]
        if status in ("failed", "undelivered") and record.error_code is not None:
            params["ErrorCode"] = str(record.error_code)
        return params

    def _callback_target(self, url: str) -> str:
        if not self.callback_base_url:
            return url
        base, called = urlsplit(self.callback_base_url), urlsplit(url)
        return urlunsplit((base.scheme, base.netloc, called.path, called.query, ""))

    def _post_form(self, url: str, params: dict[str, str], headers: dict[str, str]) -> int:
        with requests.post(url, data=params, headers=headers, timeout=self.callback_timeout,
                           allow_redirects=False) as response:
            return response.status_code


def _integer(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _date_filter(value: str) -> date | datetime:
    """Twilio takes a day (YYYY-MM-DD) or, from the client, a UTC timestamp."""
    try:
        if "T" not in value:
            return date.fromisoformat(value)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    except ValueError:
        raise ApiError(400, 20001) from None


def _matches(record: _Record, query: dict[str, str], date_filters: dict[str, date | datetime]) -> bool:
    fields = record.fields
    if "To" in query and fields["to"] != query["To"]:
        return False
    if "From" in query and fields["from"] != query["From"]:
        return False
    for op, bound in date_filters.items():
        sent: date | datetime = record.created_at if isinstance(bound, datetime) else record.created_at.date()
        if not {"": sent == bound, "<": sent <= bound, ">": sent >= bound}[op]:  # Twilio's < and > include
            return False
    return True


def _page_slice(found: list[dict[str, Any]], page: int, page_size: int,
                token: str | None) -> tuple[list[dict[str, Any]], bool]:
    """The page's messages and whether more follow. A PageToken ("PA"/"PB" + a SID) pages from
    that message, so messages created meanwhile do not shift the pages."""
    sids = [item["sid"] for item in found]
    if token and token[2:] in sids:
        anchor = sids.index(token[2:])
        first = anchor + 1 if token.startswith("PA") else max(anchor - page_size, 0)
    else:
        first = page * page_size
    return found[first:first + page_size], first + page_size < len(found)


class _Handler(BaseHTTPRequestHandler):
    """Parses HTTP into a `Request` and writes the `Reply`. HTTP/1.1 with keep-alive, as
    Twilio's API: a client that reuses its connections does not pay a TCP handshake and a
    server thread per message."""

    server: _Server
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: with Nagle's algorithm the second waits for the
    # client's delayed ACK (40 ms) on a kept-alive connection.
    disable_nagle_algorithm = True
    timeout = 5  # seconds a silent client may hold a connection (and its thread) open

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_DELETE = do_PUT = do_GET

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw_form = self.rfile.read(length).decode() if length else ""
        parts = urlsplit(self.path)
        request = Request(self.command, parts.path, _first_values(parts.query), _first_values(raw_form),
                          self.headers.get("Authorization"))
        reply = self.server.stand_in.handle(request)
        if reply.delay and self.server.stand_in.stopped_within(reply.delay):
            self.close_connection = True
            return
        body = json.dumps(reply.payload).encode()
        try:
            self.send_response(reply.status)
            for name, value in {"Content-Type": "application/json; charset=utf-8",
                                "Content-Length": str(len(body)),
                                "Twilio-Request-Id": "RQ" + secrets.token_hex(16), **reply.headers}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            # The client stopped waiting (a timeout fault): Twilio has the message all the same.
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: request lines hold phone numbers."""


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() then waits for every request thread
    block_on_close = True

    def __init__(self, stand_in: TwilioStandIn) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.stand_in = stand_in
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def finish_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        try:
            super().finish_request(request, client_address)
        finally:
            with self._open_lock:
                self._open.discard(request)

    def hang_up(self) -> None:
        """Ends every open connection, so that threads waiting on idle keep-alive clients
        return at once instead of after `_Handler.timeout`."""
        with self._open_lock:
            for connection in self._open:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Records the failure's type instead of printing a traceback that may quote a request."""
        self.stand_in.server_errors.append(type(sys.exc_info()[1]).__name__)


def _first_values(encoded: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(encoded, keep_blank_values=True).items()}


def running_stand_in(**options: Any) -> Iterator[TwilioStandIn]:
    """For a pytest fixture: `yield from running_stand_in(timeout_delay=0.5)`."""
    with TwilioStandIn(**options) as stand_in:
        yield stand_in


def main() -> None:
    """`python -m tests.twilio_standin [ANSWER_DELAY]`: a stand-in in a process of its own,
    printing its base URL, until its standard input closes. Benchmarks use it so that the
    workers they measure share their interpreter with nothing else (Twilio is on other
    machines). It posts no status callbacks: they are the web processes' work, not the
    workers'."""
    answer_delay = float(sys.argv[1]) if len(sys.argv) > 1 else 0.0
    with TwilioStandIn(answer_delay=answer_delay) as stand_in:
        stand_in.inject(lost_callbacks=1.0)
        print(stand_in.base_url, flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
