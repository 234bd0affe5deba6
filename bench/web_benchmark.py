"""Web benchmark: the start page and the identify post under gunicorn with the production
settings, against a bare Flask "hello" application under the same gunicorn settings.

    .venv/bin/python -m bench.web_benchmark --postgresql postgresql://postgres@127.0.0.1/postgres \\
        [--redis-url redis://127.0.0.1:6379/0] [--seconds 10] [--clients 8 --clients 64]

Without --postgresql the portal runs on a new SQLite file (the local default; every request's
transaction then takes SQLite's write lock, so this measures SQLite, not the portal). With it,
a database (`bench_web`, or --database-name) is created on that server for the run and dropped
after it.

Each application is started in turn with `gunicorn --config gunicorn.conf.py` (the Dockerfile's
settings: threaded workers, 2 × cores + 1 processes) on a free port of 127.0.0.1. The portal
gets PORTAL_ENV=production, generated keys and JSON logs (written to a scratch file), with
Flask-Limiter's per-client limits lifted (bench/web_apps.py: every request comes from one
address). The load generator is this process: one thread per client, each with its own
keep-alive connection (http.client), sending requests back to back for --seconds after a
warm-up. The identify post is the A-number step (`POST /check/a-number`): each client first
gets the form (session cookie and CSRF token), then posts a valid A-number again and again;
the answer is a redirect to the birth-date step.

Prints one row per application, page and number of clients: requests, errors, throughput
and the 50th, 95th and 99th percentile latency; then the start page's throughput as a share
of bare Flask's (target: at least 0.5).
"""

from __future__ import annotations

import argparse
import base64
import http.client
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.databases import postgresql_database

REPOSITORY = Path(__file__).resolve().parent.parent
WARM_UP_SECONDS = 2.0
A_NUMBER = "A201555001"
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@dataclass(frozen=True)
class Scenario:
    application: str  # "portal" or "hello"
    page: str
    clients: int


@dataclass(frozen=True)
class Result:
    scenario: Scenario
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds

    def percentile(self, share: float) -> float:
        if len(self.latencies_ms) < 2:
            return float("nan")
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[round(share * 100) - 1]


class Client:
    """One simulated visitor: a keep-alive connection and the cookies the server set."""

    def __init__(self, port: int):
        self._port = port
        self._connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self._cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        headers = {"Host": f"127.0.0.1:{self._port}"}
        if self._cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self._cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self._connection.request(method, path, body=body, headers=headers)
            response = self._connection.getresponse()
        except (http.client.HTTPException, OSError):
            self._connection.close()  # the server closed a kept-alive connection: reconnect once
            self._connection.request(method, path, body=body, headers=headers)
            response = self._connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self._cookies[name.strip()] = rest.split(";", 1)[0]
        if response.will_close:
            self._connection.close()
        return response.status, text

    def close(self) -> None:
        self._connection.close()


def start_page(client: Client) -> Callable[[], bool]:
    return lambda: client.request("GET", "/")[0] == 200


def identify_post(client: Client) -> Callable[[], bool]:
    status, page = client.request("GET", "/check/a-number")
    token = _CSRF.search(page)
    if status != 200 or token is None:
        raise RuntimeError(f"the A-number form did not load ({status})")
    body = f"a_number={A_NUMBER}&csrf_token={token.group(1)}"
    return lambda: client.request("POST", "/check/a-number", body)[0] == 302


PAGES: dict[str, Callable[[Client], Callable[[], bool]]] = {"start page": start_page, "identify post": identify_post}


def run_load(port: int, scenario: Scenario, seconds: float) -> Result:
    """`scenario.clients` threads sending back to back; only requests after the warm-up count."""
    clients = [Client(port) for _ in range(scenario.clients)]
    senders = [PAGES[scenario.page](client) for client in clients]
    started = time.perf_counter()
    measure_from, stop_at = started + WARM_UP_SECONDS, started + WARM_UP_SECONDS + seconds
    per_thread: list[tuple[list[float], int]] = [([], 0)] * len(clients)

    def work(slot: int) -> None:
        latencies: list[float] = []
        errors = 0
        while (now := time.perf_counter()) < stop_at:
            try:
                ok = senders[slot]()
            except (http.client.HTTPException, OSError):
                ok = False
            finished = time.perf_counter()
            if now >= measure_from:
                latencies.append((finished - now) * 1000)
                errors += not ok
        per_thread[slot] = (latencies, errors)

    threads = [threading.Thread(target=work, args=(slot,)) for slot in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for client in clients:
        client.close()
    latencies = [value for thread_latencies, _ in per_thread for value in thread_latencies]
    return Result(scenario, len(latencies), sum(errors for _, errors in per_thread), seconds, latencies)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(application: str, env: dict[str, str], log_path: Path) -> Iterator[int]:
    """The application under gunicorn with the production settings file, on a free port."""
    port = free_port()
    with log_path.open("a") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", f"bench.web_apps:{application}()"],
            cwd=REPOSITORY, env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}, stdout=log, stderr=log,
        )
    try:
        _wait_until_answering(port, server)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_until_answering(port: int, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited; see its log")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer in time")


