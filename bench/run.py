"""Benchmarks at national scale: ``make bench`` (or ``.venv/bin/python bench/run.py``).

For each N in ``BENCH_SIZES`` (payments; default 10000,100000,1000000) the scale demo is built once
into ``bench/.cache/scale-N.db`` (SQLite) and reused while N and the code that shapes it (the
generator, the models, the migrations) are unchanged; then every measurement in ``MEASUREMENTS``
runs against it, each in a subprocess of its own so that the peak memory reported is its own.

A measurement is a function ``measure_<name>(db_path: Path, n: int) -> list[str]`` returning the
lines to print, such as ``N=100000 dashboard cold: 1.23 s``. It runs in a fresh interpreter: what it
imports and caches counts in its peak RSS, nothing from an earlier measurement does. To add one,
define the function (here or in a module of bench/) and append it to ``MEASUREMENTS``.

Measurements that build the ledgers they need (``once_<name>() -> list[str]``: verify's scaling from
10 000 to 200 000 payments, the national import) run once, after the sizes, from ``ONCE``.

Environment: ``BENCH_SIZES="10000,100000"`` picks the sizes; ``BENCH_ONLY="verify,baseline"`` runs only
the measurements with those names; ``BENCH_REBUILD=1`` rebuilds the databases.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
# What the cached databases depend on: a change here rebuilds them.
SHAPING_FILES = ("ledger/demo", "ledger/store", "ledger/services", "ledger/domain", "migrations/versions", "data")

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def sqlite_url(db_path: Path) -> str:
    return f"sqlite:///{db_path}"


# --- measurements ----------------------------------------------------------------------------
# Each runs in its own subprocess (see run_measurement); import the ledger inside the function.

def measure_baseline(db_path: Path, n: int) -> list[str]:
    """Open the ledger and total the payments by year: the floor under every other measurement."""
    from sqlalchemy import func, select

    from ledger.store.db import Database
    from ledger.store.models import Payment

    started = time.perf_counter()
    db = Database(sqlite_url(db_path))
    with db.read() as session:
        years = session.execute(select(Payment.year, func.count(), func.sum(Payment.amount)).group_by(Payment.year)).all()
    db.dispose()
    elapsed = time.perf_counter() - started
    payments = sum(count for _year, count, _sum in years)
    return [f"N={n} baseline (open, payments by year: {payments} rows): {elapsed:.2f} s"]


def measure_verify(db_path: Path, n: int) -> list[str]:
    """The auditor's full check of the audit trail (``python -m ledger verify``)."""
    from ledger.store.db import Database
    from ledger.store.verify import verify

    db = Database(sqlite_url(db_path))
    started = time.perf_counter()
    with db.read() as session:
        result = verify(session)
    elapsed = time.perf_counter() - started
    db.dispose()
    if not result.ok:
        raise SystemExit(f"verify failed on {db_path}: {result.summary()}")
    return [f"N={n} verify ({result.events} events, {result.rows} rows): {elapsed:.2f} s"]


from bench.dashboard_bench import measure_dashboard, measure_report  # noqa: E402
from bench.excel_bench import measure_excel_extract, measure_excel_import, run_national_import_bench  # noqa: E402
from bench.report_bench import measure_ministry_report  # noqa: E402
from bench.team_plans_bench import measure_coverage, measure_plans  # noqa: E402
from bench.ui_bench import measure_ui, once_ui_demo  # noqa: E402
from bench.year_end_bench import measure_year_end  # noqa: E402

MEASUREMENTS: list[Callable[[Path, int], list[str]]] = [
    measure_baseline,
    measure_dashboard,
    measure_report,
    measure_verify,
    measure_excel_extract,
    measure_excel_import,
    measure_coverage,
    measure_plans,
    measure_year_end,
    measure_ministry_report,
    measure_ui,
]


# --- measurements run once, on ledgers they build themselves ----------------------------------

def once_verify_scaling() -> list[str]:
    """``verify``'s time and peak memory at 10 000 and 200 000 payments (targets: <= 300 MB, <= 1.3x)."""
    from bench.verify_bench import report_lines, run_verify_bench

    return report_lines(run_verify_bench())


