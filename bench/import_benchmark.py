"""Import benchmark: time and peak memory of `flask import-affected` on generated lists.

    .venv/bin/python -m bench.import_benchmark --rows 100000 [--rows 1000000] [--database-url URL]

Each run imports into a new database (a fresh SQLite file unless --database-url names an
empty PostgreSQL database) in a child process, so the peak memory is that of the import
alone. Prints one table row per size. Targets: 100,000 rows in under 60 s and 300 MB.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from tests.affected_files import HEADINGS

REPOSITORY = Path(__file__).resolve().parent.parent
COUNTRIES = ["MX", "GT", "HN", "SV", "CU", "HT", "BR", "RU", "IN", "VE", "CN", "TR", "IR", "MR", "SN", "CO"]
LANGUAGES = ["es", "es", "es", "ht", "pt_BR", "ru", "pa", "hi", "zh_Hans", "tr", "fa", "fr"]
CUSTODY = ["In custody"] * 35 + ["Released"] * 63 + ["Removed"] * 2


def write_list(path: Path, rows: int, seed: int = 7) -> None:
    """A synthetic list in the agency layout; every row valid and distinct."""
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADINGS)
        for number in range(rows):
            born = date(1960, 1, 1) + timedelta(days=rng.randrange(16000))
            has_phone = rng.random() < 0.6
            writer.writerow([
                f"A{200000000 + number}", f"Surname{number}", f"Given{number}", born.strftime("%m/%d/%Y"),
                rng.choice(COUNTRIES), "Otay Mesa Detention Center", rng.choice(CUSTODY),
                f"+1 619 {rng.randrange(200, 999)} {rng.randrange(1000, 9999)}" if has_phone else "",
                "" if has_phone else f"{number} Main Street\nSan Diego CA 92101",
                "", "", rng.choice(LANGUAGES), "2022-11-posting", "",
            ])


def run_import(list_path: Path, database_url: str) -> tuple[float, float, str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    subprocess.run(
        [*flask, "incidents", "add", "--code", "2022-11-posting", "--kind", "public_posting",
         "--occurred-on", "2022-11-28", "--category", "name"],
        cwd=REPOSITORY, env=env, check=True, capture_output=True,
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run(
        [*flask, "import-affected", str(list_path)],
        cwd=REPOSITORY, env=env, check=True, capture_output=True, text=True,
    )
    elapsed = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if peak_kib <= before:
        peak_kib = before  # another child was larger; the import was at most this large
    return elapsed, peak_kib / 1024, done.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, action="append", help="rows per run (repeatable)")
    parser.add_argument("--database-url", help="an EMPTY database to import into (default: new SQLite files)")
    arguments = parser.parse_args()
    print(f"{'rows':>10} | {'seconds':>8} | {'rows/s':>8} | {'peak MB':>8} | result")
    for rows in arguments.rows or [100_000]:
        with tempfile.TemporaryDirectory() as scratch:
            list_path = Path(scratch) / "list.csv"
            write_list(list_path, rows)
            url = arguments.database_url or f"sqlite:///{scratch}/bench.sqlite3"
            seconds, peak_mb, result = run_import(list_path, url)
        print(f"{rows:>10} | {seconds:>8.1f} | {rows / seconds:>8.0f} | {peak_mb:>8.0f} | {result}")


if __name__ == "__main__":
    main()
