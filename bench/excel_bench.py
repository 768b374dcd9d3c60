"""Workbook measurements for ``make bench`` (bench/run.py's MEASUREMENTS), also runnable alone:
``.venv/bin/python bench/excel_bench.py [N]`` (uses bench/.cache/scale-N.db, default N=10000).

- ``excel_extract``: the auditors' extract of the latest fiscal year of the scale ledger (about N rows
  over all sheets, audit log included) against a bare xlsxwriter ``constant_memory`` writer of the same
  cells (data sheets, audit log and the Summary's formulas; fetched and prepared first, untimed), both
  in the same run, each in a fresh process, interleaved, best of ``BENCH_EXCEL_REPEAT`` (2); target ≤ 1.3.
  The extract's peak RSS is kept in bench/.cache/excel-extract-N.json so that the run at another N
  prints the ratio of the two peaks (target: < 1.3 between 10 000 and 100 000 rows).
- ``excel_import``: an import of 10 000 rows (units, a year, lines, 10 000 direct payments) with full
  validation (every row through the services, audit events, savepoints) into a fresh ledger, against
  bare openpyxl read-only iteration of the same file; target ≤ 3. Also the importer's own share:
  reading the sheets and checking every cell, without the services. Runs at the first size only.
- ``run_national_import_bench``: the import of a national-scale year — the operator's extract of 2026
  from ``demo --scale 50000`` into an empty ledger, and its second import — against a bare openpyxl
  read-only pass over the same file's data sheets; targets <= 3 and <= 1. Alone:
  ``.venv/bin/python bench/excel_bench.py --national [--profile]`` (``BENCH_NATIONAL_WORKBOOK=PATH``
  keeps the extract there and reuses it).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
EXTRACT_MAX = 100_000  # above this N the extract takes many minutes here (BENCH_EXCEL_ALL=1 runs it)
IMPORT_ROWS = 10_000

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _latest_year(db) -> int:
    from sqlalchemy import func, select

    from ledger.store.models import BudgetLine

    with db.read() as session:
        return session.scalar(select(func.max(BudgetLine.year)))


def _child(args: list[str]) -> tuple[dict, int]:
    """Run this file with ``args`` in a fresh interpreter: its JSON answer and its own peak RSS in MB."""
    from bench.run import run_child

    code, output, _elapsed, _cpu, rss = run_child([sys.executable, str(Path(__file__).resolve()), *args])
    if code != 0:
        raise SystemExit(f"excel bench child {args[0]} failed (exit {code})")
    return json.loads(output.strip().splitlines()[-1]), rss


def child_extract(db_path: str, year: int) -> dict:
    from ledger.excel import export_workbook
    from ledger.store.access import SYSTEM
    from ledger.store.db import Database

    db = Database(f"sqlite:///{db_path}")
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        result = export_workbook(db, SYSTEM, Path(tmp) / "extract.xlsx", year)
        seconds = time.perf_counter() - started
        size = (Path(tmp) / "extract.xlsx").stat().st_size
    rows = sum(s.rows for s in result.sheets)
    return {"seconds": seconds, "rows": rows, "bytes": size}


class _Recorder:
    """Stands in for a worksheet (and its formats): records the cells written, to replay them later."""

    def __init__(self, title: str = "Tổng hợp"):
        self.title = title
        self.calls: list[tuple[str, tuple]] = []

    def get_name(self) -> str:
        return self.title

    def __getattr__(self, name: str):
        if name.startswith("write_"):
            return lambda *args: self.calls.append((name, args))
        return lambda *args, **kwargs: None


class _NoFormats:
    def __getattr__(self, name: str) -> None:
        return None


def child_bare(db_path: str, year: int) -> dict:
    """The same cells — every data sheet, the audit log and the Summary's formulas — fetched and
    prepared first (untimed), then written by a bare xlsxwriter constant_memory writer."""
    import xlsxwriter
    from sqlalchemy import select

    from ledger.excel import layout as L
    from ledger.excel.extract_rows import SheetStat, select_scope, sheet_rows
    from ledger.excel.summary import Ranges, line_figures, summary_cells
    from ledger.store.access import SYSTEM
    from ledger.store.db import Database
    from ledger.store.models import Category, Source

    db = Database(f"sqlite:///{db_path}")
    started = time.perf_counter()
    sheets = []
    with db.read() as session:
        selection = select_scope(session, SYSTEM, year, None)
        for spec in (*L.DATA_SHEETS, L.AUDIT_LOG):
            sheets.append((spec, [tuple(r) for r in sheet_rows(session, selection, spec.key)]))
        figures = line_figures(session, selection)
        categories = list(session.scalars(select(Category.code).order_by(Category.sort_order)))
        sources = list(session.scalars(select(Source.code).order_by(Source.sort_order)))
    stats = {spec.key: SheetStat(spec.key, spec.vi, len(rows)) for spec, rows in sheets}
    summary = _Recorder()
    ranges = Ranges(stats)
    summary_cells(_NoFormats(), summary, ranges, figures, categories, sources)
    fetched = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        book = xlsxwriter.Workbook(str(Path(tmp) / "bare.xlsx"), {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
        day = book.add_format({"num_format": "dd/mm/yyyy"})
        summary_sheet = book.add_worksheet("Tổng hợp")
        for spec, rows in sheets:
            sheet = book.add_worksheet(spec.vi)
            sheet.write_row(0, 0, [c.vi for c in spec.columns])
            for r, row in enumerate(rows, start=1):
                for c, value in enumerate(row):
                    if value is None:
                        continue
                    if isinstance(value, str):
                        sheet.write_string(r, c, value)
                    elif isinstance(value, dt.date):
                        sheet.write_datetime(r, c, value if isinstance(value, dt.datetime) else dt.datetime(value.year, value.month, value.day), day)
                    else:
                        sheet.write_number(r, c, value)
        for name, args in summary.calls:
            getattr(summary_sheet, name)(*args)
        ranges.define(book)
        book.close()
        written = time.perf_counter() - started
    cells = sum(len(rows) for _spec, rows in sheets) + len(figures)
    return {"fetch": fetched, "write": written, "rows": cells}


def measure_excel_extract(db_path: Path, n: int) -> list[str]:
    if n > EXTRACT_MAX and os.environ.get("BENCH_EXCEL_ALL") != "1":
        return [f"N={n} excel extract: skipped above N={EXTRACT_MAX} (BENCH_EXCEL_ALL=1 to run it)"]
    from ledger.store.db import Database

    db = Database(f"sqlite:///{db_path}")
    year = _latest_year(db)
    db.dispose()
    # Interleaved and repeated (this kind of machine is noisy): the best run of each is compared.
    extracts, bares = [], []
    for _ in range(max(1, int(os.environ.get("BENCH_EXCEL_REPEAT", "2")))):
        extracts.append(_child(["--extract", str(db_path), str(year)]))
        bares.append(_child(["--bare", str(db_path), str(year)]))
    extract, extract_rss = min(extracts, key=lambda pair: pair[0]["seconds"])
    extract_rss = max(rss for _r, rss in extracts)
    bare, bare_rss = min(bares, key=lambda pair: pair[0]["write"])
    lines = [
        f"N={n} excel extract of {year}: {extract['rows']} rows, {extract['bytes'] / 2**20:.1f} MB, {extract['seconds']:.2f} s, peak RSS {extract_rss} MB",
        f"N={n} bare xlsxwriter constant_memory, the same cells ({bare['rows']} rows): write {bare['write']:.2f} s (+ fetch {bare['fetch']:.2f} s), peak RSS {bare_rss} MB",
        f"N={n} excel extract / bare write: {extract['seconds'] / bare['write']:.2f} (target <= 1.3); "
        f"/ bare fetch+write: {extract['seconds'] / (bare['fetch'] + bare['write']):.2f}",
    ]
    CACHE.mkdir(parents=True, exist_ok=True)
    (CACHE / f"excel-extract-{n}.json").write_text(json.dumps({"rows": extract["rows"], "rss": extract_rss}))
    for other in sorted(CACHE.glob("excel-extract-*.json")):
        other_n = int(other.stem.rsplit("-", 1)[1])
        if other_n == n:
            continue
        seen = json.loads(other.read_text())
        small, large = sorted([(seen["rows"], seen["rss"]), (extract["rows"], extract_rss)])
        lines.append(
            f"N={n} excel extract peak RSS: {large[1]} MB at {large[0]} rows vs {small[1]} MB at {small[0]} rows: "
            f"{large[1] / max(small[1], 1):.2f}x (target < 1.3)"
        )
    return lines


def write_import_workbook(path: Path, rows: int = IMPORT_ROWS) -> int:
    """A workbook of ``rows`` rows: two units, fiscal 2026, lines, and direct payments on them."""
    import xlsxwriter

    lines = 20
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False})
    day = book.add_format({"num_format": "dd/mm/yyyy"})
    units = book.add_worksheet("Đơn vị")
    units.write_row(0, 0, ["Mã đơn vị", "Tên đơn vị", "Đơn vị cấp trên", "Mã chương", "Loại đơn vị"])
    units.write_row(1, 0, ["QG", "Toàn quốc", None, None, "national"])
    units.write_row(2, 0, ["HNI", "UBND thành phố Hà Nội", "QG", "401", "province"])
    years = book.add_worksheet("Năm ngân sách")
    years.write_row(0, 0, ["Năm", "Trạng thái"])
    years.write_row(1, 0, [2026, "MO"])
    budget = book.add_worksheet("Dự toán")
    budget.write_row(0, 0, ["Mã dòng", "Năm", "Mã đơn vị", "Nội dung", "Nhóm chi", "Nguồn", "Dự toán giao"])
    for i in range(lines):
        budget.write_row(i + 1, 0, [f"HNI-26-{i + 1:02d}", 2026, "HNI", f"Hội nghị phổ biến chính sách số {i + 1}", "KHAC", "NSNN", 10_000_000_000])
    payments = book.add_worksheet("Thanh toán")
    payments.write_row(0, 0, ["Số chứng từ", "Năm", "Ngày", "Loại", "Tham chiếu", "Mã dòng", "Số tiền"])
    count = rows - lines - 3
    for i in range(count):
        payments.write_string(i + 1, 0, f"C-2026-{i + 1:06d}")
        payments.write_number(i + 1, 1, 2026)
        payments.write_datetime(i + 1, 2, dt.datetime(2026, 1 + i % 10, 1 + i % 28), day)
        payments.write_string(i + 1, 3, "THANH_TOAN")
        payments.write_string(i + 1, 5, f"HNI-26-{i % lines + 1:02d}")
        payments.write_number(i + 1, 6, 1_000_000 + (i % 97) * 1_000)
    book.close()
    return rows


def child_import(path: str, db_path: str) -> dict:
    from openpyxl import load_workbook

    from ledger.excel.importer import import_workbook
    from ledger.store import schema
    from ledger.store.access import SYSTEM
    from ledger.store.db import Database

    started = time.perf_counter()
    book = load_workbook(path, read_only=True)
    cells = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            cells += len(row)
    book.close()
    bare = time.perf_counter() - started
    from ledger.excel.reader import read_workbook

    started = time.perf_counter()
    read_workbook(path)  # reading and typing every cell, no database
    checked = time.perf_counter() - started
    db = Database(f"sqlite:///{db_path}")
    schema.upgrade(db)
    started = time.perf_counter()
    result = import_workbook(db, SYSTEM, path)
    seconds = time.perf_counter() - started
    if not result.written:
        raise SystemExit("; ".join(p.message("en") for p in result.problems[:5]))
    return {"bare": bare, "checked": checked, "import": seconds, "rows": sum(s.rows for s in result.sheets), "cells": cells}


def measure_excel_import(db_path: Path, n: int) -> list[str]:
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "").replace("_", "").split(",") if s.strip()]
    if (sizes and n != sizes[0]) or (not sizes and n != 10_000):
        return [f"N={n} excel import: measured at the first size only (it does not depend on N)"]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "import.xlsx"
        write_import_workbook(path)
        result, rss = _child(["--import", str(path), str(Path(tmp) / "ledger.store.db")])
    return [
        f"excel import of {result['rows']} rows (full validation, one transaction): {result['import']:.2f} s, peak RSS {rss} MB",
        f"bare openpyxl read_only iteration of the same file ({result['cells']} cells): {result['bare']:.2f} s",
        f"excel import / bare read: {result['import'] / result['bare']:.1f} (target <= 3)",
        f"excel reading and cell checks alone (no services): {result['checked']:.2f} s, / bare read: {result['checked'] / result['bare']:.2f}",
        f"excel import per row through the services: {1000 * result['import'] / result['rows']:.1f} ms",
    ]


# --- the import of a national-scale year ------------------------------------------------------------

NATIONAL_SCALE = 50_000
NATIONAL_YEAR = 2026
BARE_READ = """
import sys, time
started = time.perf_counter()
from openpyxl import load_workbook
book = load_workbook(sys.argv[1], read_only=True)
names = set(sys.argv[2:])
rows = 0
for sheet in book.worksheets:
    if sheet.title in names:
        for _values in sheet.iter_rows(values_only=True):
            rows += 1