def once_national_import() -> list[str]:
    """The operator's extract of 2026 from ``demo --scale 50000`` imported into an empty ledger, and
    again, against a bare openpyxl read of the same sheets (targets: <= 3x and <= 1x)."""
    return run_national_import_bench()


def once_ui() -> list[str]:
    """Click to settled in Debian chromium on the small demo (target: 1 s)."""
    return once_ui_demo()


ONCE: list[Callable[[], list[str]]] = [once_verify_scaling, once_national_import, once_ui]


# --- harness ---------------------------------------------------------------------------------

def measurement_name(function: Callable) -> str:
    return function.__name__.removeprefix("measure_").removeprefix("once_")


def run_child(command: list[str]) -> tuple[int, str, float, float, int]:
    """Run a command; returns exit code, its stdout, wall seconds, CPU seconds and peak RSS in MB
    of that child alone (``os.wait4`` gives the child's own resource usage; stderr passes through)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    output = process.stdout.read()
    process.stdout.close()
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    return process.returncode, output, elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024


def fingerprint(n: int) -> dict[str, object]:
    digest = hashlib.sha256()
    for name in SHAPING_FILES:
        path = ROOT / name
        for file in sorted(f for f in path.rglob("*") if f.suffix in (".py", ".csv")) if path.is_dir() else [path]:
            digest.update(file.relative_to(ROOT).as_posix().encode())
            digest.update(file.read_bytes())
    return {"payments": n, "code": digest.hexdigest()}


def ensure_database(n: int) -> Path:
    """The scale demo with ``n`` payments, built once (atomically: a half-built file is never reused)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"scale-{n}.db"
    stamp = CACHE / f"scale-{n}.json"
    wanted = fingerprint(n)
    if path.exists() and stamp.exists() and os.environ.get("BENCH_REBUILD") != "1":
        if json.loads(stamp.read_text()) == wanted:
            print(f"N={n} build: cached ({path.relative_to(ROOT)}, {path.stat().st_size / 2**20:.0f} MB)", flush=True)
            return path
    partial = CACHE / f"scale-{n}.db.part"
    for leftover in (path, stamp, *CACHE.glob(f"scale-{n}.db.part*")):
        leftover.unlink(missing_ok=True)
    code, output, elapsed, cpu, rss = run_child(
        [sys.executable, "-m", "ledger", "--db", sqlite_url(partial), "demo", "--scale", str(n)]
    )
    if code != 0:
        raise SystemExit(f"building the N={n} database failed (exit {code}): {output.strip()}")
    for suffix in ("-wal", "-shm"):  # the loader's last connection checkpointed the WAL on closing
        if Path(f"{partial}{suffix}").exists() and Path(f"{partial}{suffix}").stat().st_size:
            raise SystemExit(f"{partial}{suffix} was left behind: the database is not complete")
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    partial.replace(path)
    stamp.write_text(json.dumps(wanted))
    print(f"N={n} build: {elapsed:.1f} s (CPU {cpu:.1f} s), peak RSS {rss} MB, {path.stat().st_size / 2**20:.0f} MB on disk", flush=True)
    return path


def run_measurement(function: Callable, db_path: Path, n: int) -> None:
    name = measurement_name(function)
    code, output, _elapsed, _cpu, rss = run_child([sys.executable, __file__, "--measure", name, str(db_path), str(n)])
    for line in output.splitlines():
        print(line, flush=True)
    if code != 0:
        raise SystemExit(f"N={n} {name} failed (exit {code})")
    print(f"N={n} {name} peak RSS: {rss} MB", flush=True)


def child(name: str, db_path: str, n: str) -> None:
    function = next(f for f in MEASUREMENTS if measurement_name(f) == name)
    for line in function(Path(db_path), int(n)):
        print(line, flush=True)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--measure"]:
        child(*argv[1:4])
        return 0
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "").replace("_", "").split(",") if s.strip()] or list(DEFAULT_SIZES)
    only = {s.strip() for s in os.environ.get("BENCH_ONLY", "").split(",") if s.strip()}
    chosen = [f for f in MEASUREMENTS if not only or measurement_name(f) in only]
    if chosen:
        for n in sizes:
            db_path = ensure_database(n)
            for function in chosen:
                run_measurement(function, db_path, n)
    for function in ONCE:
        if not only or measurement_name(function) in only:
            for line in function():
                print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
