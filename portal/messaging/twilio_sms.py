"""Sending SMS through Twilio's Messages API, and reading back what was sent.

The official `twilio` client builds the requests. Three things it does not do are ours
(DESIGN.md §7):
- HTTP that several threads can share: `PooledHttpClient` gives each thread its own
  keep-alive connections and returns each answer to the thread that asked;
- another API host (a local stand-in in tests): `HostRewritingHttpClient` rewrites every
  request's scheme and host to `TWILIO_API_BASE_URL`;
- retries: the client never retries, so every failure becomes an `SmsSendError` that says
  whether trying again can help. Its message holds the error code and HTTP status only: a
  `TwilioRestException` usually quotes the recipient's number and must never be logged.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode, urlsplit, urlunsplit

import requests
import urllib3
from twilio.base.exceptions import TwilioRestException
from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.rest import Client
from twilio.rest.api.v2010.account.message import MessageInstance

from portal.config import ConfigurationError

# Twilio error codes that no retry can fix: the number, the sender or the recipient's choice.
PERMANENT_ERRORS = frozenset({
    21211,  # invalid 'To' number
    21408,  # no permission to send to this region
    21610,  # the recipient replied STOP
    21612,  # the 'To' number cannot be reached from this sender
    21614,  # 'To' is not a mobile number
    21617,  # the body is too long
    21635,  # not a valid mobile number for this message type
})
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
GATEWAY_TIMEOUTS = frozenset({502, 504})
REQUEST_TIMEOUT = 10  # seconds
POOL_SIZE = 64  # kept-alive connections: one for each sending thread (flask worker --threads)
TIMEOUT_CODE = "timeout"  # no answer: the message may still reach Twilio


class SmsSendError(Exception):
    """A message the provider did not accept. `retryable` says whether to try again later."""

    def __init__(self, *, code: str, status: int | None, retryable: bool) -> None:
        super().__init__(f"SMS not accepted: code {code}, HTTP status {status}")
        self.code = code
        self.status = status
        self.retryable = retryable


@dataclass(frozen=True)
class ProviderMessage:
    sid: str
    body: str
    status: str
    created_at: datetime | None
    error_code: str | None = None


class PooledHttpClient(HttpClient):
    """The `twilio` client's HTTP, on one urllib3 connection pool that every sending thread of
    a worker shares and that keeps its connections to Twilio alive between messages.

    TwilioHttpClient would do the same work through `requests`, at twice the cost a message,
    and with threads it is unsafe: it hands each answer back through an attribute of the
    client, where another thread's answer can replace it before it is returned (a message id
    recorded for the wrong notification). Never retries: a POST sent twice may be two
    messages. Honours an HTTPS proxy and a CA bundle from the environment, as `requests`
    does. Nothing is logged: request URLs may hold phone numbers."""

    def __init__(self, *, timeout: float = REQUEST_TIMEOUT) -> None:
        super().__init__(logging.getLogger("twilio.http_client"), is_async=False, timeout=timeout)
        ca_certs = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or requests.certs.where()
        options = {"maxsize": POOL_SIZE, "retries": False, "ca_certs": ca_certs}
        self._direct = urllib3.PoolManager(**options)
        proxy = urllib.request.getproxies().get("https")
        self._proxied = urllib3.ProxyManager(proxy, **options) if proxy else None

    def request(self, method, url, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False) -> Response:
        headers = dict(headers or {})
        if auth:
            headers.update(urllib3.make_headers(basic_auth=":".join(auth)))
        if params:
            url = f"{url}?{urlencode(params, doseq=True)}"
        body = _encoded_body(method, data, headers)
        answer = self._pool_for(url).request(method.upper(), url, body=body, headers=headers,
                                             timeout=timeout or self.timeout, redirect=allow_redirects)
        return Response(answer.status, answer.data.decode("utf-8"), answer.headers)

    def _pool_for(self, url: str) -> urllib3.PoolManager:
        target = urlsplit(url)
        if self._proxied and target.scheme == "https" and not urllib.request.proxy_bypass(target.hostname or ""):
            return self._proxied
        return self._direct


def _encoded_body(method: str, data: dict[str, object] | None, headers: dict[str, str]) -> str | None:
    """The body as the `twilio` client means it: a form, or JSON when its headers say so."""
    if not data or method.upper() in ("GET", "DELETE"):
        return None
    if headers.get("Content-Type", "").endswith("json"):
        return json.dumps(data)
    headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    return urlencode(data, doseq=True)


class HostRewritingHttpClient(PooledHttpClient):
    """Sends every request to `base_url`'s scheme and host, keeping Twilio's paths."""

    def __init__(self, base_url: str, *, timeout: float = REQUEST_TIMEOUT) -> None:
        super().__init__(timeout=timeout)
        target = urlsplit(base_url)
        self._scheme, self._netloc = target.scheme, target.netloc

    def request(self, method, url, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False) -> Response:
        parts = urlsplit(url)
        rewritten = urlunsplit((self._scheme, self._netloc, parts.path, parts.query, parts.fragment))
        return super().request(method, rewritten, params, data, headers, auth, timeout, allow_redirects)


class TwilioSmsSender:
    """Sends from a Messaging Service when one is configured, else from a number."""

    def __init__(self, account_sid: str, auth_token: str, *, messaging_service_sid: str | None = None,
                 from_number: str | None = None, api_base_url: str | None = None,
                 status_callback: str | None = None, timeout: float = REQUEST_TIMEOUT) -> None:
        if not (account_sid and auth_token and (messaging_service_sid or from_number)):
            raise ConfigurationError("SMS_BACKEND=twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and "
                                     "TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER.")
        http_client = (HostRewritingHttpClient(api_base_url, timeout=timeout) if api_base_url
                       else PooledHttpClient(timeout=timeout))
        self._client = Client(account_sid, auth_token, http_client=http_client)
        self._sender = {"messaging_service_sid": messaging_service_sid} if messaging_service_sid else {
            "from_": from_number}
        self._status_callback = status_callback

    def send(self, recipient: str, body: str) -> str:
        """Hand one message to Twilio; return its SID. Raises SmsSendError."""
        extra = {"status_callback": self._status_callback} if self._status_callback else {}
        try:
            message = self._client.messages.create(to=recipient, body=body, **self._sender, **extra)
        except TwilioRestException as error:
            raise _classified(error) from None
        except urllib3.exceptions.HTTPError:
            raise SmsSendError(code=TIMEOUT_CODE, status=None, retryable=True) from None
        return message.sid

    def messages_to(self, recipient: str, *, limit: int = 50) -> list[ProviderMessage]:
        """The newest messages Twilio has for `recipient`, newest first. Used to find out,
        after a crash, whether a message was accepted before its SID could be recorded."""
        try:
            found = self._client.messages.list(to=recipient, limit=limit)
        except TwilioRestException as error:
            raise _classified(error) from None
        except urllib3.exceptions.HTTPError:
            raise SmsSendError(code=TIMEOUT_CODE, status=None, retryable=True) from None
        return [_provider_message(message) for message in found]

    def fetch(self, message_sid: str) -> ProviderMessage:
        """What Twilio now knows of one message: its status and, for a failure, the error code.
        Raises SmsSendError."""
        try:
            message = self._client.messages(message_sid).fetch()
        except TwilioRestException as error:
            raise _classified(error) from None
        except urllib3.exceptions.HTTPError:
            raise SmsSendError(code=TIMEOUT_CODE, status=None, retryable=True) from None
        return _provider_message(message)


def _provider_message(message: MessageInstance) -> ProviderMessage:
    error_code = None if message.error_code is None else str(message.error_code)
    return ProviderMessage(message.sid, message.body or "", str(message.status), message.date_created, error_code)


def _classified(error: TwilioRestException) -> SmsSendError:
    if error.status in GATEWAY_TIMEOUTS:
        # A gateway gave up waiting: Twilio may still be taking the message, as after our own timeout.
        return SmsSendError(code=TIMEOUT_CODE, status=error.status, retryable=True)
    permanent = error.code in PERMANENT_ERRORS or (
        error.status not in RETRYABLE_STATUSES and 400 <= error.status < 500)
    return SmsSendError(code=str(error.code or error.status), status=error.status, retryable=not permanent)