def production_environment(database_url: str, redis_url: str | None) -> dict[str, str]:
    def key() -> str:
        return base64.b64encode(secrets.token_bytes(32)).decode()

    env = {**os.environ, "PORTAL_ENV": "production", "DATABASE_URL": database_url, "SECRET_KEY": key(),
           "LOOKUP_KEY": key(), "DATA_KEYS": f"1:{key()}", "LOG_FORMAT": "json"}
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def prepare_database(env: dict[str, str]) -> None:
    """Migrate and record the two incidents the start page lists."""
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    commands = [
        ["db", "upgrade"],
        ["incidents", "add", "--code", "2022-11-posting", "--kind", "public_posting", "--occurred-on", "2022-11-28",
         "--exposure-hours", "5", "--category", "name", "--category", "date_of_birth", "--category", "a_number"],
        ["incidents", "add", "--code", "2022-12-disclosure", "--kind", "foreign_government_disclosure",
         "--occurred-on", "2022-12-07", "--country", "CU", "--category", "name", "--category", "protection_claim"],
    ]
    for command in commands:
        subprocess.run([*flask, *command], cwd=REPOSITORY, env=env, check=True, capture_output=True)


@contextmanager
def database(scratch: Path, postgresql: str | None, name: str) -> Iterator[str]:
    if not postgresql:
        yield f"sqlite:///{scratch / 'bench-web.sqlite3'}"
        return
    with postgresql_database(postgresql, name) as url:
        yield url


def print_row(result: Result) -> None:
    scenario = result.scenario
    print(f"{scenario.application:<7} {scenario.page:<14} {scenario.clients:>7} {result.requests:>8,} "
          f"{result.errors:>6} {result.throughput:>9.0f} {result.percentile(0.5):>8.1f} "
          f"{result.percentile(0.95):>8.1f} {result.percentile(0.99):>8.1f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgresql", help="a PostgreSQL server URL to create the benchmark's database on")
    parser.add_argument("--database-name", default="bench_web",
                        help="the database created (and dropped) on that server (default: bench_web)")
    parser.add_argument("--redis-url", help="REDIS_URL for the portal (rate-limit storage)")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per row (after 2 s warm-up)")
    parser.add_argument("--clients", type=int, action="append", help="concurrent clients (repeatable; default 8, 64)")
    arguments = parser.parse_args()
    concurrency = arguments.clients or [8, 64]
    results: dict[tuple[str, str, int], Result] = {}
    if not arguments.database_name.startswith("bench_"):
        parser.error("--database-name must start with bench_: the benchmark drops it")
    scratch = tempfile.TemporaryDirectory()
    with scratch as directory, database(Path(directory), arguments.postgresql, arguments.database_name) as url:
        env = production_environment(url, arguments.redis_url)
        prepare_database(env)
        log_path = Path(directory) / "gunicorn.log"
        settings = "PostgreSQL" if arguments.postgresql else "SQLite"
        print(f"gunicorn.conf.py on {os.cpu_count()} cores; portal with PORTAL_ENV=production on {settings}"
              f"{' and Redis' if arguments.redis_url else ''}, JSON logs, per-client limits lifted")
        print(f"{'app':<7} {'page':<14} {'clients':>7} {'requests':>8} {'errors':>6} {'req/s':>9} "
              f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
        plan = [("hello", ["start page"]), ("portal", ["start page", "identify post"])]
        for application, pages in plan:
            with gunicorn(f"{application}_app", env, log_path) as port:
                for page in pages:
                    for clients in concurrency:
                        result = run_load(port, Scenario(application, page, clients), arguments.seconds)
                        results[application, page, clients] = result
                        print_row(result)
    for clients in concurrency:
        ratio = results["portal", "start page", clients].throughput / results["hello", "start page", clients].throughput
        print(f"start page / bare Flask at {clients} clients: {ratio:.2f} (target at least 0.5)")


if __name__ == "__main__":
    main()
