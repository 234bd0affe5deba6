"""Import benchmark: time and memory of `flask import-affected` on generated lists.

    .venv/bin/python -m bench.import_benchmark                       # 100,000 and 1,000,000 rows, SQLite
    .venv/bin/python -m bench.import_benchmark --rows 100000 --postgresql postgresql://postgres@127.0.0.1/postgres

Each size is a synthetic list in the agency's layout (every row valid and distinct), imported
into a new database by the real importer (`import_affected_file`, which `flask import-affected`
calls) in a child process of its own: a fresh SQLite file, or with --postgresql (a server URL
whose user may create databases) a database `bench_import_<rows>` created for the run and
dropped after it. The child's peak resident memory comes from the kernel (wait4's
ru_maxrss); its memory is also sampled while it runs, and it reports the time each tenth of
the rows took. Targets: time linear in the rows (the last tenth as fast as the first, the
same rows a second at every size) and flat memory (the same peak at every size, and no
growth during a run).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from bench.databases import postgresql_database
from tests.affected_files import HEADINGS

REPOSITORY = Path(__file__).resolve().parent.parent
COUNTRIES = ["MX", "GT", "HN", "SV", "CU", "HT", "BR", "RU", "IN", "VE", "CN", "TR", "IR", "MR", "SN", "CO"]
LANGUAGES = ["es", "es", "es", "ht", "pt_BR", "ru", "pa", "hi", "zh_Hans", "tr", "fa", "fr"]
CUSTODY = ["In custody"] * 35 + ["Released"] * 63 + ["Removed"] * 2
SAMPLE_SECONDS = 0.5


@dataclass(frozen=True)
class ImportRun:
    rows: int
    seconds: float  # the import itself, from the first row read to the commit
    tenths: list[float]  # seconds each tenth of the rows took
    peak_mb: float
    # Resident memory sampled at a quarter, half and nine tenths of the run.
    rss_mb_during: tuple[float, float, float]
    result: str

    def tenth_rate(self, which: int) -> float:
        return self.rows / 10 / self.tenths[which] if len(self.tenths) == 10 else float("nan")


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


def run_import(list_path: Path, rows: int, database_url: str) -> ImportRun:
    env = {**os.environ, "DATABASE_URL": database_url, "PORTAL_ENV": "development"}
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "incidents", "add", "--code", "2022-11-posting",
         "--kind", "public_posting", "--occurred-on", "2022-11-28", "--category", "name"],
        cwd=REPOSITORY, env=env, check=True, capture_output=True,
    )
    with tempfile.TemporaryFile("w+") as output:
        child = subprocess.Popen([sys.executable, "-m", "bench.import_benchmark", "--child", str(list_path),
                                  "--rows", str(rows)],
                                 cwd=REPOSITORY, env=env, stdout=output, stderr=subprocess.DEVNULL, text=True)
        samples: list[float] = []
        sampler = threading.Thread(target=_sample_rss, args=(child.pid, samples), daemon=True)
        sampler.start()
        _pid, status, usage = os.wait4(child.pid, 0)  # this child's own peak, not every child's
        child.returncode = os.waitstatus_to_exitcode(status)
        sampler.join()
        output.seek(0)
        lines = output.read().strip().splitlines()
    if child.returncode != 0 or not lines:
        raise RuntimeError(f"the import failed ({child.returncode})")
    marks = [0.0] + [float(line.split()[1]) for line in lines if line.startswith("tenth ")]
    during = tuple(samples[int(len(samples) * share)] if samples else 0.0 for share in (0.25, 0.5, 0.9))
    tenths = [later - earlier for earlier, later in itertools.pairwise(marks)]
    seconds = float(lines[-2].split()[1])
    return ImportRun(rows, seconds, tenths, usage.ru_maxrss / 1024, during, lines[-1])  # type: ignore[arg-type]


def import_in_this_process(list_path: Path, rows: int) -> None:
    """The child's work: the real importer (the service `flask import-affected` calls) on the
    list, printing the seconds elapsed at each tenth of the rows, then in all, then the counts."""
    from portal import create_app
    from portal.db import session
    from portal.services.importer import import_affected_file

    app = create_app()
    with app.app_context():
        db = session()
        started = time.perf_counter()
        tenth, read = max(rows // 10, 1), itertools.count(1)

        def count(_rows: int) -> None:
            if next(read) % tenth == 0:
                print(f"tenth {time.perf_counter() - started:.3f}", flush=True)

        report = import_affected_file(db, list_path, on_progress=count)
        db.commit()
        print(f"import {time.perf_counter() - started:.3f}")
        print(f"Rows read: {report.rows_read}. Created: {report.created}. Bad rows: {len(report.problems)}.")


def _sample_rss(pid: int, samples: list[float]) -> None:
    """Resident memory of `pid` in MB every SAMPLE_SECONDS, until it exits."""
    status = Path(f"/proc/{pid}/status")
    while True:
        try:
            text = status.read_text()
        except OSError:
            return
        resident = next((line for line in text.splitlines() if line.startswith("VmRSS:")), None)
        if resident is None:  # a zombie: exited, not yet reaped
            return
        samples.append(int(resident.split()[1]) / 1024)
        time.sleep(SAMPLE_SECONDS)


@contextmanager
def new_database(rows: int, scratch: Path, postgresql: str | None) -> Iterator[str]:
    """An empty database for one run: a SQLite file, or a PostgreSQL database made and dropped."""
    if not postgresql:
        yield f"sqlite:///{scratch / f'bench-{rows}.sqlite3'}"
        return
    with postgresql_database(postgresql, f"bench_import_{rows}") as url:
        yield url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, action="append",
                        help="rows per run (repeatable; default 100000 and 1000000)")
    parser.add_argument("--postgresql", help="a PostgreSQL server URL to create each run's database on")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)  # the measured child process
    arguments = parser.parse_args()
    if arguments.child:
        import_in_this_process(arguments.child, arguments.rows[0])
        return
    backend = "PostgreSQL" if arguments.postgresql else "SQLite"
    print(f"{'rows':>10} | {'backend':<10} | {'seconds':>8} | {'rows/s':>7} | {'first/last tenth rows/s':>23} | "
          f"{'peak MB':>7} | {'MB at 25/50/90%':>15} | result")
    for rows in arguments.rows or [100_000, 1_000_000]:
        with tempfile.TemporaryDirectory() as directory:
            scratch = Path(directory)
            list_path = scratch / "list.csv"
            write_list(list_path, rows)
            with new_database(rows, scratch, arguments.postgresql) as url:
                run = run_import(list_path, rows, url)
        during = "/".join(f"{value:.0f}" for value in run.rss_mb_during)
        tenths = f"{run.tenth_rate(0):.0f} / {run.tenth_rate(9):.0f}"
        print(f"{rows:>10,} | {backend:<10} | {run.seconds:>8.1f} | {rows / run.seconds:>7.0f} | {tenths:>23} | "
              f"{run.peak_mb:>7.0f} | {during:>15} | {run.result}", flush=True)


if __name__ == "__main__":
    main()
