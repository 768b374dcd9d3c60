"""The national consolidated report to the Ministry for ``make bench`` (bench/run.py's MEASUREMENTS,
wired by the lead), also runnable alone: ``.venv/bin/python bench/report_bench.py [N]`` (uses
bench/.cache/scale-N.db, default N=10000, building it when missing).

``measure_ministry_report``: on a copy of the scale ledger, every agency below the national root that has not
yet submitted its report for the year the demo reported on (else the latest) does so (untimed); then the national report is built — its figures and each
agency's latest submitted version — and written as .docx and as the .xlsx annex. Target: within 5 s
at N=1 000 000.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 5.0

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def measure_ministry_report(db_path: Path, n: int) -> list[str]:
    from sqlalchemy import func, select

    from ledger.reports.ministry import files
    from ledger.services import report as service
    from ledger.store.access import SYSTEM
    from ledger.store.db import Database
    from ledger.store.models import BudgetLine, ReportVersion, Unit

    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "report.db"
        shutil.copyfile(db_path, copy)  # submissions are writes: never into the cached ledger
        db = Database(f"sqlite:///{copy}")
        try:
            with db.read() as session:
                # The year the scale demo's agencies reported on, else the latest.
                year = session.scalar(select(func.max(ReportVersion.year))) or session.scalar(select(func.max(BudgetLine.year)))
                root = session.scalars(select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.id)).first()
                agencies = list(session.scalars(select(Unit.code).where(Unit.parent_id == root.id).order_by(Unit.code)))
                # The scale demo's agencies submitted the year before today's; any other year is submitted here.
                done = set(session.scalars(select(Unit.code).join(ReportVersion, ReportVersion.unit_id == Unit.id).where(ReportVersion.year == year)))
            started = time.perf_counter()
            for code in agencies:
                if code not in done:
                    service.submit(db, SYSTEM, code, year)
            submitting = time.perf_counter() - started
            started = time.perf_counter()
            report = files.load(db, SYSTEM, root.code, year)
            built = time.perf_counter() - started
            docx = files.docx_bytes(report)
            xlsx = files.xlsx_bytes(report)
            elapsed = time.perf_counter() - started
        finally:
            db.dispose()
    verdict = "ok" if elapsed <= TARGET_SECONDS else f"OVER the {TARGET_SECONDS:.0f} s target"
    return [
        f"N={n} report setup: {len(agencies)} agencies submitted {year} in {submitting:.1f} s (untimed)",
        f"N={n} report national .docx + .xlsx: {elapsed:.2f} s (figures {built:.2f} s; {report.submitted}/{len(agencies)} submitted;"
        f" {len(docx) // 1024} KB + {len(xlsx) // 1024} KB) — {verdict}",
    ]


def main(argv: list[str]) -> int:
    from bench.run import ensure_database

    n = int(argv[0]) if argv else 10_000
    for line in measure_ministry_report(ensure_database(n), n):
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
