"""Timing benchmark: do identification steps take the same time for members and strangers?

    .venv/bin/python -m bench.identify_timing [--rounds 300]

For each round, in interleaved order, a member (in the file, right birth date, wrong code)
and a stranger (not in the file) go through the A-number and birth-date pages, then two
steps are timed: asking for a text code (POST /check/code, "No") and entering a notice code
(POST /check/notice-code). Each visitor uses its own A-number and client address, so rate
limits never interfere. Prints medians, their difference, and a two-sided Mann-Whitney U
test per step. Target: medians within 2 ms and no significant difference (p > 0.05).
"""

from __future__ import annotations

import argparse
import math
import statistics
import tempfile
import time
from datetime import date

from portal import schema
from portal.db import session
from portal.services.notice_codes import issue_notice_code
from tests.conftest import build_app
from tests.factories import add_person
from tests.pages import csrf_token

BORN = date(1990, 3, 15)


def mann_whitney_p(first: list[float], second: list[float]) -> float:
    """Two-sided p-value of the Mann-Whitney U test (normal approximation, ties corrected)."""
    pooled = sorted([(value, 0) for value in first] + [(value, 1) for value in second])
    ranks = [0.0] * len(pooled)
    tie_term, start = 0.0, 0
    while start < len(pooled):
        end = start
        while end + 1 < len(pooled) and pooled[end + 1][0] == pooled[start][0]:
            end += 1
        for position in range(start, end + 1):
            ranks[position] = (start + end) / 2 + 1
        tied = end - start + 1
        tie_term += tied**3 - tied
        start = end + 1
    n1, n2 = len(first), len(second)
    rank_sum = sum(rank for rank, (_, group) in zip(ranks, pooled, strict=True) if group == 0)
    u = rank_sum - n1 * (n1 + 1) / 2
    total = n1 + n2
    variance = n1 * n2 / 12 * ((total + 1) - tie_term / (total * (total - 1)))
    z = (u - n1 * n2 / 2) / math.sqrt(variance)
    return math.erfc(abs(z) / math.sqrt(2))


def prepare(rounds: int, directory: str):
    app = build_app(f"sqlite:///{directory}/timing.sqlite3", PORTAL_ENV="testing", DELIVER_CODES_IN_PROCESS=False)
    with app.app_context():
        schema.upgrade()
        db = session()
        for number in range(rounds):
            person_id = add_person(db, a_number=f"{300000000 + number}", date_of_birth=BORN)
            issue_notice_code(db, person_id)
        db.commit()
    return app


def visit(app, a_number: str, address: str) -> dict[str, float]:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address

    def timed_post(url: str, data: dict[str, str]) -> float:
        token = csrf_token(client.get(url).get_data(as_text=True))
        started = time.perf_counter()
        client.post(url, data={**data, "csrf_token": token})
        return (time.perf_counter() - started) * 1000

    timed_post("/check/a-number", {"a_number": a_number})
    timed_post("/check/date-of-birth", {"day": "15", "month": "3", "year": "1990"})
    return {
        "ask for a text code": timed_post("/check/code", {"has_code": "no"}),
        "enter a notice code": timed_post("/check/notice-code", {"code": "AAAAA-BBBBB"}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=300)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as directory:
        app = prepare(rounds, directory)
        timings: dict[str, dict[str, list[float]]] = {"member": {}, "stranger": {}}
        for number in range(rounds):
            for group, a_number in (("member", f"{300000000 + number}"), ("stranger", f"{700000000 + number}")):
                address = f"10.{number // 250}.{number % 250}.{1 if group == 'member' else 2}"
                for step, milliseconds in visit(app, a_number, address).items():
                    timings[group].setdefault(step, []).append(milliseconds)
    print(f"{rounds} rounds, interleaved; milliseconds per request")
    print(f"{'step':<22} | {'member median':>13} | {'stranger median':>15} | {'difference':>10} | "
          f"{'Mann-Whitney p':>14}")
    for step in timings["member"]:
        member, stranger = timings["member"][step], timings["stranger"][step]
        difference = statistics.median(member) - statistics.median(stranger)
        print(f"{step:<22} | {statistics.median(member):>13.2f} | {statistics.median(stranger):>15.2f} | "
              f"{difference:>+10.2f} | {mann_whitney_p(member, stranger):>14.3f}")


if __name__ == "__main__":
    main()