book.close()
print(rows, time.perf_counter() - started)
"""


def _ledger(*args: str) -> tuple[float, float, str]:
    """``python -m ledger ARGS`` in a child process: wall and CPU seconds, its output."""
    from bench.run import run_child

    code, output, elapsed, cpu, _rss = run_child([sys.executable, "-m", "ledger", *args])
    if code != 0:
        raise SystemExit(f"python -m ledger {' '.join(args)} failed (exit {code}): {output.strip()[-2000:]}")
    return elapsed, cpu, output


PROFILED_IMPORT = """
import cProfile, pstats, sys
from ledger.excel.importer import import_workbook
from ledger.store.access import SYSTEM
from ledger.store.db import Database

db = Database(sys.argv[1])
profile = cProfile.Profile()
result = profile.runcall(import_workbook, db, SYSTEM, sys.argv[2])
if not result.written:
    raise SystemExit("the profiled import wrote nothing")
stats = pstats.Stats(profile)
stats.sort_stats("cumulative").print_stats(int(sys.argv[3]))
print("--- the ledger's own functions ---")
stats.print_stats("ledger/", int(sys.argv[3]))
"""


def _profiled_import(url: str, path: Path, top: int = 15) -> list[str]:
    """The first import again, into another empty ledger, under cProfile: the top ``top`` by cumtime
    (everything below ``import_workbook``, then the ledger's own functions)."""
    from bench.run import run_child

    code, output, _elapsed, _cpu, _rss = run_child([sys.executable, "-c", PROFILED_IMPORT, url, str(path), str(top)])
    if code != 0:
        raise SystemExit(f"profiled import failed (exit {code}): {output.strip()[-2000:]}")
    kept = [line for line in output.splitlines() if line.strip() and not line.lstrip().startswith(("Ordered by", "List reduced"))]
    return ["profile of the first import (cProfile, top by cumtime):", *kept]


def _national_workbook(scale: int, year: int, source_url: str, tmp: Path) -> Path:
    """The operator's extract of ``year`` from ``demo --scale N``, built in ``tmp`` (a few minutes).
    With ``BENCH_NATIONAL_WORKBOOK=PATH`` it is built there once and reused while that file exists
    (handy while working on the importer alone; delete the file when the demo or the extract changes)."""
    kept = os.environ.get("BENCH_NATIONAL_WORKBOOK")
    path = Path(kept) if kept else tmp / "extract.xlsx"
    if kept and path.exists():
        print(f"national import: extract reused ({path})", flush=True)
        return path
    built, _cpu, _out = _ledger("--db", source_url, "demo", "--scale", str(scale))
    print(f"national import: demo --scale {scale} built in {built:.1f} s", flush=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part.xlsx")
    _ledger("--db", source_url, "export", str(partial), "--year", str(year))
    partial.replace(path)
    return path


def run_national_import_bench(scale: int = NATIONAL_SCALE, year: int = NATIONAL_YEAR, profile: bool = False) -> list[str]:
    """The operator's extract of ``year`` from ``demo --scale N`` (SQLite, a temporary folder), then in
    child processes: (a) a bare openpyxl read-only pass over its data sheets, (b) its import into an
    empty migrated ledger, (c) the second import of the same file; seconds and ratios b/a (target
    <= 3) and c/a (target <= 1). Each figure is the child's whole run (start-up included), wall clock
    and CPU (this machine is shared: CPU is the steadier of the two)."""
    from bench.run import run_child
    from ledger.excel import layout as L

    with tempfile.TemporaryDirectory() as tmp:
        source_url, target_url = f"sqlite:///{Path(tmp) / 'scale.db'}", f"sqlite:///{Path(tmp) / 'empty.db'}"
        path = _national_workbook(scale, year, source_url, Path(tmp))
        names = [spec.vi for spec in L.DATA_SHEETS]
        code, output, bare_wall, bare_cpu, _rss = run_child([sys.executable, "-c", BARE_READ, str(path), *names])
        if code != 0:
            raise SystemExit("bare openpyxl read failed")
        rows, bare_inner = output.split()
        _ledger("--db", target_url, "init")
        first_wall, first_cpu, first_out = _ledger("--db", target_url, "import", str(path))
        second_wall, second_cpu, second_out = _ledger("--db", target_url, "import", str(path))
        lines = [
            f"national import: demo --scale {scale}; extract of {year}: {int(rows)} rows on its data sheets, "
            f"{path.stat().st_size / 2**20:.1f} MB",
            f"(a) bare openpyxl read-only pass over the data sheets: {bare_wall:.2f} s (CPU {bare_cpu:.2f} s; "
            f"{float(bare_inner):.2f} s inside the child)",
            f"(b) import into an empty ledger: {first_wall:.2f} s (CPU {first_cpu:.2f} s) — {first_out.strip().splitlines()[-1]}",
            f"(c) second import of the same file: {second_wall:.2f} s (CPU {second_cpu:.2f} s) — {second_out.strip().splitlines()[-1]}",
            f"national import b/a: {first_wall / bare_wall:.1f} (CPU {first_cpu / bare_cpu:.1f}; target <= 3)",
            f"national import c/a: {second_wall / bare_wall:.2f} (CPU {second_cpu / bare_cpu:.2f}; target <= 1)",
        ]
        if profile:
            _ledger("--db", f"sqlite:///{Path(tmp) / 'profiled.db'}", "init")
            lines += _profiled_import(f"sqlite:///{Path(tmp) / 'profiled.db'}", path)
    return lines


MEASUREMENTS = [measure_excel_extract, measure_excel_import]


def main(argv: list[str]) -> int:
    if argv[:1] == ["--extract"]:
        print(json.dumps(child_extract(argv[1], int(argv[2]))))
        return 0
    if argv[:1] == ["--bare"]:
        print(json.dumps(child_bare(argv[1], int(argv[2]))))
        return 0
    if argv[:1] == ["--import"]:
        print(json.dumps(child_import(argv[1], argv[2])))
        return 0
    if argv[:1] == ["--national"]:
        for line in run_national_import_bench(profile="--profile" in argv):
            print(line, flush=True)
        return 0
    n = int(argv[0]) if argv else 10_000
    db_path = CACHE / f"scale-{n}.db"
    if not db_path.exists():
        from bench.run import ensure_database

        db_path = ensure_database(n)
    for measure in MEASUREMENTS:
        for line in measure(db_path, n):
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
